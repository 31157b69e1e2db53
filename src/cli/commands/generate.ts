import type { CommandModule } from "yargs";
import { createLogger } from "../../log.js";
import { UsageError } from "../../errors.js";
import { msg } from "../../messages.js";
import { continueWorld } from "../../synth/continue.js";
import { generateWorld, type GenerateResult } from "../../synth/generate.js";
import { formatSummary, summarizeWorld, type WorldSummary } from "../../synth/summary.js";
import { DEFAULT_END } from "../../synth/world.js";
import { emit } from "../output.js";

interface Args {
  subscribers: number;
  months?: number;
  seed: number;
  format: string;
  out?: string;
  end?: string;
  campaigns: boolean;
  continue?: string;
  contacts?: string[];
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
      .option("months", { type: "number", describe: "months of data ending at --end (default 12); with --continue, months to add (default 1)" })
      .option("seed", { type: "number", default: 1, describe: "random seed: the same seed gives byte-identical files" })
      .option("format", { type: "string", default: "parquet", describe: "csv or parquet" })
      .option("out", { type: "string", describe: "output folder (tables, and ground truth in <out>/truth/); with --continue, default the world itself" })
      .option("end", { type: "string", describe: `last day of data, YYYY-MM-DD (default ${DEFAULT_END}, fixed for reproducibility)` })
      .option("campaigns", { type: "boolean", default: true, describe: "draw the world's quarterly retention campaigns (--no-campaigns: a world with no campaign history)" })
      .option("continue", { type: "string", describe: "continue this generated world by --months months (its seed and options are read from WORLD/truth/world.json)" })
      .option("contacts", {
        type: "string",
        array: true,
        describe: "with --continue: a run folder of `churn score` (its contacts.csv) whose contacts fall in the first added month; their true effects are applied to the contacted subscribers, not to the held-out ones",
      })
      .option("summary", { type: "boolean", default: false, describe: "print the realism statistics of the generated world" })
      .option("json", { type: "boolean", default: false, describe: "print the result (and summary) as JSON" })
      .example("churn generate --subscribers 20000 --months 12 --seed 7 --out data/sample --summary", "a 20k-subscriber world with its realism statistics")
      .example("churn generate --subscribers 1000000 --months 6 --format parquet --out data/bench/world", "a 1M-subscriber world for benchmarks")
      .example("churn generate --continue data/world --contacts runs/2026-06-30 --months 1", "the world one month on, with the run's contacts applied") as never,
  handler: async (argv) => {
    const log = createLogger({ quiet: argv.quiet });
    if (argv.continue !== undefined) {
      const r = await continueWorld({ world: argv.continue, contacts: argv.contacts ?? [], months: argv.months ?? 1, out: argv.out, log });
      emit(
        r,
        () =>
          `continued ${r.out} by ${r.added.from} to ${r.added.to} (${r.continuedMonths} month(s) after the generated window): ${r.contacts.treatment} treated contacts (${r.contacts.reached} reached a subscriber still there), ${r.contacts.control} held out; ${r.files.map((f) => `${f.table} ${f.rows}`).join(", ")} rows in ${r.seconds.toFixed(1)} s`,
        { json: argv.json },
      );
      return;
    }
    if (argv.contacts !== undefined) throw new UsageError(msg.contactsNeedContinue());
    if (argv.out === undefined) throw new UsageError(msg.generateNeedsOut());
    const result: GenerateCommandResult = await generateWorld({
      subscribers: argv.subscribers,
      months: argv.months ?? 12,
      campaigns: argv.campaigns,
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
