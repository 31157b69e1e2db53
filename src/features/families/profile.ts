/**
 * Profile: the subscriber's descriptive attributes as categories. They are the values of the data extract
 * (the subscribers table keeps no history), which is why the monthly fee is not a feature here: a price
 * change after as-of would leak into it (revenue uses the billing table instead).
 */
import type { FeatureFamily } from "../types.js";

export const profile: FeatureFamily = {
  id: "profile",
  title: "Profile",
  reads: { subscribers: ["subscriber_id", "plan", "region", "preferred_channel"] },
  requires: ["subscribers"],
  features: [
    { name: "plan", type: "category", unit: "category", description: "tariff plan (current)" },
    { name: "region", type: "category", unit: "category", description: "service region" },
    { name: "preferred_channel", type: "category", unit: "category", description: "preferred contact channel (empty when unknown)" },
  ],
  sql: (_ctx, d) => `SELECT subscriber_id, plan, region, preferred_channel FROM ${d.rel("feat_spine")}`,
};
