/**
 * Products and loyalty. A product is held at as-of when it started on or before as-of and had not ended on
 * or before it (an end_date after as-of is unknown at as-of: still held). NPS comes from survey answers dated
 * on or before as-of. Runs when either table is present; the features of an absent table are skipped.
 */
import { type JoinStep, leftJoinChain } from "../dialect.js";
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
  sql: (ctx, d) => {
    const steps: JoinStep[] = [];
    if (ctx.produces.has("active_products")) {
      steps.push({
        rel: `(
  SELECT subscriber_id, count(*) AS n, max(CASE WHEN lower(product) = 'email_hosting' THEN 1 ELSE 0 END) AS email
  FROM ${d.rel("products")} WHERE start_date <= ${d.asOf} AND (end_date IS NULL OR end_date > ${d.asOf})
  GROUP BY subscriber_id
)`,
        alias: "p",
        cols: [
          ["coalesce(p.n, 0)", "active_products"],
          ["CASE WHEN coalesce(p.n, 0) >= 2 THEN 1 ELSE 0 END", "bundle"],
          ["coalesce(p.email, 0)", "email_hosting"],
        ],
      });
    }
    if (ctx.produces.has("last_nps")) {
      // The latest two answers by (date, nps): two answers on one day, the higher score counts as the later
      // (deterministic). key = day number * 16 + nps orders them; identical rows were rejected as duplicates.
      const answers = `SELECT subscriber_id, (date - ${d.date("1970-01-01")}) * 16 + nps AS key FROM ${d.rel("surveys")} WHERE date <= ${d.asOf}`;
      steps.push({
        rel: `(
  SELECT a.subscriber_id AS subscriber_id, max(a.key) % 16 AS last_nps, max(CASE WHEN a.key < t.top THEN a.key END) % 16 AS prev_nps
  FROM (${answers}) a LEFT JOIN (SELECT subscriber_id, max(key) AS top FROM (${answers}) GROUP BY subscriber_id) t ON t.subscriber_id = a.subscriber_id
  GROUP BY a.subscriber_id
)`,
        alias: "v",
        cols: [
          ["v.last_nps", "last_nps"],
          ["v.last_nps - v.prev_nps", "nps_change"],
        ],
      });
    }
    return leftJoinChain(d.rel("feat_spine"), [], steps);
  },
};
