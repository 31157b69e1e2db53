/** summarisePlan: the planner summary of a hand-built plan, every figure worked out by hand. */
import { describe, expect, it } from "vitest";
import { type DriftSummary, noDrift } from "../../src/monitoring/drift.js";
import type { EffectEstimate } from "../../src/retention/effects.js";
import type { Plan, PlanRow, PlanTotal } from "../../src/retention/plan.js";
import { summarisePlan } from "../../src/report/summarise-plan.js";
import { priorShare } from "../../src/report/planner-report.js";
import { noExclusions } from "../../src/retention/contact-rules.js";

function row(p: Partial<PlanRow> & Pick<PlanRow, "rank" | "subscriber_id" | "risk_band" | "main_driver" | "segment">): PlanRow {
  return {
    churn_probability: 0.5,
    value_tier: "high",
    price_sensitivity: "insensitive",
    tenure_stage: "established",
    contract_stage: "in_contract",
    monthly_arpu: 40,
    customer_value: 500,
    value_at_risk: 0,
    recommended_action: "none",
    action_cost: 0,
    effect: 0,
    effect_source: "",
    expected_saving: 0,
    expected_net_value: 0,
    selected: false,
    group: p.selected ? "treatment" : "",
    channel: "",
    reasons: [],
    preferred_channel: "sms",
    ...p,
  };
}

const total = (key: string, subscribers: number, contacts: number, valueAtRisk: number): PlanTotal => ({
  key,
  subscribers,
  contacts,
  held_out: 0,
  cost: 0,
  expected_saving: 0,
  expected_net_value: 0,
  value_at_risk: valueAtRisk,
  expected_churners: subscribers * 0.1,
});

function planOf(rows: PlanRow[], index: number[], extra: Partial<Plan> = {}): Plan {
  return {
    size: rows.length,
    row: (r) => rows[r]!,
    index: (r) => index[r]!,
    rows: () => rows,
    totals: { byBand: [], byAction: [], all: total("all", rows.length, 0, 0) },
    budget: null,
    spent: 0,
    excluded: noExclusions(),
    thresholds: { critical: 0.5, high: 0.3, medium: 0.1 },
    valueTierCutoffs: { high: 1, mid: 0 },
    effects: [],
    whatIf: () => {
      throw new Error("not used by summarisePlan");
    },
    ...extra,
  };
}

const HN = "value=high;driver=network";
const MB = "value=mid;driver=billing";
const rows = [
  row({ rank: 1, subscriber_id: "S1", risk_band: "critical", main_driver: "network", segment: HN, churn_probability: 0.6123456789, customer_value: 500.004, value_at_risk: 100, recommended_action: "care_call", action_cost: 15, effect: 0.18, expected_saving: 40, expected_net_value: 25.006, selected: true }),
  row({ rank: 2, subscriber_id: "S2", risk_band: "high", main_driver: "billing", segment: MB, value_at_risk: 50.555, recommended_action: "care_call", action_cost: 15, effect: 0.12, expected_saving: 20, selected: true }),
  row({ rank: 3, subscriber_id: "S3", risk_band: "high", main_driver: "network", segment: HN, value_at_risk: 10, recommended_action: "digital_nudge", action_cost: 1, effect: 0.03, expected_saving: 3, selected: true }),
  row({ rank: 4, subscriber_id: "S4", risk_band: "low", main_driver: "none", segment: "value=low;driver=none", value_at_risk: 2, recommended_action: "none" }),
];
const estimate = (action: string, segment: string, e: Partial<EffectEstimate>): EffectEstimate => ({
  action,
  segment,
  effect: 0,
  ci_low: 0,
  ci_high: 0,
  n_treat: 0,
  n_control: 0,
  churn_treat: Number.NaN,
  churn_control: Number.NaN,
  prior: 0,
  source: "prior",
  ...e,
});
const estimates = [
  estimate("care_call", HN, { effect: 0.3, ci_low: 0.1, ci_high: 0.5, n_treat: 120, n_control: 100, prior: 0.18, source: "learned" }),
  estimate("care_call", MB, { effect: 0.12, prior: 0.12 }),
];
const run = { id: "r1", asOf: "2026-05-31", modelId: "m1", scored: 4, currency: "EUR" };
const plan = planOf(rows, [2, 0, 3, 1], {
  spent: 31.004,
  totals: {
    byBand: [total("critical", 1, 1, 100), total("high", 2, 2, 60.555), total("medium", 0, 0, 0), total("low", 1, 0, 2)],
    byAction: [],
    all: { ...total("all", 4, 3, 162.555), expected_saving: 63.0049 },
  },
});
const base = { plan, reasons: (i: number) => [`reason of ${i}`], effects: { source: "learned" as const, note: "learned from 1 month", estimates }, drift: noDrift(0.1, 0.25), run, budget: 100 };

describe("summarisePlan", () => {
  it("counts subscribers per band and selections per action (none for the rest)", () => {
    const s = summarisePlan(base);
    expect(s.perBand).toEqual({ critical: 1, high: 2, medium: 0, low: 1 });
    expect(s.perAction).toEqual({ care_call: 2, digital_nudge: 1, none: 1 });
    expect(s.summary.bands).toEqual([
      { band: "critical", subscribers: 1, valueAtRisk: 100, selected: 1 },
      { band: "high", subscribers: 2, valueAtRisk: 60.56, selected: 2 },
      { band: "medium", subscribers: 0, valueAtRisk: 0, selected: 0 },
      { band: "low", subscribers: 1, valueAtRisk: 2, selected: 0 },
    ]);
    expect(s.summary.budget).toEqual({ total: 100, used: 31 });
    expect(s.summary.expectedRevenueSaved).toBe(63);
  });

  it("says how much of the expected saving rests on prior effects alone, and the report and score line show it", () => {
    // S1 learned (40), S2 prior (20), S3 a subscriber's own effect (3): 20 of the contacts' 63 on priors, scaled to the
    // plan's total (63.0049)
    const sourced = rows.map((r) => ({ ...r, effect_source: (r.subscriber_id === "S1" ? "learned" : r.subscriber_id === "S2" ? "prior" : r.subscriber_id === "S3" ? "uplift" : "") as PlanRow["effect_source"] }));
    const s = summarisePlan({ ...base, plan: { ...plan, row: (r: number) => sourced[r]!, rows: () => sourced } }).summary;
    expect(s.expectedRevenueSavedOnPriors).toBe(Math.round((20 / 63) * 63.0049 * 100) / 100);
    expect(priorShare(s)).toBe(32);
    expect(priorShare({ expectedRevenueSaved: 63, expectedRevenueSavedOnPriors: 0 })).toBeNull();
    expect(priorShare({ expectedRevenueSaved: 0, expectedRevenueSavedOnPriors: 0 })).toBeNull();
    // nothing from priors in the base plan (no row says "prior")
    expect(summarisePlan(base).summary.expectedRevenueSavedOnPriors).toBe(0);
  });

  it("builds the band × main-driver matrix in band order, value at risk rounded to cents", () => {
    expect(summarisePlan(base).summary.matrix).toEqual([
      { band: "critical", segment: "network", subscribers: 1, valueAtRisk: 100 },
      { band: "high", segment: "billing", subscribers: 1, valueAtRisk: 50.56 },
      { band: "high", segment: "network", subscribers: 1, valueAtRisk: 10 },
      { band: "low", segment: "none", subscribers: 1, valueAtRisk: 2 },
    ]);
  });

  it("totals each action; the learned effect averages the contacts in learned cells, the prior every contact", () => {
    const [care, nudge, ...rest] = summarisePlan(base).summary.actions;
    expect(rest).toEqual([]);
    expect(care).toEqual({
      action: "care_call",
      contacts: 2,
      cost: 30,
      expectedSaving: 60,
      priorEffect: (0.18 + 0.12) / 2,
      // the effects the rows were planned with (S1 0.18, S2 0.12), one of them in a learned cell
      effectUsed: 0.15,
      effectBasis: "cells",
      learned: { effect: 0.3, ciLow: 0.1, ciHigh: 0.5, nTreat: 120, nControl: 100 },
    });
    // no estimate for digital_nudge: its prior is the row's effect, nothing learned
    expect(nudge).toEqual({ action: "digital_nudge", contacts: 1, cost: 1, expectedSaving: 3, priorEffect: 0.03, effectUsed: 0.03, effectBasis: "prior" });
  });

  it("says what each action's effect was found by when the plan bought with corrected effects", () => {
    // S1 and S2 planned with the uplift model's effects (0.18, 0.12), S3 with its prior cell
    const sourced = rows.map((r) => ({ ...r, effect_source: (r.subscriber_id === "S3" ? "prior" : r.selected ? "uplift" : "") as PlanRow["effect_source"] }));
    const planU = { ...plan, row: (r: number) => sourced[r]!, rows: () => sourced };
    const basis = (method: "uplift" | "no_heterogeneity") =>
      summarisePlan({ ...base, plan: planU, effects: { ...base.effects, method } }).summary.actions.map((a) => [a.action, a.effectUsed, a.effectBasis]);
    expect(basis("uplift")).toEqual([
      ["care_call", 0.15, "uplift"],
      ["digital_nudge", 0.03, "prior"],
    ]);
    expect(basis("no_heterogeneity")).toEqual([
      ["care_call", 0.15, "per_action"],
      ["digital_nudge", 0.03, "prior"],
    ]);
  });

  it("pools each action's campaign groups over its cells: the raw evidence beside the effect used", () => {
    // care_call: 200 treated (10 left) and 100 controls (10 left) over two cells; digital_nudge has no control group
    const cells = [
      estimate("care_call", HN, { n_treat: 150, n_control: 60, churn_treat: 6 / 150, churn_control: 7 / 60 }),
      estimate("care_call", MB, { n_treat: 50, n_control: 40, churn_treat: 4 / 50, churn_control: 3 / 40 }),
      estimate("digital_nudge", HN, { n_treat: 80, churn_treat: 0.05 }),
    ];
    const s = summarisePlan({ ...base, effects: { ...base.effects, estimates: cells } }).summary;
    // log RR of (10.5 / 201) / (10.5 / 101), variance 1/10.5 - 1/201 + 1/10.5 - 1/101, 95%: worked out by hand
    expect(s.campaignEvidence).toEqual([
      { action: "care_call", nTreat: 200, nControl: 100, churnedTreat: 10, churnedControl: 10, effect: 0.4975, ciLow: -0.1424, ciHigh: 0.779 },
    ]);
    // no campaign groups at all: nothing to show
    expect(summarisePlan({ ...base, effects: { ...base.effects, estimates: [] } }).summary.campaignEvidence).toBeUndefined();
  });

  it("lists the top rows with reasons of the subscriber at each rank's input position", () => {
    const { top } = summarisePlan(base).summary;
    expect(top.map((t) => [t.rank, t.subscriberId, t.reasons[0]])).toEqual([
      [1, "S1", "reason of 2"],
      [2, "S2", "reason of 0"],
      [3, "S3", "reason of 3"],
      [4, "S4", "reason of 1"],
    ]);
    expect(top[0]).toMatchObject({ probability: 0.612346, value: 500, expectedNet: 25.01, band: "critical", segment: "network", action: "care_call" });
  });

  it("keeps the first 50 rows only", () => {
    const many = Array.from({ length: 60 }, (_, k) => row({ rank: k + 1, subscriber_id: `S${k}`, risk_band: "low", main_driver: "none", segment: "all" }));
    const s = summarisePlan({ ...base, plan: planOf(many, many.map((_, k) => k)) });
    expect(s.summary.top).toHaveLength(50);
    expect(s.perAction).toEqual({ none: 60 });
  });

  it("reports drift only when it was checked; no budget means the amount spent", () => {
    expect(summarisePlan(base).summary.drift).toBeUndefined();
    const checked: DriftSummary = { ...noDrift(0.1, 0.25), checked: true, score: { feature: "score", psi: 0.01, status: "ok" }, features: [{ feature: "arpu_3m", psi: 0.3, status: "alert" }] };
    const s = summarisePlan({ ...base, drift: checked, budget: null });
    expect(s.summary.drift).toEqual({ threshold: 0.25, items: [{ feature: "score", psi: 0.01, status: "ok" }, { feature: "arpu_3m", psi: 0.3, status: "alert" }] });
    expect(s.summary.budget).toEqual({ total: 31, used: 31, unlimited: true });
    expect(s.summary.effects.cells).toHaveLength(2);
    expect(s.summary.kpis).toBeUndefined();
  });
});
