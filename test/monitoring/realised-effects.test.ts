import { describe, expect, it } from "vitest";
import { realisedEffect } from "../../src/monitoring/realised-effects.js";

describe("realised effect of an action from its holdout", () => {
  it("1 - RR with a delta-method interval (hand-worked: 40/1000 contacted vs 60/1000 held out churned)", () => {
    const r = realisedEffect("care_call", 1000, 40, 1000, 60);
    // RR = (40.5/1001) / (60.5/1001) = 0.66942; sd = sqrt(1/40.5 - 1/1001 + 1/60.5 - 1/1001) = 0.198045
    expect(r.effect).toBeCloseTo(1 - 40.5 / 60.5, 10);
    expect(r.ciLow).toBeCloseTo(1 - Math.exp(Math.log(40.5 / 60.5) + 1.959964 * 0.198045), 5);
    expect(r.ciHigh).toBeCloseTo(1 - Math.exp(Math.log(40.5 / 60.5) - 1.959964 * 0.198045), 5);
    expect(r.significant).toBe(true);
    expect(r.backfired).toBe(false);
  });
  it("says plainly when contacted subscribers stayed less than their holdout", () => {
    const r = realisedEffect("price_incentive", 500, 60, 500, 30);
    expect(r.backfired).toBe(true);
    expect(r.significant).toBe(true);
    expect(r.verdict).toContain("stayed LESS than their holdout (churn 12.0% vs 6.0%): the action drove customers away");
    expect(realisedEffect("x", 100, 6, 100, 5).verdict).toContain("(within chance)");
  });
  it("has no effect without a holdout or without contacts", () => {
    expect(realisedEffect("x", 100, 5, 0, 0)).toMatchObject({ effect: null, verdict: "no holdout to compare with" });
    expect(realisedEffect("x", 0, 0, 10, 1)).toMatchObject({ effect: null, verdict: "no contacted subscriber" });
  });
});
