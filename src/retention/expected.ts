/**
 * Expected net value of an action for a subscriber, the one implementation the plan (plan.ts), the budget
 * selection (budget.ts) and the simulation (pipeline/simulate.ts) use:
 *   p'     = 1 - (1 - p)^(1 - effect)                          the churn probability after the action
 *   saving = (p - p') x customer value                         (the value the action is expected to keep)
 *   ENV    = saving - cost,  cost = unitCost + feeMonths x ARPU
 * The recommended action is the eligible one with the best ENV; `none` when no ENV is positive.
 *
 * An effect is a relative reduction of the churn hazard over the horizon (proportional hazards): an action
 * with effect 0.2 multiplies the subscriber's daily risk of leaving by 0.8. For the small probabilities that
 * campaigns measure it is the relative reduction of the churn probability (p' ≈ p x 0.8, what a treated vs
 * control comparison estimates), but it does not promise a subscriber 90% sure to leave a saving of 0.9 x 0.2 =
 * 18 points: p' = 1 - 0.1^0.8 = 84.2%, 5.8 points. Saving p x effect (the earlier rule) overstated what the
 * plans saved on exactly the high-risk subscribers they pick first.
 */
import type { ActionDef } from "../config/catalog.js";

/** Cost of an action for a subscriber with this monthly ARPU. */
export function actionCost(a: Pick<ActionDef, "unitCost" | "feeMonths">, arpu: number): number {
  return a.unitCost + a.feeMonths * (Number.isFinite(arpu) ? Math.max(arpu, 0) : 0);
}

const P_MAX = 1 - 1e-9;

/** The churn probability after an action with this effect: 1 - (1 - p)^(1 - effect). */
export function treatedProbability(p: number, effect: number): number {
  return 1 - (1 - Math.min(P_MAX, Math.max(0, p))) ** (1 - effect);
}

/**
 * Expected saving: (p - p') x customer value = (1 - p) ((1 - p)^(-effect) - 1) x value. Close to p x effect x
 * value for small p; negative when the effect is negative.
 * @example expectedSaving(0.5, 0.2, 1000) // (0.5 - (1 - 0.5^0.8)) x 1000 = 74.3
 */
export function expectedSaving(p: number, effect: number, customerValue: number): number {
  const q = 1 - Math.min(P_MAX, Math.max(0, p));
  return q * Math.expm1(-effect * Math.log(q)) * customerValue;
}

/**
 * Expected net value.
 * @example expectedNetValue(0.5, 0.2, 1000, 30) // 74.3 - 30 = 44.3
 */
export function expectedNetValue(p: number, effect: number, customerValue: number, cost: number): number {
  return expectedSaving(p, effect, customerValue) - cost;
}

/**
 * The best of `count` actions whose ENVs are `envAt(offset + a)` (NaN = not eligible): its index a, or -1 when
 * no ENV is positive. Ties go to the lower index (catalog order), so the result is deterministic.
 * @example bestAction((k) => [Number.NaN, 3, 5, 5][k]!, 0, 4) // 2
 */
export function bestAction(envAt: (k: number) => number, offset: number, count: number): number {
  let best = -1;
  let bestV = 0;
  for (let a = 0; a < count; a++) {
    const v = envAt(offset + a);
    if (v > bestV) { best = a; bestV = v; }
  }
  return best;
}
