/**
 * Step 3 of the budget selection (budget.ts): a bounded local search that improves a greedy selection in place.
 *
 * - Insert: for unselected candidates in decreasing value, free the candidate's subscriber, the capacity of its
 *   action (moving one or two of its holders) and enough budget (`budgetPlans`: a small covering knapsack over
 *   "room moves", i.e. moving a selected subscriber to a cheaper action or to none: the few cheapest single moves
 *   that cover the deficit, and moves in order of loss per unit freed completed by one covering move); then
 *   refill the freed budget (by value per cost, or by value when a capacity binds, then upgrades) and apply the
 *   best variant when the total rises. Passes repeat while one improves (at most 20).
 * - Kicks (iterated local search): drop one of the lowest value-per-cost selections, forbid it while improving,
 *   improve again; keep the result only when the total rose.
 * Work is bounded: at most `maxTries` inserts a pass and `maxWork` loop steps in all (default 2,000,000 +
 * n x actions), and on large problems only the boundary subscribers (budget-boundary.ts) take part, so the
 * result is deterministic and a million subscribers plan in seconds.
 *
 * Every move is logged as (subscriber, previous action, gain before), so the moves of a rejected variant are
 * undone exactly.
 */
import { boundary } from "./budget-boundary.js";
import { cmp, costFn, EPS, type Order, type PartialSelection, type SelectionProblem, type SelectOptions, valueFn } from "./budget-problem.js";

const SINGLES = 4;
const MAX_PREFIX = 50;

/** Improve `sel` (choice and counts, in place) under the budget it has left and the capacities. */
export function repair(p: SelectionProblem, sel: PartialSelection, cap: Float64Array, order: Order, opts: SelectOptions): void {
  new Repair(p, sel, cap, order, opts).run();
}

/** Room moves: selected subscriber `i` goes from action `from` to `to` (-1 = none), losing `loss`, freeing `freed`. */
interface RoomMoves {
  i: number[];
  from: number[];
  to: number[];
  loss: number[];
  freed: number[];
}

class Repair {
  private readonly A: number;
  private readonly costAt: (k: number) => number;
  private readonly valueAt: (k: number) => number;
  private readonly choice: Int32Array;
  private readonly count: Int32Array;
  private readonly maxTries: number;
  private readonly maxRefill: number;
  private readonly maxRemovable: number;
  private readonly maxWork: number;
  private readonly nKicks: number;
  private readonly n: number;
  /** The subscribers taking part (all, or the boundary on large problems). */
  private readonly subs: Int32Array;
  /** Their candidate cells by value per cost (fill order) and by value (try and upgrade order), best first. */
  private readonly byRatio: number[];
  private readonly byValue: number[];
  /** Cheapest cost from position t on in byRatio (stops a refill that cannot afford anything). */
  private readonly sufMinCost: Float64Array;

  /** Budget left. */
  private remaining: number;
  /** A candidate cell a kick forbids while improving (-1: none). */
  private forbidden = -1;
  /** Loop steps so far (bounded by maxWork). */
  private work = 0;
  /** Value gained by the moves in the log. */
  private gain = 0;
  /** Moves of the current attempt: (subscriber, previous action, gain before) triples. */
  private readonly log: number[] = [];
  /** Subscribers moved by the current attempt (a refill leaves them alone). */
  private readonly touched: Uint8Array;
  /** Room moves of the `maxRemovable` lowest value-per-cost selections, with two orders over them. */
  private readonly opt: RoomMoves = { i: [], from: [], to: [], loss: [], freed: [] };
  private byPerFreed: number[] = [];
  private byLoss: number[] = [];
  /** Most budget any move from position q on in byLoss can free (stops hopeless scans early). */
  private maxFreedAfter = new Float64Array(1);

  constructor(
    p: SelectionProblem,
    sel: PartialSelection,
    private readonly cap: Float64Array,
    private readonly order: Order,
    opts: SelectOptions,
  ) {
    const { n, actions: A } = p;
    this.A = A;
    this.costAt = costFn(p);
    this.valueAt = valueFn(p);
    this.choice = sel.choice;
    this.count = sel.count;
    this.remaining = sel.remaining;
    this.maxTries = opts.maxTries ?? 300;
    this.maxRefill = opts.maxRefillSteps ?? 5000;
    this.maxRemovable = opts.maxRemovable ?? 1000;
    // deterministic bound on the repair's total work (loop steps), linear in the problem size
    this.maxWork = opts.maxWork ?? 2_000_000 + n * A;
    this.nKicks = opts.kicks ?? (n * A <= 1000 ? 30 : n * A <= 20_000 ? 5 : 2);
    this.n = n;
    this.touched = new Uint8Array(n);
    this.subs = boundary(p, sel.choice, sel.count, cap, opts.window ?? 20_000);
    const cands: number[] = [];
    for (const i of this.subs) for (let a = 0; a < A; a++) if (this.valueAt(i * A + a) > 0) cands.push(i * A + a);
    const v = this.valueAt;
    this.byRatio = [...cands].sort((x, y) => cmp(this.ratio(y), this.ratio(x)) || v(y) - v(x) || this.tie(x, y));
    this.byValue = [...cands].sort((x, y) => v(y) - v(x) || this.tie(x, y));
    this.sufMinCost = new Float64Array(this.byRatio.length + 1).fill(Number.POSITIVE_INFINITY);
    for (let t = this.byRatio.length - 1; t >= 0; t--) this.sufMinCost[t] = Math.min(this.sufMinCost[t + 1]!, this.costAt(this.byRatio[t]!));
  }

  run(): void {
    this.improve();
    this.kicks(this.nKicks);
  }

  // ---- cells and the current selection ----

  private ratio(k: number): number {
    return this.costAt(k) > 0 ? this.valueAt(k) / this.costAt(k) : Number.POSITIVE_INFINITY;
  }
  private tie(x: number, y: number): number {
    return this.order(Math.floor(x / this.A), Math.floor(y / this.A)) || (x % this.A) - (y % this.A);
  }
  private val(i: number): number {
    return this.choice[i]! < 0 ? 0 : this.valueAt(i * this.A + this.choice[i]!);
  }
  private cst(i: number): number {
    return this.choice[i]! < 0 ? 0 : this.costAt(i * this.A + this.choice[i]!);
  }
  private room(a: number): boolean {
    return a < 0 || this.count[a]! < this.cap[a]!;
  }

  // ---- moves, logged so they can be undone ----

  private assign(i: number, a: number): void {
    const { choice, count } = this;
    this.log.push(i, choice[i]!, this.gain);
    this.touched[i] = 1;
    this.gain -= this.val(i);
    this.remaining += this.cst(i);
    if (choice[i]! >= 0) count[choice[i]!]!--;
    choice[i] = a;
    if (a >= 0) count[a]!++;
    this.gain += this.val(i);
    this.remaining -= this.cst(i);
  }

  private undoTo(mark: number): void {
    const { choice, count, log, touched } = this;
    for (let t = log.length - 3; t >= mark; t -= 3) {
      const i = log[t]!;
      const prev = log[t + 1]!;
      this.remaining += this.cst(i);
      if (choice[i]! >= 0) count[choice[i]!]!--;
      choice[i] = prev;
      if (prev >= 0) count[prev]!++;
      this.remaining -= this.cst(i);
      touched[i] = 0;
      this.gain = log[t + 2]!;
    }
    log.length = mark;
    for (let t = 0; t < mark; t += 3) touched[log[t]!] = 1;
  }

  /**
   * Fill freed budget and capacity (subscribers untouched by the move): new ones by value per cost (variant 0)
   * or by value (variant 1, better when a capacity binds), then upgrades by value.
   */
  private refill(variant: number): void {
    const { A, byRatio, byValue, choice, touched } = this;
    let steps = 0;
    const seq = variant === 0 ? byRatio : byValue;
    for (let t = 0; t < seq.length && steps < this.maxRefill && (variant === 1 || this.remaining + EPS >= this.sufMinCost[t]!); t++, steps++, this.work++) {
      const r = seq[t]!;
      const ri = Math.floor(r / A);
      const ra = r % A;
      if (!touched[ri] && choice[ri]! < 0 && r !== this.forbidden && this.room(ra) && this.costAt(r) <= this.remaining + EPS) this.assign(ri, ra);
    }
    steps = 0;
    for (let t = 0; t < byValue.length && steps < this.maxRefill; t++, steps++, this.work++) {
      const r = byValue[t]!;
      const ri = Math.floor(r / A);
      const ra = r % A;
      const cur = choice[ri]!;
      if (cur >= 0 && cur !== ra && r !== this.forbidden && this.valueAt(r) > this.val(ri) && this.room(ra) && this.costAt(r) - this.cst(ri) <= this.remaining + EPS) this.assign(ri, ra);
    }
  }

  // ---- room moves and budget plans ----

  /** The selections taking part, lowest value per cost first. */
  private selectedByRatio(): number[] {
    const sel: number[] = [];
    for (const i of this.subs) if (this.choice[i]! >= 0) sel.push(i * this.A + this.choice[i]!);
    return sel.sort((x, y) => cmp(this.ratio(x), this.ratio(y)) || this.valueAt(x) - this.valueAt(y) || this.tie(y, x));
  }

  /** Room moves of the `maxRemovable` lowest value-per-cost selections, in the two orders the plans scan. */
  private buildOptions(): void {
    const { A, opt } = this;
    this.work += this.n;
    for (const key of Object.keys(opt) as (keyof RoomMoves)[]) opt[key].length = 0;
    for (const s of this.selectedByRatio().slice(0, this.maxRemovable)) {
      const i = Math.floor(s / A);
      const from = s % A;
      for (let b = -1; b < A; b++) {
        if (b === from || (b >= 0 && !(this.valueAt(i * A + b) > 0))) continue;
        opt.i.push(i);
        opt.from.push(from);
        opt.to.push(b);
        opt.loss.push(this.valueAt(s) - (b < 0 ? 0 : this.valueAt(i * A + b)));
        opt.freed.push(this.costAt(s) - (b < 0 ? 0 : this.costAt(i * A + b)));
      }
    }
    const idx = opt.i.map((_, t) => t);
    const perFreed = (t: number) => (opt.freed[t]! > 0 ? opt.loss[t]! / opt.freed[t]! : Number.POSITIVE_INFINITY);
    const byTie = (x: number, y: number) => this.order(opt.i[x]!, opt.i[y]!) || opt.to[x]! - opt.to[y]!;
    this.byPerFreed = [...idx].sort((x, y) => cmp(perFreed(x), perFreed(y)) || opt.loss[x]! - opt.loss[y]! || byTie(x, y));
    this.byLoss = [...idx].sort((x, y) => opt.loss[x]! - opt.loss[y]! || opt.freed[y]! - opt.freed[x]! || byTie(x, y));
    this.maxFreedAfter = new Float64Array(this.byLoss.length + 1).fill(Number.NEGATIVE_INFINITY);
    for (let t = this.byLoss.length - 1; t >= 0; t--) this.maxFreedAfter[t] = Math.max(this.maxFreedAfter[t + 1]!, opt.freed[this.byLoss[t]!]!);
  }

  /** Room move t still applies: its subscriber is untouched and still holds `from`, `to` has room and is not forbidden. */
  private usable(t: number): boolean {
    const { opt } = this;
    return !this.touched[opt.i[t]!] && this.choice[opt.i[t]!] === opt.from[t] && this.room(opt.to[t]!) && (opt.to[t]! < 0 || opt.i[t]! * this.A + opt.to[t]! !== this.forbidden);
  }

  /**
   * Ways to free `deficit` budget (a small covering knapsack): the few cheapest single moves that cover it, and
   * the best of "moves in order of loss per unit freed (or of loss), completed by one covering move".
   */
  private budgetPlans(deficit: number): number[][] {
    const { opt, byLoss, maxFreedAfter } = this;
    const plans: number[][] = [];
    for (let q = 0; q < byLoss.length && plans.length < SINGLES && maxFreedAfter[q]! >= deficit - EPS; q++, this.work++) {
      const t = byLoss[q]!;
      if (opt.freed[t]! >= deficit - EPS && this.usable(t)) plans.push([t]);
    }
    for (const seq of [this.byPerFreed, byLoss]) {
      const prefix: number[] = [];
      const inPrefix = new Set<number>();
      let freed = 0;
      let loss = 0;
      let best: number[] | undefined;
      let bestLoss = Number.POSITIVE_INFINITY;
      for (const t of seq) {
        if (prefix.length >= MAX_PREFIX) break;
        if (opt.freed[t]! <= 0 || !this.usable(t) || inPrefix.has(opt.i[t]!)) continue;
        for (let q = 0; q < byLoss.length && maxFreedAfter[q]! >= deficit - freed - EPS; q++, this.work++) {
          const c = byLoss[q]!;
          if (loss + opt.loss[c]! >= bestLoss) break;
          if (!inPrefix.has(opt.i[c]!) && opt.freed[c]! >= deficit - freed - EPS && this.usable(c)) {
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
  }

  // ---- inserting one candidate ----

  /** The room moves (at most two per order) that free a place in full action a; [-1] when it has room. */
  private capacityMoves(a: number): number[] {
    if (this.room(a)) return [-1];
    const moves: number[] = [];
    for (const seq of [this.byLoss, this.byPerFreed]) {
      let taken = 0;
      for (const u of seq) {
        if (taken >= 2) break;
        if (this.choice[this.opt.i[u]!] === a && this.usable(u)) {
          taken++;
          if (!moves.includes(u)) moves.push(u);
        }
      }
    }
    return moves;
  }

  /**
   * After capacity move `capMove`: every budget plan x refill variant, undoing each and remembering the best in
   * `best` (pick undefined); or apply the one `pick` names.
   */
  private variants(k: number, capMove: number, best: { gain: number; at?: [number, number, number] }, pick?: [number, number]): void {
    const { A, opt } = this;
    const i = Math.floor(k / A);
    const a = k % A;
    if (capMove >= 0) this.assign(opt.i[capMove]!, opt.to[capMove]!);
    const plans = this.costAt(k) > this.remaining + EPS ? this.budgetPlans(this.costAt(k) - this.remaining) : [[]];
    const mark = this.log.length;
    plans.forEach((moves, pi) => {
      for (let v = 0; v < 2; v++) {
        if (pick && (pi !== pick[0] || v !== pick[1])) continue;
        for (const t of moves) if (this.usable(t)) this.assign(opt.i[t]!, opt.to[t]!);
        if (this.costAt(k) <= this.remaining + EPS && this.room(a)) {
          this.assign(i, a);
          this.refill(v);
          if (!pick && this.gain > best.gain) {
            best.gain = this.gain;
            best.at = [capMove, pi, v];
          }
        }
        if (!pick) this.undoTo(mark);
      }
    });
  }

  /** Insert candidate k: try every capacity move, budget plan and refill variant; apply the best if it gains. */
  private attempt(k: number): boolean {
    const i = Math.floor(k / this.A);
    this.log.length = 0;
    this.gain = 0;
    this.assign(i, -1);
    const capMoves = this.capacityMoves(k % this.A);
    if (capMoves.length === 0) {
      this.undoTo(0);
      return false;
    }
    const base = this.log.length;
    const best: { gain: number; at?: [number, number, number] } = { gain: EPS };
    for (const capMove of capMoves) {
      this.variants(k, capMove, best);
      this.undoTo(base);
    }
    if (!best.at) {
      this.undoTo(0);
      return false;
    }
    this.variants(k, best.at[0], best, [best.at[1], best.at[2]]);
    for (let t = 0; t < this.log.length; t += 3) this.touched[this.log[t]!] = 0;
    this.log.length = 0;
    return true;
  }

  /** Passes of inserts in decreasing value (at most maxTries a pass) while one improves. */
  private improve(): void {
    const { A } = this;
    for (let pass = 0; pass < 20; pass++) {
      let improved = false;
      let tries = 0;
      this.buildOptions();
      for (const k of this.byValue) {
        if (tries >= this.maxTries || this.work > this.maxWork) break;
        if (this.choice[Math.floor(k / A)] === k % A || k === this.forbidden) continue;
        tries++;
        if (this.attempt(k)) {
          improved = true;
          this.buildOptions();
        }
      }
      if (!improved) break;
    }
  }

  private totalValue(): number {
    let t = 0;
    for (const i of this.subs) t += this.val(i);
    return t;
  }

  /** Kicks (iterated local search): drop one low value-per-cost selection, forbid it, improve; keep if better. */
  private kicks(kicks: number): void {
    const { A, choice, count } = this;
    let best = this.totalValue();
    for (const k of this.selectedByRatio().slice(0, kicks)) {
      if (this.work > this.maxWork) break;
      const i = Math.floor(k / A);
      if (choice[i] !== k % A) continue;
      const saved = { choice: choice.slice(), count: count.slice(), remaining: this.remaining };
      this.log.length = 0;
      this.assign(i, -1);
      this.touched[i] = 0;
      this.log.length = 0;
      this.forbidden = k;
      this.improve();
      this.forbidden = -1;
      this.improve();
      const t = this.totalValue();
      if (t > best + EPS) best = t;
      else {
        choice.set(saved.choice);
        count.set(saved.count);
        this.remaining = saved.remaining;
      }
    }
  }
}

/** This step's function, class and constants as JavaScript source, for the page's copy of the selection (budget.ts selectionSource). */
export function repairSource(): string {
  return [`const SINGLES = ${SINGLES};`, `const MAX_PREFIX = ${MAX_PREFIX};`, repair.toString(), Repair.toString()].join("\n");
}
