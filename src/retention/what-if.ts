/**
 * The budget what-if: what the plan would do at another budget, by the same selection `churn score --budget X` runs
 * (budget.ts: hull greedy, capacities, boundary repair), not an approximation of it.
 *
 *   plan's selection problem ─► WhatIfProblem: the cells worth more than they cost (subscriber, action, expected
 *   │                           saving, cost), capacities, bands, the subscriber tie-break order, the run's size
 *   ├─► whatIfAt(problem, X) = selectActions(the same problem, budget X) ─► summariseWhatIf: contacts, cost,
 *   │     expected saved, split by action and band, the return of the last unit spent, why budget is left
 *   └─► whatIfCurve: whatIfAt at budgets from 0 to the spend at which no positive-value action is left
 *
 * The planner report carries the problem and runs the same code in the page (whatIfClientSource: the functions'
 * own source text, inlined), so its slider shows at any budget exactly what a scoring run at that budget selects.
 * Cells that are not worth their cost (expected net value <= 0) and ineligible ones are left out of the problem:
 * the selection never takes them, whatever the budget.
 *
 * Functions listed in CLIENT_FUNCTIONS run in the page too: they use nothing but each other and plain JavaScript
 * (no imports, no module constants: a test runs the page's source in a fresh context).
 */
import { pageSource, type Selection, type SelectionProblem, selectActions, selectionSource } from "./budget.js";
import { hullOf } from "./budget-hull.js";
import { hash32 } from "./holdout.js";

export interface WhatIfProblem {
  /** Subscribers in the run (the selection's n: its work bounds and thresholds depend on it). */
  n: number;
  /** Action ids, in the selection's column order. */
  actions: string[];
  /** Per action, most subscribers it may take; null = unlimited. */
  capacity: (number | null)[];
  /** Per cell (a subscriber-action pair worth more than it costs), in subscriber then action order. */
  cellSub: Int32Array;
  cellAction: Uint8Array;
  /** Expected saving (P(churn) × effect × customer value) and cost: the cell's expected net value is saving − cost. */
  cellSaving: Float64Array;
  cellCost: Float64Array;
  /** Per subscriber: risk band index (BANDS order) and tie-break rank (equal ids share a rank). */
  band: Uint8Array;
  rank: Int32Array;
  /** Band names, in band index order. */
  bands: string[];
  /** Subscribers kept out of the selection by contact rules, by rule (shown as a reason budget is left). */
  excluded: Record<string, number>;
  /**
   * The run's holdout (holdout.ts): this share of each action's selected subscribers is held out, the lowest
   * `cellHash` (then id) first; 0 = none. A held-out subscriber takes the action's capacity but is not contacted and
   * costs nothing.
   */
  holdoutShare: number;
  /** Per cell, hash32 of (seed, run key, subscriber id, action): the holdout's draw (empty without a holdout). */
  cellHash: Uint32Array;
}

export interface WhatIfTotals {
  contacts: number;
  cost: number;
  saving: number;
}

export interface WhatIfSummary extends WhatIfTotals {
  /** The budget asked for (null = no limit). */
  budget: number | null;
  /** Selected and held out as the control group (not contacted, nothing spent; not in contacts or cost). */
  heldOut: number;
  /** What contacting the held-out subscribers would have cost: selected within the budget, not spent. */
  heldOutCost: number;
  /** Expected net value: saving − cost. */
  net: number;
  byAction: (WhatIfTotals & { action: string })[];
  byBand: (WhatIfTotals & { band: string })[];
  /** Expected saving per unit of the least productive spend in the plan (see lastUnitReturn); null without spend. */
  lastUnitReturn: number | null;
  /** Budget left unspent (0 without a limit). */
  unspent: number;
  /** Why budget is left: subscribers with a worthwhile action that were not selected, by cause. */
  left: {
    /** Every action worth more than its cost for them is at capacity. */
    capacity: number;
    /** Their cheapest worthwhile action with room costs more than the budget left. */
    tooCostly: number;
    /** Not selected although one would fit (the selection found a better use of the budget). */
    other: number;
    /** Actions at capacity: [action, capacity]. */
    full: [string, number][];
    /** Kept out by contact rules, by rule. */
    excluded: Record<string, number>;
  };
}

/** A curve point: the plan at `budget`. */
export interface WhatIfPoint {
  budget: number;
  spent: number;
  net: number;
  saving: number;
  contacts: number;
}

/**
 * The what-if problem of a plan's selection problem: only cells worth more than they cost. `savingOf` gives a cell's
 * expected saving so that saving − cost is exactly the problem's value (the page recomputes values that way).
 */
export function whatIfProblemOf(
  p: Pick<SelectionProblem, "n" | "actions" | "capacity">,
  cell: { savingOf: (k: number) => number; costOf: (k: number) => number; valueOf: (k: number) => number },
  meta: {
    actions: string[];
    band: ArrayLike<number>;
    bands: readonly string[];
    ids: readonly string[];
    excluded?: Record<string, number>;
    holdout?: { share: number; seed: number; runKey: string } | undefined;
  },
): WhatIfProblem {
  const { n, actions: A } = p;
  const h = meta.holdout;
  const ks: number[] = [];
  for (let k = 0; k < n * A; k++) if (cell.valueOf(k) > 0) ks.push(k);
  const cellSaving = Float64Array.from(ks, (k) => cell.savingOf(k));
  const cellCost = Float64Array.from(ks, (k) => cell.costOf(k));
  ks.forEach((k, j) => {
    if (cellSaving[j]! - cellCost[j]! !== cell.valueOf(k)) throw new Error(`what-if: saving − cost of cell ${k} is not its expected net value`);
  });
  // dense rank of the ids: the tie-break order of the selection (byId), as integers the page can compare
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => (meta.ids[i]! < meta.ids[j]! ? -1 : meta.ids[i]! > meta.ids[j]! ? 1 : 0));
  const rank = new Int32Array(n);
  for (let r = 0, q = 0; r < n; r++) {
    if (r > 0 && meta.ids[order[r]!] !== meta.ids[order[r - 1]!]) q = r;
    rank[order[r]!] = q;
  }
  return {
    n,
    actions: meta.actions,
    capacity: Array.from({ length: A }, (_, a) => (Number.isFinite(p.capacity[a] ?? Number.POSITIVE_INFINITY) ? (p.capacity[a] as number) : null)),
    cellSub: Int32Array.from(ks, (k) => Math.floor(k / A)),
    cellAction: Uint8Array.from(ks, (k) => k % A),
    cellSaving,
    cellCost,
    band: Uint8Array.from(meta.band),
    rank,
    bands: [...meta.bands],
    excluded: meta.excluded ?? {},
    holdoutShare: h && h.share > 0 ? h.share : 0,
    // the key assignHoldout hashes, per cell
    cellHash: h && h.share > 0 ? Uint32Array.from(ks, (k) => hash32(`${h.seed}\u0000${h.runKey}\u0000${meta.ids[Math.floor(k / A)]}\u0000${meta.actions[k % A]}`)) : new Uint32Array(0),
  };
}

// ---- functions that also run in the page (keep them self-contained) -------------------------------------------

/** The selection problem of a what-if problem at `budget` (null = no limit): dense values, NaN where no cell. */
export function whatIfSelectionProblem(w: WhatIfProblem, budget: number | null): SelectionProblem {
  const A = w.actions.length;
  const value = new Float64Array(w.n * A).fill(Number.NaN);
  const cost = new Float64Array(w.n * A);
  for (let j = 0; j < w.cellSub.length; j++) {
    const k = w.cellSub[j]! * A + w.cellAction[j]!;
    value[k] = w.cellSaving[j]! - w.cellCost[j]!;
    cost[k] = w.cellCost[j]!;
  }
  const rank = w.rank;
  return {
    n: w.n,
    actions: A,
    value,
    cost,
    capacity: w.capacity.map((c) => (c === null ? Number.POSITIVE_INFINITY : c)),
    budget: budget === null ? Number.POSITIVE_INFINITY : budget,
    tiebreak: (i: number, j: number) => rank[i]! - rank[j]!,
  };
}

/**
 * Which selected subscribers the run holds out (1) for the selection `choice`: per action, the round(share × n)
 * selected with the lowest hash of their cell, ties by id; as assignHoldout (holdout.ts) draws them.
 */
export function heldOutOf(w: WhatIfProblem, choice: Int32Array): Uint8Array {
  const held = new Uint8Array(w.n);
  if (!(w.holdoutShare > 0)) return held;
  // the chosen cells (indices j), grouped by action in cell order, in typed arrays (no array per cell)
  const A = w.actions.length;
  const count = new Int32Array(A + 1);
  for (let j = 0; j < w.cellSub.length; j++) if (choice[w.cellSub[j]!] === w.cellAction[j]) count[w.cellAction[j]! + 1]!++;
  for (let a = 0; a < A; a++) count[a + 1]! += count[a]!;
  const cells = new Int32Array(count[A]!);
  const fill = count.slice(0, A);
  for (let j = 0; j < w.cellSub.length; j++) if (choice[w.cellSub[j]!] === w.cellAction[j]) cells[fill[w.cellAction[j]!]!++] = j;
  for (let a = 0; a < A; a++) {
    const list = cells.subarray(count[a]!, count[a + 1]!);
    const k = Math.round(w.holdoutShare * list.length);
    // lowest hash first, then id rank, then cell order (as a stable sort of the cells in order)
    list.sort((x, y) => w.cellHash[x]! - w.cellHash[y]! || w.rank[w.cellSub[x]!]! - w.rank[w.cellSub[y]!]! || x - y);
    for (let q = 0; q < k; q++) held[w.cellSub[list[q]!]!] = 1;
  }
  return held;
}

/**
 * What the selection `choice` (chosen action per subscriber, -1 none) buys at `budget`; the held-out subscribers
 * (heldOutOf) take capacity but are not contacted and cost nothing. The return of the last unit
 * spent: for each selected subscriber, the expected saving per unit of cost of the step from its next cheaper
 * worthwhile option (or no contact) up to the chosen action, the lowest over the plan; e.g. 1.4 = the least
 * productive spend brings back 1.4 in expected saving per 1 spent.
 */
export function summariseWhatIf(w: WhatIfProblem, choice: Int32Array, budget: number | null): WhatIfSummary {
  const A = w.actions.length;
  const newTotals = (): WhatIfTotals => ({ contacts: 0, cost: 0, saving: 0 });
  const byAction = w.actions.map(newTotals);
  const byBand = w.bands.map(newTotals);
  const all = newTotals();
  const count = new Int32Array(A);
  const held = heldOutOf(w, choice);
  let heldOut = 0;
  let heldOutCost = 0;
  let last: number | null = null;
  // cells of a subscriber are consecutive: walk them subscriber by subscriber
  for (let j = 0; j < w.cellSub.length; ) {
    const i = w.cellSub[j]!;
    let end = j;
    while (end < w.cellSub.length && w.cellSub[end] === i) end++;
    const a = choice[i]!;
    if (a >= 0) {
      let c = 0;
      let s = 0;
      for (let q = j; q < end; q++) if (w.cellAction[q] === a) { c = w.cellCost[q]!; s = w.cellSaving[q]!; }
      count[a]!++;
      if (held[i]) {
        heldOut++;
        heldOutCost += c;
        j = end;
        continue;
      }
      for (const t of [all, byAction[a]!, byBand[w.band[i]!]!]) {
        t.contacts++;
        t.cost += c;
        t.saving += s;
      }
      // the step up from each cheaper worthwhile option (and from no contact): the least it returns per unit
      let worst = c > 0 ? s / c : Number.POSITIVE_INFINITY;
      for (let q = j; q < end; q++) {
        const cq = w.cellCost[q]!;
        if (cq < c) worst = Math.min(worst, (s - w.cellSaving[q]!) / (c - cq));
      }
      if (c > 0 && (last === null || worst < last)) last = worst;
    }
    j = end;
  }
  const unspent = budget === null ? 0 : Math.max(0, budget - all.cost);
  // what the selection had left (the held-out subscribers' cost was within its budget)
  const room0 = budget === null ? 0 : Math.max(0, budget - all.cost - heldOutCost);
  const left = { capacity: 0, tooCostly: 0, other: 0, full: [] as [string, number][], excluded: w.excluded };
  for (let a = 0; a < A; a++) if (w.capacity[a] !== null && count[a]! >= w.capacity[a]!) left.full.push([w.actions[a]!, w.capacity[a]!]);
  for (let j = 0; j < w.cellSub.length; ) {
    const i = w.cellSub[j]!;
    let end = j;
    let room = false;
    let fits = false;
    while (end < w.cellSub.length && w.cellSub[end] === i) {
      const a = w.cellAction[end]!;
      const cap = w.capacity[a];
      if (cap === null || cap === undefined || count[a]! < cap) {
        room = true;
        if (w.cellCost[end]! <= room0 + 1e-9) fits = true;
      }
      end++;
    }
    if (choice[i]! < 0) {
      if (!room) left.capacity++;
      else if (!fits) left.tooCostly++;
      else left.other++;
    }
    j = end;
  }
  return {
    budget,
    heldOut,
    heldOutCost,
    contacts: all.contacts,
    cost: all.cost,
    saving: all.saving,
    net: all.saving - all.cost,
    byAction: byAction.map((t, a) => ({ action: w.actions[a]!, ...t })),
    byBand: byBand.map((t, b) => ({ band: w.bands[b]!, ...t })),
    lastUnitReturn: last,
    unspent,
    left,
  };
}

/** The selection at `budget` (null = no limit), by selectActions on the what-if problem. */
export function whatIfSelect(w: WhatIfProblem, budget: number | null): Selection {
  return selectActions(whatIfSelectionProblem(w, budget));
}

/** The plan at `budget`: selectActions, then summariseWhatIf. */
export function whatIfAt(w: WhatIfProblem, budget: number | null): WhatIfSummary {
  return summariseWhatIf(w, whatIfSelect(w, budget).choice, budget);
}

/** A what-if problem as JSON: typed arrays as base64 (little-endian, the byte order of every platform Node runs on). */
export interface EncodedWhatIfProblem {
  n: number;
  actions: string[];
  capacity: (number | null)[];
  bands: string[];
  excluded: Record<string, number>;
  holdoutShare: number;
  cellHash: string;
  cellSub: string;
  cellAction: string;
  cellSaving: string;
  cellCost: string;
  band: string;
  rank: string;
}

/** The problem back from its JSON form (runs in the page too: atob is a global in browsers and Node). */
export function decodeWhatIfProblem(e: EncodedWhatIfProblem): WhatIfProblem {
  const bytes = (b64: string): ArrayBuffer => {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out.buffer;
  };
  return {
    n: e.n,
    actions: e.actions,
    capacity: e.capacity,
    bands: e.bands,
    excluded: e.excluded,
    holdoutShare: e.holdoutShare,
    cellHash: new Uint32Array(bytes(e.cellHash)),
    cellSub: new Int32Array(bytes(e.cellSub)),
    cellAction: new Uint8Array(bytes(e.cellAction)),
    cellSaving: new Float64Array(bytes(e.cellSaving)),
    cellCost: new Float64Array(bytes(e.cellCost)),
    band: new Uint8Array(bytes(e.band)),
    rank: new Int32Array(bytes(e.rank)),
  };
}

// ---- Node only ---------------------------------------------------------------------------------------------------

/** The problem as JSON (see decodeWhatIfProblem). */
export function encodeWhatIfProblem(w: WhatIfProblem): EncodedWhatIfProblem {
  const b64 = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
  return {
    n: w.n,
    actions: w.actions,
    capacity: w.capacity,
    bands: w.bands,
    excluded: w.excluded,
    holdoutShare: w.holdoutShare,
    cellHash: b64(w.cellHash),
    cellSub: b64(w.cellSub),
    cellAction: b64(w.cellAction),
    cellSaving: b64(w.cellSaving),
    cellCost: b64(w.cellCost),
    band: b64(w.band),
    rank: b64(w.rank),
  };
}

/** The functions the page runs, beside selectionSource(): their own source text (they reference no import). */
const CLIENT_FUNCTIONS = [whatIfSelectionProblem, heldOutOf, summariseWhatIf, decodeWhatIfProblem];

/**
 * JavaScript that defines, in a page, the selection (budget.ts), the what-if functions above under their own names
 * and `whatIfAt(w, budget)` as whatIfAt here: the code that runs is the code that is tested.
 */
export function whatIfClientSource(): string {
  return pageSource([
    selectionSource(),
    ...CLIENT_FUNCTIONS.map((f) => f.toString()),
    "function whatIfAt(w, budget) { return summariseWhatIf(w, selectActions(whatIfSelectionProblem(w, budget)).choice, budget); }",
  ]);
}

/**
 * The spend → expected net return curve: the plan at `points` budgets from 0 up to the spend at which no action
 * worth its cost is left (the selection without a budget limit; capacities still apply), denser at small budgets
 * where the curve bends. `extra` budgets (e.g. the run's own) are added as points. `summaries[i]` is the plan at
 * `points[i]`.
 */
export function whatIfCurve(w: WhatIfProblem, points: number, extra: number[] = []): { saturation: number; points: WhatIfPoint[]; summaries: WhatIfSummary[] } {
  // one selection problem for every point, with its hulls: only its budget differs (the selection reads the arrays,
  // never writes them; building them and the hulls was half of each point's time at 1M subscribers)
  const base = whatIfSelectionProblem(w, null);
  base.hull = hullOf(base);
  const at = (budget: number | null) => summariseWhatIf(w, selectActions({ ...base, budget: budget === null ? Number.POSITIVE_INFINITY : budget }).choice, budget);
  const full = at(null);
  // the budget beyond which nothing more is bought: what the selection takes, held-out subscribers included
  const saturation = full.cost + full.heldOutCost;
  const budgets = new Set<number>([0]);
  for (let j = 1; j < points; j++) budgets.add(Math.round(saturation * (j / points) ** 1.5 * 100) / 100);
  for (const b of extra) if (b >= 0 && b < saturation) budgets.add(b);
  const summaries = [...budgets].sort((a, b) => a - b).map((b) => (b === 0 ? summariseWhatIf(w, new Int32Array(w.n).fill(-1), 0) : at(b)));
  summaries.push(full);
  const point = (s: WhatIfSummary): WhatIfPoint => ({ budget: s.budget ?? saturation, spent: s.cost, net: s.net, saving: s.saving, contacts: s.contacts });
  return { saturation, points: summaries.map(point), summaries };
}
