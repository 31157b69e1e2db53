/**
 * The realised effect of each action of a run, from its own holdout: churn of the contacted subscribers
 * (treatment) against churn of those selected for the same action and held out (control), over the same window.
 *
 *   relative effect = 1 - pT / pC with the groups' churn rates pX = churnedX / nX; none when no held-out subscriber
 *                     churned (a reduction of a zero rate), so the figure never contradicts the two rates shown
 *   interval: log RR ± z sqrt(1/(cT+.5) - 1/(nT+1) + 1/(cC+.5) - 1/(nC+1)), RR from (churnedX + 0.5) / (nX + 1)
 *             (delta method with a continuity correction, as effects.ts, so that 0 churners work)
 *   fewer than MIN_HOLDOUT held out: no effect, the verdict says so (one held-out subscriber is no comparison)
 *   difference = churn rate of control - churn rate of treatment (churners prevented per contact)
 *   detectable effect: the smallest relative effect these group sizes find with 80% power at the same confidence,
 *             (z + z_0.8) sqrt(p (1 - p) (1/nT + 1/nC)) / p at the pooled churn rate p: how large an effect must be
 *             before this holdout can show it (rare churn and a 10% holdout need thousands held out)
 * No shrinkage toward a prior: this is what happened, for the planner to check the learned effects against.
 */
import { normalQuantile } from "../retention/effects.js";

export interface RealisedEffect {
  action: string;
  treated: number;
  treatedChurned: number;
  control: number;
  controlChurned: number;
  /** Churn rates (null for an empty group). */
  treatedRate: number | null;
  controlRate: number | null;
  /** 1 - RR and its interval (null when a group is empty). */
  effect: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Contacted subscribers churned more than their holdout. */
  backfired: boolean;
  /** The interval excludes no effect (0). */
  significant: boolean;
  /** Smallest relative effect these group sizes detect with 80% power (null without churners or a group). */
  detectableEffect: number | null;
  verdict: string;
}

const Z_POWER_80 = 0.8416212335729143;

/**
 * The smallest relative churn reduction that nT contacted and nC held-out subscribers detect with 80% power, at the
 * pooled churn rate p; null when p is 0 or 1 or a group is empty.
 * @example detectableEffect(9000, 1000, 0.03) // ≈ 0.53: a 10% holdout of 10,000 at 3% churn shows only effects of 53% or more
 */
export function detectableEffect(nT: number, nC: number, p: number, confidence = 0.95): number | null {
  if (!(nT > 0 && nC > 0 && p > 0 && p < 1)) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return ((z + Z_POWER_80) * Math.sqrt(p * (1 - p) * (1 / nT + 1 / nC))) / p;
}

/** Held-out subscribers an action needs before its realised effect is shown. */
export const MIN_HOLDOUT = 10;

/** One action's realised effect from its treatment and control counts. */
export function realisedEffect(action: string, nT: number, cT: number, nC: number, cC: number, confidence = 0.95): RealisedEffect {
  const rate = (n: number, c: number) => (n > 0 ? c / n : null);
  const base = { action, treated: nT, treatedChurned: cT, control: nC, controlChurned: cC, treatedRate: rate(nT, cT), controlRate: rate(nC, cC) };
  if (nT === 0 || nC === 0) {
    return { ...base, effect: null, ciLow: null, ciHigh: null, backfired: false, significant: false, detectableEffect: null, verdict: nT === 0 ? "no contacted subscriber" : "no holdout to compare with" };
  }
  const pct = (v: number | null) => (v === null ? "–" : `${(100 * v).toFixed(1)}%`);
  const rates = `churn ${pct(base.treatedRate)} contacted vs ${pct(base.controlRate)} held out`;
  const detectable = detectableEffect(nT, nC, (cT + cC) / (nT + nC), confidence);
  if (nC < MIN_HOLDOUT) {
    return { ...base, effect: null, ciLow: null, ciHigh: null, backfired: false, significant: false, detectableEffect: detectable, verdict: `only ${nC} held out: too few to measure an effect yet (${rates})` };
  }
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const L = Math.log((cT + 0.5) / (nT + 1) / ((cC + 0.5) / (nC + 1)));
  const sd = Math.sqrt(1 / (cT + 0.5) - 1 / (nT + 1) + 1 / (cC + 0.5) - 1 / (nC + 1));
  const effect = cC > 0 ? 1 - (cT / nT) / (cC / nC) : null;
  const ciLow = 1 - Math.exp(L + z * sd);
  const ciHigh = 1 - Math.exp(L - z * sd);
  const backfired = (base.treatedRate ?? 0) > (base.controlRate ?? 0);
  const significant = ciLow > 0 || ciHigh < 0;
  const power =
    detectable === null ? "more contacts will tell" : detectable >= 1 ? "this holdout could not show even an effect that stopped all churn" : `this holdout shows only effects of ${Math.round(100 * detectable)}% or more`;
  const verdict = cT === 0 && cC === 0
    ? `no churner in either group yet (${nT} contacted, ${nC} held out)`
    : backfired
    ? `contacted subscribers stayed LESS than their holdout (churn ${pct(base.treatedRate)} vs ${pct(base.controlRate)})${significant ? ": the action drove customers away" : ` (within chance; ${power})`}`
    : significant
      ? `contacted subscribers stayed more than their holdout (churn ${pct(base.treatedRate)} vs ${pct(base.controlRate)})`
      : `no clear difference yet (churn ${pct(base.treatedRate)} contacted vs ${pct(base.controlRate)} held out; ${power})`;
  return { ...base, effect, ciLow, ciHigh, backfired, significant, detectableEffect: detectable, verdict };
}
