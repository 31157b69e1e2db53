/**
 * Step 4 of the budget selection (budget.ts): on large problems the repair works only on the boundary of the
 * greedy solution, where swaps can pay; everyone else keeps the greedy's choice.
 */
import { costFn, type SelectionProblem, valueFn } from "./budget-problem.js";

/**
 * The subscribers the repair works on. Small problems: all. Large ones: the boundary of the greedy
 * solution, where swaps can pay: the `w` selected subscribers with the lowest value per cost, the `w`
 * unselected ones with the best value per cost, and for each action at capacity its `w/4` lowest-value
 * holders and the `w/4` best unselected candidates. Everyone else keeps the greedy choice.
 */
export function boundary(p: SelectionProblem, choice: Int32Array, count: Int32Array, cap: Float64Array, w: number): Int32Array {
  const { n, actions: A } = p;
  const costAt = costFn(p);
  const valueAt = valueFn(p);
  const ratio = (k: number): number => (costAt(k) > 0 ? valueAt(k) / costAt(k) : Number.POSITIVE_INFINITY);
  const inU = new Uint8Array(n);
  const bestRatio = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    if (choice[i]! >= 0) bestRatio[i] = ratio(i * A + choice[i]!);
    else for (let a = 0; a < A; a++) if (valueAt(i * A + a) > 0) bestRatio[i] = Math.max(Number.isNaN(bestRatio[i]!) ? -1 : bestRatio[i]!, ratio(i * A + a));
  }
  if (n <= 4 * w) {
    for (let i = 0; i < n; i++) if (!Number.isNaN(bestRatio[i]!)) inU[i] = 1;
  } else {
    // k-th smallest / largest via a native typed-array sort of the keys (no comparator)
    const pick = (keep: (i: number) => boolean, key: (i: number) => number, k: number, lowest: boolean) => {
      const keys: number[] = [];
      for (let i = 0; i < n; i++) if (keep(i)) keys.push(key(i));
      if (keys.length === 0) return;
      const sorted = Float64Array.from(keys).sort();
      const t = lowest ? sorted[Math.min(k, sorted.length) - 1]! : sorted[Math.max(0, sorted.length - k)]!;
      for (let i = 0; i < n; i++) if (keep(i) && (lowest ? key(i) <= t : key(i) >= t)) inU[i] = 1;
    };
    pick((i) => choice[i]! >= 0, (i) => bestRatio[i]!, w, true);
    pick((i) => choice[i]! < 0 && !Number.isNaN(bestRatio[i]!), (i) => bestRatio[i]!, w, false);
    for (let a = 0; a < A; a++) {
      if (count[a]! < cap[a]!) continue;
      pick((i) => choice[i] === a, (i) => valueAt(i * A + a), w >> 2, true);
      pick((i) => choice[i] !== a && valueAt(i * A + a) > 0, (i) => valueAt(i * A + a), w >> 2, false);
    }
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += inU[i]!;
  const subs = new Int32Array(m);
  for (let i = 0, j = 0; i < n; i++) if (inU[i]) subs[j++] = i;
  return subs;
}
