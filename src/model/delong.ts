/**
 * DeLong's test for ROC-AUCs on the same rows (DeLong, DeLong & Clarke-Pearson 1988), in the fast midrank
 * form of Sun & Xu (2014): O(n log n) per model, exact (no resampling), ties counted one half as in rocAuc.
 *
 *   for each model k: Tz = midranks over all rows, Tx / Ty = midranks among churners / stayers
 *     AUC_k  = (sum of Tz over churners - m(m+1)/2) / (m n)               m churners, n stayers
 *     V10_k  = (Tz - Tx) / n  per churner,   V01_k = 1 - (Tz - Ty) / m  per stayer
 *   S = cov(V10) / m + cov(V01) / n   (sample covariances over models)
 *   var(AUC_a - AUC_b) = S_aa + S_bb - 2 S_ab
 *
 * `delongAuc` gives one model's AUC with its standard error and 95% interval; `delongPaired` the paired
 * difference of two models scored on the same rows, its interval and the one-sided p-value of "a beats b".
 * Reference values in test/model/delong.test.ts come from an independent NumPy implementation.
 */
import { normalCdf, normalQuantile } from "../normal.js";

type Num = ArrayLike<number>;

/** Midranks (1-based, ties share their mean rank) of `v`. */
function midranks(v: Float64Array): Float64Array {
  const n = v.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => v[a]! - v[b]!);
  const out = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j < n && v[idx[j]!] === v[idx[i]!]) j++;
    const r = (i + j - 1) / 2 + 1;
    for (let k = i; k < j; k++) out[idx[k]!] = r;
    i = j;
  }
  return out;
}

interface Components {
  auc: number;
  v10: Float64Array;
  v01: Float64Array;
}

function components(pos: Float64Array, neg: Float64Array): Components {
  const m = pos.length;
  const n = neg.length;
  const all = new Float64Array(m + n);
  all.set(pos);
  all.set(neg, m);
  const tz = midranks(all);
  const tx = midranks(pos);
  const ty = midranks(neg);
  const v10 = new Float64Array(m);
  const v01 = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < m; i++) {
    sum += tz[i]!;
    v10[i] = (tz[i]! - tx[i]!) / n;
  }
  for (let j = 0; j < n; j++) v01[j] = 1 - (tz[m + j]! - ty[j]!) / m;
  return { auc: (sum - (m * (m + 1)) / 2) / (m * n), v10, v01 };
}

function split(y: Num, p: Num): { pos: Float64Array; neg: Float64Array } {
  let m = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! > 0.5) m++;
  const pos = new Float64Array(m);
  const neg = new Float64Array(y.length - m);
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i]! > 0.5) pos[a++] = p[i]!;
    else neg[b++] = p[i]!;
  }
  return { pos, neg };
}

function cov(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return 0;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (a[i]! - ma) * (b[i]! - mb);
  return s / (n - 1);
}

export interface AucInterval {
  auc: number;
  se: number;
  /** Two-sided interval at `level` (default 0.95), clipped to [0, 1]. */
  low: number;
  high: number;
  level: number;
}

const clip01 = (v: number) => Math.min(1, Math.max(0, v));

/** One model's AUC with DeLong's standard error and interval. NaN fields with one class. */
export function delongAuc(y: Num, p: Num, level = 0.95): AucInterval {
  const { pos, neg } = split(y, p);
  if (pos.length === 0 || neg.length === 0) return { auc: Number.NaN, se: Number.NaN, low: Number.NaN, high: Number.NaN, level };
  const c = components(pos, neg);
  const se = Math.sqrt(cov(c.v10, c.v10) / pos.length + cov(c.v01, c.v01) / neg.length);
  const z = normalQuantile(1 - (1 - level) / 2);
  return { auc: c.auc, se, low: clip01(c.auc - z * se), high: clip01(c.auc + z * se), level };
}

export interface PairedAucTest {
  /** AUC of a and b on the same rows. */
  aucA: number;
  aucB: number;
  /** aucA - aucB, its standard error and two-sided interval at `level`. */
  difference: number;
  se: number;
  low: number;
  high: number;
  level: number;
  z: number;
  /** One-sided p-value of H0: AUC_a <= AUC_b (small when a really ranks better). */
  pOneSided: number;
  rows: number;
  churners: number;
}

/**
 * Paired DeLong test of two models' scores `a` and `b` on the same rows (labels `y`).
 * @example delongPaired(y, challenger, champion).pOneSided < 0.05 // the challenger really ranks better
 */
export function delongPaired(y: Num, a: Num, b: Num, level = 0.95): PairedAucTest {
  const sa = split(y, a);
  const sb = split(y, b);
  const m = sa.pos.length;
  const n = sa.neg.length;
  const zq = normalQuantile(1 - (1 - level) / 2);
  if (m === 0 || n === 0) {
    return { aucA: Number.NaN, aucB: Number.NaN, difference: Number.NaN, se: Number.NaN, low: Number.NaN, high: Number.NaN, level, z: Number.NaN, pOneSided: Number.NaN, rows: y.length, churners: m };
  }
  const ca = components(sa.pos, sa.neg);
  const cb = components(sb.pos, sb.neg);
  const varDiff =
    (cov(ca.v10, ca.v10) + cov(cb.v10, cb.v10) - 2 * cov(ca.v10, cb.v10)) / m + (cov(ca.v01, ca.v01) + cov(cb.v01, cb.v01) - 2 * cov(ca.v01, cb.v01)) / n;
  const se = Math.sqrt(Math.max(0, varDiff));
  const d = ca.auc - cb.auc;
  // identical rankings: no difference and no variance; the test cannot favour a
  const z = se > 0 ? d / se : d > 0 ? Number.POSITIVE_INFINITY : d < 0 ? Number.NEGATIVE_INFINITY : 0;
  return { aucA: ca.auc, aucB: cb.auc, difference: d, se, low: d - zq * se, high: d + zq * se, level, z, pOneSided: 1 - normalCdf(z), rows: y.length, churners: m };
}
