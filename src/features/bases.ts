/**
 * Shared aggregates read by several families, so the large usage table is scanned once per as-of (one
 * date-range filter, one GROUP BY) rather than once per feature. Written once for both engines (Dialect).
 *
 * `feat_usage_window`: one row per subscriber with any usage row in the 90 days (as_of - 90, as_of]:
 *   data_N, voice_N, sms_N, sessions_N   sums over the last N = 7, 30, 60, 90 days (k < N, k = as_of - date)
 *   data_sq_30, voice_sq_30              sums of squares over 30 days (for the coefficient of variation)
 *   activity columns                     which days had any activity (dialect.ts: a HUGEINT mask in DuckDB)
 *   dropped_30, dropped_90               dropped calls (only when usage has dropped_calls)
 * Subscribers without a row are absent: a missing day means zero activity, so readers coalesce to 0.
 * The first usage date (Dialect.usageStart, found once per run): days before it (or before activation) are not
 * counted, so a window that starts before the usage data does not read as inactivity.
 */
import type { Dialect } from "./dialect.js";
import type { BaseId, FamilyContext, RelationName } from "./types.js";

export const USAGE_LOOKBACK_DAYS = 90;
export const USAGE_WINDOWS = [7, 30, 90] as const;
/** Windows summed for other families (the own-past comparison) but not turned into engagement features. */
export const EXTRA_USAGE_WINDOWS = [60] as const;

export interface BaseDef {
  id: BaseId;
  table: RelationName;
  /**
   * A table the base reads, made from the usage rows `usage` (a relation): DuckDB builds it once per run over
   * every row; ClickHouse per as-of and shard over the rows dated from `since(d)` to as-of (enough for the base).
   */
  prepare?: {
    table: RelationName;
    sql(d: Dialect, usage: string): string;
    since(d: Dialect): string;
    /**
     * The usage days [from, to) that can reach any of these as-of dates' tables: DuckDB builds the prepared table
     * once for all of them from these rows only (rows outside the range would be summed and never read).
     */
    days(asOf: readonly Date[]): { from: string; to: string };
  };
  sql(ctx: Pick<FamilyContext, "columns">, d: Dialect): string;
}

// Usage is summed as integers (thousandths): DuckDB's parallel DOUBLE sums add in a varying order, so their
// last bits (and the feature file's bytes) changed between runs; integer sums are exact in any order, and
// equal in DuckDB and ClickHouse. The same goes for every other sum or mean over a DOUBLE column (see revenue.ts).
export const SCALE = 1000;

// the contract makes these columns non-negative, so a positive sum means some activity
const activity = "(coalesce(data_mb, 0) + coalesce(voice_minutes, 0) + coalesce(sms, 0) + coalesce(sessions, 0) > 0)";
const USAGE_COLUMNS = ["subscriber_id", "date", "data_mb", "voice_minutes", "sms", "sessions"];

export const usageWindow: BaseDef = {
  id: "usage_window",
  table: "feat_usage_window",
  sql(ctx, d) {
    const hasDropped = ctx.columns.get("usage")?.has("dropped_calls") ?? false;
    const fixed = (col: string) => d.thousandths(`coalesce(${col}, 0)`);
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
        // row columns are r_<name>: ClickHouse resolves a name to a SELECT alias of the same level first
        cols.push(w === USAGE_LOOKBACK_DAYS ? `${fixed(src)} AS r_${col}_${w}` : `CASE WHEN k < ${w} THEN ${fixed(src)} END AS r_${col}_${w}`);
        aggs.push(`sum(r_${col}_${w}) / ${SCALE}.0 AS ${col}_${w}`);
      }
    }
    aggs.push(`${d.sumOfSquares("r_data_30", SCALE * SCALE)} AS data_sq_30`, `${d.sumOfSquares("r_voice_30", SCALE * SCALE)} AS voice_sq_30`);
    cols.push(...d.activity.rowColumns(activity, "k"));
    aggs.push(...d.activity.aggregates());
    if (hasDropped) {
      cols.push("CASE WHEN k < 30 THEN coalesce(dropped_calls, 0) END AS r_dropped_30", "coalesce(dropped_calls, 0) AS r_dropped_90");
      aggs.push("sum(r_dropped_30) AS dropped_30", "sum(r_dropped_90) AS dropped_90");
    }
    const read = [...USAGE_COLUMNS, ...(hasDropped ? ["dropped_calls"] : [])].join(", ");
    return d.activity.finish(`SELECT subscriber_id, ${aggs.join(", ")}
FROM (
  SELECT subscriber_id, ${cols.join(",\n    ")}
  FROM (SELECT ${read}, (${d.asOf} - date) AS k FROM ${d.rel("usage")}
        WHERE date > ${d.asOf} - ${USAGE_LOOKBACK_DAYS} AND date <= ${d.asOf})
)
GROUP BY subscriber_id`);
  },
};

/** The columns of feat_usage_window besides subscriber_id, for a usage table with or without dropped_calls. */
export function usageWindowColumns(d: Dialect, hasDropped: boolean): string[] {
  const cols: string[] = [];
  for (const c of ["data", "voice", "sms", "sessions"]) for (const w of [...USAGE_WINDOWS, ...EXTRA_USAGE_WINDOWS]) cols.push(`${c}_${w}`);
  cols.push("data_sq_30", "voice_sq_30", ...d.activity.columns);
  if (hasDropped) cols.push("dropped_30", "dropped_90");
  return cols;
}

/** Months of usage an own-past comparison looks back over (the last ended month is month 0). */
export const HISTORY_MONTHS = 12;
/** The metrics of feat_usage_monthly and feat_usage_history. */
export const HISTORY_METRICS = ["data", "voice", "sms", "sessions", "active"] as const;

/** The first day of the latest calendar month that ended on or before as-of (month 0 of the own past). */
export const lastEndedMonth = (d: Dialect) => d.addMonths(d.monthStart(`${d.asOf} + 1`), "-1");

/**
 * `feat_usage_monthly` (prepared): per subscriber and calendar month, usage sums in thousandths (data, voice,
 * sms, sessions), and active days (times SCALE).
 * `feat_usage_history` (per as-of): per subscriber, the ended months (month 0 = the latest month that ended on
 * or before as-of) among the last HISTORY_MONTHS that the data covers entirely for that subscriber (on or
 * after activation and the first usage day; a month without a usage row is a month of zero use), reduced to
 *   base_n, base_days, base_<m>          months 3-8 (the subscriber's own past, "months 4-9")
 *   first_days, first_<m>                month 2: the baseline of a subscriber too young for months 3-8
 *   months, sx, sxx, sy_<m>, sxy_<m>     exact integer sums for the least-squares trend of the daily mean
 *                                        (thousandths per day) against the month index x = -j
 *   max_<m> over months 0-8              whether the subscriber ever used the metric (structural zeros)
 * where <m> is data, voice, sms, sessions, active (active days). Integer sums keep the bytes the same run to run.
 * Written in three SELECTs of one JOIN each: the covered months of each subscriber (a grid of month indexes j),
 * the usage months that fall in them, and the two joined; a covered month without usage adds zero.
 */
export const usageHistory: BaseDef = {
  id: "usage_history",
  table: "feat_usage_history",
  prepare: {
    table: "feat_usage_monthly",
    since: (d) => d.addMonths(lastEndedMonth(d), `-${HISTORY_MONTHS - 1}`),
    // months [L - (HISTORY_MONTHS - 1), L] of every as-of's last ended month L: from the first of those to the day
    // after the last (the month of as-of + 1 day, not yet ended, is never read)
    days: (asOf) => {
      const monthOf = (a: Date, back: number) => new Date(Date.UTC(a.getUTCFullYear(), a.getUTCMonth() - back, 1)).toISOString().slice(0, 10);
      const next = asOf.map((a) => a.getTime() + 86_400_000);
      const first = new Date(Math.min(...next));
      const last = new Date(Math.max(...next));
      return { from: monthOf(first, HISTORY_MONTHS), to: monthOf(last, 0) };
    },
    sql: (d, usage) => {
      const fixed = (col: string) => d.thousandths(`coalesce(${col}, 0)`);
      return `SELECT subscriber_id, month, sum(${fixed("u_data")}) AS data, sum(${fixed("u_voice")}) AS voice, sum(${fixed("u_sms")}) AS sms,
  sum(${fixed("u_sessions")}) AS sessions, count(CASE WHEN u_act THEN 1 END) * ${SCALE} AS active
FROM (SELECT subscriber_id, ${d.monthStart("date")} AS month, data_mb AS u_data, voice_minutes AS u_voice, sms AS u_sms,
        sessions AS u_sessions, ${activity} AS u_act FROM ${usage})
GROUP BY subscriber_id, month`;
    },
  },
  sql(_ctx, d) {
    const L = lastEndedMonth(d);
    // the first month the data covers entirely for the subscriber: the month of its first covered day when
    // that is the 1st, else the next one
    const first = d.usageStart === null ? "s.activation_date" : d.greatest("s.activation_date", d.usageStart);
    const startMonth = d.addMonths(d.monthStart(`${first} - 1`), "1");
    const grid = `SELECT subscriber_id, j, nd FROM (
  SELECT s.subscriber_id AS subscriber_id, n.j AS j, ${d.daysInMonth(d.addMonths(L, "-n.j"))} AS nd, ${d.addMonths(L, "-n.j")} AS gm, ${startMonth} AS sm
  FROM ${d.rel("feat_spine")} s CROSS JOIN ${d.numbers(HISTORY_MONTHS, "j")} n
) WHERE gm >= sm`;
    const gridAgg = `SELECT subscriber_id,
  count(CASE WHEN j BETWEEN 3 AND 8 THEN 1 END) AS g_base_n, sum(CASE WHEN j BETWEEN 3 AND 8 THEN nd END) AS g_base_days,
  max(CASE WHEN j = 2 THEN nd END) AS g_first_days, count(*) AS g_months, sum(-j) AS g_sx, sum(j * j) AS g_sxx,
  count(CASE WHEN j <= 8 THEN 1 END) AS g_n8
FROM (${grid}) GROUP BY subscriber_id`;
    const ms = HISTORY_METRICS;
    // per-day mean of a month in thousandths, rounded to an integer (exact sums below)
    const perDay = (m: string) => d.roundInt(`${m} / nd`);
    const usageRows = `SELECT subscriber_id, j, nd, ${ms.join(", ")} FROM (
  SELECT u.subscriber_id AS subscriber_id, ${d.monthsBetween("u.month", L)} AS j, ${d.daysInMonth("u.month")} AS nd, u.month AS um, s.sm AS sm,
    ${ms.map((m) => `u.${m} AS ${m}`).join(", ")}
  FROM ${d.rel("feat_usage_monthly")} u INNER JOIN (SELECT subscriber_id, ${startMonth} AS sm FROM ${d.rel("feat_spine")} s) s ON s.subscriber_id = u.subscriber_id
) WHERE um >= sm AND j >= 0 AND j < ${HISTORY_MONTHS}`;
    const usageAgg = `SELECT subscriber_id,
  ${ms
    .flatMap((m) => [
      `sum(CASE WHEN j BETWEEN 3 AND 8 THEN ${m} END) AS u_base_${m}`,
      `max(CASE WHEN j = 2 THEN ${m} END) AS u_first_${m}`,
      `sum(${perDay(m)}) AS u_sy_${m}`,
      `sum(-j * ${perDay(m)}) AS u_sxy_${m}`,
      `max(CASE WHEN j <= 8 THEN ${m} END) AS u_max_${m}`,
    ])
    .join(",\n  ")}
FROM (${usageRows}) GROUP BY subscriber_id`;
    const cols = [
      "g.g_base_n AS base_n",
      "g.g_base_days AS base_days",
      "g.g_first_days AS first_days",
      "g.g_months AS months",
      "g.g_sx AS sx",
      "g.g_sxx AS sxx",
      ...ms.flatMap((m) => [
        `CASE WHEN g.g_base_n > 0 THEN coalesce(u.u_base_${m}, 0) END AS base_${m}`,
        `CASE WHEN g.g_first_days IS NOT NULL THEN coalesce(u.u_first_${m}, 0) END AS first_${m}`,
        `coalesce(u.u_sy_${m}, 0) AS sy_${m}`,
        `coalesce(u.u_sxy_${m}, 0) AS sxy_${m}`,
        `CASE WHEN g.g_n8 > 0 THEN coalesce(u.u_max_${m}, 0) END AS max_${m}`,
      ]),
    ];
    return `SELECT g.subscriber_id AS subscriber_id, ${cols.join(",\n  ")}
FROM (${gridAgg}) g LEFT JOIN (${usageAgg}) u ON u.subscriber_id = g.subscriber_id`;
  },
};

/** The columns of feat_usage_history besides subscriber_id. */
export function usageHistoryColumns(): string[] {
  return [
    "base_n",
    "base_days",
    "first_days",
    "months",
    "sx",
    "sxx",
    ...HISTORY_METRICS.flatMap((m) => [`base_${m}`, `first_${m}`, `sy_${m}`, `sxy_${m}`, `max_${m}`]),
  ];
}

export const BASES: Record<BaseId, BaseDef> = { usage_window: usageWindow, usage_history: usageHistory };
