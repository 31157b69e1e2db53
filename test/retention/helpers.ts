/** Test-only helpers: a seeded RNG and an exact solver for small selection problems. */
import type { SelectionProblem } from "../../src/retention/budget.js";
import type { PlanInput } from "../../src/retention/plan.js";

import { rng } from "../../src/rng.js";

export { rng };

/** Binomial draw by summing Bernoulli trials (fine for the sizes used in tests). */
export function binomial(r: () => number, n: number, p: number): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (r() < p) k++;
  return k;
}

/**
 * Exact optimum by depth-first branch and bound over subscribers (none or one of its candidates), with the
 * budget and capacities; bound = current + sum of the best remaining value per subscriber.
 */
export function exactOptimum(p: SelectionProblem): { total: number; choice: Int32Array } {
  const { n, actions: A, value, cost } = p;
  const bestRest = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    let m = 0;
    for (let a = 0; a < A; a++) if (value[i * A + a]! > m) m = value[i * A + a]!;
    bestRest[i] = bestRest[i + 1]! + m;
  }
  const count = new Int32Array(A);
  const cur = new Int32Array(n).fill(-1);
  let best = 0;
  let bestChoice = new Int32Array(n).fill(-1);
  const dfs = (i: number, total: number, left: number) => {
    if (total > best) { best = total; bestChoice = cur.slice(); }
    if (i === n || total + bestRest[i]! <= best + 1e-12) return;
    for (let a = 0; a < A; a++) {
      const v = value[i * A + a]!;
      const c = cost[i * A + a]!;
      if (!(v > 0) || c > left + 1e-9 || count[a]! >= (p.capacity[a] ?? Number.POSITIVE_INFINITY)) continue;
      count[a]!++;
      cur[i] = a;
      dfs(i + 1, total + v, left - c);
      cur[i] = -1;
      count[a]!--;
    }
    dfs(i + 1, total, left);
  };
  dfs(0, 0, p.budget);
  return { total: best, choice: bestChoice };
}

/** A random small selection problem; `structured` draws ENV = p x effect x value - cost like a real plan. */
export function randomProblem(r: () => number, structured: boolean): SelectionProblem {
  const n = 2 + Math.floor(r() * 8);
  const A = 1 + Math.floor(r() * 4);
  const value = new Float64Array(n * A);
  const cost = new Float64Array(n * A);
  const unit = Array.from({ length: A }, () => (r() < 0.15 ? 0 : Math.round(r() * 30 * 10) / 10));
  const feeShare = Array.from({ length: A }, () => (r() < 0.3 ? r() : 0));
  const effect = Array.from({ length: A }, () => r() * 0.4 - 0.05);
  for (let i = 0; i < n; i++) {
    const prob = r();
    const cv = 50 + r() * 1500;
    const arpu = 10 + r() * 80;
    for (let a = 0; a < A; a++) {
      const k = i * A + a;
      if (r() < 0.25) {
        value[k] = Number.NaN;
        cost[k] = 0;
        continue;
      }
      if (structured) {
        cost[k] = unit[a]! + feeShare[a]! * arpu;
        value[k] = prob * effect[a]! * cv - cost[k]!;
      } else {
        cost[k] = Math.round(r() * 40);
        value[k] = Math.round(r() * 60 - 10);
      }
    }
  }
  const capacity = Array.from({ length: A }, () => (r() < 0.5 ? Number.POSITIVE_INFINITY : 1 + Math.floor(r() * n)));
  let sumCost = 0;
  for (let k = 0; k < n * A; k++) if (value[k]! > 0) sumCost += cost[k]!;
  const budget = r() < 0.1 ? Number.POSITIVE_INFINITY : Math.round(sumCost * (0.05 + r() * 0.8));
  return { n, actions: A, value, cost, capacity, budget };
}

export const COLUMNS = ["dropped_calls_30d", "open_complaints", "days_to_contract_end", "discount_share_3m", "data_mb_trend_30v60_pct"];
const CONTRACTS = ["prepaid", "month_to_month", "fixed_12m", "fixed_24m"];

/** A seeded population of n subscribers with every plan input, reasons included. */
export function population(n: number, seed: number): PlanInput {
  const r = rng(seed);
  const F = COLUMNS.length;
  const input = {
    subscriberId: [] as string[],
    probability: new Float64Array(n),
    arpu: new Float64Array(n),
    tenureDays: new Float64Array(n),
    daysToContractEnd: new Float64Array(n),
    contractType: [] as string[],
    discountShare: new Float64Array(n),
    priceIncrease: new Float64Array(n),
    openComplaints: new Float64Array(n),
    products: new Float64Array(n),
    preferredChannel: [] as (string | null)[],
    contributions: { columns: COLUMNS, values: new Float64Array(n * F), featureValues: new Float64Array(n * F) },
  };
  for (let i = 0; i < n; i++) {
    input.subscriberId.push(`S${String(i).padStart(5, "0")}`);
    input.probability[i] = Math.round(r() ** 3 * 600) / 1000;
    input.arpu[i] = Math.round((10 + r() * 90) * 100) / 100;
    input.tenureDays[i] = Math.floor(r() * 2500);
    const ct = CONTRACTS[Math.floor(r() * 4)]!;
    input.contractType.push(ct);
    input.daysToContractEnd[i] = ct.startsWith("fixed") ? Math.floor(r() * 700) - 30 : Number.NaN;
    input.discountShare[i] = r() < 0.3 ? r() * 0.3 : 0;
    input.priceIncrease[i] = r() < 0.2 ? 1 : 0;
    input.openComplaints[i] = r() < 0.2 ? 1 + Math.floor(r() * 3) : 0;
    input.products[i] = 1 + Math.floor(r() * 3);
    input.preferredChannel.push(r() < 0.1 ? null : ["sms", "email", "app", "phone"][Math.floor(r() * 4)]!);
    for (let j = 0; j < F; j++) {
      input.contributions.values[i * F + j] = r() - 0.5;
      input.contributions.featureValues[i * F + j] = Math.floor(r() * 10);
    }
  }
  return input;
}

