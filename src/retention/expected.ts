/**
 * Expected net value of an action for a subscriber:
 *   saving = p x effect(action, segment) x customer value      (the value the action is expected to keep)
 *   ENV    = saving - cost,  cost = unitCost + feeMonths x ARPU
 * The recommended action is the eligible one with the best ENV; `none` when no ENV is positive.
 */
import type { ActionDef } from "../config/catalog.js";

/** Cost of an action for a subscriber with this monthly ARPU. */
export function actionCost(a: Pick<ActionDef, "unitCost" | "feeMonths">, arpu: number): number {
  return a.unitCost + a.feeMonths * (Number.isFinite(arpu) ? Math.max(arpu, 0) : 0);
}

/** Expected saving: p x effect x customer value. Negative when the effect is negative. */
export function expectedSaving(p: number, effect: number, customerValue: number): number {
  return p * effect * customerValue;
}

/**
 * Expected net value.
 * @example expectedNetValue(0.5, 0.2, 1000, 30) // 0.5 * 0.2 * 1000 - 30 = 70
 */
export function expectedNetValue(p: number, effect: number, customerValue: number, cost: number): number {
  return expectedSaving(p, effect, customerValue) - cost;
}

/**
 * Index of the best action in `env` (one row of A values, NaN = not eligible), or -1 when none is
 * positive. Ties go to the lower index (catalog order), so the result is deterministic.
 */
export function bestAction(env: ArrayLike<number>, offset = 0, count = env.length): number {
  let best = -1;
  let bestV = 0;
  for (let a = 0; a < count; a++) {
    const v = env[offset + a]!;
    if (v > bestV) { best = a; bestV = v; }
  }
  return best;
}
