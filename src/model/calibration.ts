/**
 * Probability calibration fitted on held-out predictions (never on the rows the model was fitted on).
 *
 *   platt:     p' = sigmoid(a * logit(p) + b), a and b by maximum likelihood (Newton). Monotone: ranking
 *              metrics (AUC, PR-AUC, lift) are unchanged.
 *   isotonic:  pool-adjacent-violators on (p, y), prediction by linear interpolation between block
 *              centres, clipped outside the fitted range (as scikit-learn's IsotonicRegression).
 *              Can create ties, so ranking metrics may move slightly.
 */
import { ece, logLoss } from "./metrics.js";
import { stratifiedFolds as folds } from "./split.js";

export type CalibrationMethod = "platt" | "isotonic" | "none";

export type Calibrator =
  | { method: "none" }
  | { method: "platt"; a: number; b: number }
  | { method: "isotonic"; x: number[]; y: number[] };

const clampP = (p: number) => Math.min(1 - 1e-7, Math.max(1e-7, p));
const logit = (p: number) => {
  const q = clampP(p);
  return Math.log(q / (1 - q));
};
const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function fitPlatt(p: ArrayLike<number>, y: ArrayLike<number>): Calibrator {
  const n = p.length;
  const s = Float64Array.from(p as ArrayLike<number>, logit);
  let a = 1;
  let b = 0;
  const loss = (a1: number, b1: number) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      const z = a1 * s[i]! + b1;
      f += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z;
    }
    return f + 1e-6 * (a1 * a1 + b1 * b1); // tiny ridge keeps separable held-out data finite
  };
  let f = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = 2e-6 * a;
    let gb = 2e-6 * b;
    let haa = 2e-6;
    let hab = 0;
    let hbb = 2e-6;
    for (let i = 0; i < n; i++) {
      const q = sigmoid(a * s[i]! + b);
      const r = q - y[i]!;
      const w = q * (1 - q);
      ga += r * s[i]!;
      gb += r;
      haa += w * s[i]! * s[i]!;
      hab += w * s[i]!;
      hbb += w;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = -(hbb * ga - hab * gb) / det;
    const db = -(haa * gb - hab * ga) / det;
    let t = 1;
    let fNew = loss(a + da, b + db);
    while (fNew > f && t > 1e-8) {
      t /= 2;
      fNew = loss(a + t * da, b + t * db);
    }
    a += t * da;
    b += t * db;
    const done = Math.abs(t * da) + Math.abs(t * db) < 1e-10;
    f = fNew;
    if (done) break;
  }
  return { method: "platt", a, b };
}

export function fitIsotonic(p: ArrayLike<number>, y: ArrayLike<number>): Calibrator {
  const n = p.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((i, j) => p[i]! - p[j]! || i - j);
  // Merge equal x first (their mean y), then pool adjacent violators with weights.
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (const i of idx) {
    const x = p[i]!;
    if (xs.length && xs[xs.length - 1] === x) {
      const k = xs.length - 1;
      ys[k] = (ys[k]! * ws[k]! + y[i]!) / (ws[k]! + 1);
      ws[k]! += 1;
    } else {
      xs.push(x);
      ys.push(y[i]!);
      ws.push(1);
    }
  }
  // Blocks: value, weight, and the range of x indices.
  const bv: number[] = [];
  const bw: number[] = [];
  const bStart: number[] = [];
  for (let k = 0; k < xs.length; k++) {
    bv.push(ys[k]!);
    bw.push(ws[k]!);
    bStart.push(k);
    while (bv.length > 1 && bv[bv.length - 2]! >= bv[bv.length - 1]!) {
      const v2 = bv.pop()!;
      const w2 = bw.pop()!;
      bStart.pop();
      const k1 = bv.length - 1;
      bv[k1] = (bv[k1]! * bw[k1]! + v2 * w2) / (bw[k1]! + w2);
      bw[k1]! += w2;
    }
  }
  // Every distinct x keeps its block's value (like scikit-learn's X_thresholds/y_thresholds before dedup).
  const fx: number[] = [];
  const fy: number[] = [];
  for (let b = 0; b < bv.length; b++) {
    const end = b + 1 < bStart.length ? bStart[b + 1]! : xs.length;
    const v = Math.min(1, Math.max(0, bv[b]!));
    // keep only the first and last x of a block: interpolation between them is flat anyway
    fx.push(xs[bStart[b]!]!);
    fy.push(v);
    if (end - 1 > bStart[b]!) {
      fx.push(xs[end - 1]!);
      fy.push(v);
    }
  }
  return { method: "isotonic", x: fx, y: fy };
}

function interpolate(x: number[], y: number[], v: number): number {
  if (x.length === 0) return v;
  if (v <= x[0]!) return y[0]!;
  const last = x.length - 1;
  if (v >= x[last]!) return y[last]!;
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (x[mid]! <= v) lo = mid;
    else hi = mid;
  }
  const t = (v - x[lo]!) / (x[hi]! - x[lo]!);
  return y[lo]! + t * (y[hi]! - y[lo]!);
}

export function applyCalibration(c: Calibrator, p: ArrayLike<number>): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    out[i] = c.method === "none" ? v : c.method === "platt" ? sigmoid(c.a * logit(v) + c.b) : interpolate(c.x, c.y, v);
  }
  return out;
}

export function fitCalibration(method: CalibrationMethod, p: ArrayLike<number>, y: ArrayLike<number>): Calibrator {
  if (method === "platt") return fitPlatt(p, y);
  if (method === "isotonic") return fitIsotonic(p, y);
  return { method: "none" };
}

/** ECE (10 bins) of held-out predictions before and after a calibrator. */
export function eceBeforeAfter(c: Calibrator, p: ArrayLike<number>, y: ArrayLike<number>): { before: number; after: number } {
  return { before: ece(y, p), after: ece(y, applyCalibration(c, p)) };
}

/** `auto` never leaves held-out scores uncalibrated when their ECE (10 bins) is above this. */
export const AUTO_ECE_MAX = 0.02;
const CROSS_FOLDS = 5;

function pick<T extends Float32Array | Float64Array>(v: ArrayLike<number>, rows: number[], make: (n: number) => T): T {
  const out = make(rows.length);
  rows.forEach((i, k) => {
    out[k] = v[i]!;
  });
  return out;
}

/** Platt's log loss on rows it was not fitted on (k-fold), against the raw scores' log loss. */
function plattCrossLogLoss(p: ArrayLike<number>, y: ArrayLike<number>, seed: number): { raw: number; platt: number } {
  const f = folds(y, CROSS_FOLDS, seed);
  const held = new Float64Array(p.length);
  for (let k = 0; k < CROSS_FOLDS; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < p.length; i++) (f[i] === k ? test : train).push(i);
    if (!test.length) continue;
    const c = fitPlatt(pick(p, train, (n) => new Float64Array(n)), pick(y, train, (n) => new Float64Array(n)));
    const q = applyCalibration(c, pick(p, test, (n) => new Float64Array(n)));
    test.forEach((i, j) => {
      held[i] = q[j]!;
    });
  }
  return { raw: logLoss(y, p), platt: logLoss(y, held) };
}

export interface CalibrationChoice {
  method: CalibrationMethod;
  /** Why, in words (shown in `churn train` and the model card). */
  reason: string;
}

/**
 * `auto` on held-out scores: Platt when their ECE is above AUTO_ECE_MAX, or when Platt lowers their log loss
 * on rows it was not fitted on (5-fold); otherwise none (the scores are already calibrated).
 */
export function chooseCalibration(p: ArrayLike<number>, y: ArrayLike<number>, seed: number): CalibrationChoice {
  const e = ece(y, p);
  if (e > AUTO_ECE_MAX) return { method: "platt", reason: `held-out ECE ${e.toFixed(4)} > ${AUTO_ECE_MAX}` };
  const ll = plattCrossLogLoss(p, y, seed);
  if (ll.platt < ll.raw) return { method: "platt", reason: `Platt lowers the held-out log loss ${ll.raw.toFixed(4)} → ${ll.platt.toFixed(4)} (5-fold)` };
  return { method: "none", reason: `already calibrated: held-out ECE ${e.toFixed(4)} ≤ ${AUTO_ECE_MAX} and Platt does not lower the log loss (${ll.raw.toFixed(4)} vs ${ll.platt.toFixed(4)}, 5-fold)` };
}

/** Resolve `auto` (chooseCalibration) or take the requested method, and fit it. */
export function fitChosenCalibration(method: CalibrationMethod | "auto", p: ArrayLike<number>, y: ArrayLike<number>, seed: number): { calibrator: Calibrator; reason: string } {
  const choice = method === "auto" ? chooseCalibration(p, y, seed) : { method, reason: "requested" };
  return { calibrator: fitCalibration(choice.method, p, y), reason: choice.reason };
}

/**
 * Cross-fitting on one set of held-out rows: each row's calibrated probability comes from a calibrator fitted
 * (and, with auto, chosen) on the other folds, so metrics on `heldOut` are on rows the calibrator did not see;
 * the calibrator kept for scoring is fitted on every row.
 */
export function crossFitCalibration(method: CalibrationMethod | "auto", p: ArrayLike<number>, y: ArrayLike<number>, seed: number): { calibrator: Calibrator; reason: string; heldOut: Float32Array } {
  const heldOut = new Float32Array(p.length);
  const f = folds(y, CROSS_FOLDS, seed + 1);
  for (let k = 0; k < CROSS_FOLDS; k++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < p.length; i++) (f[i] === k ? test : train).push(i);
    if (!test.length) continue;
    const c = fitChosenCalibration(method, pick(p, train, (n) => new Float64Array(n)), pick(y, train, (n) => new Float64Array(n)), seed + 2 + k).calibrator;
    const q = applyCalibration(c, pick(p, test, (n) => new Float64Array(n)));
    test.forEach((i, j) => {
      heldOut[i] = q[j]!;
    });
  }
  return { ...fitChosenCalibration(method, p, y, seed), heldOut };
}
