import { describe, expect, it } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { catalogSchema } from "../../src/config/catalog.js";
import { type CampaignCount, campaignCountsSql, estimateEffects, normalQuantile } from "../../src/retention/effects.js";
import { binomial, rng } from "./helpers.js";

const catalog = catalogSchema.parse([
  { id: "care_call", description: "x", channel: "phone", unitCost: 10, effect: { default: 0.1, segments: { "value=high": 0.3 } } },
  { id: "none", description: "no contact", channel: "none", unitCost: 0, effect: { default: 0 } },
]);
const cfg = { priorStrength: 200, minGroupSize: 30, confidence: 0.95 };
const counts = (segment: string, nT: number, cT: number, nC: number, cC: number): CampaignCount[] => [
  { action: "care_call", segment, group: "treatment", n: nT, churned: cT },
  { action: "care_call", segment, group: "control", n: nC, churned: cC },
];

describe("effect estimation", () => {
  it("normal quantiles", () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
  });

  it("without a prior, the effect is 1 - relative risk with a delta-method interval (known counts)", () => {
    const [e] = estimateEffects(counts("all", 1000, 150, 1000, 200), catalog, ["all"], { ...cfg, priorStrength: 0 });
    const pT = 150.5 / 1001;
    const pC = 200.5 / 1001;
    const sd = Math.sqrt(1 / 150.5 - 1 / 1001 + 1 / 200.5 - 1 / 1001);
    expect(e!.source).toBe("learned");
    expect(e!.effect).toBeCloseTo(1 - pT / pC, 12);
    expect(e!.ci_low).toBeCloseTo(1 - (pT / pC) * Math.exp(1.959964 * sd), 5);
    expect(e!.ci_high).toBeCloseTo(1 - (pT / pC) * Math.exp(-1.959964 * sd), 5);
    expect(e!.churn_treat).toBeCloseTo(0.15, 12);
    expect(e!.churn_control).toBeCloseTo(0.2, 12);
    expect([e!.n_treat, e!.n_control]).toEqual([1000, 1000]);
  });

  it("shrinks toward the prior, less as the groups grow", () => {
    const prior = 0.1; // segment "all" gets the default
    const raw = 1 - 150.5 / 1001 / (200.5 / 1001); // ~0.25
    const small = estimateEffects(counts("all", 100, 15, 100, 20), catalog, ["all"], cfg)[0]!;
    const mid = estimateEffects(counts("all", 1000, 150, 1000, 200), catalog, ["all"], cfg)[0]!;
    const large = estimateEffects(counts("all", 20000, 3000, 20000, 4000), catalog, ["all"], cfg)[0]!;
    for (const e of [small, mid, large]) {
      expect(e.effect).toBeGreaterThan(prior);
      expect(e.effect).toBeLessThan(raw + 1e-3);
      expect(e.source).toBe("learned");
    }
    expect(small.effect).toBeLessThan(mid.effect);
    expect(mid.effect).toBeLessThan(large.effect);
    expect(large.effect).toBeCloseTo(0.25, 2);
    expect(small.ci_high - small.ci_low).toBeGreaterThan(large.ci_high - large.ci_low);
  });

  it("keeps the prior (and says so) when a group is too small or absent, per segment", () => {
    const est = estimateEffects(counts("value=high", 20, 2, 500, 100), catalog, ["value=high", "value=low"], cfg);
    expect(est.map((e) => [e.segment, e.source, e.effect])).toEqual([
      ["value=high", "prior", 0.3],
      ["value=low", "prior", 0.1],
    ]);
    for (const e of est) expect(e.ci_low).toBeLessThan(e.effect);
  });

  it("learns sleeping-dog (negative) effects without clamping them at 0", () => {
    const [e] = estimateEffects(counts("all", 5000, 1500, 5000, 1000), catalog, ["all"], cfg);
    expect(e!.effect).toBeLessThan(-0.3);
    expect(e!.ci_high).toBeLessThan(0);
  });

  it("covers the true effect most of the time in a seeded simulation", () => {
    const r = rng(7);
    const truth = 0.2;
    const pC = 0.2;
    const reps = 200;
    for (const [prior, strength] of [
      [0.1, 0],
      [0.15, 200],
    ] as const) {
      const cat = catalogSchema.parse([{ ...catalog[0]!, effect: { default: prior, segments: {} } }]);
      let covered = 0;
      for (let k = 0; k < reps; k++) {
        const cT = binomial(r, 2000, pC * (1 - truth));
        const cC = binomial(r, 2000, pC);
        const [e] = estimateEffects(counts("all", 2000, cT, 2000, cC), cat, ["all"], { ...cfg, priorStrength: strength });
        if (e!.ci_low <= truth && truth <= e!.ci_high) covered++;
      }
      expect(covered / reps).toBeGreaterThan(0.88);
    }
  });

  it("aggregates campaigns x subscribers into counts with SQL (churn within the horizon, censoring, segments)", async () => {
    const rows = await withDb(async (db) => {
      await db.run(`CREATE TABLE subscribers AS SELECT * FROM (VALUES
        ('S1', NULL::DATE), ('S2', DATE '2026-01-20'), ('S3', DATE '2026-06-01'), ('S4', DATE '2025-12-01'), ('S5', NULL::DATE)
      ) t(subscriber_id, deactivation_date)`);
      await db.run(`CREATE TABLE campaigns AS SELECT * FROM (VALUES
        ('S1', DATE '2026-01-05', 'care_call', 'treatment'),
        ('S2', DATE '2026-01-05', 'care_call', 'treatment'),
        ('S3', DATE '2026-01-05', 'care_call', 'control'),
        ('S4', DATE '2026-01-05', 'care_call', 'control'),
        ('S5', DATE '2026-06-20', 'care_call', 'control')
      ) t(subscriber_id, date, action, "group")`);
      await db.run(`CREATE TABLE campaign_segments AS SELECT * FROM (VALUES
        ('S1', DATE '2026-01-05', 'value=high'), ('S2', DATE '2026-01-05', 'value=low'), ('S3', DATE '2026-01-05', 'value=high')
      ) t(subscriber_id, date, segment)`);
      const all = campaignCountsSql({ horizonDays: 90, asOf: "2026-06-30", segment: "all" });
      const bySeg = campaignCountsSql({ horizonDays: 90, asOf: "2026-06-30", segment: { table: "campaign_segments" } });
      return { all: await db.all(all.sql, all.params), bySeg: await db.all(bySeg.sql, bySeg.params) };
    });
    // S4 had left before contact (dropped); S5's horizon has not passed by as-of (censored); S3 left after 90 days
    expect(rows.all).toEqual([
      { action: "care_call", segment: "all", group: "control", n: 1, churned: 0 },
      { action: "care_call", segment: "all", group: "treatment", n: 2, churned: 1 },
    ]);
    expect(rows.bySeg).toEqual([
      { action: "care_call", segment: "value=high", group: "control", n: 1, churned: 0 },
      { action: "care_call", segment: "value=high", group: "treatment", n: 1, churned: 0 },
      { action: "care_call", segment: "value=low", group: "treatment", n: 1, churned: 1 },
    ]);
  });
});
