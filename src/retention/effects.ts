/**
 * Learning what works from past campaigns (treatment vs control, churn within the horizon after contact).
 *
 * (a) `campaignCountsSql` aggregates campaigns x subscribers into (action, segment, group, n, churned).
 * (b) `estimateEffects` turns those counts and the catalog priors into one estimate per action and segment.
 *
 * Estimation, per (action, segment), on the log relative-risk scale (effect = 1 - RR):
 *   data:  L = log(pT / pC) with pX = (churnedX + 0.5) / (nX + 1) (continuity correction, so 0 churners work),
 *          V = 1/(cT+.5) - 1/(nT+1) + 1/(cC+.5) - 1/(nC+1)                       (delta-method variance)
 *   prior: L0 = log(1 - prior effect), V0 = the variance the same estimator would have with `priorStrength`
 *          pseudo-subscribers per group at the cell's control churn rate         (prior strength in pseudo-obs)
 *   posterior (normal-normal, precision weighted): L* = (L/V + L0/V0) / (1/V + 1/V0), V* = 1 / (1/V + 1/V0)
 *   effect = 1 - exp(L*), interval = 1 - exp(L* -/+ z sqrt(V*)).
 * Small groups get a large V and stay near the prior; large groups follow the data. Negative effects
 * ("sleeping dogs": contact provokes churn) are kept, never clamped at 0. A cell with fewer than
 * `minGroupSize` subscribers in either group keeps the prior (source "prior"), whose interval uses V0 at
 * the action's pooled control churn rate (or 10% when the action has no controls at all).
 */
import { quoteIdent } from "../io/duckdb.js";
import type { ActionDef } from "../config/catalog.js";
import { normalQuantile } from "../normal.js";
import { priorEffect } from "./catalog.js";
import type { EffectsConfig } from "../config/retention.js";

export { normalQuantile };

export interface CampaignCount {
  action: string;
  segment: string;
  group: "treatment" | "control";
  n: number;
  churned: number;
}

/**
 * The key of an (action, effect segment) cell: the one way to index effect estimates.
 * @example effectKey("care_call", "value=high;driver=network")
 */
export function effectKey(action: string, segment: string): string {
  return `${action}\u0000${segment}`;
}

export interface EffectEstimate {
  action: string;
  segment: string;
  effect: number;
  ci_low: number;
  ci_high: number;
  n_treat: number;
  n_control: number;
  /** Observed churn rates within the horizon (NaN when the group is empty). */
  churn_treat: number;
  churn_control: number;
  prior: number;
  source: "learned" | "prior";
}

/** Where the segment of each contacted subscriber at contact time comes from. */
export type CampaignSegmentSource =
  /** A table (subscriber_id, date, segment) provided by the caller, joined on subscriber and contact date. */
  | { table: string }
  /** A SQL expression over `c` (campaigns) and `s` (subscribers) columns. Written by code, never taken from config. */
  | { sqlExpr: string }
  /** No segments: one estimate per action, segment "all". */
  | "all";

export interface CampaignCountsOptions {
  horizonDays: number;
  /** Only contacts whose horizon has fully passed by this day (YYYY-MM-DD) count: later ones are censored. */
  asOf: string;
  segment: CampaignSegmentSource;
}

/**
 * SQL (with $1 = horizonDays, $2 = asOf) aggregating the canonical `campaigns` and `subscribers` views into
 * counts. Contacts with a subscriber who had already left are dropped; a contact whose subscriber has no
 * row in the segment table gets segment 'unknown'.
 * @example const { sql, params } = campaignCountsSql({ horizonDays: 90, asOf: "2026-06-30", segment: "all" });
 *          const counts = (await db.all(sql, params)) as CampaignCount[];
 */
export function campaignCountsSql(opts: CampaignCountsOptions): { sql: string; params: (string | number)[] } {
  let segmentExpr = "'all'";
  let join = "";
  if (typeof opts.segment === "object" && "table" in opts.segment) {
    join = `LEFT JOIN ${quoteIdent(opts.segment.table, "campaign segment table")} g ON g.subscriber_id = c.subscriber_id AND g.date = c.date`;
    segmentExpr = "COALESCE(CAST(g.segment AS VARCHAR), 'unknown')";
  } else if (typeof opts.segment === "object") {
    segmentExpr = `COALESCE(CAST((${opts.segment.sqlExpr}) AS VARCHAR), 'unknown')`;
  }
  const sql = `
SELECT CAST(c.action AS VARCHAR) AS action,
       ${segmentExpr} AS segment,
       CAST(c."group" AS VARCHAR) AS "group",
       count(*) AS n,
       count(*) FILTER (WHERE s.deactivation_date IS NOT NULL
                          AND datediff('day', c.date, s.deactivation_date) <= $1) AS churned
FROM campaigns c
JOIN subscribers s ON s.subscriber_id = c.subscriber_id
${join}
WHERE datediff('day', c.date, CAST($2 AS DATE)) >= $1
  AND (s.deactivation_date IS NULL OR s.deactivation_date >= c.date)
GROUP BY ALL
ORDER BY action, segment, "group"`;
  return { sql, params: [opts.horizonDays, opts.asOf] };
}

const DEFAULT_BASE_RATE = 0.1;

/**
 * Treated vs control churn of one group pair as a log relative risk: L = log(pT / pC) with pX = (churnedX + 0.5) /
 * (nX + 1) (continuity correction, so 0 churners work) and its delta-method variance V; pC is the control rate.
 */
function logRiskRatio(g: { nT: number; cT: number; nC: number; cC: number }): { L: number; V: number; pC: number } {
  const pT = (g.cT + 0.5) / (g.nT + 1);
  const pC = (g.cC + 0.5) / (g.nC + 1);
  return { L: Math.log(pT / pC), V: 1 / (g.cT + 0.5) - 1 / (g.nT + 1) + 1 / (g.cC + 0.5) - 1 / (g.nC + 1), pC };
}

/** An action's campaigns with every segment pooled: the raw evidence, before any prior or model. */
export interface PooledEvidence {
  action: string;
  nTreat: number;
  nControl: number;
  /** Churned within the horizon (treated, control). */
  churnedTreat: number;
  churnedControl: number;
  /** 1 - RR, with the cells' estimator (continuity-corrected log RR and its delta-method interval), no prior. */
  effect: number;
  ciLow: number;
  ciHigh: number;
}

/**
 * Per action (catalogue order), its campaign groups summed over the segment cells, and the relative churn
 * reduction they show with no prior: what a planner checks an action's learned or prior effect against. Actions
 * without both a treated and a control group are left out. Treatment and control are randomised within each
 * campaign, so the pooled comparison is the average effect over the subscribers the campaigns picked (not
 * necessarily those the plan picks).
 */
export function pooledEvidence(estimates: readonly EffectEstimate[], confidence: number): PooledEvidence[] {
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const by = new Map<string, { nT: number; cT: number; nC: number; cC: number }>();
  for (const e of estimates) {
    const a = by.get(e.action) ?? { nT: 0, cT: 0, nC: 0, cC: 0 };
    // the cells keep rates (of whole counts); a group without one is left out
    if (e.n_treat > 0 && Number.isFinite(e.churn_treat)) {
      a.nT += e.n_treat;
      a.cT += Math.round(e.churn_treat * e.n_treat);
    }
    if (e.n_control > 0 && Number.isFinite(e.churn_control)) {
      a.nC += e.n_control;
      a.cC += Math.round(e.churn_control * e.n_control);
    }
    by.set(e.action, a);
  }
  const out: PooledEvidence[] = [];
  for (const [action, a] of by) {
    if (!(a.nT > 0 && a.nC > 0)) continue;
    const { L, V } = logRiskRatio(a);
    const sd = Math.sqrt(Math.max(0, V));
    out.push({ action, nTreat: a.nT, nControl: a.nC, churnedTreat: a.cT, churnedControl: a.cC, effect: 1 - Math.exp(L), ciLow: 1 - Math.exp(L + z * sd), ciHigh: 1 - Math.exp(L - z * sd) });
  }
  return out;
}

/** Variance of log RR for k subjects per group at control rate pc and treatment rate pt. */
const priorVariance = (k: number, pc: number, pt: number): number =>
  k > 0 ? (1 - pt) / (k * pt) + (1 - pc) / (k * pc) : Number.POSITIVE_INFINITY;

const clampRate = (p: number): number => Math.min(0.999, Math.max(0.001, p));

/**
 * One estimate per catalog action (except `none`) and segment key: every key in `segmentKeys` plus every
 * segment seen in the counts for that action. Deterministic order: catalog order, then segment key.
 */
export function estimateEffects(
  counts: readonly CampaignCount[],
  catalog: readonly ActionDef[],
  segmentKeys: readonly string[],
  cfg: Pick<EffectsConfig, "priorStrength" | "minGroupSize" | "confidence">,
): EffectEstimate[] {
  const z = normalQuantile(1 - (1 - cfg.confidence) / 2);
  const cells = new Map<string, { nT: number; cT: number; nC: number; cC: number }>();
  const pooled = new Map<string, { n: number; c: number }>();
  for (const r of counts) {
    const key = effectKey(r.action, r.segment);
    const cell = cells.get(key) ?? { nT: 0, cT: 0, nC: 0, cC: 0 };
    if (r.group === "treatment") {
      cell.nT += r.n;
      cell.cT += r.churned;
    } else if (r.group === "control") {
      cell.nC += r.n;
      cell.cC += r.churned;
      const p = pooled.get(r.action) ?? { n: 0, c: 0 };
      p.n += r.n;
      p.c += r.churned;
      pooled.set(r.action, p);
    }
    cells.set(key, cell);
  }
  const out: EffectEstimate[] = [];
  for (const action of catalog) {
    if (action.id === "none") continue;
    const seen = counts.filter((r) => r.action === action.id && r.segment !== "unknown").map((r) => r.segment);
    const keys = [...new Set([...segmentKeys, ...seen])].sort();
    const pool = pooled.get(action.id);
    const baseRate = clampRate(pool && pool.n > 0 ? (pool.c + 0.5) / (pool.n + 1) : DEFAULT_BASE_RATE);
    for (const segment of keys) {
      const cell = cells.get(effectKey(action.id, segment)) ?? { nT: 0, cT: 0, nC: 0, cC: 0 };
      const e0 = priorEffect(action, segment);
      const L0 = Math.log(1 - e0);
      const rate = (n: number, c: number) => (n > 0 ? c / n : Number.NaN);
      const base = {
        action: action.id,
        segment,
        n_treat: cell.nT,
        n_control: cell.nC,
        churn_treat: rate(cell.nT, cell.cT),
        churn_control: rate(cell.nC, cell.cC),
        prior: e0,
      };
      if (cell.nT < cfg.minGroupSize || cell.nC < cfg.minGroupSize) {
        const sd = Math.sqrt(priorVariance(cfg.priorStrength, baseRate, clampRate(baseRate * (1 - e0))));
        out.push({ ...base, effect: e0, ci_low: 1 - Math.exp(L0 + z * sd), ci_high: 1 - Math.exp(L0 - z * sd), source: "prior" });
        continue;
      }
      const { L, V, pC } = logRiskRatio(cell);
      const V0 = priorVariance(cfg.priorStrength, clampRate(pC), clampRate(pC * (1 - e0)));
      const precision = 1 / V + 1 / V0;
      const Lp = (L / V + L0 / V0) / precision;
      const sd = Math.sqrt(1 / precision);
      out.push({ ...base, effect: 1 - Math.exp(Lp), ci_low: 1 - Math.exp(Lp + z * sd), ci_high: 1 - Math.exp(Lp - z * sd), source: "learned" });
    }
  }
  return out;
}
