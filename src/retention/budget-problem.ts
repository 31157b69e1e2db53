/**
 * The selection problem of budget.ts and what its steps share: the problem and its result, the options, cell
 * accessors (`costFn`, `valueFn`: arrays or on-the-fly functions) and a partial selection being improved.
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
  /** The candidates' hulls (budget-hull.ts hullOf) when already computed: the same problem at several budgets. */
  hull?: { start: Int32Array; points: Int32Array } | undefined;
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
  /** Bound on the repair's loop steps (default 2,000,000 + n x actions): keeps large problems fast and deterministic. */
  maxWork?: number;
  /** Subscribers per side of the boundary the repair works on in large problems (default 20,000). */
  window?: number;
  /** Skip the repair step (for comparisons). */
  noRepair?: boolean;
}

/** Tie-break order of two subscribers (negative: i first). */
export type Order = (i: number, j: number) => number;

/** A selection being built: choice per subscriber, subscribers per action, budget left. */
export interface PartialSelection {
  choice: Int32Array;
  count: Int32Array;
  remaining: number;
}

export const EPS = 1e-9;

/** The cost of cell k, whether the problem gives an array or a function. */
export const costFn = (p: SelectionProblem): ((k: number) => number) => {
  const cost = p.cost;
  return p.costOf ?? ((k: number) => cost[k]!);
};
/** The ENV of cell k, whether the problem gives an array or a function. */
export const valueFn = (p: SelectionProblem): ((k: number) => number) => {
  const value = p.value;
  return p.envOf ?? ((k: number) => value[k]!);
};

/** Compare numbers that may be infinite. */
export const cmp = (x: number, y: number): number => (x < y ? -1 : x > y ? 1 : 0);

