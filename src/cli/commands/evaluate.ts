import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { parseDate } from "../../features/periods.js";
import { createLogger } from "../../log.js";
import { type RunEvaluation, evaluateRun, evaluationText } from "../../pipeline/evaluate.js";
import { emit } from "../output.js";

export interface EvaluateArgs {
  run: string;
  data: string;
  horizon?: string | undefined;
  models?: string | undefined;
  "data-end"?: string | undefined;
  json?: boolean | undefined;
  config?: string | undefined;
  quiet?: boolean | undefined;
}

export function evaluateFromArgs(a: EvaluateArgs): Promise<RunEvaluation> {
  const config = loadConfig(a.config);
  return evaluateRun({
    runDir: a.run,
    dataDir: a.data,
    config,
    horizon: a.horizon,
    modelsDir: a.models,
    dataEnd: a["data-end"] !== undefined ? parseDate(a["data-end"], "--data-end") : undefined,
    log: createLogger({ quiet: a.quiet ?? false }),
  });
}

export const evaluateCommand: CommandModule<object, EvaluateArgs> = {
  command: "evaluate",
  describe: "once an earlier run's horizon has passed, compare its list with what happened (realised churn by band, AUC, lift, selected who stayed); writes RUN_DIR/evaluation.json",
  builder: (y) =>
    y
      .option("run", { type: "string", demandOption: true, describe: "run directory written by `churn score --out`" })
      .option("data", { type: "string", demandOption: true, describe: "data directory with the subscribers table now (deactivations after the run's as-of date)" })
      .option("horizon", { type: "string", describe: "outcome horizon, e.g. 30d or 1mo (default: the run manifest's, else the one its model was trained on)" })
      .option("models", { type: "string", default: "models", describe: "models directory, to find the horizon the run's model was trained on" })
      .option("data-end", { type: "string", describe: "last day the data covers (default: the latest date in the tables)" })
      .option("json", { type: "boolean", default: false, describe: "print the evaluation as JSON" })
      .example("churn evaluate --run runs/2026-03-31 --data exports/2026-05-15/", "how did the March list turn out?")
      .example("churn evaluate --run runs/2026-03-31 --data exports/latest --json", "the same as JSON (also in runs/2026-03-31/evaluation.json)") as never,
  handler: async (argv) => {
    const r = await evaluateFromArgs(argv);
    emit(r, () => evaluationText(r), { json: argv.json });
  },
};
