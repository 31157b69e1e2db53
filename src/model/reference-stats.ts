/**
 * What each input column looked like in every training snapshot, stored in the artifact (training.json
 * `reference.snapshots`) so a scoring run can tell broken input from a normal month (src/monitoring/integrity.ts):
 *
 *   every column    the range over snapshots of its missing share, and how many snapshots had it constant
 *   numeric         the range over snapshots of its zero share and of the median of its non-zero absolute values
 *                   (its level: a change of units moves it by orders of magnitude, a normal month does not)
 *   categorical     the range over snapshots of the share of values outside the reference levels
 *
 * A snapshot is one as-of date of a feature table; a flat table is one snapshot.
 */
import { type ColumnSnapshotStats, type ReferenceDistributions, type ReferenceSnapshots, referenceDistributions } from "./reference-bins.js";

export type { ColumnSnapshotStats, ReferenceSnapshots };
import type { RawTable } from "../raw-table.js";

const widen = (r: [number, number] | undefined, v: number): [number, number] => (r ? [Math.min(r[0], v), Math.max(r[1], v)] : [v, v]);

/** Median of values without NaN (sorted in place: a typed array sorts numerically without a comparator). */
function median(values: Float64Array): number {
  values.sort();
  const m = values.length >> 1;
  return values.length % 2 ? values[m]! : (values[m - 1]! + values[m]!) / 2;
}

/**
 * Per-snapshot statistics of every column over `rows`, grouped by `snapshotOf[row]` (all one snapshot when
 * omitted). `levels` gives each categorical column's reference levels (the drift bins).
 */
export function referenceSnapshots(
  table: RawTable,
  rows: readonly number[],
  snapshotOf: ArrayLike<number> | undefined,
  levels: ReadonlyMap<string, readonly string[]>,
): ReferenceSnapshots {
  const groups = new Map<number, number[]>();
  for (const i of rows) {
    const g = snapshotOf ? snapshotOf[i]! : 0;
    const list = groups.get(g) ?? [];
    list.push(i);
    groups.set(g, list);
  }
  const sets = [...groups.values()];
  const columns = table.columns.map((c): ColumnSnapshotStats => {
    const s: ColumnSnapshotStats = { name: c.name, kind: c.kind, missing: [0, 0], constantSnapshots: 0 };
    let missing: [number, number] | undefined;
    const known = new Set(levels.get(c.name) ?? []);
    for (const idx of sets) {
      let miss = 0;
      let first: number | string | undefined;
      let constant = true;
      if (c.kind === "numeric") {
        let zeros = 0;
        const nonZeroValues = new Float64Array(idx.length);
        let nonZeros = 0;
        for (const i of idx) {
          const v = c.values[i]!;
          if (Number.isNaN(v)) {
            miss++;
            continue;
          }
          if (first === undefined) first = v;
          else if (v !== first) constant = false;
          if (v === 0) zeros++;
          else nonZeroValues[nonZeros++] = Math.abs(v);
        }
        const present = idx.length - miss;
        if (present > 0) s.zeros = widen(s.zeros, zeros / present);
        if (nonZeros) s.level = widen(s.level, median(nonZeroValues.subarray(0, nonZeros)));
      } else {
        let other = 0;
        for (const i of idx) {
          const v = c.values[i] ?? null;
          if (v === null) {
            miss++;
            continue;
          }
          if (first === undefined) first = v;
          else if (v !== first) constant = false;
          if (!known.has(v)) other++;
        }
        const present = idx.length - miss;
        if (present > 0) s.other = widen(s.other, other / present);
      }
      missing = widen(missing, idx.length ? miss / idx.length : 0);
      if (constant) s.constantSnapshots++;
    }
    s.missing = missing ?? [0, 0];
    return s;
  });
  return { snapshots: sets.length, minRows: sets.length ? Math.min(...sets.map((x) => x.length)) : 0, columns };
}

/**
 * The reference a model stores for scoring-time checks: PSI bins of every column and of the score over all
 * training rows (every snapshot pooled), plus per-snapshot statistics for the integrity gate. `basis` names it
 * in messages.
 */
export function trainingReference(
  table: RawTable,
  rows: readonly number[],
  scores: ArrayLike<number>,
  snapshotOf: ArrayLike<number> | undefined,
): ReferenceDistributions & { snapshots: ReferenceSnapshots; basis: string } {
  const dist = referenceDistributions(table, rows, scores);
  const levels = new Map(dist.features.flatMap((f) => (f.kind === "categorical" ? [[f.name, f.levels] as const] : [])));
  const snapshots = referenceSnapshots(table, rows, snapshotOf, levels);
  const basis = `the model's ${rows.length.toLocaleString("en-US")} training rows (${snapshots.snapshots} snapshot${snapshots.snapshots === 1 ? "" : "s"})`;
  return { ...dist, snapshots, basis };
}
