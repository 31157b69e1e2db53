/**
 * Curve points for the model card, computed from (score, label) pairs. Pure functions over arrays; no tensors.
 * Conventions match src/model/metrics.ts: labels are 0/1 (> 0.5 counts as positive), ties in score are grouped
 * (a threshold admits every row with score >= it), and "top k" takes rows by score, ties in row order.
 */

type Num = ArrayLike<number>;

export interface RocPoint {
  /** False positive rate, 0..1. */
  fpr: number;
  /** True positive rate (recall), 0..1. */
  tpr: number;
  /** Rows with score >= threshold are called positive; Infinity for the (0, 0) start. */
  threshold: number;
}

export interface PrPoint {
  recall: number;
  precision: number;
  threshold: number;
}

export interface GainsPoint {
  /** Share of the population contacted, highest scores first, 0..1. */
  fraction: number;
  /** Share of all positives found in that top fraction, 0..1. */
  captured: number;
  /** captured / fraction: how many times better than random (NaN at fraction 0). */
  lift: number;
}

export interface CalibrationBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean score in the bin. */
  meanPredicted: number;
  /** Share of positives in the bin. */
  observedRate: number;
}

export interface HistogramBin {
  lo: number;
  hi: number;
  label: 0 | 1;
  count: number;
}

function checkLengths(y: Num, p: Num): void {
  if (y.length !== p.length) throw new RangeError(`labels (${y.length}) and scores (${p.length}) differ in length`);
}

/** Row indices by score, highest first; ties keep row order. */
function orderDesc(p: Num): number[] {
  const idx = Array.from({ length: p.length }, (_, i) => i);
  return idx.sort((a, b) => p[b]! - p[a]! || a - b);
}

/** Cumulative (tp, fp) after each distinct score, highest first. */
function thresholdSteps(y: Num, p: Num): { tp: number; fp: number; threshold: number }[] {
  checkLengths(y, p);
  const idx = orderDesc(p);
  const out: { tp: number; fp: number; threshold: number }[] = [];
  let tp = 0;
  let fp = 0;
  let i = 0;
  while (i < idx.length) {
    const v = p[idx[i]!]!;
    while (i < idx.length && p[idx[i]!] === v) {
      if (y[idx[i]!]! > 0.5) tp++;
      else fp++;
      i++;
    }
    out.push({ tp, fp, threshold: v });
  }
  return out;
}

/** Keep at most `max` points of a monotone curve (first and last always kept), for charting. */
export function thin<T>(points: T[], max: number): T[] {
  if (max < 2 || points.length <= max) return points;
  const step = (points.length - 1) / (max - 1);
  const out: T[] = [];
  for (let k = 0; k < max; k++) out.push(points[Math.round(k * step)]!);
  return out;
}

/**
 * ROC curve: (0, 0), then one point per distinct score (highest first), ending at (1, 1).
 * Empty when one class is absent.
 * @example rocPoints([1, 0], [0.9, 0.1]) // (0,0) (0,1) (1,1)
 */
export function rocPoints(y: Num, p: Num): RocPoint[] {
  const steps = thresholdSteps(y, p);
  const last = steps[steps.length - 1];
  const pos = last?.tp ?? 0;
  const neg = last?.fp ?? 0;
  if (pos === 0 || neg === 0) return [];
  return [
    { fpr: 0, tpr: 0, threshold: Number.POSITIVE_INFINITY },
    ...steps.map((s) => ({ fpr: s.fp / neg, tpr: s.tp / pos, threshold: s.threshold })),
  ];
}

/**
 * Precision-recall curve: one point per distinct score, highest first (recall rising). No artificial start point.
 * Empty when there are no positives.
 */
export function prPoints(y: Num, p: Num): PrPoint[] {
  const steps = thresholdSteps(y, p);
  const pos = steps[steps.length - 1]?.tp ?? 0;
  if (pos === 0) return [];
  return steps.map((s) => ({ recall: s.tp / pos, precision: s.tp / (s.tp + s.fp), threshold: s.threshold }));
}

/**
 * Cumulative gains at `steps` evenly spaced fractions of the population (plus fraction 0).
 * The top k = ceil(f * n) rows by score are contacted, as in metrics.ts liftCapture.
 * @example gainsPoints([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1], 2) // f 0.5 → captured 0.5, lift 1; f 1 → 1, 1
 */
export function gainsPoints(y: Num, p: Num, steps = 20): GainsPoint[] {
  checkLengths(y, p);
  const n = y.length;
  let pos = 0;
  for (let i = 0; i < n; i++) if (y[i]! > 0.5) pos++;
  if (n === 0 || pos === 0) return [];
  const idx = orderDesc(p);
  const cum = new Array<number>(n + 1).fill(0);
  for (let i = 0; i < n; i++) cum[i + 1] = cum[i]! + (y[idx[i]!]! > 0.5 ? 1 : 0);
  const out: GainsPoint[] = [{ fraction: 0, captured: 0, lift: Number.NaN }];
  for (let s = 1; s <= steps; s++) {
    const f = s / steps;
    const k = Math.max(1, Math.ceil(f * n - 1e-9));
    const captured = cum[k]! / pos;
    out.push({ fraction: f, captured, lift: captured / (k / n) });
  }
  return out;
}

/**
 * Reliability bins: `bins` equal-width bins on [0, 1] (a score of 1 falls in the last); empty bins are left out.
 * @example calibrationBins([0, 1, 1], [0.1, 0.15, 0.9], 2) // [0,0.5): n 2, mean 0.125, rate 0.5; [0.5,1]: n 1, 0.9, 1
 */
export function calibrationBins(y: Num, p: Num, bins = 10): CalibrationBin[] {
  checkLengths(y, p);
  const cnt = new Array<number>(bins).fill(0);
  const sp = new Array<number>(bins).fill(0);
  const sy = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    cnt[b]!++;
    sp[b]! += p[i]!;
    sy[b]! += y[i]! > 0.5 ? 1 : 0;
  }
  const out: CalibrationBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = cnt[b]!;
    if (c > 0) out.push({ lo: b / bins, hi: (b + 1) / bins, count: c, meanPredicted: sp[b]! / c, observedRate: sy[b]! / c });
  }
  return out;
}

/** Score histogram split by outcome: `bins` equal-width bins on [0, 1], one row per bin and label (zeros kept). */
export function scoreHistogram(y: Num, p: Num, bins = 20): HistogramBin[] {
  checkLengths(y, p);
  const c0 = new Array<number>(bins).fill(0);
  const c1 = new Array<number>(bins).fill(0);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    if (y[i]! > 0.5) c1[b]!++;
    else c0[b]!++;
  }
  const out: HistogramBin[] = [];
  for (let b = 0; b < bins; b++) {
    out.push({ lo: b / bins, hi: (b + 1) / bins, label: 0, count: c0[b]! });
    out.push({ lo: b / bins, hi: (b + 1) / bins, label: 1, count: c1[b]! });
  }
  return out;
}

/** AUC by the trapezoid rule over ROC points (equals the rank AUC with ties counted one half). */
export function areaUnder(points: { x: number; y: number }[]): number {
  let a = 0;
  for (let i = 1; i < points.length; i++) {
    const p0 = points[i - 1]!;
    const p1 = points[i]!;
    a += ((p1.x - p0.x) * (p0.y + p1.y)) / 2;
  }
  return a;
}
