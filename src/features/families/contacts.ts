/**
 * Contact history: how recently and how often the operator has already contacted the subscriber, from the
 * `campaigns` table (treatment rows only: a control was selected but not contacted). churn's own contacts log
 * is in the same format. A second contact soon after the first usually does much less, so the uplift model
 * and the churn model both see these. Only contacts dated on or before as-of are read.
 */
import { CONTACT_HISTORY_FEATURES } from "../../ids.js";
import type { FeatureFamily } from "../types.js";

export const CONTACT_WINDOW_DAYS = 90;
const [DAYS_SINCE, RECENT, YEAR] = CONTACT_HISTORY_FEATURES;

export const contacts: FeatureFamily = {
  id: "contacts",
  title: "Contact history",
  reads: { campaigns: ["subscriber_id", "date", "group"] },
  requires: ["campaigns"],
  features: [
    {
      name: DAYS_SINCE,
      type: "integer",
      unit: "days",
      description: "days since the latest retention contact (treatment) on or before as-of; empty when never contacted",
      reason: "contacted {value} days ago",
    },
    {
      name: RECENT,
      type: "integer",
      unit: "count",
      description: `retention contacts (treatment) in the last ${CONTACT_WINDOW_DAYS} days`,
      reason: `contacted {value} times in the last ${CONTACT_WINDOW_DAYS} days`,
    },
    {
      name: YEAR,
      type: "integer",
      unit: "count",
      description: "retention contacts (treatment) in the last 365 days",
      reason: "contacted {value} times in the last year",
    },
  ],
  sql: (_ctx, d) => `SELECT s.subscriber_id AS subscriber_id,
  ${d.asOf} - c.last_contact AS days_since_last_contact,
  coalesce(c.n_recent, 0) AS contacts_${CONTACT_WINDOW_DAYS}d,
  coalesce(c.n_year, 0) AS contacts_365d
FROM ${d.rel("feat_spine")} s LEFT JOIN (
  SELECT subscriber_id, max(date) AS last_contact,
    count(CASE WHEN ${d.asOf} - date < ${CONTACT_WINDOW_DAYS} THEN 1 END) AS n_recent,
    count(CASE WHEN ${d.asOf} - date < 365 THEN 1 END) AS n_year
  FROM ${d.rel("campaigns")} WHERE date <= ${d.asOf} AND "group" = 'treatment'
  GROUP BY subscriber_id
) c ON c.subscriber_id = s.subscriber_id`,
};
