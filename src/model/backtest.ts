/**
 * Rolling-origin backtest over the last N complete as-of dates of a feature table (`churn train --backtest N`).
 * Each test date t is scored by a model trained only on labelled snapshots whose outcome window closed by t
 * (as-of + horizon <= t), the same time-honest rule as the main split, so no label from t's future is seen.
 * Ranking metrics (AUC, PR-AUC, lift) are computed on the raw model scores: calibration is monotone and would
 * be fitted on the test rows themselves.
 */
import { type PipelineOptions, fitPipeline } from "./fit.js";
import type { TrainingInput } from "./inputs.js";
import { averagePrecision, liftCapture, rocAuc } from "./metrics.js";
import type { ModelKind } from "./trainers.js";

export interface BacktestRow {
  asOf: string;
  rows: number;
  trainRows: number;
  churnRate: number;
  auc: number;
  prAuc: number;
  lift10: number;
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
    o.onLog?.(`backtest ${day(t)}: training on ${train.length} rows, testing on ${test.length}`);
    const p = await fitPipeline(input.table, y, train, test, { ...o, model: kind, calibration: "none", validForEarlyStopping: false });
    p.model.dispose();
    out.rows.push({
      asOf: day(t),
      rows: test.length,
      trainRows: train.length,
      churnRate: testPos / test.length,
      auc: rocAuc(p.valid.y, p.valid.raw),
      prAuc: averagePrecision(p.valid.y, p.valid.raw),
      lift10: liftCapture(p.valid.y, p.valid.raw, 0.1).lift,
    });
  }
  return out;
}
