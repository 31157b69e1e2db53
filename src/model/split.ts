/**
 * Row splits, all seeded: stratified k-fold, a stratified train/validation split, and the time-honest split
 * of a feature table (train on snapshots whose outcome window closed before the validation as-of date,
 * validate on the latest complete snapshot; never a random split across time).
 */

import { rng } from "../rng.js";

export { rng };

export function shuffle<T>(items: T[], seed: number): T[] {
  const r = rng(seed);
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Fold 0..k-1 for each row, stratified by label. */
export function stratifiedFolds(y: ArrayLike<number>, k: number, seed: number): Int32Array {
  const folds = new Int32Array(y.length);
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i]! > 0.5 ? pos : neg).push(i);
  let next = 0;
  for (const group of [shuffle(pos, seed), shuffle(neg, seed + 1)]) {
    for (const i of group) {
      folds[i] = next;
      next = (next + 1) % k;
    }
  }
  return folds;
}

/**
 * Split row indices `rows` into fit and validation parts, stratified by label: `validFraction` of each class
 * (rounded) is validation, a class with two or more rows keeps at least one row on each side, and a class of
 * one row stays in the fit part. Positives are
 * shuffled with `seed`, negatives with `seed + 1`. The one stratified split (training, cv and the mlp's own
 * early-stopping rows).
 * @example stratifiedSplit([0, 1, 2, 3], [1, 0, 1, 0], 0.5, 7) // one positive and one negative in each part
 */
export function stratifiedSplit(rows: ArrayLike<number>, y: ArrayLike<number>, validFraction: number, seed: number): { fit: number[]; valid: number[] } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    (y[i]! > 0.5 ? pos : neg).push(i);
  }
  const fit: number[] = [];
  const valid: number[] = [];
  for (const [group, s] of [
    [pos, seed],
    [neg, seed + 1],
  ] as const) {
    const sh = shuffle(group, s);
    let nValid = Math.round(sh.length * validFraction);
    nValid = sh.length >= 2 ? Math.min(Math.max(nValid, 1), sh.length - 1) : 0;
    sh.forEach((i, k) => {
      (k < nValid ? valid : fit).push(i);
    });
  }
  return { fit: fit.sort((a, b) => a - b), valid: valid.sort((a, b) => a - b) };
}

/**
 * Rows grouped by an id that repeats (one customer's monthly rows): `groups[i]` is row i's group. A row without
 * an id is a group of its own. Undefined when every id is distinct: then nothing needs grouping, and the splits
 * are exactly the row splits above.
 */
export function groupsOf(ids: ArrayLike<string | null>): { groups: Int32Array; count: number } | undefined {
  const index = new Map<string, number>();
  const groups = new Int32Array(ids.length);
  let count = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === null || id === undefined) {
      groups[i] = count++;
      continue;
    }
    const g = index.get(id);
    if (g === undefined) {
      index.set(id, count);
      groups[i] = count++;
    } else groups[i] = g;
  }
  return count < ids.length ? { groups, count } : undefined;
}

/** Members of each group among `rows`, groups in order of first appearance; `pos`: the group holds a positive row. */
function collectGroups(rows: ArrayLike<number>, y: ArrayLike<number>, groups: ArrayLike<number>): { rows: number[]; pos: boolean }[] {
  const at = new Map<number, { rows: number[]; pos: boolean }>();
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    let g = at.get(groups[i]!);
    if (!g) {
      g = { rows: [], pos: false };
      at.set(groups[i]!, g);
    }
    g.rows.push(i);
    if (y[i]! > 0.5) g.pos = true;
  }
  return [...at.values()];
}

/**
 * Fold 0..k-1 for each row with every row of a group in one fold (stratified group k-fold): groups holding a
 * positive row and the others are each shuffled with the seed, taken largest first, and each goes to the fold
 * with the fewest rows of its kind so far (ties: fewer rows, then the lower fold). The fold sizes and churn
 * rates stay close to those of stratifiedFolds while no customer is in two folds.
 */
export function stratifiedGroupFolds(y: ArrayLike<number>, groups: ArrayLike<number>, k: number, seed: number): Int32Array {
  const folds = new Int32Array(y.length);
  const all = collectGroups(Array.from({ length: y.length }, (_, i) => i), y, groups);
  const kindRows = [new Float64Array(k), new Float64Array(k)];
  const rowsIn = new Float64Array(k);
  for (const [kind, s] of [
    [true, seed],
    [false, seed + 1],
  ] as const) {
    const list = shuffle(all.filter((g) => g.pos === kind), s);
    // largest first (a stable sort keeps the shuffled order among equal sizes)
    list.sort((a, b) => b.rows.length - a.rows.length);
    const count = kindRows[kind ? 1 : 0]!;
    for (const g of list) {
      let best = 0;
      for (let f = 1; f < k; f++) if (count[f]! < count[best]! || (count[f] === count[best] && rowsIn[f]! < rowsIn[best]!)) best = f;
      for (const i of g.rows) folds[i] = best;
      count[best]! += g.rows.length;
      rowsIn[best]! += g.rows.length;
    }
  }
  return folds;
}

/**
 * stratifiedSplit with every row of a group on one side: the groups holding a positive row and the others are
 * each shuffled with the seed (`seed`, `seed + 1`) and taken into validation until it holds `validFraction` of
 * that kind's rows (rounded); a kind with two or more groups keeps at least one on each side.
 */
export function stratifiedGroupSplit(rows: ArrayLike<number>, y: ArrayLike<number>, groups: ArrayLike<number>, validFraction: number, seed: number): { fit: number[]; valid: number[] } {
  const all = collectGroups(rows, y, groups);
  const fit: number[] = [];
  const valid: number[] = [];
  for (const [kind, s] of [
    [true, seed],
    [false, seed + 1],
  ] as const) {
    const list = shuffle(all.filter((g) => g.pos === kind), s);
    if (list.length < 2) {
      for (const g of list) fit.push(...g.rows);
      continue;
    }
    const want = Math.round(list.reduce((a, g) => a + g.rows.length, 0) * validFraction);
    let taken = 0;
    let nValid = 0;
    for (const [n, g] of list.entries()) {
      const lastLeftForFit = n === list.length - 1 && nValid === n;
      if (!lastLeftForFit && (nValid === 0 || taken < want)) {
        valid.push(...g.rows);
        taken += g.rows.length;
        nValid++;
      } else fit.push(...g.rows);
    }
  }
  return { fit: fit.sort((a, b) => a - b), valid: valid.sort((a, b) => a - b) };
}

/** The snapshots (as-of dates) whose rows are all labelled. */
function completeSnapshots(asOf: ArrayLike<number>, labelled: ArrayLike<boolean>): number[] {
  const complete = new Map<number, boolean>();
  for (let i = 0; i < asOf.length; i++) complete.set(asOf[i]!, (complete.get(asOf[i]!) ?? true) && labelled[i]!);
  return [...complete.entries()].filter(([, c]) => c).map(([t]) => t);
}

export interface TimeSplit {
  train: number[];
  valid: number[];
  /** The validation snapshot (ms since epoch, UTC). */
  validAsOf: number;
  /** Latest training snapshot. */
  trainAsOfMax: number;
  /** Labelled rows left out because their outcome window overlaps the validation period. */
  embargoed: number;
}

/**
 * Time-honest split. `asOf` in ms (UTC), `labelled[i]` false when the label is unknown (never trained on),
 * `outcomeEnd(t)` the end of the outcome window of snapshot t (t + horizon).
 * Validation: the latest snapshot whose rows are all labelled. Training: labelled rows of snapshots whose
 * window closed by the validation as-of (outcomeEnd(t) <= validation as_of). Errors name what is missing.
 */
export function timeHonestSplit(asOf: ArrayLike<number>, labelled: ArrayLike<boolean>, outcomeEnd: (t: number) => number): TimeSplit | { error: "no-validation" } | { error: "no-training"; validAsOf: number } {
  const completeDates = completeSnapshots(asOf, labelled);
  if (completeDates.length === 0) return { error: "no-validation" };
  const validAsOf = Math.max(...completeDates);
  const train: number[] = [];
  const valid: number[] = [];
  let embargoed = 0;
  let trainAsOfMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < asOf.length; i++) {
    const t = asOf[i]!;
    if (t === validAsOf) valid.push(i);
    else if (labelled[i] && outcomeEnd(t) <= validAsOf) {
      train.push(i);
      trainAsOfMax = Math.max(trainAsOfMax, t);
    } else if (labelled[i] && t < validAsOf) embargoed++;
  }
  if (train.length === 0) return { error: "no-training", validAsOf };
  return { train, valid, validAsOf, trainAsOfMax, embargoed };
}

export interface TimeSplit3 extends TimeSplit {
  /** Calibration rows: the latest complete snapshot before the validation one whose window closed by it. */
  calib: number[];
  calibAsOf: number;
}

/**
 * Three-way time-honest split: validation = the latest complete snapshot T; calibration = the latest complete
 * snapshot C < T with outcomeEnd(C) <= T; training = labelled rows with outcomeEnd(t) <= C. So the model never
 * sees an outcome after C, and the calibrator none after T. Labelled rows in none of the three are embargoed.
 * Undefined when there is no such C or nothing to train on before it (the caller falls back to two ways).
 */
export function timeHonestSplit3(asOf: ArrayLike<number>, labelled: ArrayLike<boolean>, outcomeEnd: (t: number) => number): TimeSplit3 | undefined {
  const two = timeHonestSplit(asOf, labelled, outcomeEnd);
  if ("error" in two) return undefined;
  const T = two.validAsOf;
  const candidates = completeSnapshots(asOf, labelled).filter((t) => t < T && outcomeEnd(t) <= T);
  if (!candidates.length) return undefined;
  const C = Math.max(...candidates);
  const train: number[] = [];
  const calib: number[] = [];
  const valid: number[] = [];
  let embargoed = 0;
  let trainAsOfMax = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < asOf.length; i++) {
    const t = asOf[i]!;
    if (t === T) valid.push(i);
    else if (t === C) calib.push(i);
    else if (labelled[i] && outcomeEnd(t) <= C) {
      train.push(i);
      trainAsOfMax = Math.max(trainAsOfMax, t);
    } else if (labelled[i] && t < T) embargoed++;
  }
  if (!train.length) return undefined;
  return { train, calib, valid, validAsOf: T, calibAsOf: C, trainAsOfMax, embargoed };
}
