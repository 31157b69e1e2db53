/**
 * Selection under a budget and per-action capacities: each subscriber gets at most one action; maximise the
 * total expected net value (ENV). This is a multiple-choice knapsack with cardinality limits per action.
 * `selectActions` runs the steps, each in its own file:
 *
 * 1. Fast path (here): no budget and no capacity limit → every subscriber takes its best action (exact).
 * 2. Hull greedy (budget-hull.ts, Sinha-Zoltners for the multiple-choice knapsack): each subscriber's candidates
 *    are reduced to their upper concave hull in (cost, value); upgrades (current → next hull point) are taken in
 *    decreasing incremental value per unit cost while the budget and the action capacity allow.
 * 3. Repair (budget-repair.ts): a bounded local search that inserts unselected candidates by freeing budget and
 *    capacity elsewhere, then a few kicks (iterated local search). Problems of up to 1,000 cells also repair a
 *    plain value-first greedy (budget-hull.ts `valueGreedy`); the better result wins.
 * 4. Boundary (budget-boundary.ts): on large problems the repair works only on the subscribers where swaps can
 *    pay, under a deterministic work bound (2,000,000 + n x actions loop steps), so a million subscribers plan in
 *    seconds.
 * Ties are broken by the subscriber tie-break order (subscriber_id in the plan), then catalog order, so the
 * result is deterministic. Tests compare it with an exact solver on 1,500 seeded random small cases
 * (>= 99% of the optimum on each; the greedy alone falls short on many of them).
 */
import { boundary } from "./budget-boundary.js";
import { hullGreedy, hullSource, valueGreedy } from "./budget-hull.js";
import { cmp, costFn, EPS, type Order, type Selection, type SelectionProblem, type SelectOptions, valueFn } from "./budget-problem.js";
import { repair, repairSource } from "./budget-repair.js";
import { bestAction } from "./expected.js";

export type { Selection, SelectionProblem, SelectOptions } from "./budget-problem.js";

/** Selection maximising total ENV under the budget and capacities. */
export function selectActions(p: SelectionProblem, opts: SelectOptions = {}): Selection {
  const { n, actions: A } = p;
  const order: Order = p.tiebreak ?? ((i, j) => i - j);
  const cap = Float64Array.from({ length: A }, (_, a) => p.capacity[a] ?? Number.POSITIVE_INFINITY);
  const unlimited = p.budget === Number.POSITIVE_INFINITY && cap.every((c) => c === Number.POSITIVE_INFINITY);

  // 1. fast path
  if (unlimited) {
    const valueAt = valueFn(p);
    const choice = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) choice[i] = bestAction(valueAt, i * A, A);
    return summarise(p, choice);
  }

  // 2. hull greedy
  const greedy = hullGreedy(p, cap, order);
  if (opts.noRepair) return summarise(p, greedy.choice);

  // 3. repair / swap, from the hull greedy and (small problems) from a plain value-first greedy; keep the better
  repair(p, greedy, cap, order, opts);
  const first = summarise(p, greedy.choice);
  if (n * A > 1000) return first;
  const alt = valueGreedy(p, cap, order);
  repair(p, alt, cap, order, opts);
  const second = summarise(p, alt.choice);
  return second.total > first.total + EPS ? second : first;
}

/** Total ENV, spend and subscribers per action of a choice. */
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

/**
 * The selection as JavaScript source: selectActions and every function, class and constant it reaches in the
 * budget-*.ts modules (and expected.ts's bestAction), each under its own name, for the planner report's budget
 * what-if, which runs this same selection in the page (what-if.ts). The text is taken from the functions
 * themselves, so the page runs the code that is tested here.
 */
export function selectionSource(): string {
  return pageSource([
    `const EPS = ${EPS};`,
    `const costFn = ${costFn.toString()};`,
    `const valueFn = ${valueFn.toString()};`,
    `const cmp = ${cmp.toString()};`,
    bestAction.toString(),
    selectActions.toString(),
    summarise.toString(),
    boundary.toString(),
    hullSource(),
    repairSource(),
  ]);
}

/**
 * Join function texts into one script. A module loader may have rewritten a call of an imported function into a
 * property of its import record (`(0,__vite_ssr_import_1__.costFn)(p)` under the test runner; the built code keeps
 * `costFn(p)`): such references become the plain name, which the script defines.
 */
export function pageSource(parts: string[]): string {
  return parts
    .join("\n")
    .replace(/\(0,\s*__vi[a-z_]*_import_\d+__\.([A-Za-z_$][\w$]*)\)/g, "$1")
    .replace(/__vi[a-z_]*_import_\d+__\.([A-Za-z_$][\w$]*)/g, "$1");
}
