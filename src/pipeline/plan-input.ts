/** The retention plan's input columns from scored chunks (compact arrays, no per-row objects). */
import type { PlanInput } from "../retention/plan.js";
import { DRIVER_COLUMNS } from "../model/explain.js";
import type { Scored } from "./score-chunks.js";

export function planInputOf(s: Scored): PlanInput {
  const input: PlanInput = {
    subscriberId: s.ids,
    probability: s.prob,
    // no ARPU column: value 0, nothing pays (the run warns)
    arpu: s.num.arpu ?? new Float32Array(s.n),
    contributions: { columns: DRIVER_COLUMNS, values: s.driverSums },
  };
  if (s.num.tenureDays) input.tenureDays = s.num.tenureDays;
  if (s.num.daysToContractEnd) input.daysToContractEnd = s.num.daysToContractEnd;
  if (s.num.discountShare) input.discountShare = s.num.discountShare;
  if (s.num.priceIncrease) input.priceIncrease = s.num.priceIncrease;
  if (s.num.openComplaints) input.openComplaints = s.num.openComplaints;
  if (s.num.products) input.products = s.num.products;
  if (s.num.usageVsOwnPast) input.usageVsOwnPast = s.num.usageVsOwnPast;
  if (s.num.usageTrend) input.usageTrend = s.num.usageTrend;
  if (s.num.activeDays) input.activeDays = s.num.activeDays;
  if (s.text.contractType) input.contractType = s.text.contractType;
  if (s.text.preferredChannel) input.preferredChannel = s.text.preferredChannel;
  return input;
}
