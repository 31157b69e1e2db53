/**
 * Products and loyalty. A product is held at as-of when it started on or before as-of and had not ended on
 * or before it (an end_date after as-of is unknown at as-of: still held). NPS comes from survey answers dated
 * on or before as-of. Runs when either table is present; the features of an absent table are skipped.
 */
import type { FeatureFamily } from "../types.js";

const prodNeeds = [{ table: "products", column: "product" }] as const;
const npsNeeds = [{ table: "surveys", column: "nps" }] as const;

export const products: FeatureFamily = {
  id: "products",
  title: "Products and loyalty",
  reads: { products: ["subscriber_id", "product", "start_date", "end_date"], surveys: ["subscriber_id", "date", "nps"] },
  requires: [],
  features: [
    { name: "active_products", type: "integer", unit: "count", description: "products held at as-of", reason: "holds {value} product{s}", needs: prodNeeds },
    { name: "bundle", type: "flag", unit: "0/1", description: "1 when two or more products are held at as-of", reason: "has a bundle of products", needs: prodNeeds },
    { name: "email_hosting", type: "flag", unit: "0/1", description: "1 when an email_hosting product is held at as-of", reason: "uses our email hosting", needs: prodNeeds },
    { name: "last_nps", type: "integer", unit: "score 0-10", description: "latest NPS answer on or before as-of (empty when never surveyed)", reason: "last NPS answer was {value}", needs: npsNeeds },
    {
      name: "nps_change",
      type: "integer",
      unit: "points",
      description: "latest NPS answer minus the one before it (empty with fewer than two answers)",
      reason: "NPS changed by {value} point{s} since the previous survey",
      needs: npsNeeds,
    },
  ],
  sql: (ctx) => {
    const cols: string[] = [];
    const joins: string[] = [];
    if (ctx.produces.has("active_products")) {
      cols.push("coalesce(p.n, 0) AS active_products", "CASE WHEN coalesce(p.n, 0) >= 2 THEN 1 ELSE 0 END AS bundle", "coalesce(p.email, 0) AS email_hosting");
      joins.push(`LEFT JOIN (
  SELECT subscriber_id, count(*) AS n, max(CASE WHEN lower(product) = 'email_hosting' THEN 1 ELSE 0 END) AS email
  FROM products WHERE start_date <= $1::DATE AND (end_date IS NULL OR end_date > $1::DATE)
  GROUP BY subscriber_id
) p ON p.subscriber_id = s.subscriber_id`);
    }
    if (ctx.produces.has("last_nps")) {
      cols.push("v.last_nps", "v.last_nps - v.prev_nps AS nps_change");
      // two answers on one day: the higher score counts as the later (deterministic)
      joins.push(`LEFT JOIN (
  SELECT subscriber_id, max(nps) FILTER (WHERE r = 1) AS last_nps, max(nps) FILTER (WHERE r = 2) AS prev_nps
  FROM (SELECT subscriber_id, nps, row_number() OVER (PARTITION BY subscriber_id ORDER BY date DESC, nps DESC) AS r
        FROM surveys WHERE date <= $1::DATE)
  WHERE r <= 2 GROUP BY subscriber_id
) v ON v.subscriber_id = s.subscriber_id`);
    }
    return `SELECT s.subscriber_id${cols.map((c) => `, ${c}`).join("")}\nFROM feat_spine s\n${joins.join("\n")}`;
  },
};
