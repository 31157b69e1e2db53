/**
 * K-fold cross-validation of the whole model stage. For each fold: the other folds are the training rows,
 * split (stratified, seeded) into 80 % fit and 20 % validation rows; preprocessing, model choice (auto),
 * early stopping (mlp) and calibration use only those. A chosen logistic model is then refitted on all
 * training rows (it needs no early stopping, and more rows is strictly better), and a chosen mlp is refitted
 * on all training rows for the epochs and learning rates its members found best (bigml-telecom: AUC 0.9139 →
 * 0.9154, log loss 0.185 → 0.172); the calibrator fitted on the validation predictions is kept (`auto` chooses
 * it there: Platt unless those held-out scores are already calibrated). A logistic model with calibration
 * `none` is fitted once on all training rows. The held-out fold is scored once. Metrics are per fold and averaged.
 */
import { eceBeforeAfter } from "./calibration.js";
import { type FittedPipeline, type PipelineOptions, fitPipeline, labelsOf, predictPipeline, refitLogistic, refitMlp } from "./fit.js";
import { type Metrics, ece, evaluate, meanMetrics, sdOver } from "./metrics.js";
import { stratifiedSplit } from "./split.js";
import { type RawTable, takeRows } from "../raw-table.js";
import type { Labels } from "./types.js";

export interface FoldResult {
  fold: number;
  rows: number;
  model: "logistic" | "mlp";
  /** Metrics of the calibrated probabilities on the held-out fold. */
  metrics: Metrics;
  /** ECE (10 bins) on the held-out fold before and after calibration. */
  eceRaw: number;
  eceCalibrated: number;
  /** ECE on the validation rows the calibrator was fitted on (in-sample for the calibrator). */
  eceValid: { before: number; after: number };
  selection?: { logistic: number; mlp: number; chosen: "logistic" | "mlp" };
  fitSeconds: number;
}

export interface CvResult {
  folds: FoldResult[];
  mean: Metrics;
  aucSd: number;
  meanEceRaw: number;
  meanEceCalibrated: number;
  fitSeconds: number;
  /** Out-of-fold calibrated probability per input row (NaN for rows without a fold). */
  oof: Float32Array;
}

export interface CvOptions extends PipelineOptions {
  validFraction?: number;
  /** Refit a chosen mlp on all training rows of the fold for its best epochs (see refitMlp); default true. */
  refitMlp?: boolean;
}

export async function runCv(table: RawTable, y: Labels, folds: Int32Array, o: CvOptions): Promise<CvResult> {
  const foldIds = [...new Set(folds)].filter((f) => f >= 0).sort((a, b) => a - b);
  const oof = new Float32Array(table.rows).fill(Number.NaN);
  const results: FoldResult[] = [];
  for (const f of foldIds) {
    const trainRows: number[] = [];
    const testRows: number[] = [];
    for (let i = 0; i < folds.length; i++) {
      if (folds[i] === f) testRows.push(i);
      else if (folds[i]! >= 0) trainRows.push(i);
    }
    let p: FittedPipeline;
    if (o.model === "logistic" && o.calibration === "none") {
      // Nothing to choose or calibrate: fit once on all training rows.
      p = await fitPipeline(table, y, trainRows, [], o);
    } else {
      const split = stratifiedSplit(trainRows, y, o.validFraction ?? 0.2, o.seed + 1000 * (f + 1));
      p = await fitPipeline(table, y, split.fit, split.valid, o);
      if (p.model.kind === "logistic") p = await refitLogistic(p, table, y, trainRows, o);
      else if (o.refitMlp !== false) p = await refitMlp(p, table, y, trainRows, o);
    }
    const yTest = labelsOf(y, testRows);
    const pred = await predictPipeline(p, takeRows(table, testRows), `fold ${f}`);
    testRows.forEach((row, k) => {
      oof[row] = pred.calibrated[k]!;
    });
    const r: FoldResult = {
      fold: f,
      rows: testRows.length,
      model: p.model.kind,
      metrics: evaluate(yTest, pred.calibrated),
      eceRaw: ece(yTest, pred.raw),
      eceCalibrated: ece(yTest, pred.calibrated),
      eceValid: eceBeforeAfter(p.calibrator, p.valid.raw, p.valid.y),
      fitSeconds: p.fitSeconds,
    };
    if (p.selection) r.selection = p.selection;
    results.push(r);
    o.onLog?.(`fold ${f}: ${r.model}, AUC ${r.metrics.auc.toFixed(4)}, fit ${r.fitSeconds.toFixed(1)} s`);
    p.model.dispose();
  }
  const metrics = results.map((r) => r.metrics);
  return {
    folds: results,
    mean: meanMetrics(metrics),
    aucSd: sdOver(metrics, "auc"),
    meanEceRaw: results.reduce((a, r) => a + r.eceRaw, 0) / results.length,
    meanEceCalibrated: results.reduce((a, r) => a + r.eceCalibrated, 0) / results.length,
    fitSeconds: results.reduce((a, r) => a + r.fitSeconds, 0),
    oof,
  };
}
