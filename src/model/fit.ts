/**
 * Fit the whole model stage on one split: preprocessing (fitted on the fit rows only) → model (logistic,
 * mlp, or `auto`: both, keep the better AUC on the calibration rows) → calibration → predictions on the
 * validation rows. Used by cross-validation (cv.ts), training (train.ts) and the backtest.
 *
 * Where the calibrator is fitted (`calibrationRows`):
 *   rows        separate held-out rows (churn train on a feature table: the snapshot before the validation one);
 *               the validation rows are then unseen by model, early stopping and calibrator alike
 *   "cross-fit" the validation rows, cross-fitted: each validation row's probability comes from a calibrator
 *               fitted on the other folds (`valid.heldOut`); the calibrator kept is fitted on all of them
 *   undefined   the validation rows themselves (cv's inner split, whose metrics are on the held-out fold)
 */
import type { BackendName } from "./backend.js";
import { applyCalibration, type CalibrationMethod, type Calibrator, crossFitCalibration, fitChosenCalibration } from "./calibration.js";
import type { LogisticOptions } from "./logistic.js";
import { rocAuc } from "./metrics.js";
import { type PreprocessOptions, Preprocessor } from "./preprocess.js";
import { type RawTable, takeRows } from "../raw-table.js";
import { type ModelChoice, type ModelKind, trainerFor } from "./trainers.js";
import type { FittedModel, Labels, Matrix, ModelTrainer } from "./types.js";

export interface PipelineOptions {
  model: ModelChoice;
  seed: number;
  /** auto: Platt unless the held-out scores are already calibrated (chooseCalibration in calibration.ts). */
  calibration: CalibrationMethod | "auto";
  backend?: BackendName | undefined;
  preprocess?: Partial<PreprocessOptions> | undefined;
  logistic?: Partial<LogisticOptions> | undefined;
  /** mlp hyper-parameters passed to createMlpTrainer (tests use a small net). */
  mlp?: Record<string, unknown> | undefined;
  /**
   * Give the validation rows to the model for early stopping (default true: in cv they are carved from the
   * training folds). `churn train` reports its metrics on them, so it sets false and the mlp holds out part
   * of its own training rows (its early-stopping rows) instead.
   */
  validForEarlyStopping?: boolean | undefined;
  /** Where the calibrator is fitted: see the module comment. */
  calibrationRows?: number[] | "cross-fit" | undefined;
  /** Group of each table row (a repeated customer id of a flat table): the mlp's own early-stopping rows keep groups whole. */
  groups?: Int32Array | undefined;
  /** auto picks the mlp only when its AUC beats logistic's by more than this. */
  autoMargin?: number | undefined;
  onLog?: ((line: string) => void) | undefined;
}

export interface CalibrationInfo {
  method: CalibrationMethod;
  /** separate-rows, cross-fitted or in-sample (see the module comment). */
  design: "separate-rows" | "cross-fitted" | "in-sample";
  /** Rows the kept calibrator was fitted on. */
  rows: number;
  /** Why this method (auto's choice, or "requested"). */
  reason: string;
}

export interface FittedPipeline {
  pre: Preprocessor;
  model: FittedModel;
  calibrator: Calibrator;
  /**
   * Validation rows: labels, raw model scores, calibrated probabilities (the kept calibrator), and `heldOut`:
   * each row calibrated by a calibrator that did not see it (equal to `calibrated` unless cross-fitted).
   */
  valid: { y: Labels; raw: Float32Array; calibrated: Float32Array; heldOut: Float32Array };
  calibration: CalibrationInfo;
  /** With auto: the AUC of each candidate on the rows it was chosen on. */
  selection?: { logistic: number; mlp: number; chosen: ModelKind; on: "calibration rows" | "validation rows" };
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
  const yFit = labelsOf(y, fitRows);
  const yValid = labelsOf(y, validRows);
  const pre = Preprocessor.fit(fitTable, o.preprocess ?? {});
  const Xfit = pre.transform(fitTable);
  const Xvalid = pre.transform(takeRows(table, validRows));
  const calibRows = Array.isArray(o.calibrationRows) && o.calibrationRows.length > 0 ? o.calibrationRows : undefined;
  const Xcalib: Matrix | undefined = calibRows ? pre.transform(takeRows(table, calibRows)) : undefined;
  const yCalib = calibRows ? labelsOf(y, calibRows) : undefined;
  const kinds: ModelKind[] = o.model === "auto" ? ["logistic", "mlp"] : [o.model];
  const fitted: { kind: ModelKind; model: FittedModel; raw: Float32Array; calibRaw: Float32Array | undefined; auc: number }[] = [];
  for (const kind of kinds) {
    const trainer = await trainerFor(kind, { backend: o.backend, logistic: o.logistic, mlp: o.mlp });
    const model = await trainer.fit(Xfit, yFit, {
      seed: o.seed,
      ...(o.validForEarlyStopping === false ? {} : { valid: { X: Xvalid, y: yValid } }),
      ...(o.groups ? { groups: Int32Array.from(fitRows, (r) => o.groups![r]!) } : {}),
      ...(log ? { onLog: log } : {}),
    });
    const raw = await model.predict(Xvalid);
    const calibRaw = Xcalib ? await model.predict(Xcalib) : undefined;
    fitted.push({ kind, model, raw, calibRaw, auc: calibRaw && yCalib ? rocAuc(yCalib, calibRaw) : rocAuc(yValid, raw) });
  }
  let best = fitted[0]!;
  let selection: FittedPipeline["selection"];
  if (o.model === "auto") {
    const lr = fitted.find((f) => f.kind === "logistic")!;
    const mlp = fitted.find((f) => f.kind === "mlp")!;
    best = mlp.auc > lr.auc + (o.autoMargin ?? 0.002) ? mlp : lr;
    for (const f of fitted) if (f !== best) f.model.dispose();
    const on = calibRows ? "calibration rows" : "validation rows";
    selection = { logistic: lr.auc, mlp: mlp.auc, chosen: best.kind, on };
    log?.(`auto: AUC on the ${on} logistic ${lr.auc.toFixed(4)}, mlp ${mlp.auc.toFixed(4)} → ${best.kind}`);
  }
  let calibrator: Calibrator;
  let reason: string;
  let heldOut: Float32Array | undefined;
  let design: CalibrationInfo["design"];
  if (calibRows && best.calibRaw && yCalib) {
    ({ calibrator, reason } = fitChosenCalibration(o.calibration, best.calibRaw, yCalib, o.seed));
    design = "separate-rows";
  } else if (o.calibrationRows === "cross-fit") {
    ({ calibrator, reason, heldOut } = crossFitCalibration(o.calibration, best.raw, yValid, o.seed));
    design = "cross-fitted";
  } else {
    ({ calibrator, reason } = fitChosenCalibration(o.calibration, best.raw, yValid, o.seed));
    design = "in-sample";
  }
  const calibrated = applyCalibration(calibrator, best.raw);
  const out: FittedPipeline = {
    pre,
    model: best.model,
    calibrator,
    valid: { y: yValid, raw: best.raw, calibrated, heldOut: heldOut ?? calibrated },
    calibration: { method: calibrator.method, design, rows: design === "separate-rows" ? calibRows!.length : validRows.length, reason },
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
  const spec = (await p.model.save()).spec;
  const members = (spec["training"] as { members?: { schedule?: number[] }[] } | undefined)?.members;
  const schedule = members?.map((m) => m.schedule ?? []);
  // nothing to replay (a member with a linear base may have none of its own: its best was the base alone)
  if (!schedule?.length || schedule.every((s) => s.length === 0)) return p;
  // the same architecture: a linear base chosen by data size ("auto") stays as chosen, whatever the refit's rows
  const linearBase = (spec["params"] as { linearBase?: unknown } | undefined)?.linearBase;
  const mlp = { ...(o.mlp ?? {}), schedule, ...(typeof linearBase === "boolean" ? { linearBase } : {}) };
  return refit(p, table, y, rows, o, await trainerFor("mlp", { backend: o.backend, mlp }), o.onLog);
}
