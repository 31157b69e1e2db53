import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { CALL_LIST_FORMATS, type CallListFormat } from "../../config/retention.js";
import { UsageError } from "../../errors.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { mergeRun } from "../../pipeline/merge.js";
import { emit } from "../output.js";
import { scoreText } from "./score.js";

interface Args {
  merge?: string[];
  out: string;
  budget?: number;
  format?: CallListFormat;
  "allow-drift": boolean;
  wait: number;
  json: boolean;
  quiet: boolean;
  config?: string;
}

export const planCommand: CommandModule<object, Args> = {
  command: "plan",
  describe: "plan the retention of a sharded scoring run: merge its shard results under one exact budget",
  builder: (y) =>
    y
      .option("merge", { type: "string", array: true, describe: "the shard results (--out folders of churn score --shard k/K), one per shard" })
      .option("out", { type: "string", demandOption: true, describe: "run directory to write (replaced atomically)" })
      .option("budget", { type: "number", describe: "retention budget for this run (default retention.budget; none = no limit)" })
      .option("format", { choices: CALL_LIST_FORMATS, describe: "CSV dialect of the call lists: utf8, utf8-bom (Excel), semicolon (`;` and decimal comma); default retention.callLists.format" })
      .option("allow-drift", { type: "boolean", default: false, describe: "write the run even when the input looks broken (or shifted, with scoring.stopOnShift)" })
      .option("wait", { type: "number", default: 0, describe: "seconds to wait when another run holds the output lock" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .example("churn plan --merge out/shard-0 out/shard-1 out/shard-2 out/shard-3 --budget 50000 --out out/run", "one plan over 4 shards")
      .epilogue(
        "Learns the effects from every shard's contact waves (segment cells and the per-subscriber uplift model), applies the contact rules and the period budget of RUN_DIR's runs folder, the budget, the actions' capacities, the selection's repair and the holdout over every shard's subscribers at once, and writes the same run folder as one `churn score` on the same inputs (risk_list.csv|parquet, scores.parquet, rejects.csv, contacts.csv, call_lists/, changes.csv, summary.json, report.html, manifest.json), then the contacts log and budget ledger. Exit 2 when the results are not one run (another model, as-of, input or contacts log, a shard missing or twice); exit 4 when the input over all shards looks broken unless --allow-drift.",
      ) as never,
  handler: async (argv) => {
    if (!argv.merge?.length) throw new UsageError(msg.mergeNoShards());
    const config = loadConfig(argv.config);
    const r = await mergeRun({
      shards: argv.merge,
      out: argv.out,
      config,
      budget: argv.budget,
      allowDrift: argv["allow-drift"],
      wait: argv.wait,
      format: argv.format,
      log: createLogger({ quiet: argv.quiet }),
    });
    emit(r, () => scoreText(r), { json: argv.json });
  },
};
