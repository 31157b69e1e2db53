import { describe, expect, it } from "vitest";
import { defaultRetentionConfig } from "../../src/config/retention.js";
import { actionCost, bestAction, expectedNetValue, expectedSaving, treatedProbability } from "../../src/retention/expected.js";
import { annuity, customerValue, customerValues, monthlyChurn, populationChurn } from "../../src/retention/value.js";

const base = { ...defaultRetentionConfig().value, annualDiscountRate: 0, probabilityHorizonMonths: 1, survival: "subscriber" as const };

describe("customer value", () => {
  it("is margin x ARPU x sum of monthly survival over the horizon (hand-worked)", () => {
    // q = 0.3: months 1 and 2 survive with 0.7 and 0.49 → 0.5 * 50 * 1.19 = 29.75
    expect(customerValue(0.3, 50, { ...base, margin: 0.5, horizonMonths: 2 })).toBeCloseTo(29.75, 10);
    // no churn, no discount: margin x ARPU x H
    expect(customerValue(0, 40, { ...base, margin: 0.5, horizonMonths: 36 })).toBeCloseTo(720, 10);
    // certain churn keeps nothing; no ARPU is worth nothing
    expect(customerValue(1, 40, base)).toBe(0);
    expect(customerValue(0.2, 0, base)).toBe(0);
  });

  it("derives the monthly rate from a longer horizon and discounts future months", () => {
    const p3 = 1 - 0.9 ** 3; // 10% a month over 3 months
    expect(monthlyChurn(p3, 3)).toBeCloseTo(0.1, 12);
    const d = 1.1 ** (1 / 12) - 1;
    const a = 0.9 / (1 + d);
    const expected = 0.6 * 30 * (a + a * a + a ** 3);
    expect(customerValue(p3, 30, { ...base, margin: 0.6, horizonMonths: 3, annualDiscountRate: 0.1, probabilityHorizonMonths: 3 })).toBeCloseTo(expected, 10);
    expect(annuity(1, 12)).toBe(12);
  });

  it("by default values everyone at the population's monthly churn rate", () => {
    const cfg = { ...base, survival: "population" as const, margin: 1, horizonMonths: 2 };
    const values = customerValues([0.1, 0.3], [10, 10], cfg); // mean 0.2 → 10 * (0.8 + 0.64)
    expect(values[0]).toBeCloseTo(14.4, 12);
    expect(values[1]).toBeCloseTo(14.4, 12);
    expect(populationChurn([0.1, 0.3], 1)).toBeCloseTo(0.2, 12);
  });

  it("can use one fixed monthly churn rate for everyone", () => {
    const cfg = { ...base, survival: "fixed" as const, fixedMonthlyChurn: 0.5, margin: 1, horizonMonths: 2 };
    expect(customerValue(0.99, 10, cfg)).toBeCloseTo(10 * (0.5 + 0.25), 12);
  });
});

describe("expected net value", () => {
  it("is p x effect x value - cost, with fee-scaled costs", () => {
    // p' = 1 - 0.5^0.8 = 0.42566: saving 74.34 (not 0.5 x 0.2 x 1000 = 100: the hazard falls by a fifth)
    expect(expectedNetValue(0.5, 0.2, 1000, 30)).toBeCloseTo(1000 * (0.5 - (1 - 0.5 ** 0.8)) - 30, 10);
    expect(expectedNetValue(0.5, -0.1, 1000, 0)).toBeCloseTo(1000 * (0.5 - (1 - 0.5 ** 1.1)), 10); // a sleeping dog loses value
    expect(expectedNetValue(0.5, -0.1, 1000, 0)).toBeLessThan(0);
    // small probabilities: p x effect, as a campaign's treated vs control comparison measures it
    expect(expectedSaving(0.002, 0.2, 1000)).toBeCloseTo(0.002 * 0.2 * 1000, 3);
    // the simulator's truth uses the same form: 1 - (1 - p)^m with m = 1 - effect
    expect(treatedProbability(0.9, 0.2)).toBeCloseTo(1 - 0.1 ** 0.8, 12);
    expect(expectedSaving(1, 0.2, 1000)).toBeGreaterThanOrEqual(0);
    expect(actionCost({ unitCost: 2, feeMonths: 0.6 }, 50)).toBeCloseTo(32, 12);
    expect(actionCost({ unitCost: 2, feeMonths: 0.6 }, Number.NaN)).toBe(2);
  });

  it("picks the best positive action, none (-1) when nothing pays, ties to catalog order", () => {
    const row = (env: number[]) => bestAction((k) => env[k]!, 0, env.length);
    expect(row([Number.NaN, 3, 5, 5])).toBe(2);
    expect(row([-1, 0, Number.NaN])).toBe(-1);
    // one row of a row-major n x A matrix
    expect(bestAction((k) => [9, 9, 1, 4, 2][k]!, 2, 3)).toBe(1);
  });
});

describe("the expected saving against the simulator's truth", () => {
  it("is exactly what `churn simulate` counts when the probability and the effect are the true ones", async () => {
    // simulate: revenue saved = (p - p') x value, p' = 1 - (1 - p)^m with the world's hazard multiplier m
    const { treatedProbability: truthAfter } = await import("../../src/synth/actions.js");
    const cases = [
      [0.02, 0.97, 800],
      [0.35, 0.5, 1200],
      [0.9, 0.85, 600],
      [0.6, 1.3, 900], // a sleeping dog: the action raises the hazard
    ] as const;
    for (const [p, m, value] of cases) {
      const truth = (p - truthAfter(p, m)) * value;
      expect(expectedSaving(p, 1 - m, value)).toBeCloseTo(truth, 9);
      expect(treatedProbability(p, 1 - m)).toBeCloseTo(truthAfter(p, m), 12);
    }
    // the earlier rule, p x effect x value, promised 0.9 x 0.15 x 600 = 81 where the truth gives 0.9 - (1 - 0.1^0.85) = 0.041 x 600 = 24.8
    expect(0.9 * 0.15 * 600).toBeGreaterThan(3 * expectedSaving(0.9, 0.15, 600));
  });
});
