/**
 * Complaints and support tickets. Only complaints opened on or before as-of are read, and a resolution dated
 * after as-of is unknown at as-of: such a complaint counts as open, and its resolution time is not used.
 */
import { COMPLAINT_CATEGORIES } from "../../contract/tables.js";
import type { FeatureDef, FeatureFamily } from "../types.js";

const cats = COMPLAINT_CATEGORIES;

const byCategory: FeatureDef[] = COMPLAINT_CATEGORIES.map((c) => ({
  name: `complaints_${c}_90d`,
  type: "integer",
  unit: "count",
  description: `${c} complaints opened in the last 90 days`,
  reason: `{value} ${c} complaint{s} in the last 90 days`,
}));

export const complaints: FeatureFamily = {
  id: "complaints",
  title: "Complaints",
  reads: { complaints: ["subscriber_id", "opened_at", "category", "resolved_at"] },
  requires: ["complaints"],
  features: [
    ...[30, 90, 365].map(
      (w): FeatureDef => ({
        name: `complaints_${w}d`,
        type: "integer",
        unit: "count",
        description: `complaints opened in the last ${w} days`,
        reason: `{value} complaint{s} in the last ${w} days`,
      }),
    ),
    {
      name: "days_since_last_complaint",
      type: "integer",
      unit: "days",
      description: "days since the latest complaint was opened (empty when there was none)",
      reason: "complained {value} day{s} ago",
    },
    {
      name: "open_complaints",
      type: "integer",
      unit: "count",
      description: "complaints opened on or before as-of and not resolved on or before as-of",
      reason: "{value} complaint{s} still open",
    },
    {
      name: "repeat_complaint_30d",
      type: "flag",
      unit: "0/1",
      description: "1 when two or more complaints of the same category were opened in the last 30 days",
      reason: "complained repeatedly about the same issue in the last 30 days",
    },
    {
      name: "mean_resolution_days_365d",
      type: "number",
      unit: "days",
      description: "mean days from opening to resolution of the complaints opened in the last 365 days and resolved by as-of (empty when none)",
      reason: "complaints took {value} day{s} to resolve on average",
    },
    ...byCategory,
  ],
  sql: (_ctx, d) => {
    const count = (cond: string) => `count(CASE WHEN ${cond} THEN 1 END)`;
    return `SELECT s.subscriber_id,
  coalesce(c.n30, 0) AS complaints_30d, coalesce(c.n90, 0) AS complaints_90d, coalesce(c.n365, 0) AS complaints_365d,
  ${d.asOf} - c.last_opened AS days_since_last_complaint,
  coalesce(c.open_now, 0) AS open_complaints,
  CASE WHEN ${d.greatest(...cats.map((_, i) => `coalesce(c.r${i}, 0)`))} >= 2 THEN 1 ELSE 0 END AS repeat_complaint_30d,
  c.mean_resolution AS mean_resolution_days_365d,
  ${cats.map((cat, i) => `coalesce(c.c${i}, 0) AS complaints_${cat}_90d`).join(",\n  ")}
FROM ${d.rel("feat_spine")} s LEFT JOIN (
  SELECT subscriber_id,
    ${count("k < 30")} AS n30, ${count("k < 90")} AS n90, ${count("k < 365")} AS n365,
    max(opened_at) AS last_opened,
    ${count(`resolved_at IS NULL OR resolved_at > ${d.asOf}`)} AS open_now,
    avg(CASE WHEN resolved_at <= ${d.asOf} AND k < 365 THEN resolved_at - opened_at END) AS mean_resolution,
    ${cats.map((cat, i) => `${count(`k < 30 AND category = ${d.literal(cat)}`)} AS r${i}`).join(", ")},
    ${cats.map((cat, i) => `${count(`k < 90 AND category = ${d.literal(cat)}`)} AS c${i}`).join(", ")}
  FROM (SELECT subscriber_id, opened_at, category, resolved_at, ${d.asOf} - opened_at AS k FROM ${d.rel("complaints")} WHERE opened_at <= ${d.asOf})
  GROUP BY subscriber_id
) c ON c.subscriber_id = s.subscriber_id`;
  },
};
