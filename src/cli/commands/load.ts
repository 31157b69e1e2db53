import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { type LoadClusterResult, loadIntoCluster } from "../../pipeline/load.js";
import { emit } from "../output.js";

interface Args {
  data?: string;
  clickhouse?: string;
  json: boolean;
  quiet: boolean;
  config?: string;
}

export const loadCommand: CommandModule<object, Args> = {
  command: "load",
  describe: "load raw tables (a generated world, an export) into a ClickHouse cluster, sharded by subscriber, for trials and tests",
  builder: (y) =>
    y
      .option("data", { type: "string", describe: "folder with subscribers, usage, billing, ... (.csv or .parquet); default data.dir of the config" })
      .option("clickhouse", { type: "string", describe: "HTTP URL of the node that takes queries (default clickhouse.url, or CHURN_CLICKHOUSE_URL)" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("churn load --data data/sample --clickhouse http://127.0.0.1:8123", "load a generated world into the cluster")
      .epilogue(
        "Creates, on every node of the cluster clickhouse.cluster (default churn), the database clickhouse.database (default churn) and per table a MergeTree <table>_local plus a Distributed <table> sharded by sipHash64(subscriber_id); existing ones are replaced. Rows with a value that cannot be typed (bad_date, bad_number, ...) are left out and counted; every other row is loaded as it is, and `churn features --clickhouse` validates them on the cluster. Operators' own tables are already there: this command is for trials. Credentials: CHURN_CLICKHOUSE_USER and CHURN_CLICKHOUSE_PASSWORD.",
      ) as never,
  handler: async (argv) => {
    const config = loadConfig(argv.config);
    const url = argv.clickhouse ?? config.clickhouse.url ?? process.env["CHURN_CLICKHOUSE_URL"];
    if (url === undefined) throw new UsageError(msg.chUrlMissing("churn load"));
    const r = await loadIntoCluster({ dir: argv.data, url, config, log: createLogger({ quiet: argv.quiet }) });
    emit(r, () => loadText(r), { json: argv.json });
  },
};

function loadText(r: LoadClusterResult): string {
  const lines = [`loaded into ${r.database} on cluster ${r.cluster} (${r.nodes.length} nodes) in ${r.seconds.toFixed(1)} s`];
  for (const t of r.tables) {
    const skipped = Object.entries(t.skipped_by_reason).map(([k, v]) => `${k} ${v}`);
    lines.push(`  ${t.table}: ${t.loaded} of ${t.rows} rows -> ${t.name}${skipped.length ? ` (left out: ${skipped.join(", ")})` : ""}`);
  }
  return lines.join("\n");
}
