import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import type { Config } from "../../config/schema.js";
import { type BuildResult, buildFeatureTable } from "../../features/build.js";
import { buildFeatureTableOnCluster } from "../../features/build-cluster.js";
import { parseAsOf, parseDate, parsePeriod } from "../../features/periods.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { type CacheArgs, cacheFrom, cacheOptions } from "../cache-options.js";
import { emit } from "../output.js";

interface Args extends CacheArgs {
  data?: string;
  clickhouse?: string;
  "as-of"?: string;
  "as-of-range"?: string;
  every?: string;
  horizon?: string;
  "data-end"?: string;
  out: string;
  json: boolean;
  quiet: boolean;
  config?: string;
}

const FLAT_TABLES = `Flat tables (one row per customer with a label column, e.g. a warehouse export or a public churn
dataset) are already feature tables: this command is not needed for them. Train on them directly:
  churn train --table file.csv --label Churn --positive Yes [--id customerID]
Every other column is typed automatically (numeric, or categorical otherwise); blank and NA are missing.`;

export const featuresCommand: CommandModule<object, Args> = {
  command: "features",
  describe: "build the feature table (one row per subscriber and as-of date, with the churn label) from the raw tables",
  builder: (y) =>
    cacheOptions(y)
      .option("data", { type: "string", describe: "folder with subscribers, usage, billing, ... (.csv or .parquet); default data.dir of the config" })
      .option("clickhouse", {
        type: "string",
        describe: "compute the features inside this ClickHouse cluster (HTTP URL of the node that takes queries) instead of from files; also with source: clickhouse in the config",
      })
      .option("as-of", { type: "string", describe: "as-of date(s), YYYY-MM-DD, comma-separated" })
      .option("as-of-range", { type: "string", describe: "START..END: as-of dates from START every --every up to END" })
      .option("every", { type: "string", describe: "step of --as-of-range: 7d, 2w, 1mo (default features.every, 1mo)" })
      .option("horizon", { type: "string", describe: "label horizon: churned within (as-of, as-of + horizon] (default features.horizon, 30d)" })
      .option("data-end", {
        type: "string",
        describe: "last day the data covers (default: the latest date in the tables); labels whose horizon ends after it are empty",
      })
      .option("out", { type: "string", demandOption: true, describe: "output file: Parquet, or CSV when it ends in .csv; the sidecar is FILE.json" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("churn features --data data/sample --as-of 2026-06-30 --out features.parquet", "one snapshot to score")
      .example(
        "churn features --data data/sample --as-of-range 2025-07-31..2026-05-31 --every 1mo --horizon 30d --out train.parquet",
        "11 monthly snapshots with labels, to train on",
      )
      .example("churn features --data exports/ --as-of 2026-06-30 --data-end 2026-07-31 --out features.csv", "CSV output; state where the data ends")
      .example("churn features --clickhouse http://127.0.0.1:8123 --as-of 2026-06-30 --horizon 30d --out features.csv", "computed shard by shard in a ClickHouse cluster")
      .epilogue(
        `Output: columns subscriber_id, as_of, the features, label (1, 0, or empty when unknown). The sidecar FILE.json lists every feature with its type, unit and description, the as-of dates, horizon, end of the data, input file hashes, row counts, and the feature families skipped and why.\n\nFeatures read only rows dated on or before each as-of date. A subscriber is in a snapshot when activated on or before as-of and not deactivated on or before it.\n\n${FLAT_TABLES}`,
      ) as never,
  handler: async (argv) => {
    const config = loadConfig(argv.config);
    if (argv.every !== undefined && argv["as-of-range"] === undefined) throw new UsageError(msg.featEveryWithoutRange());
    const asOf = parseAsOf({ asOf: argv["as-of"], range: argv["as-of-range"], every: argv.every ?? config.features.every });
    const horizon = parsePeriod(argv.horizon ?? config.features.horizon, "--horizon");
    const dataEnd = argv["data-end"] !== undefined ? parseDate(argv["data-end"], "--data-end") : undefined;
    const log = createLogger({ quiet: argv.quiet });
    const url = clickhouseUrl(argv.clickhouse, argv.data, config);
    const result =
      url !== undefined
        ? await buildFeatureTableOnCluster({ config, url, asOf, horizon, dataEnd, out: argv.out, log })
        : await buildFeatureTable({ config, dir: argv.data, asOf, horizon, dataEnd, out: argv.out, log, cache: cacheFrom(argv, config, argv.out) });
    emit(result, () => describe(result), { json: argv.json });
  },
};

/**
 * The ClickHouse URL when the raw tables are read from ClickHouse (--clickhouse, or source: clickhouse with
 * clickhouse.url or CHURN_CLICKHOUSE_URL), undefined when they are files.
 */
export function clickhouseUrl(flag: string | undefined, data: string | undefined, config: Config): string | undefined {
  if (flag !== undefined && data !== undefined) throw new UsageError(msg.chDataAndClickhouse());
  if (flag !== undefined) return flag;
  if (data !== undefined || config.source !== "clickhouse") return undefined;
  const url = config.clickhouse.url ?? process.env["CHURN_CLICKHOUSE_URL"];
  if (url === undefined) throw new UsageError(msg.chUrlMissing("source: clickhouse"));
  return url;
}

function describe(r: BuildResult): string {
  const lines = [
    `wrote ${r.rows} rows x ${r.features} features to ${r.out} (${r.format}) in ${r.seconds.toFixed(1)} s; sidecar ${r.sidecar}`,
    `data end ${r.dataEnd}`,
  ];
  for (const a of r.asOf) {
    lines.push(`  as-of ${a.as_of}: ${a.rows} subscribers, ${a.label_known ? `${a.positives} churned by ${a.horizon_end}` : `label unknown (${a.horizon_end} is after the data end)`}`);
  }
  for (const f of r.familiesSkipped) lines.push(`  skipped ${f.id}: ${f.reason}`);
  return lines.join("\n");
}
