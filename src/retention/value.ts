/**
 * Customer value: the discounted margin a subscriber is expected to bring over a capped horizon.
 *
 *   q   = 1 - (1 - p)^(1 / probabilityHorizonMonths)       monthly churn rate from the horizon probability p
 *   d   = (1 + annualDiscountRate)^(1/12) - 1               monthly discount rate
 *   a   = (1 - q) / (1 + d)                                  survival x discount per month
 *   CV  = margin x ARPU x sum_{t=1..H} a^t = margin x ARPU x a (1 - a^H) / (1 - a)
 *
 * Month t counts when the subscriber is still there at month t (survival (1-q)^t). Which q:
 *   "population" (default): q from the mean churn probability of the scored population, the same for
 *     everyone. A saved subscriber is worth what a retained subscriber is worth; valuing each one at its
 *     own current hazard would make the riskiest subscribers nearly worthless to save (p = 0.5 a month
 *     leaves about one month of value), so no action would ever pay for them.
 *   "subscriber": q from each subscriber's own p;  "fixed": q = `fixedMonthlyChurn`.
 * Value at risk = p x CV.
 */
import type { ValueConfig } from "../config/retention.js";

/** Monthly churn rate from a probability over `horizonMonths`. */
export function monthlyChurn(p: number, horizonMonths: number): number {
  if (p >= 1) return 1;
  if (p <= 0) return 0;
  return 1 - (1 - p) ** (1 / horizonMonths);
}

/** sum_{t=1..h} a^t. */
export function annuity(a: number, h: number): number {
  if (Math.abs(1 - a) < 1e-12) return h;
  return (a * (1 - a ** h)) / (1 - a);
}

/**
 * Customer value of one subscriber.
 * `populationMonthlyChurn` (from `populationChurn`) is used when survival is "population"; without it
 * the subscriber's own rate is used.
 * @example customerValue(0.3, 50, {margin: 0.5, horizonMonths: 2, annualDiscountRate: 0, probabilityHorizonMonths: 1, survival: "subscriber", ...}) // 0.5*50*(0.7+0.49) = 29.75
 */
export function customerValue(p: number, arpu: number, cfg: ValueConfig, populationMonthlyChurn = Number.NaN): number {
  if (!(arpu > 0)) return 0;
  const q =
    cfg.survival === "fixed"
      ? cfg.fixedMonthlyChurn
      : cfg.survival === "population" && Number.isFinite(populationMonthlyChurn)
        ? populationMonthlyChurn
        : monthlyChurn(p, cfg.probabilityHorizonMonths);
  const d = (1 + cfg.annualDiscountRate) ** (1 / 12) - 1;
  return cfg.margin * arpu * annuity((1 - q) / (1 + d), cfg.horizonMonths);
}

/** Monthly churn rate of the population: from the mean churn probability. NaN when empty. */
export function populationChurn(p: ArrayLike<number>, horizonMonths: number): number {
  // summed in sorted order so the result does not depend on the row order (byte-identical plans)
  const sorted = Float64Array.from(p).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return p.length ? monthlyChurn(sum / p.length, horizonMonths) : Number.NaN;
}

/** Customer value for every row. */
export function customerValues(p: ArrayLike<number>, arpu: ArrayLike<number>, cfg: ValueConfig): Float64Array {
  const q = cfg.survival === "population" ? populationChurn(p, cfg.probabilityHorizonMonths) : Number.NaN;
  const res = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) res[i] = customerValue(p[i]!, arpu[i]!, cfg, q);
  return res;
}
