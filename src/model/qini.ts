/**
 * Judging an uplift ranking on held-out contact rows with random control groups (Radcliffe's Qini curve,
 * for churn: the outcome to prevent is churning).
 *
 * Rank the rows by a score (predicted churn prevented, best first). Among the top k rows, with nT treated and
 * nC controls of whom cT and cC churned, the churners the action prevented are estimated as
 *   Q(k) = cC * nT / nC - cT          (controls' churn rate scaled to the treated count, minus the treated churners)
 * A ranking that finds whom the action helps rises fast; a random ranking follows the straight line
 * k/n * Q(n). Reported:
 *   qini        mean over the curve's points of (Q(k) - k/n Q(n)), divided by the treated rows: churners
 *               prevented per treated row beyond random targeting (0 = no better than random)
 *   upliftAt    for the top share s: control churn rate minus treated churn rate among those rows
 *   curve       Q at every 5% of the rows, for the chart
 * Ties in the score keep the row order (callers pass rows in a fixed order), so the result is deterministic.
 */

export interface QiniPoint {
  share: number;
  /** Churners prevented among the top `share` of rows (estimated). */
  prevented: number;
}

export interface QiniResult {
  rows: number;
  treated: number;
  controls: number;
  qini: number;
  curve: QiniPoint[];
  upliftAt: { share: number; uplift: number | null }[];
}

export const UPLIFT_SHARES = [0.1, 0.2, 0.3, 0.5] as const;
const POINTS = 20;

/**
 * @example qini(Float64Array.of(0.3, 0.1), Uint8Array.of(1, 0), Uint8Array.of(0, 1))
 */
export function qini(score: ArrayLike<number>, treated: ArrayLike<number>, churned: ArrayLike<number>): QiniResult {
  const n = score.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score[b]! - score[a]! || a - b);
  const nT = new Float64Array(n + 1);
  const nC = new Float64Array(n + 1);
  const cT = new Float64Array(n + 1);
  const cC = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const t = treated[i] ? 1 : 0;
    const y = churned[i] ? 1 : 0;
    nT[k + 1] = nT[k]! + t;
    nC[k + 1] = nC[k]! + (1 - t);
    cT[k + 1] = cT[k]! + t * y;
    cC[k + 1] = cC[k]! + (1 - t) * y;
  }
  const Q = (k: number) => (nC[k]! > 0 ? (cC[k]! * nT[k]!) / nC[k]! - cT[k]! : 0);
  const total = Q(n);
  const curve: QiniPoint[] = [];
  let area = 0;
  for (let p = 1; p <= POINTS; p++) {
    const k = Math.round((p / POINTS) * n);
    const q = Q(k);
    curve.push({ share: p / POINTS, prevented: q });
    area += q - (k / Math.max(n, 1)) * total;
  }
  const upliftAt = UPLIFT_SHARES.map((share) => {
    const k = Math.round(share * n);
    if (!(nT[k]! > 0 && nC[k]! > 0)) return { share, uplift: null };
    return { share, uplift: cC[k]! / nC[k]! - cT[k]! / nT[k]! };
  });
  const treatedRows = nT[n]!;
  return { rows: n, treated: treatedRows, controls: nC[n]!, qini: treatedRows > 0 ? area / POINTS / treatedRows : 0, curve, upliftAt };
}
