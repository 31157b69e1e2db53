/**
 * Step 2 of the budget selection (budget.ts): the hull greedy for the multiple-choice knapsack (Sinha-Zoltners).
 * Each subscriber's candidates (ENV > 0) are reduced to their upper concave hull in (cost, value), dominated
 * points dropped; upgrades (current → next hull point) are taken from a max-heap in decreasing incremental value
 * per unit cost (free upgrades first) while the budget and the action's capacity allow. An upgrade that does not
 * fit the budget ends that subscriber (later hull points cost more); one blocked by a full action moves on to the
 * next hull point. Also `valueGreedy`, the plain value-first start the repair tries on small problems.
 */
import { costFn, EPS, type Order, type PartialSelection, type SelectionProblem, valueFn } from "./budget-problem.js";

/**
 * Each subscriber's candidates reduced to their upper concave hull in (cost, value), cheapest first: the points of
 * subscriber i are `points[start[i]] .. points[start[i + 1] - 1]` (action indices). It does not depend on the budget:
 * a problem solved at several budgets (the what-if curve) computes it once and passes it as `p.hull`.
 */
export function hullOf(p: SelectionProblem): { start: Int32Array; points: Int32Array } {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const hullStart = new Int32Array(n + 1);
  // a typed array sized by the candidate count (a growing JS array costs 8+ bytes a point at 10M rows)
  let candidates = 0;
  for (let k = 0; k < n * A; k++) if (valueAt(k) > 0) candidates++;
  const hullBuf = new Int32Array(candidates);
  let hullLen = 0;
  const pts: number[] = [];
  for (let i = 0; i < n; i++) {
    hullStart[i] = hullLen;
    pts.length = 0;
    // insertion sort by cost, then value (descending), then action: a row has only a few candidates
    const before = (x: number, y: number): boolean =>
      costAt(i * A + x) < costAt(i * A + y) || (costAt(i * A + x) === costAt(i * A + y) && (valueAt(i * A + x) > valueAt(i * A + y) || (valueAt(i * A + x) === valueAt(i * A + y) && x < y)));
    for (let a = 0; a < A; a++) {
      if (!(valueAt(i * A + a) > 0)) continue;
      let q = pts.length;
      pts.push(a);
      while (q > 0 && before(a, pts[q - 1]!)) {
        pts[q] = pts[q - 1]!;
        q--;
      }
      pts[q] = a;
    }
    const base = hullLen;
    for (const a of pts) {
      const v = valueAt(i * A + a);
      const c = costAt(i * A + a);
      const lastV = hullLen > base ? valueAt(i * A + hullBuf[hullLen - 1]!) : 0;
      if (v <= lastV) continue; // dominated: costs at least as much for no more value
      while (hullLen > base) {
        const h1 = hullBuf[hullLen - 1]!;
        const h0 = hullLen - 1 > base ? hullBuf[hullLen - 2]! : -1;
        const v0 = h0 < 0 ? 0 : valueAt(i * A + h0);
        const c0 = h0 < 0 ? 0 : costAt(i * A + h0);
        const v1 = valueAt(i * A + h1);
        const c1 = costAt(i * A + h1);
        // pop h1 when it lies on or below the segment from h0 to the new point
        if ((v1 - v0) * (c - c0) <= (v - v0) * (c1 - c0)) hullLen--;
        else break;
      }
      hullBuf[hullLen++] = a;
    }
  }
  hullStart[n] = hullLen;
  return { start: hullStart, points: hullBuf };
}

/** The hull greedy's selection (choice, counts, budget left). */
export function hullGreedy(p: SelectionProblem, cap: Float64Array, order: Order): PartialSelection {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const choice = new Int32Array(n).fill(-1);
  const count = new Int32Array(A);
  const hull = p.hull ?? hullOf(p);
  const hullStart = hull.start;
  const hullBuf = hull.points;

  let remaining = p.budget;
  const pos = new Int32Array(n); // next hull point to try, relative to hullStart
  const heap = new UpgradeHeap(n, order);
  const upgradeKey = (i: number): number => {
    const h = hullStart[i]! + pos[i]!;
    const a = hullBuf[h]!;
    const cur = choice[i]!;
    const dv = valueAt(i * A + a) - (cur < 0 ? 0 : valueAt(i * A + cur));
    const dc = costAt(i * A + a) - (cur < 0 ? 0 : costAt(i * A + cur));
    // free upgrades first, the most valuable of them first
    return dc <= 0 ? 1e300 * (1 + dv / (1 + Math.abs(dv))) : dv / dc;
  };
  for (let i = 0; i < n; i++) if (hullStart[i + 1]! > hullStart[i]!) heap.push(i, upgradeKey(i));
  while (heap.size > 0) {
    const i = heap.pop();
    const a = hullBuf[hullStart[i]! + pos[i]!]!;
    const cur = choice[i]!;
    const dc = costAt(i * A + a) - (cur < 0 ? 0 : costAt(i * A + cur));
    pos[i]!++;
    const more = hullStart[i]! + pos[i]! < hullStart[i + 1]!;
    if (count[a]! >= cap[a]!) {
      if (more) heap.push(i, upgradeKey(i)); // skip this point, try the next one from the current item
      continue;
    }
    if (dc > remaining + EPS) continue; // later hull points cost even more
    if (cur >= 0) count[cur]!--;
    count[a]!++;
    remaining -= dc;
    choice[i] = a;
    if (more) heap.push(i, upgradeKey(i));
  }
  return { choice, count, remaining };
}

/** Candidates by value, best first, taken while the subscriber is free and budget and capacity allow. */
export function valueGreedy(p: SelectionProblem, cap: Float64Array, order: Order): PartialSelection {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const choice = new Int32Array(n).fill(-1);
  const count = new Int32Array(A);
  let remaining = p.budget;
  const cands: number[] = [];
  for (let k = 0; k < n * A; k++) if (valueAt(k) > 0) cands.push(k);
  cands.sort((x, y) => valueAt(y) - valueAt(x) || order(Math.floor(x / A), Math.floor(y / A)) || (x % A) - (y % A));
  for (const k of cands) {
    const i = Math.floor(k / A);
    const a = k % A;
    if (choice[i]! < 0 && count[a]! < cap[a]! && costAt(k) <= remaining + EPS) {
      choice[i] = a;
      count[a]!++;
      remaining -= costAt(k);
    }
  }
  return { choice, count, remaining };
}

/** Max-heap of subscribers by upgrade key; ties by tie-break rank (lower first). */
class UpgradeHeap {
  private readonly ids: Int32Array;
  private readonly keys: Float64Array;
  size = 0;
  constructor(
    capacity: number,
    private readonly order: Order,
  ) {
    this.ids = new Int32Array(capacity);
    this.keys = new Float64Array(capacity);
  }
  private before(x: number, y: number): boolean {
    const kx = this.keys[x]!;
    const ky = this.keys[y]!;
    return kx > ky || (kx === ky && this.order(this.ids[x]!, this.ids[y]!) < 0);
  }
  private swap(x: number, y: number): void {
    const id = this.ids[x]!;
    const k = this.keys[x]!;
    this.ids[x] = this.ids[y]!;
    this.keys[x] = this.keys[y]!;
    this.ids[y] = id;
    this.keys[y] = k;
  }
  push(id: number, key: number): void {
    let c = this.size++;
    this.ids[c] = id;
    this.keys[c] = key;
    while (c > 0) {
      const parent = (c - 1) >> 1;
      if (!this.before(c, parent)) break;
      this.swap(c, parent);
      c = parent;
    }
  }
  pop(): number {
    const top = this.ids[0]!;
    this.size--;
    if (this.size > 0) {
      this.ids[0] = this.ids[this.size]!;
      this.keys[0] = this.keys[this.size]!;
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        const r = l + 1;
        let m = c;
        if (l < this.size && this.before(l, m)) m = l;
        if (r < this.size && this.before(r, m)) m = r;
        if (m === c) break;
        this.swap(c, m);
        c = m;
      }
    }
    return top;
  }
}

/** This step's functions and class as JavaScript source, for the page's copy of the selection (budget.ts selectionSource). */
export function hullSource(): string {
  return [hullOf.toString(), hullGreedy.toString(), valueGreedy.toString(), UpgradeHeap.toString()].join("\n");
}
