/**
 * Service incidents and the complaints they cause: a base rate (higher for service-sensitive customers),
 * regional outages (network), price increases (billing). Each incident takes a resolution delay (long for
 * hard cases); while unresolved the customer complains again.
 */
import type { COMPLAINT_CATEGORIES } from "../contract/tables.js";
import { INCIDENT_RATE, OUTAGE_COMPLAINT_PROB, type SubState } from "./hazard.js";
import type { Rng } from "./rng.js";

export type Category = (typeof COMPLAINT_CATEGORIES)[number];
const BASE_CATEGORIES: readonly Category[] = ["billing", "network", "service", "other"];
const BASE_WEIGHTS = [0.35, 0.25, 0.3, 0.1];
const MEAN_DELAY: Record<Category, number> = { billing: 4, network: 2, service: 6, other: 5 };
export const REPEAT_PROB = 0.07;

export interface Incident {
  opened: number;
  resolve: number;
  category: Category;
}

/** Daily probability of an everyday incident. */
export function everydayIncidentProb(s: SubState): number {
  return INCIDENT_RATE * (s.p.serviceSensitive ? 1.4 : 1);
}
/** Probability of a network complaint on an outage day in the subscriber's region. */
export function outageIncidentProb(s: SubState): number {
  return OUTAGE_COMPLAINT_PROB * (s.p.serviceSensitive ? 1.5 : 1);
}
/** Probability of a billing complaint on the day of a price increase. */
export function priceIncidentProb(s: SubState): number {
  return s.p.priceSensitive ? 0.03 : 0.012;
}

/** A new incident from cause 0 (everyday), 1 (outage) or 2 (price increase). */
export function newIncident(rng: Rng, day: number, cause: number): Incident {
  const category: Category = cause === 0 ? BASE_CATEGORIES[rng.pick(BASE_WEIGHTS)]! : cause === 1 ? "network" : "billing";
  const hard = rng.bool(0.15);
  const delay = hard ? rng.int(15, 60) : 1 + Math.floor(rng.exp(MEAN_DELAY[category]));
  return { opened: day, resolve: day + delay, category };
}
