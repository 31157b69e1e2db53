/**
 * Tenure and contract. The subscribers table holds each subscriber's current contract (as of the data
 * extract), so a renewal after the as-of date would show a later contract_end_date. To read no future: a fixed
 * term whose current term starts after as-of (contract_end_date more than one term after as-of) is rolled back
 * by whole terms to the term that was running at as-of; so is one that started fewer than RENEWAL_SIGN_GRACE_DAYS
 * before as-of (a renewal signed after as-of starts where the old term ended), except a subscriber's first term.
 * A change of contract type after as-of cannot be seen in the data; plan changes cannot be seen at all (one plan
 * per subscriber), so `plan_changed_90d` is skipped.
 */
import { RENEWAL_SIGN_GRACE_DAYS, RENEWAL_WINDOW_DAYS } from "../../ids.js";
import type { Dialect } from "../dialect.js";
import type { FeatureFamily } from "../types.js";

const term = "(CASE WHEN s.contract_type = 'fixed_12m' THEN 12 WHEN s.contract_type = 'fixed_24m' THEN 24 END)";

/**
 * The contract end that was in force at `at`: the latest end no more than one term after it (a term that ends
 * later started after `at`: a renewal signed later, rolled back by whole terms).
 */
function endInForce(d: Dialect, at: string): string {
  /** Calendar months from `at` to contract end, and the whole terms to roll back (k0 or k0 + 1, see below). */
  const k0 = d.greatest("0", d.intDiv(`${d.monthsBetween(at, "s.contract_end_date")} - ${term}`, term));
  const endAt = (k: string) => d.addMonths("s.contract_end_date", `-(${k} * ${term})`);
  const withinTerm = (k: string) => `${endAt(k)} <= ${d.addMonths(at, term)}`;
  return `CASE WHEN ${withinTerm(k0)} THEN ${endAt(k0)} ELSE ${endAt(`(${k0} + 1)`)} END`;
}

/**
 * The contract end in force at as-of: the term in force RENEWAL_SIGN_GRACE_DAYS before as-of (a term that started
 * in those days may have been signed after as-of), unless that rolls back to activation (the first term, signed
 * at activation: an earlier term would end a whole term after it), then the term in force at as-of.
 */
function effectiveEnd(d: Dialect): string {
  const graced = endInForce(d, `(${d.asOf} - ${RENEWAL_SIGN_GRACE_DAYS})`);
  return `CASE WHEN ${term} IS NULL OR s.contract_end_date IS NULL THEN NULL
    WHEN ${graced} > s.activation_date + ${RENEWAL_SIGN_GRACE_DAYS} THEN ${graced} ELSE ${endInForce(d, d.asOf)} END`;
}

export const tenure: FeatureFamily = {
  id: "tenure",
  title: "Tenure and contract",
  reads: { subscribers: ["subscriber_id", "activation_date", "contract_type", "contract_end_date"] },
  requires: ["subscribers"],
  features: [
    { name: "tenure_days", type: "integer", unit: "days", description: "days from activation to the as-of date", reason: "customer for {value} day{s}" },
    { name: "contract_type", type: "category", unit: "category", description: "prepaid, month_to_month, fixed_12m or fixed_24m (the current contract type)" },
    {
      name: "days_to_contract_end",
      type: "integer",
      unit: "days",
      description: `days from as-of to the end of the fixed term in force at as-of (0 or less: the term has ended; a renewal term that started fewer than ${RENEWAL_SIGN_GRACE_DAYS} days before as-of counts from the term before it); empty for prepaid and month-to-month`,
      reason: "contract ends in {value} day{s}",
    },
    {
      name: "out_of_contract",
      type: "flag",
      unit: "0/1",
      description: "1 when no fixed term binds the subscriber at as-of (prepaid, month-to-month, or the fixed term has ended)",
      reason: "out of contract: free to leave without a fee",
    },
    {
      name: "in_renewal_window",
      type: "flag",
      unit: "0/1",
      description: `1 when the fixed term ends within the next ${RENEWAL_WINDOW_DAYS} days (1 to ${RENEWAL_WINDOW_DAYS} days after as-of)`,
      reason: `in the renewal window: the contract ends within ${RENEWAL_WINDOW_DAYS} days`,
    },
  ],
  unsupported: [
    {
      name: "plan_changed_90d",
      reason: "the input tables hold only the current plan of each subscriber (no plan history), so a plan change cannot be dated",
    },
  ],
  sql: (_ctx, d) => `SELECT subscriber_id,
  tenure_days, contract_type,
  (eff_end - ${d.asOf}) AS days_to_contract_end,
  CASE WHEN contract_type NOT IN ('fixed_12m', 'fixed_24m') THEN 1 WHEN eff_end IS NULL THEN NULL
       WHEN eff_end <= ${d.asOf} THEN 1 ELSE 0 END AS out_of_contract,
  CASE WHEN contract_type NOT IN ('fixed_12m', 'fixed_24m') THEN 0 WHEN eff_end IS NULL THEN NULL
       WHEN eff_end - ${d.asOf} BETWEEN 1 AND ${RENEWAL_WINDOW_DAYS} THEN 1 ELSE 0 END AS in_renewal_window
FROM (
  SELECT s.subscriber_id AS subscriber_id, (${d.asOf} - s.activation_date) AS tenure_days, s.contract_type AS contract_type, ${effectiveEnd(d)} AS eff_end
  FROM ${d.rel("feat_spine")} s
)`,
};
