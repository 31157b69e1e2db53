/**
 * Selection under a budget and per-action capacities: each subscriber gets at most one action; maximise the
 * total expected net value (ENV). This is a multiple-choice knapsack with cardinality limits per action.
 *
 * 1. Fast path: no budget and no capacity limit → every subscriber takes its best action (exact).
 * 2. Hull greedy (Sinha-Zoltners for the multiple-choice knapsack): each subscriber's candidates are
 *    reduced to their upper concave hull in (cost, value); upgrades (current → next hull point) are taken
 *    in decreasing incremental value per unit cost while the budget and the action capacity allow.
 * 3. Repair/swap pass (bounded local search): for unselected candidates in decreasing value, try to insert
 *    one by freeing its subscriber, the capacity of its action (a few holder moves) and enough budget (a
 *    small covering knapsack over "move a selected subscriber to a cheaper action or none": the cheapest
 *    single moves and greedy-plus-completion plans), refill the freed budget (by value per cost, or by value
 *    when a capacity binds, then upgrades), and keep the best variant when the total rises. Then a few kicks
 *    (iterated local search): drop a low value-per-cost selection, forbid it, improve, keep if better.
 *    Small problems (<= 1,000 cells) also start once from a plain value-first greedy; the better result wins.
 *    Large problems repair only the boundary (see `boundary`) under a deterministic work bound, so a
 *    million subscribers plan in seconds.
 * Ties are broken by the subscriber tie-break order (subscriber_id in the plan), then catalog order, so the
 * result is deterministic. Tests compare it with an exact solver on 1,500 seeded random small cases
 * (>= 99% of the optimum on each; the greedy alone falls short on many of them).
 */

export interface SelectionProblem {
  /** Subscribers. */
  n: number;
  /** Actions (columns). */
  actions: number;
  /** n x actions ENV, row-major; an entry is a candidate when > 0 (NaN = not eligible). May be empty when `envOf` is given. */
  value: Float64Array;
  /** ENV of cell `k = i * actions + a`, used instead of `value` when given (computed on the fly, no n x actions matrix). */
  envOf?: (k: number) => number;
  /** n x actions cost (>= 0), row-major (may be empty when `costOf` is given). */
  cost: Float64Array;
  /**
   * Cost of cell `k = i * actions + a`, used instead of `cost` when given: large plans compute costs on
   * the fly instead of storing an n x actions matrix (0.64 GB at 10M subscribers and 8 actions).
   */
  costOf?: (k: number) => number;
  /** Per action, most subscribers it may take (Infinity = unlimited). */
  capacity: ArrayLike<number>;
  /** Total spend allowed (Infinity = unlimited). */
  budget: number;
  /** Tie-break order of two subscribers (negative: i first); default the index. */
  tiebreak?: (i: number, j: number) => number;
}

export interface Selection {
  /** Chosen action per subscriber, -1 = none. */
  choice: Int32Array;
  total: number;
  spent: number;
  /** Subscribers per action. */
  count: Int32Array;
}

export interface SelectOptions {
  /** Insert attempts per pass of the repair step (bounded work on large problems; default 300). */
  maxTries?: number;
  /** Refill steps per attempt and phase (default 5,000). */
  maxRefillSteps?: number;
  /** How many of the lowest value-per-cost selections an attempt may drop (default 1,000). */
  maxRemovable?: number;
  /** Kicks of the iterated local search (default 30 up to 1,000 cells, 5 up to 20,000, else 2). */
  kicks?: number;
  /** Bound on the repair's loop steps (default 3,000,000 + 5 x cells): keeps large problems fast and deterministic. */
  maxWork?: number;
  /** Subscribers per side of the boundary the repair works on in large problems (default 20,000). */
  window?: number;
  /** Skip the repair step (for comparisons). */
  noRepair?: boolean;
}

const EPS = 1e-9;

/** The cost of cell k, whether the problem gives an array or a function. */
const costFn = (p: SelectionProblem): ((k: number) => number) => {
  const cost = p.cost;
  return p.costOf ?? ((k: number) => cost[k]!);
};
/** The ENV of cell k, whether the problem gives an array or a function. */
const valueFn = (p: SelectionProblem): ((k: number) => number) => {
  const value = p.value;
  return p.envOf ?? ((k: number) => value[k]!);
};

/** Selection maximising total ENV under the budget and capacities. */
export function selectActions(p: SelectionProblem, opts: SelectOptions = {}): Selection {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const order: Order = p.tiebreak ?? ((i, j) => i - j);
  const choice = new Int32Array(n).fill(-1);
  const count = new Int32Array(A);
  const cap = Float64Array.from({ length: A }, (_, a) => p.capacity[a] ?? Number.POSITIVE_INFINITY);
  const unlimited = p.budget === Number.POSITIVE_INFINITY && cap.every((c) => c === Number.POSITIVE_INFINITY);

  // 1. fast path
  if (unlimited) {
    let total = 0;
    let spent = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestV = 0;
      for (let a = 0; a < A; a++) {
        const v = valueAt(i * A + a);
        if (v > bestV) { best = a; bestV = v; }
      }
      if (best >= 0) {
        choice[i] = best;
        count[best]!++;
        total += bestV;
        spent += costAt(i * A + best);
      }
    }
    return { choice, total, spent, count };
  }

  // 2. hull greedy
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

  if (opts.noRepair) return summarise(p, choice);
  // 3. repair / swap, from the hull greedy and (small problems) from a plain value-first greedy; keep the better
  repair(p, choice, count, cap, remaining, order, opts);
  const first = summarise(p, choice);
  if (n * A > 1000) return first;
  const alt = valueGreedy(p, cap, order);
  repair(p, alt.choice, alt.count, cap, alt.remaining, order, opts);
  const second = summarise(p, alt.choice);
  return second.total > first.total + EPS ? second : first;
}

function summarise(p: SelectionProblem, choice: Int32Array): Selection {
  const A = p.actions;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const count = new Int32Array(A);
  let spent = 0;
  let total = 0;
  for (let i = 0; i < p.n; i++) {
    const a = choice[i]!;
    if (a >= 0) { spent += costAt(i * A + a); total += valueAt(i * A + a); count[a]!++; }
  }
  return { choice, total, spent, count };
}

/** Candidates by value, best first, taken while the subscriber is free and budget and capacity allow. */
function valueGreedy(p: SelectionProblem, cap: Float64Array, order: Order) {
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

function repair(
  p: SelectionProblem,
  choice: Int32Array,
  count: Int32Array,
  cap: Float64Array,
  remaining0: number,
  order: Order,
  opts: SelectOptions,
): void {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const maxTries = opts.maxTries ?? 300;
  const maxRefill = opts.maxRefillSteps ?? 5000;
  const maxRemovable = opts.maxRemovable ?? 1000;
  const SINGLES = 4;
  const MAX_PREFIX = 50;
  let remaining = remaining0;
  let forbidden = -1;
  // deterministic bound on the repair's total work (loop steps), linear in the problem size
  let work = 0;
  const maxWork = opts.maxWork ?? 2_000_000 + n * A;
  const subs = boundary(p, choice, count, cap, opts.window ?? 20_000);
  const cands: number[] = [];
  for (const i of subs) for (let a = 0; a < A; a++) if (valueAt(i * A + a) > 0) cands.push(i * A + a);
  const ratio = (k: number): number => (costAt(k) > 0 ? valueAt(k) / costAt(k) : Number.POSITIVE_INFINITY);
  const tie = (x: number, y: number): number => order(Math.floor(x / A), Math.floor(y / A)) || (x % A) - (y % A);
  // fill order: value per cost, best first; try and upgrade order: value, best first
  const byRatio = [...cands].sort((x, y) => cmp(ratio(y), ratio(x)) || valueAt(y) - valueAt(x) || tie(x, y));
  const byValue = [...cands].sort((x, y) => valueAt(y) - valueAt(x) || tie(x, y));
  const sufMinCost = new Float64Array(byRatio.length + 1).fill(Number.POSITIVE_INFINITY);
  for (let t = byRatio.length - 1; t >= 0; t--) sufMinCost[t] = Math.min(sufMinCost[t + 1]!, costAt(byRatio[t]!));

  const val = (i: number): number => (choice[i]! < 0 ? 0 : valueAt(i * A + choice[i]!));
  const cst = (i: number): number => (choice[i]! < 0 ? 0 : costAt(i * A + choice[i]!));
  const room = (a: number): boolean => a < 0 || count[a]! < cap[a]!;
  // every change is logged as (subscriber, previous action, gain before) so a rejected move can be undone
  const log: number[] = [];
  const touched = new Uint8Array(n);
  let gain = 0;
  const assign = (i: number, a: number) => {
    log.push(i, choice[i]!, gain);
    touched[i] = 1;
    gain -= val(i);
    remaining += cst(i);
    if (choice[i]! >= 0) count[choice[i]!]!--;
    choice[i] = a;
    if (a >= 0) count[a]!++;
    gain += val(i);
    remaining -= cst(i);
  };
  const undoTo = (mark: number) => {
    for (let t = log.length - 3; t >= mark; t -= 3) {
      const i = log[t]!;
      const prev = log[t + 1]!;
      remaining += cst(i);
      if (choice[i]! >= 0) count[choice[i]!]!--;
      choice[i] = prev;
      if (prev >= 0) count[prev]!++;
      remaining -= cst(i);
      touched[i] = 0;
      gain = log[t + 2]!;
    }
    log.length = mark;
    for (let t = 0; t < mark; t += 3) touched[log[t]!] = 1;
  };
  // fill freed budget and capacity (subscribers untouched by the move): new ones by value per cost (variant 0)
  // or by value (variant 1, better when a capacity binds), then upgrades by value
  const refill = (variant: number) => {
    let steps = 0;
    const seq = variant === 0 ? byRatio : byValue;
    for (let t = 0; t < seq.length && steps < maxRefill && (variant === 1 || remaining + EPS >= sufMinCost[t]!); t++, steps++, work++) {
      const r = seq[t]!;
      const ri = Math.floor(r / A);
      const ra = r % A;
      if (!touched[ri] && choice[ri]! < 0 && r !== forbidden && room(ra) && costAt(r) <= remaining + EPS) assign(ri, ra);
    }
    steps = 0;
    for (let t = 0; t < byValue.length && steps < maxRefill; t++, steps++, work++) {
      const r = byValue[t]!;
      const ri = Math.floor(r / A);
      const ra = r % A;
      const cur = choice[ri]!;
      if (cur >= 0 && cur !== ra && r !== forbidden && valueAt(r) > val(ri) && room(ra) && costAt(r) - cst(ri) <= remaining + EPS) assign(ri, ra);
    }
  };

  // Room moves: a selected subscriber (among the `maxRemovable` lowest value per cost) goes from its action
  // to another one or to none, losing `loss` and freeing `freed` budget.
  const opt = { i: [] as number[], from: [] as number[], to: [] as number[], loss: [] as number[], freed: [] as number[] };
  let byPerFreed: number[] = [];
  let byLoss: number[] = [];
  const buildOptions = () => {
    work += n;
    const sel: number[] = [];
    for (const i of subs) if (choice[i]! >= 0) sel.push(i * A + choice[i]!);
    sel.sort((x, y) => cmp(ratio(x), ratio(y)) || valueAt(x) - valueAt(y) || tie(y, x));
    for (const key of Object.keys(opt) as (keyof typeof opt)[]) opt[key].length = 0;
    for (const s of sel.slice(0, maxRemovable)) {
      const i = Math.floor(s / A);
      const from = s % A;
      for (let b = -1; b < A; b++) {
        if (b === from || (b >= 0 && !(valueAt(i * A + b) > 0))) continue;
        opt.i.push(i);
        opt.from.push(from);
        opt.to.push(b);
        opt.loss.push(valueAt(s) - (b < 0 ? 0 : valueAt(i * A + b)));
        opt.freed.push(costAt(s) - (b < 0 ? 0 : costAt(i * A + b)));
      }
    }
    const idx = opt.i.map((_, t) => t);
    const perFreed = (t: number) => (opt.freed[t]! > 0 ? opt.loss[t]! / opt.freed[t]! : Number.POSITIVE_INFINITY);
    const byTie = (x: number, y: number) => order(opt.i[x]!, opt.i[y]!) || opt.to[x]! - opt.to[y]!;
    byPerFreed = [...idx].sort((x, y) => cmp(perFreed(x), perFreed(y)) || opt.loss[x]! - opt.loss[y]! || byTie(x, y));
    byLoss = [...idx].sort((x, y) => opt.loss[x]! - opt.loss[y]! || opt.freed[y]! - opt.freed[x]! || byTie(x, y));
    // most budget any move from here on in byLoss order can free: stops hopeless scans early
    maxFreedAfter = new Float64Array(byLoss.length + 1).fill(Number.NEGATIVE_INFINITY);
    for (let t = byLoss.length - 1; t >= 0; t--) maxFreedAfter[t] = Math.max(maxFreedAfter[t + 1]!, opt.freed[byLoss[t]!]!);
  };
  let maxFreedAfter = new Float64Array(1);
  const usable = (t: number): boolean =>
    !touched[opt.i[t]!] && choice[opt.i[t]!] === opt.from[t] && room(opt.to[t]!) && (opt.to[t]! < 0 || opt.i[t]! * A + opt.to[t]! !== forbidden);

  // Ways to free `deficit` budget (a small covering knapsack): the few cheapest single moves that cover it,
  // and the best of "moves in order of loss per unit freed, completed by one covering move".
  const budgetPlans = (deficit: number): number[][] => {
    const plans: number[][] = [];
    for (let q = 0; q < byLoss.length && plans.length < SINGLES && maxFreedAfter[q]! >= deficit - EPS; q++, work++) {
      const t = byLoss[q]!;
      if (opt.freed[t]! >= deficit - EPS && usable(t)) plans.push([t]);
    }
    for (const seq of [byPerFreed, byLoss]) {
      const prefix: number[] = [];
      const inPrefix = new Set<number>();
      let freed = 0;
      let loss = 0;
      let best: number[] | undefined;
      let bestLoss = Number.POSITIVE_INFINITY;
      for (const t of seq) {
        if (prefix.length >= MAX_PREFIX) break;
        if (opt.freed[t]! <= 0 || !usable(t) || inPrefix.has(opt.i[t]!)) continue;
        for (let q = 0; q < byLoss.length && maxFreedAfter[q]! >= deficit - freed - EPS; q++, work++) {
          const c = byLoss[q]!;
          if (loss + opt.loss[c]! >= bestLoss) break;
          if (!inPrefix.has(opt.i[c]!) && opt.freed[c]! >= deficit - freed - EPS && usable(c)) {
            best = [...prefix, c];
            bestLoss = loss + opt.loss[c]!;
            break;
          }
        }
        prefix.push(t);
        inPrefix.add(opt.i[t]!);
        freed += opt.freed[t]!;
        loss += opt.loss[t]!;
        if (freed >= deficit - EPS) {
          if (loss < bestLoss) best = [...prefix];
          break;
        }
      }
      if (best && !plans.some((q) => q.length === best!.length && q.every((x, j) => x === best![j]))) plans.push(best);
    }
    return plans;
  };

  // Insert candidate k: free its subscriber, the capacity of its action (a few holder moves, by loss and by
  // loss per unit freed) and the budget (each budget plan), refill; apply the best variant if it gains.
  const attempt = (k: number): boolean => {
    const i = Math.floor(k / A);
    const a = k % A;
    let bestGain = EPS;
    let best: [number, number, number] | undefined;
    log.length = 0;
    gain = 0;
    assign(i, -1);
    const capMoves: number[] = [];
    if (!room(a)) {
      for (const seq of [byLoss, byPerFreed]) {
        let taken = 0;
        for (const u of seq) {
          if (taken >= 2) break;
          if (choice[opt.i[u]!] === a && usable(u)) {
            taken++;
            if (!capMoves.includes(u)) capMoves.push(u);
          }
        }
      }
      if (capMoves.length === 0) {
        undoTo(0);
        return false;
      }
    } else capMoves.push(-1);
    const base = log.length;
    // evaluate (plan < 0) every budget plan x refill variant after this capacity move, or apply the given one
    const run = (capMove: number, plan: number, variant: number): void => {
      if (capMove >= 0) assign(opt.i[capMove]!, opt.to[capMove]!);
      const plans = costAt(k) > remaining + EPS ? budgetPlans(costAt(k) - remaining) : [[]];
      const mark = log.length;
      plans.forEach((moves, pi) => {
        for (let v = 0; v < 2; v++) {
          if (plan >= 0 && (pi !== plan || v !== variant)) continue;
          for (const t of moves) if (usable(t)) assign(opt.i[t]!, opt.to[t]!);
          if (costAt(k) <= remaining + EPS && room(a)) {
            assign(i, a);
            refill(v);
            if (plan < 0 && gain > bestGain) { bestGain = gain; best = [capMove, pi, v]; }
          }
          if (plan < 0) undoTo(mark);
        }
      });
    };
    for (const capMove of capMoves) {
      run(capMove, -1, 0);
      undoTo(base);
    }
    if (!best) {
      undoTo(0);
      return false;
    }
    run(best[0], best[1], best[2]);
    for (let t = 0; t < log.length; t += 3) touched[log[t]!] = 0;
    log.length = 0;
    return true;
  };

  const improve = () => {
    for (let pass = 0; pass < 20; pass++) {
      let improved = false;
      let tries = 0;
      buildOptions();
      for (const k of byValue) {
        if (tries >= maxTries || work > maxWork) break;
        if (choice[Math.floor(k / A)] === k % A || k === forbidden) continue;
        tries++;
        if (attempt(k)) {
          improved = true;
          buildOptions();
        }
      }
      if (!improved) break;
    }
  };
  const totalValue = (): number => {
    let t = 0;
    for (const i of subs) t += val(i);
    return t;
  };

  improve();
  // Kicks (iterated local search): drop one of the lowest value-per-cost selections, forbid it while
  // improving, then improve again; keep the result only when the total rose.
  const kicks = opts.kicks ?? (n * A <= 1000 ? 30 : n * A <= 20_000 ? 5 : 2);
  let best = totalValue();
  const sel: number[] = [];
  for (const i of subs) if (choice[i]! >= 0) sel.push(i * A + choice[i]!);
  sel.sort((x, y) => cmp(ratio(x), ratio(y)) || valueAt(x) - valueAt(y) || tie(y, x));
  for (const k of sel.slice(0, kicks)) {
    if (work > maxWork) break;
    const i = Math.floor(k / A);
    if (choice[i] !== k % A) continue;
    const saved = { choice: choice.slice(), count: count.slice(), remaining };
    log.length = 0;
    assign(i, -1);
    touched[i] = 0;
    log.length = 0;
    forbidden = k;
    improve();
    forbidden = -1;
    improve();
    const t = totalValue();
    if (t > best + EPS) best = t;
    else {
      choice.set(saved.choice);
      count.set(saved.count);
      remaining = saved.remaining;
    }
  }
}

type Order = (i: number, j: number) => number;

/**
 * The subscribers the repair works on. Small problems: all. Large ones: the boundary of the greedy
 * solution, where swaps can pay: the `w` selected subscribers with the lowest value per cost, the `w`
 * unselected ones with the best value per cost, and for each action at capacity its `w/4` lowest-value
 * holders and the `w/4` best unselected candidates. Everyone else keeps the greedy choice.
 */
function boundary(p: SelectionProblem, choice: Int32Array, count: Int32Array, cap: Float64Array, w: number): Int32Array {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const ratio = (k: number): number => (costAt(k) > 0 ? valueAt(k) / costAt(k) : Number.POSITIVE_INFINITY);
  const inU = new Uint8Array(n);
  const bestRatio = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    if (choice[i]! >= 0) bestRatio[i] = ratio(i * A + choice[i]!);
    else for (let a = 0; a < A; a++) if (valueAt(i * A + a) > 0) bestRatio[i] = Math.max(Number.isNaN(bestRatio[i]!) ? -1 : bestRatio[i]!, ratio(i * A + a));
  }
  if (n <= 4 * w) {
    for (let i = 0; i < n; i++) if (!Number.isNaN(bestRatio[i]!)) inU[i] = 1;
  } else {
    // k-th smallest / largest via a native typed-array sort of the keys (no comparator)
    const pick = (keep: (i: number) => boolean, key: (i: number) => number, k: number, lowest: boolean) => {
      const keys: number[] = [];
      for (let i = 0; i < n; i++) if (keep(i)) keys.push(key(i));
      if (keys.length === 0) return;
      const sorted = Float64Array.from(keys).sort();
      const t = lowest ? sorted[Math.min(k, sorted.length) - 1]! : sorted[Math.max(0, sorted.length - k)]!;
      for (let i = 0; i < n; i++) if (keep(i) && (lowest ? key(i) <= t : key(i) >= t)) inU[i] = 1;
    };
    pick((i) => choice[i]! >= 0, (i) => bestRatio[i]!, w, true);
    pick((i) => choice[i]! < 0 && !Number.isNaN(bestRatio[i]!), (i) => bestRatio[i]!, w, false);
    for (let a = 0; a < A; a++) {
      if (count[a]! < cap[a]!) continue;
      pick((i) => choice[i] === a, (i) => valueAt(i * A + a), w >> 2, true);
      pick((i) => choice[i] !== a && valueAt(i * A + a) > 0, (i) => valueAt(i * A + a), w >> 2, false);
    }
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += inU[i]!;
  const subs = new Int32Array(m);
  for (let i = 0, j = 0; i < n; i++) if (inU[i]) subs[j++] = i;
  return subs;
}

/** Compare numbers that may be infinite. */
const cmp = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);

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
