import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizeWorld, type WorldSummary } from "../../src/synth/summary.js";
import { tempWorld } from "./helpers.js";

// The realism targets of issue 2, measured on a 5,000-subscriber x 12-month world.
describe("a generated world behaves like an operator's data", () => {
  let s: WorldSummary;
  let cleanup = () => {};
  beforeAll(async () => {
    const w = await tempWorld({ subscribers: 5000, months: 12, seed: 7, format: "parquet" });
    cleanup = w.cleanup;
    s = await summarizeWorld(w.dir);
  });
  afterAll(() => cleanup());

  it("monthly churn is between 1.5% and 3%", () => {
    expect(s.monthlyChurn).toBeGreaterThanOrEqual(0.015);
    expect(s.monthlyChurn).toBeLessThanOrEqual(0.03);
  });
  it("the oracle AUC of the true 30-day probability is between 0.80 and 0.90", () => {
    expect(s.oracleAuc).toBeGreaterThanOrEqual(0.8);
    expect(s.oracleAuc).toBeLessThanOrEqual(0.9);
  });
  it("the true probabilities are calibrated: mean p close to the realised 30-day churn", () => {
    expect(Math.abs(s.meanP30 - s.realised30)).toBeLessThan(0.15 * s.realised30);
  });
  it("churners use less in the 60 days before leaving than before", () => {
    expect(s.usage.churners).toBeGreaterThan(100);
    expect(s.usage.ratio).toBeLessThan(0.95);
    expect(s.usage.sessionsRatio).toBeLessThan(1);
  });
  it("complaint-holders, single-product and new subscribers churn more", () => {
    const c = s.churnByGroup;
    expect(c.complaint90d).toBeGreaterThan(c.noComplaint90d);
    expect(c.singleProduct).toBeGreaterThan(c.multiProduct);
    expect(c.tenureUnder1y).toBeGreaterThan(c.tenureOver2y);
  });
  it("a share of churners disengaged first, the others left suddenly", () => {
    expect(s.disengagedShareOfChurners).toBeGreaterThan(0.2);
    expect(s.disengagedShareOfChurners).toBeLessThan(0.7);
  });
  it("every realism check passes and every table has rows", () => {
    expect(s.checks.filter((c) => !c.ok)).toEqual([]);
    for (const [t, n] of Object.entries(s.rows)) expect(n, t).toBeGreaterThan(0);
    expect(s.campaigns.contacts).toBeGreaterThan(0);
  });
});
