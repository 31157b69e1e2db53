import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { BACKENDS, type BackendName, currentBackend, describeBackend } from "../../model/backend.js";
import type { CalibrationMethod } from "../../model/calibration.js";
import { featureTrainingInput, tableTrainingInput } from "../../model/inputs.js";
import { type TrainResult, trainAndRegister } from "../../model/train.js";
import { renderModelCardHtml } from "../../report/from-model.js";
import { MODEL_CHOICES, type ModelChoice } from "../../model/trainers.js";
import { emit } from "../output.js";

export interface TrainArgs {
  features?: string | undefined;
  table?: string | undefined;
  label?: string | undefined;
  positive?: string | undefined;
  id?: string | undefined;
  horizon?: string | undefined;
  model: ModelChoice;
  calibration: CalibrationMethod | "auto";
  backend?: BackendName | undefined;
  out: string;
  modelId?: string | undefined;
  promote?: boolean | undefined;
  json?: boolean | undefined;
  seed?: number | undefined;
  config?: string | undefined;
  quiet?: boolean | undefined;
  backtest?: number | undefined;
}

export async function trainFromArgs(a: TrainArgs): Promise<TrainResult> {
  if ((a.features === undefined) === (a.table === undefined)) throw new UsageError(msg.trainSource());
  if (a.table !== undefined && (a.label === undefined || a.positive === undefined)) throw new UsageError(msg.tableNeedsLabel());
  if (a.backtest !== undefined && (!Number.isInteger(a.backtest) || a.backtest < 1 || a.backtest > 60)) throw new UsageError(msg.backtestInvalid(a.backtest));
  if (a.backtest !== undefined && a.features === undefined) throw new UsageError(msg.backtestNeedsFeatures());
  const config = loadConfig(a.config);
  const seed = a.seed ?? config.seed;
  const log = createLogger({ quiet: a.quiet ?? false });
  const input =
    a.features !== undefined
      ? await featureTrainingInput(a.features, a.horizon ?? config.features.horizon)
      : await tableTrainingInput({ path: a.table!, label: a.label!, positive: a.positive!, id: a.id }, seed);
  const result = await trainAndRegister(input, {
    model: a.model,
    seed,
    calibration: a.calibration,
    backend: a.backend,
    modelsDir: a.out,
    id: a.modelId,
    promote: a.promote,
    config,
    backtest: a.backtest,
    renderCard: renderModelCardHtml,
    onLog: (l) => log.info(l),
  });
  const backend = currentBackend();
  if (backend) log.info(describeBackend(backend));
  return result;
}

export function trainText(r: TrainResult): string {
  const v = r.validation;
  return [
    `model ${r.id} (${r.kind}) written to ${r.dir}`,
    r.selection ? `auto: validation AUC logistic ${r.selection.logistic.toFixed(4)}, mlp ${r.selection.mlp.toFixed(4)} → ${r.selection.chosen}` : "",
    `validation: AUC ${v.auc.toFixed(4)}, PR-AUC ${v.prAuc.toFixed(4)}, log loss ${v.logLoss.toFixed(4)}, Brier ${v.brier.toFixed(4)}, lift@10% ${v.lift10.toFixed(2)} (${v.n} rows, ${v.positives} churners)`,
    `calibration ${r.ece.method}: ECE ${r.ece.before.toFixed(4)} → ${r.ece.after.toFixed(4)} (10 bins, on the validation rows it was fitted on)`,
    `champion: ${r.champion.promoted ? "promoted" : "not promoted"} (${r.champion.reason})`,
    r.modelCard ? `model card: ${r.modelCard}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: "train",
  describe: "train a model, write models/<id>/ (weights, preprocessing, calibration, bands, metrics, checksums) and update the champion",
  builder: (y) =>
    y
      .option("features", { type: "string", describe: "feature table from `churn features` (time-honest split)" })
      .option("table", { type: "string", describe: "flat CSV/Parquet table, one row per customer (stratified 80/20 split)" })
      .option("label", { type: "string", describe: "label column of --table" })
      .option("positive", { type: "string", describe: "label value that marks a churner (with --table)" })
      .option("id", { type: "string", describe: "id column of --table (excluded from features)" })
      .option("horizon", { type: "string", describe: "label horizon of the feature table, e.g. 30d or 1mo (default: config features.horizon)" })
      .option("model", { choices: MODEL_CHOICES, default: "logistic" as ModelChoice, describe: "logistic, mlp, or auto (pick on validation)" })
      .option("calibration", { choices: ["auto", "platt", "isotonic", "none"] as const, default: "auto" as const, describe: "auto: none for logistic, platt for mlp" })
      .option("backend", { choices: BACKENDS, describe: "TensorFlow.js backend for the mlp" })
      .option("out", { type: "string", default: "models", describe: "models directory" })
      .option("model-id", { type: "string", describe: "id of the new model (default <kind>-<UTC timestamp>)" })
      .option("promote", { type: "boolean", default: false, describe: "make it the champion even if it does not beat the current one" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("seed", { type: "number", describe: "seed (default: config seed)" })
      .option("backtest", { type: "number", describe: "with --features: rolling-origin backtest over the last N complete as-of dates, each trained only on snapshots whose outcome window closed before it (shown in the model card)" })
      .example("churn train --features out/features.parquet --model auto --out models/", "train on snapshots, validate on the latest complete one")
      .example("churn train --features out/features.parquet --backtest 3", "also backtest the last 3 complete as-of dates")
      .example("churn train --table telco.csv --label Churn --positive Yes --id customerID --model logistic", "train on a flat table") as never,
  handler: async (argv) => {
    const r = await trainFromArgs(argv);
    emit(r, () => trainText(r), { json: argv.json });
  },
};
