import { describe, expect, it } from "vitest";
import { defaultRetentionConfig, type RetentionConfig } from "../../src/config/retention.js";
import { planRetention } from "../../src/retention/plan.js";
import {
  type decodeWhatIfProblem,
  encodeWhatIfProblem,
  heldOutOf,
  summariseWhatIf,
  type WhatIfProblem,
  whatIfAt,
  whatIfClientSource,
  whatIfCurve,
  whatIfSelect,
} from "../../src/retention/what-if.js";
import { population } from "./helpers.js";

const thresholds = { critical: 0.5, high: 0.3, medium: 0.15 };

/** A config where the budget, a capacity and the repair all matter. */
function config(): RetentionConfig {
  const cfg = defaultRetentionConfig();
  cfg.value = { ...cfg.value, probabilityHorizonMonths: 3 };
  cfg.actions = cfg.actions.map((a) => (a.id === "care_call" ? { ...a, capacity: 6 } : a.id === "renewal_offer" ? { ...a, capacity: 4 } : a));
  return cfg;
}

/** subscriber -> action of the selected rows of a plan. */
const chosenOf = (rows: { subscriber_id: string; recommended_action: string; selected: boolean }[]) =>
  Object.fromEntries(rows.filter((r) => r.selected).map((r) => [r.subscriber_id, r.recommended_action]));

describe("budget what-if", () => {
  const input = population(300, 11);
  const cfg = config();
  const base = planRetention(input, { thresholds, config: cfg, noReasons: true });
  const w = base.whatIf();
  const ids = input.subscriberId;

  it("at any budget selects exactly what a plan at that budget selects, with the same totals", () => {
    const saturation = whatIfAt(w, null).cost;
    expect(saturation).toBeGreaterThan(0);
    for (const budget of [0, 7.3, saturation * 0.07, saturation / 3, saturation * 0.99, saturation * 2]) {
      const plan = planRetention(input, { thresholds, config: cfg, budget, noReasons: true });
      const sel = whatIfSelect(w, budget);
      const chosen: Record<string, string> = {};
      sel.choice.forEach((a, i) => {
        if (a >= 0) chosen[ids[i]!] = w.actions[a]!;
      });
      expect(chosen, `budget ${budget}`).toEqual(chosenOf(plan.rows()));
      const s = summariseWhatIf(w, sel.choice, budget);
      const all = plan.totals.all;
      expect(s.contacts).toBe(all.contacts);
      expect(s.cost).toBeCloseTo(all.cost, 9);
      expect(s.cost).toBeCloseTo(plan.spent, 9);
      expect(s.saving).toBeCloseTo(all.expected_saving, 9);
      expect(s.net).toBeCloseTo(all.expected_net_value, 9);
      for (const t of plan.totals.byBand) expect(s.byBand.find((b) => b.band === t.key)).toMatchObject({ contacts: t.contacts });
      for (const t of plan.totals.byAction.filter((x) => x.key !== "none")) {
        const a = s.byAction.find((x) => x.action === t.key)!;
        expect(a.contacts).toBe(t.contacts);
        expect(a.saving).toBeCloseTo(t.expected_saving, 9);
      }
      expect(s.cost).toBeLessThanOrEqual(budget + 1e-9);
    }
  });

  it("with each subscriber's own effects (the uplift model), selects what the plan selects", () => {
    const A = w.actions.length;
    const own = Float32Array.from({ length: input.subscriberId.length * A }, (_, k) => 0.05 + ((k * 7919) % 97) / 400);
    const ow = planRetention(input, { thresholds, config: cfg, noReasons: true, subscriberEffects: own }).whatIf();
    const budget = whatIfAt(ow, null).cost / 3;
    const plan = planRetention(input, { thresholds, config: cfg, budget, noReasons: true, subscriberEffects: own });
    const sel = whatIfSelect(ow, budget);
    const chosen: Record<string, string> = {};
    sel.choice.forEach((a, i) => {
      if (a >= 0) chosen[ids[i]!] = ow.actions[a]!;
    });
    expect(chosen).toEqual(chosenOf(plan.rows()));
    expect(summariseWhatIf(ow, sel.choice, budget).saving).toBeCloseTo(plan.totals.all.expected_saving, 9);
  });

  it("holds out what a plan with a holdout holds out: not contacted, nothing spent, capacity taken", () => {
    const holdout = { share: 0.25, seed: 7, runKey: "run-2026-05-31" };
    const hw = planRetention(input, { thresholds, config: cfg, noReasons: true, holdout }).whatIf();
    expect(hw.holdoutShare).toBe(0.25);
    expect(hw.cellHash.length).toBe(hw.cellSub.length);
    const saturation = whatIfCurve(hw, 4).saturation;
    let heldSome = false;
    for (const budget of [0, saturation / 4, saturation * 0.8, null]) {
      const plan = planRetention(input, { thresholds, config: cfg, budget, noReasons: true, holdout });
      const sel = whatIfSelect(hw, budget);
      const held = heldOutOf(hw, sel.choice);
      const rows = plan.rows().filter((r) => r.selected);
      expect(rows.filter((r) => r.group === "control").map((r) => r.subscriber_id).sort(), `budget ${budget}`).toEqual(ids.filter((_, i) => held[i]).sort());
      const s = summariseWhatIf(hw, sel.choice, budget);
      const all = plan.totals.all;
      expect(s.contacts).toBe(all.contacts);
      expect(s.heldOut).toBe(all.held_out);
      expect(s.cost).toBeCloseTo(plan.spent, 9);
      expect(s.saving).toBeCloseTo(all.expected_saving, 9);
      for (const t of plan.totals.byAction.filter((x) => x.key !== "none")) expect(s.byAction.find((x) => x.action === t.key)!.contacts).toBe(t.contacts);
      if (s.heldOut > 0) {
        heldSome = true;
        expect(s.heldOutCost).toBeGreaterThan(0);
      }
    }
    expect(heldSome).toBe(true);
    // the page's copy draws the same holdout
    const page = new Function(`${whatIfClientSource()}\nreturn { whatIfAt, decodeWhatIfProblem };`)() as { whatIfAt: typeof whatIfAt; decodeWhatIfProblem: typeof decodeWhatIfProblem };
    const decoded = page.decodeWhatIfProblem(JSON.parse(JSON.stringify(encodeWhatIfProblem(hw))));
    expect(page.whatIfAt(decoded, saturation / 2)).toEqual(whatIfAt(hw, saturation / 2));
  });

  it("runs the same code in a page: the client source, evaluated in a fresh context on the decoded JSON, gives identical results", () => {
    const page = new Function(`${whatIfClientSource()}\nreturn { whatIfAt, decodeWhatIfProblem };`)() as { whatIfAt: typeof whatIfAt; decodeWhatIfProblem: typeof decodeWhatIfProblem };
    const decoded = page.decodeWhatIfProblem(JSON.parse(JSON.stringify(encodeWhatIfProblem(w))));
    expect(decoded).toEqual(w);
    for (const budget of [0, 55.55, 333, null]) expect(page.whatIfAt(decoded, budget)).toEqual(whatIfAt(w, budget));
  });

  it("keeps only the cells worth more than they cost, and the tie-break order of the ids", () => {
    const A = w.actions.length;
    expect(w.n).toBe(300);
    expect(w.actions).not.toContain("none");
    for (let j = 0; j < w.cellSub.length; j++) {
      expect(w.cellSaving[j]! - w.cellCost[j]!).toBeGreaterThan(0);
      if (j > 0) expect(w.cellSub[j - 1]! * A + w.cellAction[j - 1]!).toBeLessThan(w.cellSub[j]! * A + w.cellAction[j]!);
    }
    // ids S00000.. are in index order: rank = index
    expect(Array.from(w.rank.slice(0, 5))).toEqual([0, 1, 2, 3, 4]);
  });

  it("the curve runs from nothing to the spend where no worthwhile action is left", () => {
    const { saturation, points } = whatIfCurve(w, 8, [123.45]);
    expect(points[0]).toMatchObject({ budget: 0, spent: 0, net: 0, contacts: 0 });
    expect(points[points.length - 1]).toMatchObject({ budget: saturation, spent: saturation });
    expect(points.some((p) => p.budget === 123.45)).toBe(true);
    for (const p of points) expect(p.spent).toBeLessThanOrEqual(p.budget + 1e-9);
    // denser at small budgets: the first half of the points covers less than half the spend
    expect(points[Math.floor(points.length / 2)]!.budget).toBeLessThan(saturation / 2);
    // beyond saturation nothing more is bought, and the page says why: nothing left worth its cost
    const beyond = whatIfAt(w, saturation * 1.5);
    expect(beyond.cost).toBeCloseTo(saturation, 9);
    expect(beyond.left.tooCostly + beyond.left.other).toBe(0);
  });
});

describe("summariseWhatIf by hand", () => {
  // two actions: cheap (cost 1) and call (cost 10, capacity 1); three subscribers
  //   s0: cheap saving 3 (net 2), call saving 16 (net 6)   s1: call saving 14 (net 4)   s2: cheap saving 1.5 (net 0.5)
  const w: WhatIfProblem = {
    n: 3,
    actions: ["cheap", "call"],
    capacity: [null, 1],
    cellSub: Int32Array.from([0, 0, 1, 2]),
    cellAction: Uint8Array.from([0, 1, 1, 0]),
    cellSaving: Float64Array.from([3, 16, 14, 1.5]),
    cellCost: Float64Array.from([1, 10, 10, 1]),
    band: Uint8Array.from([0, 1, 3]),
    rank: Int32Array.from([0, 1, 2]),
    bands: ["critical", "high", "medium", "low"],
    excluded: { "contacted in the last 30 days": 2 },
    holdoutShare: 0,
    cellHash: new Uint32Array(0),
  };

  it("counts, splits, the return of the last unit and why budget is left", () => {
    // s0 on call, s1 none (call full), s2 cheap; budget 20: 11 spent, 9 left
    const s = summariseWhatIf(w, Int32Array.from([1, -1, 0]), 20);
    expect(s).toMatchObject({ contacts: 2, cost: 11, saving: 17.5, net: 6.5, unspent: 9 });
    expect(s.byAction).toEqual([
      { action: "cheap", contacts: 1, cost: 1, saving: 1.5 },
      { action: "call", contacts: 1, cost: 10, saving: 16 },
    ]);
    expect(s.byBand.map((b) => b.contacts)).toEqual([1, 0, 0, 1]);
    // s0's step from cheap to call: (16 - 3) / (10 - 1) = 1.444; s2's cheap: 1.5 per 1; from nothing s0: 1.6
    expect(s.lastUnitReturn).toBeCloseTo(13 / 9, 12);
    expect(s.left).toEqual({ capacity: 1, tooCostly: 0, other: 0, full: [["call", 1]], excluded: { "contacted in the last 30 days": 2 } });
  });

  it("a budget too small for what is left, and no spend at all", () => {
    const s = summariseWhatIf(w, Int32Array.from([0, -1, -1]), 1.5);
    expect(s.unspent).toBeCloseTo(0.5, 12);
    // s1: call has room but costs 10 > 0.5; s2: cheap costs 1 > 0.5
    expect(s.left).toMatchObject({ capacity: 0, tooCostly: 2, other: 0, full: [] });
    const none = summariseWhatIf(w, Int32Array.from([-1, -1, -1]), 0);
    expect(none).toMatchObject({ contacts: 0, cost: 0, lastUnitReturn: null, unspent: 0 });
  });
});
