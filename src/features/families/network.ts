/**
 * Network quality: dropped calls, from daily usage. The contract has no count of calls, so the rate is per
 * 100 voice minutes (a subscriber who talks more has more chances of a dropped call).
 */
import type { Dialect } from "../dialect.js";
import type { FeatureFamily } from "../types.js";
import { sinceOf } from "./engagement.js";

/** Observed days (on or after activation and the first usage date) among the 60 days before the last 30. */
const daysPrior = (d: Dialect) => d.least("60", d.greatest("0", `${d.asOf} - ${sinceOf(d)} + 1 - 30`));
/** dropped per 100 voice minutes; empty without voice minutes. */
const rate = (dropped: string, minutes: string) => `100.0 * (${dropped}) / nullif(${minutes}, 0)`;
const rate30 = rate("coalesce(u.dropped_30, 0)", "coalesce(u.voice_30, 0)");
const ratePrior = rate("coalesce(u.dropped_90, 0) - coalesce(u.dropped_30, 0)", "coalesce(u.voice_90, 0) - coalesce(u.voice_30, 0)");

export const network: FeatureFamily = {
  id: "network",
  title: "Network quality",
  reads: { subscribers: ["subscriber_id", "activation_date"], usage: ["subscriber_id", "date", "voice_minutes", "dropped_calls"] },
  requires: ["usage"],
  bases: ["usage_window"],
  features: [
    {
      name: "dropped_calls_30d",
      type: "integer",
      unit: "count",
      description: "dropped calls in the last 30 days",
      reason: "{value} dropped call{s} in the last 30 days",
      needs: [{ table: "usage", column: "dropped_calls" }],
    },
    {
      name: "dropped_per_100min_30d",
      type: "number",
      unit: "dropped calls per 100 voice minutes",
      description: "dropped calls per 100 voice minutes over the last 30 days (the data has no call count; empty without voice minutes)",
      reason: "{value} dropped call{s} per 100 minutes of calls over the last 30 days",
      needs: [{ table: "usage", column: "dropped_calls" }],
    },
    {
      name: "dropped_rate_trend_30v60",
      type: "number",
      unit: "dropped calls per 100 voice minutes (difference)",
      description: "dropped-call rate of the last 30 days minus that of the 60 days before (empty when either has no voice minutes)",
      reason: "dropped-call rate up {value} per 100 minutes vs the previous 60 days",
      needs: [{ table: "usage", column: "dropped_calls" }],
    },
  ],
  sql: (ctx, d) => {
    const cols: string[] = [];
    if (ctx.produces.has("dropped_calls_30d")) cols.push("coalesce(u.dropped_30, 0) AS dropped_calls_30d");
    if (ctx.produces.has("dropped_per_100min_30d")) cols.push(`${rate30} AS dropped_per_100min_30d`);
    if (ctx.produces.has("dropped_rate_trend_30v60"))
      cols.push(`CASE WHEN ${daysPrior(d)} = 0 THEN NULL ELSE (${rate30}) - (${ratePrior}) END AS dropped_rate_trend_30v60`);
    return `SELECT s.subscriber_id${cols.map((c) => `,\n  ${c}`).join("")}
FROM ${d.rel("feat_spine")} s LEFT JOIN ${d.rel("feat_usage_window")} u ON u.subscriber_id = s.subscriber_id`;
  },
};
