/**
 * Classification metrics on 0/1 labels and scores, in plain TypeScript (no tensors: exact float64 sums).
 * Each is a small pure function; `evaluate` bundles them. Conventions follow scikit-learn where it has one:
 * ROC-AUC averages tied ranks, PR-AUC is average precision (step-wise, no interpolation), log loss clips at
 * float64 epsilon. ECE uses `bins` equal-width bins on [0, 1] (default 10), weighted by bin size.
 * Lift and capture at a fraction f take the top ceil(f * n) rows by score (ties: earlier row first).
 */

type Num = ArrayLike<number>;

function counts(y: Num): { n: number; pos: number } {
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! > 0.5) pos++;
  return { n: y.length, pos };
}

/** Row indices ordered by score, highest first; ties keep row order (stable). */
export function orderByScoreDesc(p: Num): Uint32Array {
  const idx = new Uint32Array(p.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  const s = Float64Array.from(p as ArrayLike<number>);
  return idx.sort((a, b) => s[b]! - s[a]! || a - b);
}

/** ROC-AUC (probability that a random positive outscores a random negative; ties count one half). NaN with one class. */
export function rocAuc(y: Num, p: Num): number {
  const { n, pos } = counts(y);
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  // Each positive counts the negatives below it and half those tied with it: whole and half counts, exact in
  // float64 in any order, so two numeric sorts of typed arrays give the exact pairwise value (permutation
  // importance computes an AUC per column). A NaN score has no rank: the AUC is NaN (the ranking walk this
  // replaced looped for ever on one).
  const ps = new Float64Array(pos);
  const ns = new Float64Array(neg);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    const v = p[i]!;
    if (Number.isNaN(v)) return Number.NaN;
    if (y[i]! > 0.5) ps[a++] = v;
    else ns[b++] = v;
  }
  ps.sort();
  ns.sort();
  let below = 0;
  let sum = 0;
  for (let i = 0; i < pos; ) {
    const v = ps[i]!;
    let k = i;
    while (k < pos && ps[k] === v) k++;
    while (below < neg && ns[below]! < v) below++;
    let tied = below;
    while (tied < neg && ns[tied] === v) tied++;
    sum += (k - i) * (below + 0.5 * (tied - below));
    i = k;
  }
  return sum / (pos * neg);
}

/** Average precision as scikit-learn computes it: sum over thresholds of (R_k - R_{k-1}) * P_k. */
export function averagePrecision(y: Num, p: Num): number {
  const { n, pos } = counts(y);
  if (pos === 0) return Number.NaN;
  const idx = orderByScoreDesc(p);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let prevRecall = 0;
  let i = 0;
  while (i < n) {
    const v = p[idx[i]!]!;
    while (i < n && p[idx[i]!] === v) {
      if (y[idx[i]!]! > 0.5) tp++;
      seen++;
      i++;
    }
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

const EPS = 2.220446049250313e-16;

/** Mean negative log-likelihood, probabilities clipped to [eps, 1 - eps]. */
export function logLoss(y: Num, p: Num): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - EPS, Math.max(EPS, p[i]!));
    s -= y[i]! > 0.5 ? Math.log(q) : Math.log(1 - q);
  }
  return s / y.length;
}

/** Mean squared difference between probability and outcome. */
export function brier(y: Num, p: Num): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (p[i]! - y[i]!) ** 2;
  return s / y.length;
}

/** Expected calibration error over `bins` equal-width bins: sum_b (n_b / n) |mean(y_b) - mean(p_b)|. */
export function ece(y: Num, p: Num, bins = 10): number {
  const cnt = new Float64Array(bins);
  const sy = new Float64Array(bins);
  const sp = new Float64Array(bins);
  for (let i = 0; i < y.length; i++) {
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)));
    cnt[b]!++;
    sy[b]! += y[i]!;
    sp[b]! += p[i]!;
  }
  let e = 0;
  for (let b = 0; b < bins; b++) if (cnt[b]! > 0) e += Math.abs(sy[b]! - sp[b]!) / y.length;
  return e;
}

/** Lift (churn rate in the top fraction over the overall rate) and capture (share of all churners found there). */
export function liftCapture(y: Num, p: Num, fraction: number): { lift: number; capture: number } {
  const { n, pos } = counts(y);
  if (pos === 0 || n === 0) return { lift: Number.NaN, capture: Number.NaN };
  const k = Math.max(1, Math.ceil(fraction * n - 1e-9));
  const idx = orderByScoreDesc(p);
  let hits = 0;
  for (let i = 0; i < k; i++) if (y[idx[i]!]! > 0.5) hits++;
  return { lift: hits / k / (pos / n), capture: hits / pos };
}

export interface Metrics {
  n: number;
  positives: number;
  auc: number;
  prAuc: number;
  logLoss: number;
  brier: number;
  /** 10 equal-width bins. */
  ece: number;
  lift5: number;
  lift10: number;
  lift20: number;
  capture5: number;
  capture10: number;
  capture20: number;
}

/** Every metric on one set of predictions. */
export function evaluate(y: Num, p: Num): Metrics {
  const { n, pos } = counts(y);
  const l5 = liftCapture(y, p, 0.05);
  const l10 = liftCapture(y, p, 0.1);
  const l20 = liftCapture(y, p, 0.2);
  return {
    n,
    positives: pos,
    auc: rocAuc(y, p),
    prAuc: averagePrecision(y, p),
    logLoss: logLoss(y, p),
    brier: brier(y, p),
    ece: ece(y, p),
    lift5: l5.lift,
    lift10: l10.lift,
    lift20: l20.lift,
    capture5: l5.capture,
    capture10: l10.capture,
    capture20: l20.capture,
  };
}

/** Unweighted mean of each metric over folds (n and positives are summed). */
export function meanMetrics(list: Metrics[]): Metrics {
  const out = { ...evaluateEmpty() };
  for (const key of Object.keys(out) as (keyof Metrics)[]) {
    const vals = list.map((m) => m[key]);
    out[key] = key === "n" || key === "positives" ? vals.reduce((a, b) => a + b, 0) : vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length);
  }
  return out;
}

/** Standard deviation of one metric over folds (sample sd, as numpy ddof=0 would under-state it for 5 folds). */
export function sdOver(list: Metrics[], key: keyof Metrics): number {
  if (list.length < 2) return 0;
  const m = list.reduce((a, b) => a + b[key], 0) / list.length;
  return Math.sqrt(list.reduce((a, b) => a + (b[key] - m) ** 2, 0) / (list.length - 1));
}

function evaluateEmpty(): Metrics {
  return { n: 0, positives: 0, auc: 0, prAuc: 0, logLoss: 0, brier: 0, ece: 0, lift5: 0, lift10: 0, lift20: 0, capture5: 0, capture10: 0, capture20: 0 };
}
