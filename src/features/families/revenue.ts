/**
 * Revenue, from the billing table (one row per subscriber per billed month, dated the month's first day).
 * A billed month counts once it has ended on or before as-of (as-of 2026-06-30 sees June; as-of 2026-06-15
 * sees May as the latest month), so a bill still being built or not yet due is never read.
 * Without a billing table, ARPU is the subscriber's monthly fee and the other revenue features are skipped.
 */
import { SCALE } from "../bases.js";
import type { Dialect } from "../dialect.js";
import type { FeatureFamily } from "../types.js";

export const PRICE_INCREASE_SHARE = 0.05;

/** First day of the latest billed month that has ended on or before as-of. */
const lastMonth = (d: Dialect) => d.addMonths(d.monthStart(`${d.asOf} + 1`), "-1");

const billing = (d: Dialect, has: (c: string) => boolean) => {
  // amounts as exact integer thousandths: DOUBLE sums add in a varying order in parallel and change last bits
  const disc = has("discount") ? `sum(${d.thousandths("discount")})` : d.nullOf("bigint");
  const late = has("paid_late") ? d.anyTrue("paid_late") : d.nullOf("boolean");
  const last = lastMonth(d);
  return `SELECT subscriber_id, ${d.monthsBetween("month", last)} AS j,
    sum(${d.thousandths("amount_billed")}) AS amt, ${disc} AS disc, ${late} AS late
  FROM ${d.rel("billing")}
  WHERE month >= ${d.addMonths(last, "-5")} AND month < ${d.addMonths(last, "1")}
  GROUP BY subscriber_id, j`;
};

/**
 * 1 when a month's bill is more than 5% above the month before, for the last 3 ended months. Compared in
 * integers (a * 100 > 105 * b), exact in both engines: a 1.05 literal is a DOUBLE in ClickHouse.
 */
const rise = (cur: number) =>
  `CASE WHEN a${cur} IS NULL OR a${cur + 1} IS NULL OR a${cur + 1} <= 0 THEN NULL WHEN a${cur} * 100 > ${Math.round((1 + PRICE_INCREASE_SHARE) * 100)} * a${cur + 1} THEN 1 ELSE 0 END`;

export const revenue: FeatureFamily = {
  id: "revenue",
  title: "Revenue",
  reads: { subscribers: ["subscriber_id", "monthly_fee"], billing: ["subscriber_id", "month", "amount_billed", "discount", "paid_late"] },
  requires: ["subscribers"],
  features: [
    {
      name: "arpu_3m",
      type: "number",
      unit: "currency per month",
      description:
        "average revenue per user: mean amount billed over the last 3 ended billed months (the monthly fee when there is no billing table; empty when no month was billed)",
      reason: "pays {value} a month",
    },
    {
      name: "arpu_trend_pct",
      type: "number",
      unit: "%",
      description: "change of the mean monthly bill: last 3 ended months vs the 3 before, in % (empty when the earlier mean is 0 or unknown)",
      reason: "monthly bill {direction} {pct}% vs the 3 months before",
      needs: [{ table: "billing", column: "amount_billed" }],
    },
    {
      name: "discount_share_3m",
      type: "number",
      unit: "share (0-1)",
      description: "discount / (amount billed + discount) over the last 3 ended billed months",
      reason: "{pct}% of the bill is discounted",
      needs: [{ table: "billing", column: "discount" }],
    },
    {
      name: "late_payments_6m",
      type: "integer",
      unit: "count",
      description: "billed months paid late among the last 6 ended billed months (empty when no month was billed)",
      reason: "paid late {value} time{s} in the last 6 months",
      needs: [{ table: "billing", column: "paid_late" }],
    },
    {
      name: "price_increase_90d",
      type: "flag",
      unit: "0/1",
      description: `1 when one of the last 3 ended months was billed more than ${PRICE_INCREASE_SHARE * 100}% above the month before (empty when no two consecutive months were billed)`,
      reason: "the monthly bill rose by more than 5% recently",
      needs: [{ table: "billing", column: "amount_billed" }],
    },
  ],
  sql: (ctx, d) => {
    if (!ctx.present.has("billing")) return `SELECT subscriber_id, monthly_fee AS arpu_3m FROM ${d.rel("feat_spine")}`;
    const cols = ctx.columns.get("billing") ?? new Set<string>();
    const has = (c: string) => cols.has(c);
    const out = ["b.arpu_3m"];
    if (ctx.produces.has("arpu_trend_pct")) out.push("(b.arpu_3m - b.arpu_prior) / nullif(b.arpu_prior, 0) * 100 AS arpu_trend_pct");
    if (ctx.produces.has("discount_share_3m")) out.push("b.disc_3m / nullif(b.gross_3m, 0) AS discount_share_3m");
    if (ctx.produces.has("late_payments_6m")) out.push("b.late_6m AS late_payments_6m");
    if (ctx.produces.has("price_increase_90d"))
      out.push(`CASE WHEN coalesce(${rise(0)}, ${rise(1)}, ${rise(2)}) IS NULL THEN NULL
    ELSE ${d.greatest(`coalesce(${rise(0)}, 0)`, `coalesce(${rise(1)}, 0)`, `coalesce(${rise(2)}, 0)`)} END AS price_increase_90d`);
    const when = (cond: string, x: string) => `CASE WHEN ${cond} THEN ${x} END`;
    return `SELECT s.subscriber_id, ${out.join(",\n  ")}
FROM ${d.rel("feat_spine")} s LEFT JOIN (
  SELECT subscriber_id,
    avg(${when("j < 3", "amt")}) / ${SCALE}.0 AS arpu_3m,
    avg(${when("j >= 3", "amt")}) / ${SCALE}.0 AS arpu_prior,
    sum(${when("j < 3", "disc")}) AS disc_3m,
    sum(${when("j < 3", "amt + coalesce(disc, 0)")}) AS gross_3m,
    count(${when("late", "1")}) AS late_6m,
    max(${when("j = 0", "amt")}) AS a0, max(${when("j = 1", "amt")}) AS a1,
    max(${when("j = 2", "amt")}) AS a2, max(${when("j = 3", "amt")}) AS a3
  FROM (${billing(d, has)})
  GROUP BY subscriber_id
) b ON b.subscriber_id = s.subscriber_id`;
  },
};
