import { describe, expect, it } from "vitest";
import { detectableEffect, realisedEffect } from "../../src/monitoring/realised-effects.js";

describe("realised effect of an action from its holdout", () => {
  it("1 - RR with a delta-method interval (hand-worked: 40/1000 contacted vs 60/1000 held out churned)", () => {
    const r = realisedEffect("care_call", 1000, 40, 1000, 60);
    // effect = 1 - 0.04 / 0.06; interval: RR = (40.5/1001) / (60.5/1001) = 0.66942, sd = sqrt(1/40.5 - 1/1001 + 1/60.5 - 1/1001) = 0.198045
    expect(r.effect).toBeCloseTo(1 - 0.04 / 0.06, 10);
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
    expect(realisedEffect("x", 100, 6, 100, 5).verdict).toContain("(within chance; this holdout could not show even an effect that stopped all churn)");
  });
  it("never shows an effect that contradicts the two churn rates, nor one from a handful held out", () => {
    // 1 of 13 contacted churned, the 1 held out stayed: the corrected rates would read as a 57% reduction
    const tiny = realisedEffect("complaint_fasttrack", 13, 1, 1, 0);
    expect(tiny).toMatchObject({ effect: null, ciLow: null, backfired: false, significant: false });
    expect(tiny.verdict).toBe("only 1 held out: too few to measure an effect yet (churn 7.7% contacted vs 0.0% held out)");
    // no held-out churner: a reduction of a zero rate is no number, but the rates and the interval still tell
    const zero = realisedEffect("digital_nudge", 1000, 1, 50, 0);
    expect(zero.effect).toBeNull();
    expect(zero.backfired).toBe(true);
    expect(zero.significant).toBe(false);
    expect(zero.verdict).toContain("stayed LESS than their holdout (churn 0.1% vs 0.0%) (within chance; ");
    expect(realisedEffect("x", 200, 0, 40, 0).verdict).toBe("no churner in either group yet (200 contacted, 40 held out)");
    // no contacted churner: a 100% reduction, inside its interval's direction
    const all = realisedEffect("x", 400, 0, 100, 8);
    expect(all.effect).toBe(1);
    expect(all.ciLow! > 0).toBe(true);
    // the sign of the effect always follows the rates
    for (const [nT, cT, nC, cC] of [[13, 1, 20, 1], [500, 9, 40, 1], [100, 3, 10, 0], [2859, 63, 318, 11]] as const) {
      const r = realisedEffect("x", nT, cT, nC, cC);
      if (r.effect !== null) expect(Math.sign(r.effect)).toBe(Math.sign(cC / nC - cT / nT));
      expect(r.backfired).toBe(cT / nT > cC / nC);
    }
  });
  it("has no effect without a holdout or without contacts", () => {
    expect(realisedEffect("x", 100, 5, 0, 0)).toMatchObject({ effect: null, verdict: "no holdout to compare with" });
    expect(realisedEffect("x", 0, 0, 10, 1)).toMatchObject({ effect: null, verdict: "no contacted subscriber" });
  });
  it("says how large an effect the holdout could show (80% power), so 'no clear difference' is read rightly", () => {
    // hand-worked: 9,000 contacted and 1,000 held out at 3% churn: (1.959964 + 0.841621) x sqrt(0.03 x 0.97 x (1/9000 + 1/1000)) / 0.03
    const hand = (2.801585 * Math.sqrt(0.03 * 0.97 * (1 / 9000 + 1 / 1000))) / 0.03;
    expect(detectableEffect(9000, 1000, 0.03)).toBeCloseTo(hand, 5);
    expect(hand).toBeGreaterThan(0.53);
    expect(hand).toBeLessThan(0.54);
    // four times the holdout halves it (roughly: the treated group is large)
    expect(detectableEffect(36000, 4000, 0.03)! / hand).toBeCloseTo(0.5, 2);
    expect(detectableEffect(100, 0, 0.03)).toBeNull();
    expect(detectableEffect(100, 10, 0)).toBeNull();
    // in the verdict: 2.1% vs 2.3% churn with 775 held out cannot show a 20% effect
    const r = realisedEffect("digital_nudge", 6974, 146, 775, 18);
    expect(r.significant).toBe(false);
    expect(r.detectableEffect!).toBeGreaterThan(0.5);
    expect(r.verdict).toBe(`no clear difference yet (churn 2.1% contacted vs 2.3% held out; this holdout shows only effects of ${Math.round(100 * r.detectableEffect!)}% or more)`);
    // tiny groups: not even a total stop of churn would show
    expect(realisedEffect("x", 40, 1, 12, 1).verdict).toContain("could not show even an effect that stopped all churn");
  });
});
