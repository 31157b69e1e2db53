/**
 * Training reference distributions, stored in the artifact (training.json `reference`) so a scoring run can
 * measure drift (PSI) without the training data:
 *   numeric feature   cut points at the deciles of the given rows (train.ts: the validation rows) (distinct values only); bins: below the
 *                     first cut, between cuts, at/above the last cut, plus a missing bin
 *   categorical       the 20 most frequent levels, "(other)" and "(missing)"
 *   score             deciles of the calibrated validation scores (what production scores look like)
 * Numeric features also keep their 101 percentiles (0th..100th): reasons say where a value stands among
 * customers ("shorter than 93% of customers").
 * Shares add up to 1 per feature.
 */
import type { ColumnSnapshotStats, ReferenceBins, ReferenceDistributions, ReferenceSnapshots } from "../io/artifact-schemas.js";
import type { RawTable } from "../raw-table.js";

// the shapes are defined with the artifact's schemas, which check them when a model is read back
export type { ColumnSnapshotStats, ReferenceBins, ReferenceDistributions, ReferenceSnapshots };

const MAX_LEVELS = 20;

/** Bin of a numeric value: 0..cuts.length, NaN → cuts.length + 1 (missing). */
export function numericBin(cuts: readonly number[], v: number): number {
  if (Number.isNaN(v)) return cuts.length + 1;
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v >= cuts[mid]!) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Bin of a level: its index, levels.length for other, levels.length + 1 for missing. */
export function categoricalBin(index: ReadonlyMap<string, number>, levels: number, v: string | null): number {
  if (v === null) return levels + 1;
  return index.get(v) ?? levels;
}

/** The values without NaN, sorted (what decileCuts and percentilesOfSorted take). Plain loops: a callback per value
 * (filter, Float64Array.from with a map) cost more than the sort itself on 32k rows x 90 columns. */
function sortedFinite(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) out[m++] = v;
  }
  return out.subarray(0, m).sort();
}

function decileCuts(values: Float64Array): number[] {
  return decileCutsOfSorted(sortedFinite(values));
}

function decileCutsOfSorted(s: Float64Array): number[] {
  if (!s.length) return [];
  const cuts: number[] = [];
  for (let k = 1; k < 10; k++) {
    const c = s[Math.min(s.length - 1, Math.floor((s.length * k) / 10))]!;
    if (!cuts.length || c > cuts[cuts.length - 1]!) cuts.push(c);
  }
  return cuts;
}

/** The 0th..100th percentiles of the finite values (type 7, as numpy's default); empty when there are none. */
export function percentiles(values: Float64Array): number[] {
  return percentilesOfSorted(sortedFinite(values));
}

function percentilesOfSorted(s: Float64Array): number[] {
  if (!s.length) return [];
  const out: number[] = [];
  for (let k = 0; k <= 100; k++) {
    const h = ((s.length - 1) * k) / 100;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, s.length - 1);
    out.push(Number((s[lo]! + (h - lo) * (s[hi]! - s[lo]!)).toPrecision(7)));
  }
  return out;
}

function sharesOf(counts: Float64Array, n: number): number[] {
  return Array.from(counts, (c) => (n > 0 ? c / n : 0));
}

/** Reference bins of every column of `table` over `rows` (default all), and of `scores`. */
/** Where values stand among the reference customers, for reason texts. */
export function standingOf(ref: ReferenceDistributions | undefined): { percentiles: Map<string, number[]>; shares: Map<string, Map<string, number>> } {
  const percentilesBy = new Map<string, number[]>();
  const shares = new Map<string, Map<string, number>>();
  for (const f of ref?.features ?? []) {
    if (f.kind === "numeric" && f.percentiles?.length) percentilesBy.set(f.name, f.percentiles);
    else if (f.kind === "categorical") shares.set(f.name, new Map(f.levels.map((l, k) => [l, f.shares[k] ?? 0])));
  }
  return { percentiles: percentilesBy, shares };
}

export function referenceDistributions(table: RawTable, rows: readonly number[] | undefined, scores: ArrayLike<number>): ReferenceDistributions {
  const idx = rows ?? Array.from({ length: table.rows }, (_, i) => i);
  const n = idx.length;
  const features: ReferenceBins[] = table.columns.map((c) => {
    if (c.kind === "numeric") {
      const v = new Float64Array(n);
      for (let j = 0; j < n; j++) v[j] = c.values[idx[j]!]!;
      const sorted = sortedFinite(v);
      const cuts = decileCutsOfSorted(sorted);
      // v's bins from the sorted values: each run of values below the next cut, then the missing ones
      const counts = new Float64Array(cuts.length + 2);
      let b = 0;
      for (const x of sorted) {
        while (b < cuts.length && x >= cuts[b]!) b++;
        counts[b]!++;
      }
      counts[cuts.length + 1] = v.length - sorted.length;
      return { name: c.name, kind: "numeric", cuts, shares: sharesOf(counts, n), percentiles: percentilesOfSorted(sorted) };
    }
    const freq = new Map<string, number>();
    for (const i of idx) {
      const x = c.values[i];
      if (x !== null && x !== undefined) freq.set(x, (freq.get(x) ?? 0) + 1);
    }
    const levels = [...freq.entries()]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, MAX_LEVELS)
      .map(([k]) => k)
      .sort();
    const index = new Map(levels.map((l, k) => [l, k]));
    const counts = new Float64Array(levels.length + 2);
    for (const i of idx) counts[categoricalBin(index, levels.length, c.values[i] ?? null)]!++;
    return { name: c.name, kind: "categorical", levels, shares: sharesOf(counts, n) };
  });
  const sv = Float64Array.from(scores as ArrayLike<number>);
  const cuts = decileCuts(sv);
  const sc = new Float64Array(cuts.length + 2);
  for (const x of sv) sc[numericBin(cuts, x)]!++;
  return { version: 1, rows: n, features, score: { cuts, shares: sharesOf(sc, sv.length) } };
}
