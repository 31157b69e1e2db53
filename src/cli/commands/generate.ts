import type { CommandModule } from "yargs";
import { createLogger } from "../../log.js";
import { generateWorld, type GenerateResult } from "../../synth/generate.js";
import { formatSummary, summarizeWorld, type WorldSummary } from "../../synth/summary.js";
import { DEFAULT_END } from "../../synth/world.js";
import { emit } from "../output.js";

interface Args {
  subscribers: number;
  months: number;
  seed: number;
  format: string;
  out: string;
  end?: string;
  summary: boolean;
  json: boolean;
  quiet: boolean;
}

export interface GenerateCommandResult extends GenerateResult {
  summary?: WorldSummary;
}

export const generateCommand: CommandModule<object, Args> = {
  command: "generate",
  describe: "generate a synthetic telecom world (7 tables + truth/) for development and evaluation",
  builder: (y) =>
    y
      .option("subscribers", { type: "number", default: 20000, describe: "number of subscribers (current and former)" })
      .option("months", { type: "number", default: 12, describe: "months of data ending at --end" })
      .option("seed", { type: "number", default: 1, describe: "random seed: the same seed gives byte-identical files" })
      .option("format", { type: "string", default: "parquet", describe: "csv or parquet" })
      .option("out", { type: "string", demandOption: true, describe: "output folder (tables, and ground truth in <out>/truth/)" })
      .option("end", { type: "string", describe: `last day of data, YYYY-MM-DD (default ${DEFAULT_END}, fixed for reproducibility)` })
      .option("summary", { type: "boolean", default: false, describe: "print the realism statistics of the generated world" })
      .option("json", { type: "boolean", default: false, describe: "print the result (and summary) as JSON" })
      .example("churn generate --subscribers 20000 --months 12 --seed 7 --out data/sample --summary", "a 20k-subscriber world with its realism statistics")
      .example("churn generate --subscribers 1000000 --months 6 --format parquet --out data/bench/world", "a 1M-subscriber world for benchmarks") as never,
  handler: async (argv) => {
    const log = createLogger({ quiet: argv.quiet });
    const result: GenerateCommandResult = await generateWorld({
      subscribers: argv.subscribers,
      months: argv.months,
      seed: argv.seed,
      format: argv.format as "csv" | "parquet",
      out: argv.out,
      end: argv.end,
      log,
    });
    if (argv.summary) result.summary = await summarizeWorld(argv.out);
    emit(
      result,
      () => {
        const head = `generated ${result.files.map((f) => `${f.table} ${f.rows}`).join(", ")} rows in ${result.seconds.toFixed(1)} s (${result.start} to ${result.end}) -> ${result.out}; truth in ${result.truthDir}`;
        return result.summary ? `${head}\n${formatSummary(result.summary)}` : head;
      },
      { json: argv.json },
    );
  },
};
