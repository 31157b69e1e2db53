/**
 * Rolling-origin backtest over the last N complete as-of dates of a feature table (`churn train --backtest N`).
 * Each test date t is scored the way the model itself is built (train.ts), moved back in time: calibrated on the
 * latest snapshot whose outcome window closed by t (c), trained on the snapshots whose outcome window closed by c,
 * so no label from t's future is seen. Ranking metrics (AUC, PR-AUC, lift) are computed on the raw model scores;
 * the expected churners (sum of the calibrated probabilities) are set beside the churners t really had: how far
 * the "expected churners" of a scoring run can be off from one month to the next.
 */
import { type PipelineOptions, fitPipeline } from "./fit.js";
import { enoughRows, type TrainingInput } from "./inputs.js";
import { averagePrecision, liftCapture, rocAuc } from "./metrics.js";
import { timeHonestSplit3 } from "./split.js";
import type { ModelKind } from "./trainers.js";

export interface BacktestRow {
  asOf: string;
  rows: number;
  trainRows: number;
  churnRate: number;
  auc: number;
  prAuc: number;
  lift10: number;
  /** Churners among the rows. */
  churners: number;
  /** Sum of the calibrated probabilities; null when no earlier snapshot could be the calibration one. */
  expectedChurners: number | null;
  /** The calibration snapshot (YYYY-MM-DD), or null (then the model trained on every row closed by t, uncalibrated). */
  calibratedOn: string | null;
}

/** Expected ÷ real churners over a backtest's calibrated dates: the range, and how many dates were within ±10%. */
export interface ExpectedBacktest {
  dates: number;
  low: number;
  high: number;
  within10: number;
}

/** The range of expected ÷ real churners (undefined without any). */
export function expectedRange(ratios: readonly number[]): ExpectedBacktest | undefined {
  if (!ratios.length) return undefined;
  return { dates: ratios.length, low: Math.min(...ratios), high: Math.max(...ratios), within10: ratios.filter((r) => Math.abs(r - 1) <= 0.1).length };
}

export interface BacktestResult {
  rows: BacktestRow[];
  /** Dates that could not be tested, with the reason. */
  skipped: { asOf: string; reason: string }[];
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Complete as-of dates (every row labelled), ascending, in ms. */
export function completeAsOfDates(asOf: ArrayLike<number>, y: ArrayLike<number>): number[] {
  const complete = new Map<number, boolean>();
  for (let i = 0; i < asOf.length; i++) complete.set(asOf[i]!, (complete.get(asOf[i]!) ?? true) && !Number.isNaN(y[i]!));
  return [...complete.entries()].filter(([, c]) => c).map(([t]) => t).sort((a, b) => a - b);
}

export async function rollingBacktest(input: TrainingInput, n: number, kind: ModelKind, o: PipelineOptions): Promise<BacktestResult> {
  const asOf = input.asOf;
  const outcomeEnd = input.outcomeEnd;
  if (!asOf || !outcomeEnd) return { rows: [], skipped: [] };
  const y = input.y;
  const dates = completeAsOfDates(asOf, y).slice(-n);
  const out: BacktestResult = { rows: [], skipped: [] };
  for (const t of dates) {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < asOf.length; i++) {
      if (asOf[i] === t) test.push(i);
      else if (!Number.isNaN(y[i]!) && outcomeEnd(asOf[i]!) <= t) train.push(i);
    }
    const pos = (rows: number[]) => rows.filter((i) => y[i]! > 0.5).length;
    const trainPos = pos(train);
    const testPos = pos(test);
    if (trainPos < 5 || train.length - trainPos < 5) {
      out.skipped.push({ asOf: day(t), reason: `${train.length} training rows (${trainPos} churners) before it: too few` });
      continue;
    }
    if (testPos === 0 || testPos === test.length) {
      out.skipped.push({ asOf: day(t), reason: "only one outcome among its rows" });
      continue;
    }
    // the model's own three-way split, as of t: the rows after t count as unlabelled
    const three = timeHonestSplit3(asOf, Array.from(asOf, (a, i) => a <= t && !Number.isNaN(y[i]!)), outcomeEnd);
    const lab = (rows: number[]) => Float32Array.from(rows, (i) => y[i]!);
    const split = three && three.validAsOf === t && enoughRows(lab(three.train)) && enoughRows(lab(three.calib)) ? three : undefined;
    const fit = split ? split.train : train;
    o.onLog?.(`backtest ${day(t)}: training on ${fit.length} rows${split ? `, calibrating on the ${day(split.calibAsOf)} snapshot` : ""}, testing on ${test.length}`);
    const p = split
      ? await fitPipeline(input.table, y, fit, test, { ...o, model: kind, calibrationRows: split.calib, validForEarlyStopping: false })
      : await fitPipeline(input.table, y, train, test, { ...o, model: kind, calibration: "none", validForEarlyStopping: false });
    p.model.dispose();
    let expected = 0;
    for (const v of p.valid.calibrated) expected += v;
    out.rows.push({
      asOf: day(t),
      rows: test.length,
      trainRows: fit.length,
      churnRate: testPos / test.length,
      auc: rocAuc(p.valid.y, p.valid.raw),
      prAuc: averagePrecision(p.valid.y, p.valid.raw),
      lift10: liftCapture(p.valid.y, p.valid.raw, 0.1).lift,
      churners: testPos,
      expectedChurners: split ? Math.round(expected * 100) / 100 : null,
      calibratedOn: split ? day(split.calibAsOf) : null,
    });
  }
  return out;
}
