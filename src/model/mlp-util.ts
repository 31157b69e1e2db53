/**
 * Small deterministic helpers for the mlp: a seeded PRNG and seeded shuffles (the stratified split is split.ts's),
 * piecewise-linear-encoding (PLE) bin edges fitted on training rows, and a rank AUC used for early stopping.
 * Pure functions over typed arrays: no tensors here.
 */

import { rng } from "../rng.js";
import { rocAuc } from "./metrics.js";

/** The shared seeded PRNG (src/rng.ts). */
export const makeRng = rng;

/** Mixes a base seed with a stream id into a new 31-bit seed (different streams never share a sequence). */
export function deriveSeed(seed: number, stream: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(stream >>> 0, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b) >>> 0;
  h ^= h >>> 16;
  return h & 0x7fffffff;
}

/** Fisher-Yates shuffle in place, driven by rng. */
export function shuffleInPlace(a: Int32Array | number[], rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

/**
 * Quantile bin edges of one column (values at rows `rows`), deduplicated: at most nBins bins,
 * so nBins + 1 edges at most, and at least 2 edges (a constant column gets one unit-wide bin).
 */
export function quantileEdges(values: Float32Array, nBins: number): number[] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return [0, 1];
  const edges: number[] = [];
  for (let i = 0; i <= nBins; i++) {
    const pos = (i / nBins) * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(lo + 1, n - 1);
    const v = sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
    const f = Math.fround(v);
    if (edges.length === 0 || f > edges[edges.length - 1]!) edges.push(f);
  }
  if (edges.length < 2) edges.push(edges[0]! + 1);
  return edges;
}

/**
 * Target-aware bin edges of one column (Gorishniy et al. 2022, "PLE-T"): the thresholds of a one-feature
 * decision tree grown best-first on the labels (Gini gain) until it has nBins leaves, no split gains, or a
 * split would leave fewer than `minLeaf` rows on a side. Edges are the column's minimum, the thresholds
 * (midpoints between neighbouring distinct values) and its maximum; at least 2 edges, as quantileEdges.
 */
export function treeEdges(values: Float32Array, y: Float32Array, nBins: number, minLeaf: number): number[] {
  const n = values.length;
  if (n === 0) return [0, 1];
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const v = new Float64Array(n);
  const pos = new Float64Array(n + 1); // pos[i]: positives among the i smallest values
  for (let i = 0; i < n; i++) {
    v[i] = values[order[i]!]!;
    pos[i + 1] = pos[i]! + (y[order[i]!]! > 0.5 ? 1 : 0);
  }
  const gini = (a: number, b: number) => {
    const m = b - a;
    if (m <= 0) return 0;
    const p = pos[b]! - pos[a]!;
    return (2 * p * (m - p)) / m;
  };
  /** Best split of sorted rows [a, b): the cut index c (left [a, c), right [c, b)) and its gain, or null. */
  const best = (a: number, b: number): { a: number; b: number; c: number; gain: number } | null => {
    const parent = gini(a, b);
    let out: { a: number; b: number; c: number; gain: number } | null = null;
    for (let c = a + minLeaf; c <= b - minLeaf; c++) {
      if (v[c]! === v[c - 1]!) continue; // cut only between distinct values
      const gain = parent - gini(a, c) - gini(c, b);
      if (gain > 1e-9 && (!out || gain > out.gain)) out = { a, b, c, gain };
    }
    return out;
  };
  const cuts: number[] = [];
  const open = [best(0, n)].filter((x) => x !== null);
  while (cuts.length + 1 < nBins && open.length > 0) {
    let k = 0;
    for (let i = 1; i < open.length; i++) if (open[i]!.gain > open[k]!.gain) k = i;
    const s = open.splice(k, 1)[0]!;
    cuts.push(s.c);
    for (const child of [best(s.a, s.c), best(s.c, s.b)]) if (child) open.push(child);
  }
  cuts.sort((x, z) => x - z);
  const edges: number[] = [Math.fround(v[0]!)];
  for (const c of cuts) {
    const t = Math.fround((v[c - 1]! + v[c]!) / 2);
    if (t > edges[edges.length - 1]!) edges.push(t);
  }
  const hi = Math.fround(v[n - 1]!);
  if (hi > edges[edges.length - 1]!) edges.push(hi);
  if (edges.length < 2) edges.push(edges[0]! + 1);
  return edges;
}

/** Area under the ROC curve (ties count one half; metrics.rocAuc), but 0.5 instead of NaN when a class is absent. */
export function rankAuc(scores: Float32Array, y: Float32Array): number {
  const auc = rocAuc(y, scores);
  return Number.isNaN(auc) ? 0.5 : auc;
}
