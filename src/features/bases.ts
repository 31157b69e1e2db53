/**
 * Shared per-as-of aggregates, built once per as-of date and read by several families, so the large usage
 * table is scanned once per as-of (one date-range filter, one GROUP BY) rather than once per feature.
 *
 * `feat_usage_window`: one row per subscriber with any usage row in the 90 days (as_of - 90, as_of]:
 *   data_N, voice_N, sms_N, sessions_N   sums over the last N = 7, 30, 60, 90 days (k < N, k = as_of - date)
 *   data_sq_30, voice_sq_30              sums of squares over 30 days (for the coefficient of variation)
 *   act_mask                             bit k set when day as_of - k had any activity (HUGEINT, k < 90)
 *   dropped_30, dropped_90               dropped calls (only when usage has dropped_calls)
 * Subscribers without a row are absent: a missing day means zero activity, so readers coalesce to 0.
 * `feat_usage_meta(usage_start)`: the first usage date; days before it (or before activation) are not
 * counted, so a window that starts before the usage data does not read as inactivity.
 */
import type { BaseId, FamilyContext } from "./types.js";

export const USAGE_LOOKBACK_DAYS = 90;
export const USAGE_WINDOWS = [7, 30, 90] as const;
/** Windows summed for other families (the own-past comparison) but not turned into engagement features. */
export const EXTRA_USAGE_WINDOWS = [60] as const;

export interface BaseDef {
  id: BaseId;
  table: string;
  /** Run once before the as-of loop (e.g. where the table's coverage starts). */
  prepare?: string;
  /** Tables `prepare` creates, dropped at the end. */
  prepared?: readonly string[];
  sql(ctx: Pick<FamilyContext, "columns">): string;
}

// Usage is summed as integers (thousandths): DuckDB's parallel DOUBLE sums add in a varying order, so their
// last bits (and the feature file's bytes) changed between runs; integer sums are exact in any order.
// The same goes for every other sum or mean over a DOUBLE column (see revenue.ts).
export const SCALE = 1000;
/** `col` as an exact integer count of thousandths (NULL stays NULL), for sums whose result must not depend on order. */
export const thousandths = (col: string) => `CAST(round(${col} * ${SCALE}) AS BIGINT)`;
const fixed = (col: string) => thousandths(`coalesce(${col}, 0)`);

// the contract makes these columns non-negative, so a positive sum means some activity
const activity = "(coalesce(data_mb, 0) + coalesce(voice_minutes, 0) + coalesce(sms, 0) + coalesce(sessions, 0) > 0)";

export const usageWindow: BaseDef = {
  id: "usage_window",
  table: "feat_usage_window",
  // days before the first usage row are not covered by the data: unknown, not inactive
  prepare: "CREATE OR REPLACE TABLE feat_usage_meta AS SELECT min(date) AS usage_start FROM usage",
  prepared: ["feat_usage_meta"],
  sql(ctx) {
    const hasDropped = ctx.columns.get("usage")?.has("dropped_calls") ?? false;
    // Per-row CASE columns with plain sum() run ~4x faster in DuckDB than sum() FILTER (WHERE ...).
    const cols: string[] = [];
    const aggs: string[] = [];
    for (const [col, src] of [
      ["data", "data_mb"],
      ["voice", "voice_minutes"],
      ["sms", "sms"],
      ["sessions", "sessions"],
    ] as const) {
      for (const w of [...USAGE_WINDOWS, ...EXTRA_USAGE_WINDOWS]) {
        cols.push(w === USAGE_LOOKBACK_DAYS ? `${fixed(src)} AS ${col}_${w}` : `CASE WHEN k < ${w} THEN ${fixed(src)} END AS ${col}_${w}`);
        aggs.push(`sum(${col}_${w}) / ${SCALE}.0 AS ${col}_${w}`);
      }
    }
    cols.push(`CASE WHEN k < 30 THEN CAST(${fixed("data_mb")} AS HUGEINT) * ${fixed("data_mb")} END AS data_sq_30`);
    cols.push(`CASE WHEN k < 30 THEN CAST(${fixed("voice_minutes")} AS HUGEINT) * ${fixed("voice_minutes")} END AS voice_sq_30`);
    // two BIGINT halves (bit_or on BIGINT is cheaper than on HUGEINT), joined into one HUGEINT mask after grouping
    cols.push(`CASE WHEN k < 60 AND ${activity} THEN 1::BIGINT << k END AS act_lo`);
    cols.push(`CASE WHEN k >= 60 AND ${activity} THEN 1::BIGINT << (k - 60) END AS act_hi`);
    aggs.push(`sum(data_sq_30) / ${SCALE * SCALE}.0 AS data_sq_30`, `sum(voice_sq_30) / ${SCALE * SCALE}.0 AS voice_sq_30`, "bit_or(act_lo) AS act_lo", "bit_or(act_hi) AS act_hi");
    if (hasDropped) {
      cols.push("CASE WHEN k < 30 THEN coalesce(dropped_calls, 0) END AS dropped_30", "coalesce(dropped_calls, 0) AS dropped_90");
      aggs.push("sum(dropped_30) AS dropped_30", "sum(dropped_90) AS dropped_90");
    }
    return `SELECT * EXCLUDE (act_lo, act_hi),
  CASE WHEN act_lo IS NULL AND act_hi IS NULL THEN NULL
       ELSE (coalesce(act_hi, 0)::HUGEINT << 60) | coalesce(act_lo, 0)::HUGEINT END AS act_mask
FROM (SELECT subscriber_id, ${aggs.join(", ")}
FROM (
  SELECT subscriber_id, ${cols.join(",\n    ")}
  FROM (SELECT *, ($1::DATE - date) AS k FROM usage WHERE date > $1::DATE - ${USAGE_LOOKBACK_DAYS} AND date <= $1::DATE)
)
GROUP BY subscriber_id)`;
  },
};

/** Months of usage an own-past comparison looks back over (the last ended month is month 0). */
export const HISTORY_MONTHS = 12;

/**
 * `feat_usage_monthly` (built once, before the as-of loop): per subscriber and calendar month, usage sums in
 * thousandths (data, voice, sms, sessions), active days, and the first usage day of the month.
 * `feat_usage_history` (per as-of): per subscriber, the ended months (month 0 = the latest month that ended on
 * or before as-of) among the last HISTORY_MONTHS that the data covers entirely for that subscriber (on or
 * after activation and the first usage day; a month without a usage row is a month of zero use), reduced to
 *   base_n, base_days, base_<m>          months 3-8 (the subscriber's own past, "months 4-9")
 *   first_days, first_<m>                month 2: the baseline of a subscriber too young for months 3-8
 *   months, sx, sxx, sy_<m>, sxy_<m>     exact integer sums for the least-squares trend of the daily mean
 *                                        (thousandths per day) against the month index x = -j
 *   max_<m> over months 0-8              whether the subscriber ever used the metric (structural zeros)
 * where <m> is data, voice, sms, sessions, active (active days). Integer sums keep the bytes the same run to run.
 */
export const usageHistory: BaseDef = {
  id: "usage_history",
  table: "feat_usage_history",
  prepare: `CREATE OR REPLACE TABLE feat_usage_monthly AS
SELECT subscriber_id, date_trunc('month', date)::DATE AS month, min(date) AS first_day,
  sum(${fixed("data_mb")}) AS data, sum(${fixed("voice_minutes")}) AS voice, sum(${fixed("sms")}) AS sms,
  sum(${fixed("sessions")}) AS sessions, count(*) FILTER (WHERE ${activity}) * ${SCALE} AS active
FROM usage GROUP BY ALL`,
  prepared: ["feat_usage_monthly"],
  sql() {
    const ms = ["data", "voice", "sms", "sessions", "active"] as const;
    // per-day mean of a month in thousandths, rounded to an integer (exact sums below)
    const perDay = (m: string) => `CAST(round(${m} / nd) AS BIGINT)`;
    const aggs = ms.flatMap((m) => [
      `sum(${m}) FILTER (WHERE j BETWEEN 3 AND 8) AS base_${m}`,
      `max(${m}) FILTER (WHERE j = 2) AS first_${m}`,
      `sum(${perDay(m)}) AS sy_${m}`,
      `sum(CAST(-j AS BIGINT) * ${perDay(m)}) AS sxy_${m}`,
      `max(${m}) FILTER (WHERE j <= 8) AS max_${m}`,
    ]);
    return `WITH p AS (
  SELECT (date_trunc('month', $1::DATE + 1) - INTERVAL 1 MONTH)::DATE AS L, (SELECT min(first_day) FROM feat_usage_monthly) AS us
), g AS (
  SELECT s.subscriber_id, p.L,
    unnest(generate_series(
      greatest((p.L - INTERVAL ${HISTORY_MONTHS - 1} MONTH)::DATE, (date_trunc('month', greatest(s.activation_date, p.us) - 1) + INTERVAL 1 MONTH)::DATE),
      p.L, INTERVAL 1 MONTH))::DATE AS month
  FROM feat_spine s CROSS JOIN p
), m AS (
  SELECT g.subscriber_id, date_diff('month', g.month, g.L) AS j, dayofmonth(last_day(g.month)) AS nd,
    ${ms.map((x) => `coalesce(u.${x}, 0) AS ${x}`).join(", ")}
  FROM g LEFT JOIN feat_usage_monthly u ON u.subscriber_id = g.subscriber_id AND u.month = g.month
)
SELECT subscriber_id,
  count(*) FILTER (WHERE j BETWEEN 3 AND 8) AS base_n, sum(nd) FILTER (WHERE j BETWEEN 3 AND 8) AS base_days,
  max(nd) FILTER (WHERE j = 2) AS first_days,
  count(*) AS months, sum(CAST(-j AS BIGINT)) AS sx, sum(CAST(j * j AS BIGINT)) AS sxx,
  ${aggs.join(",\n  ")}
FROM m GROUP BY subscriber_id`;
  },
};

export const BASES: Record<BaseId, BaseDef> = { usage_window: usageWindow, usage_history: usageHistory };
