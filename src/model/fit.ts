/**
 * Fit the whole model stage on one split: preprocessing (fitted on the fit rows only) → model (logistic,
 * mlp, or `auto`: both, keep the better validation AUC) → calibration on the validation rows' predictions.
 * Used by cross-validation (cv.ts) and by training (train.ts).
 */
import type { BackendName } from "./backend.js";
import { applyCalibration, type CalibrationMethod, type Calibrator, fitCalibration } from "./calibration.js";
import type { LogisticOptions } from "./logistic.js";
import { rocAuc } from "./metrics.js";
import { type PreprocessOptions, Preprocessor } from "./preprocess.js";
import { type RawTable, takeRows } from "../raw-table.js";
import { type ModelChoice, type ModelKind, trainerFor } from "./trainers.js";
import type { FittedModel, Labels, ModelTrainer } from "./types.js";

export interface PipelineOptions {
  model: ModelChoice;
  seed: number;
  /** auto: none for logistic (maximum likelihood already calibrates it; Platt on a refitted model only added noise), platt for mlp. */
  calibration: CalibrationMethod | "auto";
  backend?: BackendName | undefined;
  preprocess?: Partial<PreprocessOptions> | undefined;
  logistic?: Partial<LogisticOptions> | undefined;
  /** mlp hyper-parameters passed to createMlpTrainer (tests use a small net). */
  mlp?: Record<string, unknown> | undefined;
  /**
   * Give the validation rows to the model for early stopping (default true: in cv they are carved from the
   * training folds). `churn train` reports its metrics on them, so it sets false and the mlp holds out part
   * of its own training rows instead.
   */
  validForEarlyStopping?: boolean | undefined;
  /** auto picks the mlp only when its validation AUC beats logistic's by more than this. */
  autoMargin?: number | undefined;
  onLog?: ((line: string) => void) | undefined;
}

export interface FittedPipeline {
  pre: Preprocessor;
  model: FittedModel;
  calibrator: Calibrator;
  /** Validation rows: labels, raw model scores, calibrated probabilities. */
  valid: { y: Labels; raw: Float32Array; calibrated: Float32Array };
  /** With auto: the validation AUC of each candidate. */
  selection?: { logistic: number; mlp: number; chosen: ModelKind };
  fitSeconds: number;
}

export function labelsOf(y: Labels, rows: ArrayLike<number>): Labels {
  return Float32Array.from({ length: rows.length }, (_, k) => y[rows[k]!]!);
}

/** Predict raw and calibrated probabilities for a table. */
export async function predictPipeline(p: { pre: Preprocessor; model: FittedModel; calibrator: Calibrator }, table: RawTable, where = "input"): Promise<{ raw: Float32Array; calibrated: Float32Array }> {
  const X = p.pre.transform(table, where);
  const raw = await p.model.predict(X);
  return { raw, calibrated: applyCalibration(p.calibrator, raw) };
}

export async function fitPipeline(table: RawTable, y: Labels, fitRows: number[], validRows: number[], o: PipelineOptions): Promise<FittedPipeline> {
  const t0 = performance.now();
  const log = o.onLog;
  const fitTable = takeRows(table, fitRows);
  const validTable = takeRows(table, validRows);
  const yFit = labelsOf(y, fitRows);
  const yValid = labelsOf(y, validRows);
  const pre = Preprocessor.fit(fitTable, o.preprocess ?? {});
  const Xfit = pre.transform(fitTable);
  const Xvalid = pre.transform(validTable);
  const kinds: ModelKind[] = o.model === "auto" ? ["logistic", "mlp"] : [o.model];
  const fitted: { kind: ModelKind; model: FittedModel; raw: Float32Array; auc: number }[] = [];
  for (const kind of kinds) {
    const trainer = await trainerFor(kind, { backend: o.backend, logistic: o.logistic, mlp: o.mlp });
    const model = await trainer.fit(Xfit, yFit, {
      seed: o.seed,
      ...(o.validForEarlyStopping === false ? {} : { valid: { X: Xvalid, y: yValid } }),
      ...(log ? { onLog: log } : {}),
    });
    const raw = await model.predict(Xvalid);
    fitted.push({ kind, model, raw, auc: rocAuc(yValid, raw) });
  }
  let best = fitted[0]!;
  let selection: FittedPipeline["selection"];
  if (o.model === "auto") {
    const lr = fitted.find((f) => f.kind === "logistic")!;
    const mlp = fitted.find((f) => f.kind === "mlp")!;
    best = mlp.auc > lr.auc + (o.autoMargin ?? 0.002) ? mlp : lr;
    for (const f of fitted) if (f !== best) f.model.dispose();
    selection = { logistic: lr.auc, mlp: mlp.auc, chosen: best.kind };
    log?.(`auto: validation AUC logistic ${lr.auc.toFixed(4)}, mlp ${mlp.auc.toFixed(4)} → ${best.kind}`);
  }
  const method = o.calibration === "auto" ? (best.kind === "logistic" ? "none" : "platt") : o.calibration;
  const calibrator = fitCalibration(method, best.raw, yValid);
  const out: FittedPipeline = {
    pre,
    model: best.model,
    calibrator,
    valid: { y: yValid, raw: best.raw, calibrated: applyCalibration(calibrator, best.raw) },
    fitSeconds: (performance.now() - t0) / 1000,
  };
  if (selection) out.selection = selection;
  return out;
}

/** Refit preprocessing and `trainer` on more rows (e.g. fit + validation rows), keeping the calibrator. */
async function refit(p: FittedPipeline, table: RawTable, y: Labels, rows: number[], o: PipelineOptions, trainer: ModelTrainer, onLog?: (line: string) => void): Promise<FittedPipeline> {
  const t0 = performance.now();
  const t = takeRows(table, rows);
  const pre = Preprocessor.fit(t, o.preprocess ?? {});
  const model = await trainer.fit(pre.transform(t), labelsOf(y, rows), { seed: o.seed, ...(onLog ? { onLog } : {}) });
  p.model.dispose();
  return { ...p, pre, model, fitSeconds: p.fitSeconds + (performance.now() - t0) / 1000 };
}

/** Refit preprocessing and logistic on more rows (e.g. fit + validation rows), keeping the calibrator. */
export async function refitLogistic(p: FittedPipeline, table: RawTable, y: Labels, rows: number[], o: PipelineOptions): Promise<FittedPipeline> {
  return refit(p, table, y, rows, o, await trainerFor("logistic", { logistic: o.logistic }));
}

/**
 * Refit an mlp on more rows (e.g. fit + validation rows) for the epochs its members found best, with the same
 * learning-rate schedule, keeping the calibrator (fitted on the first model's validation predictions).
 */
export async function refitMlp(p: FittedPipeline, table: RawTable, y: Labels, rows: number[], o: PipelineOptions): Promise<FittedPipeline> {
  const members = ((await p.model.save()).spec["training"] as { members?: { schedule?: number[] }[] } | undefined)?.members;
  const schedule = members?.map((m) => m.schedule ?? []);
  if (!schedule?.length || schedule.some((s) => s.length === 0)) return p; // nothing to replay: keep the model
  return refit(p, table, y, rows, o, await trainerFor("mlp", { backend: o.backend, mlp: { ...(o.mlp ?? {}), schedule } }), o.onLog);
}
