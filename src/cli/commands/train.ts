import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import { UsageError } from "../../errors.js";
import { createLogger } from "../../log.js";
import { msg } from "../../messages.js";
import { BACKENDS, type BackendName, currentBackend, describeBackend } from "../../model/backend.js";
import type { CalibrationMethod } from "../../model/calibration.js";
import { featureTrainingInput, parseExclude, tableTrainingInput } from "../../model/inputs.js";
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
  /** CPU seconds each mlp member may train for (default: MLP_DEFAULTS.timeBudgetSeconds). */
  mlpBudget?: number | undefined;
  out: string;
  modelId?: string | undefined;
  promote?: boolean | undefined;
  json?: boolean | undefined;
  seed?: number | undefined;
  config?: string | undefined;
  quiet?: boolean | undefined;
  backtest?: number | undefined;
  exclude?: string | string[] | undefined;
}

export async function trainFromArgs(a: TrainArgs): Promise<TrainResult> {
  if ((a.features === undefined) === (a.table === undefined)) throw new UsageError(msg.trainSource());
  if (a.table !== undefined && (a.label === undefined || a.positive === undefined)) throw new UsageError(msg.tableNeedsLabel());
  if (a.backtest !== undefined && (!Number.isInteger(a.backtest) || a.backtest < 1 || a.backtest > 60)) throw new UsageError(msg.backtestInvalid(a.backtest));
  if (a.backtest !== undefined && a.features === undefined) throw new UsageError(msg.backtestNeedsFeatures());
  if (a.mlpBudget !== undefined && !(Number.isFinite(a.mlpBudget) && a.mlpBudget > 0)) throw new UsageError(msg.mlpBudgetInvalid(a.mlpBudget));
  const config = loadConfig(a.config);
  const seed = a.seed ?? config.seed;
  const log = createLogger({ quiet: a.quiet ?? false });
  const exclude = parseExclude(a.exclude);
  const input =
    a.features !== undefined
      ? await featureTrainingInput(a.features, a.horizon ?? config.features.horizon, { exclude, csv: config.data.csv })
      : await tableTrainingInput({ path: a.table!, label: a.label!, positive: a.positive!, id: a.id, exclude, csv: config.data.csv }, seed);
  const result = await trainAndRegister(input, {
    model: a.model,
    seed,
    calibration: a.calibration,
    backend: a.backend,
    ...(a.mlpBudget !== undefined ? { mlp: { timeBudgetSeconds: a.mlpBudget } } : {}),
    modelsDir: a.out,
    id: a.modelId,
    promote: a.promote,
    promotionAlpha: config.training.promotion.alpha,
    config,
    backtest: a.backtest,
    renderCard: renderModelCardHtml,
    onLog: (l) => log.info(l),
  });
  const backend = currentBackend();
  if (backend) log.info(describeBackend(backend));
  return result;
}

const int = (v: number) => v.toLocaleString("en-US");

export function trainText(r: TrainResult): string {
  const v = r.validation;
  const c = r.calibration;
  const rows = [
    `${int(r.rows.training)} training rows`,
    ...(r.rows.earlyStopping ? [`of which ${int(r.rows.earlyStopping)} early-stopping rows`] : []),
    ...(r.rows.calibration ? [`${int(r.rows.calibration)} calibration rows`] : []),
    `${int(r.rows.validation)} validation rows`,
  ];
  const where =
    c.design === "separate-rows"
      ? `fitted on the calibration rows; ECE on the validation rows`
      : c.design === "cross-fitted"
        ? "cross-fitted on the validation rows (5 folds); ECE on rows each calibrator did not see"
        : "fitted on the validation rows";
  return [
    `model ${r.id} (${r.kind}) written to ${r.dir}`,
    ...r.notes.map((n) => `note: ${n}`),
    `rows: ${rows.join(", ")}`,
    r.selection ? `auto: AUC on the ${r.selection.on} logistic ${r.selection.logistic.toFixed(4)}, mlp ${r.selection.mlp.toFixed(4)} → ${r.selection.chosen}` : "",
    `validation: AUC ${v.auc.toFixed(4)} (95% interval ${r.aucInterval.low.toFixed(4)}-${r.aucInterval.high.toFixed(4)}), PR-AUC ${v.prAuc.toFixed(4)}, log loss ${v.logLoss.toFixed(4)}, Brier ${v.brier.toFixed(4)}, lift@10% ${v.lift10.toFixed(2)} (${int(v.n)} rows, ${int(v.positives)} churners)`,
    `calibration ${r.ece.method}${c.reason === "requested" ? "" : ` (${c.reason})`}: ECE ${r.ece.before.toFixed(4)} → ${r.ece.after.toFixed(4)} (10 bins; ${where})`,
    `champion: ${r.champion.promoted ? "promoted" : "not promoted"} (${r.champion.reason})`,
    r.modelCard ? `model card: ${r.modelCard}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

export const trainCommand: CommandModule<object, TrainArgs> = {
  command: "train",
  describe: "train a model, write models/<id>/ (weights, preprocessing, calibration, bands, metrics, checksums) and promote it to champion when it beats the current one on the same rows",
  builder: (y) =>
    y
      .option("features", { type: "string", describe: "feature table from `churn features` (time-honest split)" })
      .option("table", { type: "string", describe: "flat CSV/Parquet table, one row per customer or several kept together by --id (stratified 80/20 split)" })
      .option("label", { type: "string", describe: "label column of --table" })
      .option("positive", { type: "string", describe: "label value that marks a churner (with --table)" })
      .option("id", { type: "string", describe: "id column of --table (excluded from features); when an id repeats, the validation split keeps each id's rows on one side" })
      .option("exclude", { type: "string", describe: "columns that are not features, comma-separated (e.g. --exclude TotalCharges,signup_channel); a column named fold is always left out" })
      .option("horizon", { type: "string", describe: "label horizon of the feature table, e.g. 30d or 1mo (default: config features.horizon)" })
      .option("model", { choices: MODEL_CHOICES, default: "logistic" as ModelChoice, describe: "logistic, mlp, or auto (pick on validation)" })
      .option("calibration", { choices: ["auto", "platt", "isotonic", "none"] as const, default: "auto" as const, describe: "auto: Platt unless the held-out scores are already calibrated (ECE at most 0.02 and Platt does not lower their log loss)" })
      .option("mlp-budget", { type: "number", describe: "CPU seconds each member of the mlp may train for (its own thread's CPU time); when it runs out, training stops and the model card says so (default 240)" })
      .option("backend", { choices: BACKENDS, describe: "TensorFlow.js backend for the mlp" })
      .option("out", { type: "string", default: "models", describe: "models directory" })
      .option("model-id", { type: "string", describe: "id of the new model (default <kind>-<UTC timestamp>)" })
      .option("promote", { type: "boolean", default: false, describe: "make it the champion even if a paired test does not show it beats the current one (alpha: config training.promotion.alpha)" })
      .option("json", { type: "boolean", default: false, describe: "print the result as JSON" })
      .option("seed", { type: "number", describe: "seed (default: config seed)" })
      .option("backtest", { type: "number", describe: "with --features: rolling-origin backtest over the last N complete as-of dates, each trained only on snapshots whose outcome window closed before it (shown in the model card)" })
      .example("churn train --features out/features.parquet --model auto --out models/", "train on snapshots, calibrate on the one before the latest complete one, validate on the latest")
      .example("churn train --features out/features.parquet --backtest 3", "also backtest the last 3 complete as-of dates")
      .example("churn train --table telco.csv --label Churn --positive Yes --id customerID --model logistic", "train on a flat table")
      .example("churn train --table export.csv --label churned --positive 1 --exclude fold,region --config churn.config.yaml", "leave columns out; the config's data.csv dialect (e.g. ';' and decimal ',') applies") as never,
  handler: async (argv) => {
    const r = await trainFromArgs(argv);
    emit(r, () => trainText(r), { json: argv.json });
  },
};
