/**
 * Engagement: how much and how regularly the subscriber uses the service, from daily usage.
 * A missing usage day means zero activity. Means are per calendar day of the window, counting only days on
 * or after activation (a subscriber active for 10 days has a 7-day mean over 7 days and a 30-day mean over 10)
 * and on or after the first date of the usage table (before it the data says nothing: as-of dates early in
 * the usage history get shorter windows, and empty values when no day of the window is covered).
 */
import { USAGE_LOOKBACK_DAYS, USAGE_WINDOWS, usageWindowColumns } from "../bases.js";
import type { Dialect } from "../dialect.js";
import type { FeatureDef, FeatureFamily } from "../types.js";

/**
 * `uses`: the history family's marker of whether the subscriber uses the metric at all (a broadband-only line
 * makes no calls); where it is 0 the metric's features are structural zeros, never a reason or a driver.
 */
const METRICS = [
  { key: "data", feature: "data_mb", unit: "MB per day", what: "data volume", uses: "uses_data" },
  { key: "voice", feature: "voice_min", unit: "minutes per day", what: "voice minutes", uses: "uses_voice" },
  { key: "sms", feature: "sms", unit: "SMS per day", what: "SMS sent", uses: "uses_sms" },
  { key: "sessions", feature: "sessions", unit: "sessions per day", what: "app or portal sessions", uses: undefined },
] as const;
const appliesIf = (m: (typeof METRICS)[number]) => (m.uses ? { appliesIf: m.uses } : {});

const HALVED = ["data", "voice", "sessions"] as const;

/** The SQL pieces of the family for one dialect; `since` is the first observed day of the row aliased `u`. */
function pieces(d: Dialect) {
  /**
   * Days of the last `w` days (ending at as-of) that are observed: on or after activation and on or after the
   * first usage date (`since`). Empty when none is, so every mean over the window is empty too.
   */
  const days = (w: number, p = "u.") => `nullif(${d.greatest("0", d.least(String(w), `${d.asOf} - ${p}since + 1`))}, 0)`;
  /** Observed days among the 60 days before the last 30. */
  const priorDays = d.least("60", d.greatest("0", `${d.asOf} - u.since + 1 - 30`));
  const sum = (key: string, w: number) => `coalesce(u.${key}_${w}, 0)`;
  const mean = (key: string, w: number) => `(${sum(key, w)} / ${days(w)})`;
  const priorMean = (key: string) => `((${sum(key, 90)} - ${sum(key, 30)}) / nullif(${priorDays}, 0))`;
  return { days, priorDays, mean, priorMean };
}
/** (a - b) / b in %, empty when b is empty or 0. */
const pct = (a: string, b: string) => `((${a}) - (${b})) / nullif(${b}, 0) * 100`;

const features: FeatureDef[] = [];
for (const w of USAGE_WINDOWS) {
  for (const m of METRICS) {
    features.push({
      name: `${m.feature}_per_day_${w}d`,
      type: "number",
      unit: m.unit,
      description: `mean daily ${m.what} over the last ${w} days (missing days count as 0)`,
      reason: `${m.what} averaged {value} ${m.unit} over the last ${w} days`,
      ...appliesIf(m),
    });
  }
  features.push({
    name: `active_days_${w}d`,
    type: "integer",
    unit: "days",
    description: `days with any data, voice, SMS or session activity in the last ${w} days`,
    reason: `active on only {value} of the last ${w} days`,
  });
}
for (const m of METRICS) {
  features.push({
    name: `${m.feature}_trend_30v60_pct`,
    type: "number",
    unit: "%",
    description: `change of mean daily ${m.what}: last 30 days vs the 60 days before, in % (empty when the earlier mean is 0 or unknown)`,
    reason: `${m.what} {direction} {pct}% vs the previous 60 days`,
    ...appliesIf(m),
  });
  features.push({
    name: `${m.feature}_trend_7v30_pct`,
    type: "number",
    unit: "%",
    description: `change of mean daily ${m.what}: last 7 days vs last 30 days, in % (empty when the 30-day mean is 0)`,
    reason: `${m.what} {direction} {pct}% in the last week vs the last 30 days`,
    ...appliesIf(m),
  });
}
features.push(
  {
    name: "days_since_last_activity",
    type: "integer",
    unit: "days",
    description: `days since the last day with any activity (0 = active on the as-of day); capped at ${USAGE_LOOKBACK_DAYS} or at the days since activation when there was none`,
    reason: "no activity for {value} day{s}",
  },
  {
    name: "data_mb_cv_30d",
    type: "number",
    unit: "ratio",
    description: "volatility of daily data volume over 30 days: standard deviation / mean (empty when the mean is 0)",
    appliesIf: "uses_data",
  },
  {
    name: "voice_min_cv_30d",
    type: "number",
    unit: "ratio",
    description: "volatility of daily voice minutes over 30 days: standard deviation / mean (empty when the mean is 0)",
    appliesIf: "uses_voice",
  },
  {
    name: "longest_inactive_streak_90d",
    type: "integer",
    unit: "days",
    description: `longest run of consecutive days without activity in the last ${USAGE_LOOKBACK_DAYS} days (since activation when shorter)`,
    reason: "went {value} day{s} in a row without using the service",
  },
);
for (const key of HALVED) {
  const m = METRICS.find((x) => x.key === key)!;
  features.push({
    name: `${m.feature}_halved_flag`,
    type: "flag",
    unit: "0/1",
    description: `early warning: mean daily ${m.what} of the last 30 days is less than half that of the 60 days before (empty when there is no earlier period)`,
    reason: `${m.what} fell by more than half vs the previous 60 days`,
    ...appliesIf(m),
  });
}

function columns(d: Dialect): string[] {
  const { days, priorDays, mean, priorMean } = pieces(d);
  const cols: string[] = [];
  for (const w of USAGE_WINDOWS) {
    for (const m of METRICS) cols.push(`${mean(m.key, w)} AS ${m.feature}_per_day_${w}d`);
    cols.push(`CASE WHEN ${days(w)} IS NULL THEN NULL ELSE ${d.activity.activeDays("u.", w)} END AS active_days_${w}d`);
  }
  for (const m of METRICS) {
    cols.push(`${pct(mean(m.key, 30), priorMean(m.key))} AS ${m.feature}_trend_30v60_pct`);
    cols.push(`${pct(mean(m.key, 7), mean(m.key, 30))} AS ${m.feature}_trend_7v30_pct`);
  }
  cols.push(`coalesce(${d.activity.sinceLast("u.")}, ${days(USAGE_LOOKBACK_DAYS)}) AS days_since_last_activity`);
  for (const [key, feat] of [
    ["data", "data_mb"],
    ["voice", "voice_min"],
  ] as const) {
    const m = mean(key, 30);
    cols.push(`sqrt(${d.greatest("0", `coalesce(u.${key}_sq_30, 0) / ${days(30)} - ${m} * ${m}`)}) / nullif(${m}, 0) AS ${feat}_cv_30d`);
  }
  // computed by withLongestInactive over the observed days of the window (see sql below)
  cols.push(`CASE WHEN ${days(USAGE_LOOKBACK_DAYS)} IS NULL THEN NULL ELSE u.inactive_run END AS longest_inactive_streak_90d`);
  for (const key of HALVED) {
    const m = METRICS.find((x) => x.key === key)!;
    cols.push(`CASE WHEN ${priorDays} = 0 THEN NULL WHEN ${mean(key, 30)} < 0.5 * ${priorMean(key)} THEN 1 ELSE 0 END AS ${m.feature}_halved_flag`);
  }
  return cols;
}

/** The first observed day of a snapshot row `s`: its activation, or the first usage date when later. */
export const sinceOf = (d: Dialect) => (d.usageStart === null ? "s.activation_date" : d.greatest("s.activation_date", d.usageStart));

export const engagement: FeatureFamily = {
  id: "engagement",
  title: "Engagement",
  reads: { subscribers: ["subscriber_id", "activation_date"], usage: ["subscriber_id", "date", "data_mb", "voice_minutes", "sms", "sessions"] },
  requires: ["usage"],
  bases: ["usage_window"],
  features,
  sql: (ctx, d) => {
    const base = usageWindowColumns(d, ctx.columns.get("usage")?.has("dropped_calls") ?? false);
    const joined = `SELECT s.subscriber_id, ${sinceOf(d)} AS since, ${base.map((c) => `uw.${c} AS ${c}`).join(", ")}
    FROM ${d.rel("feat_spine")} s LEFT JOIN ${d.rel("feat_usage_window")} uw ON uw.subscriber_id = s.subscriber_id`;
    const n = `coalesce(${pieces(d).days(USAGE_LOOKBACK_DAYS, "")}, 0)`;
    return `SELECT u.subscriber_id,
  ${columns(d).join(",\n  ")}
FROM (${d.activity.withLongestInactive(joined, n, "inactive_run")}) u`;
  },
};
