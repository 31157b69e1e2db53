import { describe, expect, it } from "vitest";
import { defaultRetentionConfig, type RetentionConfig } from "../../src/config/retention.js";
import { InputDataError } from "../../src/errors.js";
import { network } from "../../src/features/families/network.js";
import { msg } from "../../src/messages.js";
import { type PlanInput, planRetention } from "../../src/retention/plan.js";
import { priorEffect } from "../../src/retention/catalog.js";
import { customerValue } from "../../src/retention/value.js";
import { COLUMNS, population, rng } from "./helpers.js";

const features = network.features;

const thresholds = { critical: 0.5, high: 0.3, medium: 0.15 };
function permute(input: PlanInput, perm: number[]): PlanInput {
  const F = COLUMNS.length;
  const num = (col: ArrayLike<number>) => Float64Array.from(perm, (i) => col[i]!);
  const rows = (col: ArrayLike<number>) => Float64Array.from(perm.flatMap((i) => Array.from({ length: F }, (_, j) => col[i * F + j]!)));
  const c = input.contributions!;
  return {
    subscriberId: perm.map((i) => input.subscriberId[i]!),
    probability: num(input.probability),
    arpu: num(input.arpu),
    tenureDays: num(input.tenureDays!),
    daysToContractEnd: num(input.daysToContractEnd!),
    contractType: perm.map((i) => input.contractType![i]!),
    discountShare: num(input.discountShare!),
    priceIncrease: num(input.priceIncrease!),
    openComplaints: num(input.openComplaints!),
    products: num(input.products!),
    preferredChannel: perm.map((i) => input.preferredChannel![i]!),
    contributions: { columns: c.columns, values: rows(c.values), featureValues: rows(c.featureValues!) },
  };
}

const config = (patch: Partial<RetentionConfig> = {}): RetentionConfig => {
  const cfg = { ...defaultRetentionConfig(), ...patch };
  cfg.value = { ...cfg.value, probabilityHorizonMonths: 3 };
  return cfg;
};

/** The default catalogue's marketing contacts (no prior effect on quiet subscribers, none while a complaint is open). */
const MARKETING = new Set(["digital_nudge", "loyalty_points", "referral_invite"]);

describe("retention plan", () => {
  it("prices one subscriber by hand", () => {
    const cfg = config();
    cfg.value = { ...cfg.value, survival: "fixed", fixedMonthlyChurn: 0.02 };
    const plan = planRetention(
      {
        subscriberId: ["S1"],
        probability: [0.4],
        arpu: [50],
        tenureDays: [400],
        daysToContractEnd: [300],
        contractType: ["fixed_24m"],
        products: [2],
        openComplaints: [0],
        preferredChannel: ["sms"],
        contributions: { columns: ["dropped_calls_30d"], values: [0.8], featureValues: [9] },
      },
      { thresholds, config: cfg, features },
    );
    const row = plan.rows()[0]!;
    const cv = customerValue(0.4, 50, cfg.value);
    expect(row.risk_band).toBe("high");
    expect(row.main_driver).toBe("network");
    expect(row.value_tier).toBe("high"); // alone in the population
    expect(row.customer_value).toBeCloseTo(cv, 10);
    expect(row.value_at_risk).toBeCloseTo(0.4 * cv, 10);
    // eligible: care_call (high band, high value) 0.4*0.18*cv - 15; network_fix (network driver) 0.4*0.25*cv - 25;
    // loyalty_points (established, high value) 0.4*0.07*cv - 4; the rest are not eligible
    expect(cv).toBeGreaterThan(600);
    expect(row.recommended_action).toBe("network_fix");
    expect(row.effect).toBe(0.25);
    expect(row.action_cost).toBe(25);
    // the effect multiplies the hazard: p' = 1 - 0.6^0.75, saving (0.4 - p') x cv
    expect(row.expected_net_value).toBeCloseTo((0.4 - (1 - 0.6 ** 0.75)) * cv - 25, 10);
    expect(row.selected).toBe(true);
    expect(row.reasons).toEqual(["9 dropped calls in the last 30 days"]);
    expect(row.preferred_channel).toBe("sms");
    expect(row.segment).toBe("value=high;price=insensitive;driver=network;usage=steady");
    expect(row.effect_source).toBe("prior");
  });

  it("prices a usage nudge by whether the subscriber's use is falling against their own past", () => {
    // alike but for use: A down 50% against months 4-9, B steady, C without an own past but down 40% in the last 30
    // days against the previous 60, D unknown (no usage columns: steady)
    const input: PlanInput = {
      subscriberId: ["A", "B", "C", "D"],
      probability: [0.2, 0.2, 0.2, 0.2],
      arpu: [20, 20, 20, 20],
      tenureDays: [900, 900, 900, 900],
      openComplaints: [0, 0, 0, 0],
      products: [2, 2, 2, 2],
      usageVsOwnPast: [-50, 5, Number.NaN, Number.NaN],
      usageTrend: [0, -60, -40, Number.NaN],
    };
    const base = config();
    // every subscriber in the low value tier, where the default catalog offers nudges
    const cfg = config({ segments: { ...base.segments, valueTier: { ...base.segments.valueTier, method: "amount", high: 1e9, mid: 1e8 } } });
    cfg.actions = cfg.actions.filter((a) => a.id === "digital_nudge" || a.id === "none");
    const rows = new Map(planRetention(input, { thresholds, config: cfg }).rows().map((r) => [r.subscriber_id, r]));
    expect(rows.get("A")!.segment).toContain("usage=falling");
    expect(rows.get("B")!.segment).toContain("usage=steady");
    expect(rows.get("C")!.segment).toContain("usage=falling");
    expect(rows.get("D")!.segment).toContain("usage=steady");
    const nudge = cfg.actions.find((a) => a.id === "digital_nudge")!;
    expect(rows.get("A")!.effect).toBe(nudge.effect.segments!["usage=falling"]);
    expect(rows.get("B")!.effect).toBe(nudge.effect.default);
    expect(rows.get("A")!.expected_saving).toBeGreaterThan(rows.get("B")!.expected_saving);
    // the threshold is the config's
    const strict = config({ segments: { ...cfg.segments, usage: { ...cfg.segments.usage, fallingPct: 60 } } });
    strict.actions = cfg.actions;
    const again = new Map(planRetention(input, { thresholds, config: strict }).rows().map((r) => [r.subscriber_id, r]));
    expect(again.get("A")!.segment).toContain("usage=steady");
    // eligibility can name the usage level
    const onlyFalling = config({ segments: cfg.segments });
    onlyFalling.actions = cfg.actions.map((a) => (a.id === "digital_nudge" ? { ...a, eligibility: { ...a.eligibility, usage: ["falling" as const] } } : a));
    const picked = planRetention(input, { thresholds, config: onlyFalling, budget: null }).rows().filter((r) => r.recommended_action === "digital_nudge");
    expect(picked.map((r) => r.subscriber_id).sort()).toEqual(["A", "C"]);
  });

  it("leaves quiet subscribers (use not falling, among the least active) out of marketing contacts, unless their use falls", () => {
    // alike but for activity and use: Q active 6 of the last 30 days and steady, F as quiet but its use fell, S active
    // every day; the rest of the scored base sets the quantile: 20% of it is at or below 10 active days
    const n = 20;
    const ids = ["Q", "F", "S", ...Array.from({ length: n - 3 }, (_, i) => `x${i}`)];
    const active = [6, 6, 30, ...Array.from({ length: n - 3 }, (_, i) => (i < 2 ? 10 : 25))];
    const input: PlanInput = {
      subscriberId: ids,
      probability: ids.map(() => 0.3),
      arpu: ids.map(() => 30),
      tenureDays: ids.map(() => 1200),
      openComplaints: ids.map(() => 0),
      products: ids.map(() => 2),
      usageVsOwnPast: ids.map((id) => (id === "F" ? -60 : 0)),
      activeDays: active,
    };
    const cfg = config();
    const rows = new Map(planRetention(input, { thresholds, config: cfg, budget: null }).rows().map((r) => [r.subscriber_id, r]));
    expect(rows.get("Q")!.segment).toContain("usage=quiet");
    expect(rows.get("F")!.segment).toContain("usage=falling");
    expect(rows.get("S")!.segment).toContain("usage=steady");
    expect(rows.get("x0")!.segment).toContain("usage=quiet"); // 10 days: the 20% quantile itself
    expect(MARKETING.has(rows.get("Q")!.recommended_action)).toBe(false);
    expect(rows.get("F")!.recommended_action).not.toBe("none");
    expect(MARKETING.has(rows.get("S")!.recommended_action)).toBe(true);
    // the prior is the catalogue's (0 for the marketing contacts), so a learned effect can still buy a contact
    for (const id of MARKETING) expect(priorEffect(cfg.actions.find((a) => a.id === id)!, rows.get("Q")!.segment)).toBe(0);
    // a fixed cutoff replaces the quantile; a quantile of 0 makes nobody quiet
    const fixed = config({ segments: { ...cfg.segments, usage: { ...cfg.segments.usage, quietActiveDays: 5 } } });
    expect(planRetention(input, { thresholds, config: fixed }).rows().find((r) => r.subscriber_id === "Q")!.segment).toContain("usage=steady");
    const off = config({ segments: { ...cfg.segments, usage: { ...cfg.segments.usage, quietQuantile: 0 } } });
    expect(planRetention(input, { thresholds, config: off }).rows().some((r) => r.segment.includes("usage=quiet"))).toBe(false);
  });

  it("sends no marketing contact while a complaint is open (maxOpenComplaints), and does when the cap is lifted", () => {
    // two low-value, disengaging subscribers alike but for an open complaint; the default catalog allows a nudge or
    // loyalty points for the first only, and complaint_fasttrack (from one open complaint) for the second
    const input: PlanInput = {
      subscriberId: ["A", "B", "C", "D"],
      probability: [0.3, 0.3, 0.02, 0.02],
      arpu: [12, 12, 60, 60],
      tenureDays: [900, 900, 900, 900],
      openComplaints: [0, 2, 0, 0],
      products: [2, 2, 2, 2],
    };
    const rows = planRetention(input, { thresholds, config: config() }).rows();
    const a = rows.find((r) => r.subscriber_id === "A")!;
    const b = rows.find((r) => r.subscriber_id === "B")!;
    expect(MARKETING.has(a.recommended_action)).toBe(true);
    expect(MARKETING.has(b.recommended_action)).toBe(false);
    const lifted = config();
    lifted.actions = lifted.actions.map((x) => ({ ...x, eligibility: { ...x.eligibility, maxOpenComplaints: undefined } }));
    lifted.actions = lifted.actions.filter((x) => x.id !== "complaint_fasttrack");
    const b2 = planRetention(input, { thresholds, config: lifted }).rows().find((r) => r.subscriber_id === "B")!;
    expect(MARKETING.has(b2.recommended_action)).toBe(true);
  });

  it("offers a marketing action only on a channel the subscriber prefers when its catalog entry says fallback none", () => {
    // two low-value subscribers (A, B) alike but for their preferred channel; by default the phone-preferring
    // one gets the marketing contact on its own channel (app), with fallback "none" on those actions not at all
    const input: PlanInput = {
      subscriberId: ["A", "B", "C", "D"],
      probability: [0.3, 0.3, 0.02, 0.02],
      arpu: [12, 12, 60, 60],
      tenureDays: [900, 900, 900, 900],
      openComplaints: [0, 0, 0, 0],
      products: [2, 2, 2, 2],
      preferredChannel: ["phone", "email", "", ""],
    };
    const contact = { excluded: () => null, onCooldown: () => false, channels: { usePreferred: true, fallback: "default" as const } };
    const byId = (cfg: RetentionConfig) => new Map(planRetention(input, { thresholds, config: cfg, contact }).rows().map((r) => [r.subscriber_id, r]));
    const before = byId(config());
    expect(MARKETING.has(before.get("A")!.recommended_action)).toBe(true);
    expect(before.get("A")!.channel).not.toBe("phone");
    expect(MARKETING.has(before.get("B")!.recommended_action)).toBe(true);
    const strict = config();
    strict.actions = strict.actions.map((x) => (MARKETING.has(x.id) ? { ...x, fallback: "none" as const } : x));
    const after = byId(strict);
    expect(MARKETING.has(after.get("A")!.recommended_action)).toBe(false);
    expect(after.get("B")!.recommended_action).toBe(before.get("B")!.recommended_action);
    expect(after.get("B")!.channel).toBe("email");
  });

  it("recommends none when no action pays for itself", () => {
    const plan = planRetention({ subscriberId: ["A"], probability: [0.01], arpu: [5] }, { thresholds, config: config() });
    expect(plan.rows()[0]).toMatchObject({ recommended_action: "none", action_cost: 0, expected_net_value: 0, selected: false });
  });

  it("keeps eligibility, ranks by net value then risk then id, and respects budget and capacities", () => {
    const input = population(400, 3);
    const unlimited = planRetention(input, { thresholds, config: config() }).totals.all.cost;
    const budget = Math.round(unlimited / 3);
    const cfg = config({ budget });
    cfg.actions = cfg.actions.map((a) => (a.id === "care_call" ? { ...a, capacity: 5 } : a));
    const plan = planRetention(input, { thresholds, config: cfg });
    const rows = plan.rows();
    expect(rows).toHaveLength(400);
    expect(rows.map((r) => r.rank)).toEqual(rows.map((_, i) => i + 1));
    for (let k = 1; k < rows.length; k++) {
      const a = rows[k - 1]!;
      const b = rows[k]!;
      const ordered =
        a.expected_net_value > b.expected_net_value ||
        (a.expected_net_value === b.expected_net_value &&
          (a.churn_probability > b.churn_probability || (a.churn_probability === b.churn_probability && a.subscriber_id < b.subscriber_id)));
      expect(ordered, `rank ${k}`).toBe(true);
    }
    const selected = rows.filter((r) => r.selected);
    const spent = selected.reduce((s, r) => s + r.action_cost, 0);
    expect(spent).toBeLessThanOrEqual(budget + 1e-6);
    expect(spent).toBeGreaterThan(0.9 * budget); // the budget binds and is used
    expect(selected.filter((r) => r.recommended_action === "care_call").length).toBeLessThanOrEqual(5);
    for (const r of rows) {
      if (r.recommended_action === "price_incentive") expect(r.price_sensitivity).toBe("sensitive");
      if (r.recommended_action === "network_fix") expect(r.main_driver).toBe("network");
      if (r.recommended_action === "renewal_offer") expect(r.contract_stage).toBe("renewal_window");
      if (r.recommended_action === "care_call") expect(["critical", "high"]).toContain(r.risk_band);
      if (r.recommended_action === "none") expect(r.selected).toBe(false);
      else {
        expect(r.expected_net_value).toBeGreaterThan(0);
        const after = 1 - (1 - r.churn_probability) ** (1 - r.effect);
        expect(r.expected_net_value).toBeCloseTo((r.churn_probability - after) * r.customer_value - r.action_cost, 8);
      }
      expect(r.reasons.length).toBeLessThanOrEqual(3);
    }
    // totals reconcile
    const all = plan.totals.all;
    expect(all.subscribers).toBe(400);
    expect(all.contacts).toBe(selected.length);
    expect(all.cost).toBeCloseTo(spent, 8);
    expect(plan.spent).toBeCloseTo(spent, 8);
    expect(plan.totals.byBand.reduce((s, t) => s + t.contacts, 0)).toBe(selected.length);
    expect(plan.totals.byAction.reduce((s, t) => s + t.subscribers, 0)).toBe(400);
    expect(plan.totals.byAction.reduce((s, t) => s + t.expected_saving, 0)).toBeCloseTo(all.expected_saving, 8);
    // a bigger budget never lowers the total expected net value
    const richer = planRetention(input, { thresholds, config: cfg, budget: 2 * budget });
    expect(richer.totals.all.expected_net_value).toBeGreaterThanOrEqual(all.expected_net_value);
  });

  it("uses learned effects where given and says so", () => {
    const input = population(200, 5);
    const base = planRetention(input, { thresholds, config: config() });
    const target = base.rows().find((r) => r.recommended_action === "digital_nudge")!;
    const learned = {
      action: "digital_nudge",
      segment: target.segment,
      effect: 0.5,
      ci_low: 0.4,
      ci_high: 0.6,
      n_treat: 1000,
      n_control: 1000,
      churn_treat: 0.1,
      churn_control: 0.2,
      prior: 0.03,
      source: "learned" as const,
    };
    const plan = planRetention(input, { thresholds, config: config(), effects: [learned] });
    const row = plan.rows().find((r) => r.subscriber_id === target.subscriber_id)!;
    expect(row.recommended_action).toBe("digital_nudge");
    expect(row.effect).toBe(0.5);
    expect(row.effect_source).toBe("learned");
    expect(plan.effects.find((e) => e.action === "digital_nudge" && e.segment === target.segment)?.source).toBe("learned");
    expect(plan.effects.filter((e) => e.source === "learned")).toHaveLength(1);
  });

  it("buys with each subscriber's own effects when given, and never an action that harms that subscriber", () => {
    const n = 200;
    const input = population(n, 5);
    const cfg = config();
    const A = cfg.actions.filter((a) => a.id !== "none").length;
    // every action helps the even rows (a large effect) and harms the odd rows
    const own = new Float32Array(n * A);
    for (let i = 0; i < n; i++) own.fill(i % 2 === 0 ? 0.6 : -0.3, i * A, (i + 1) * A);
    const plan = planRetention(input, { thresholds, config: cfg, subscriberEffects: own });
    const rows = plan.rows();
    const picked = rows.filter((r) => r.selected && r.recommended_action !== "none");
    expect(picked.length).toBeGreaterThan(0);
    for (const r of picked) {
      expect(Number(r.subscriber_id.slice(1)) % 2).toBe(0);
      expect(r.effect).toBeCloseTo(0.6, 6);
      expect(r.effect_source).toBe("uplift");
    }
    // without them, the segment cells' (positive) priors buy some of the odd rows too
    const cells = planRetention(input, { thresholds, config: cfg }).rows();
    expect(cells.some((r) => r.selected && r.recommended_action !== "none" && Number(r.subscriber_id.slice(1)) % 2 === 1)).toBe(true);
    expect(() => planRetention(input, { thresholds, config: cfg, subscriberEffects: new Float32Array(3) })).toThrow(InputDataError);
  });

  it("corrects the segment cells by each subscriber's shift: zero changes nothing, a harmful shift is never bought", () => {
    const n = 200;
    const input = population(n, 7);
    const cfg = config();
    const A = cfg.actions.filter((a) => a.id !== "none").length;
    const cells = planRetention(input, { thresholds, config: cfg }).rows();
    const zero = planRetention(input, { thresholds, config: cfg, effectShift: new Float32Array(n * A) }).rows();
    expect(zero.map((r) => [r.subscriber_id, r.recommended_action, r.selected])).toEqual(cells.map((r) => [r.subscriber_id, r.recommended_action, r.selected]));
    for (const [k, r] of zero.entries()) expect(r.effect).toBeCloseTo(cells[k]!.effect, 6);
    // log multiplier + 0.7 on the odd rows: every action does worse than nothing there (the priors are below 0.5)
    const shift = new Float32Array(n * A);
    for (let i = 1; i < n; i += 2) shift.fill(0.7, i * A, (i + 1) * A);
    const rows = planRetention(input, { thresholds, config: cfg, effectShift: shift }).rows();
    const picked = rows.filter((r) => r.selected && r.recommended_action !== "none");
    expect(picked.length).toBeGreaterThan(0);
    for (const r of picked) expect(Number(r.subscriber_id.slice(1)) % 2).toBe(0);
    expect(cells.some((r) => r.selected && r.recommended_action !== "none" && Number(r.subscriber_id.slice(1)) % 2 === 1)).toBe(true);
    expect(() => planRetention(input, { thresholds, config: cfg, effectShift: new Float32Array(3) })).toThrow(InputDataError);
  });

  it("is deterministic: the same plan whatever the input row order", () => {
    const input = population(300, 11);
    const cfg = config({ budget: 300 });
    const a = planRetention(input, { thresholds, config: cfg });
    const perm = Array.from({ length: 300 }, (_, i) => i);
    const r = rng(99);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const b = planRetention(permute(input, perm), { thresholds, config: cfg });
    expect(b.rows()).toEqual(a.rows());
    expect(b.row(7)).toEqual(a.rows()[7]);
    expect(b.totals).toEqual(a.totals);
  });

  it("refuses bad inputs with messages that say the fix", () => {
    const cfg = config();
    expect(() => planRetention({ subscriberId: ["A", "B"], probability: [0.1], arpu: [1, 2] }, { thresholds, config: cfg })).toThrow(
      msg.planColumnLength("probability", 1, 2),
    );
    expect(() => planRetention({ subscriberId: ["A"], probability: [Number.NaN], arpu: [1] }, { thresholds, config: cfg })).toThrow(InputDataError);
    expect(() => planRetention({ subscriberId: ["A"], probability: [0.2], arpu: [1] }, { thresholds, config: cfg, budget: -5 })).toThrow(
      msg.planBudgetInvalid(-5),
    );
  });
});
