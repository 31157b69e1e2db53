/**
 * The daily churn hazard: one function used both to simulate departures and to compute the true 30-day
 * churn probability at each month start, so the oracle AUC measures the world itself.
 *
 * hazard(day) = BASE x tenure x contract x products x tier x price-increase x competitor x complaint x stress
 *               x individual-shock x disengagement(day - onset) x campaign-effect
 *
 * Truth at a month start: p = 1 - exp(-(sum over the next 30 days of the hazard with the state at month
 * start carried forward) - expected extra hazard from shocks not yet drawn). Known schedules (contract end,
 * price increases, open tickets' resolution day, ongoing episodes, campaign effects in force, disengagement
 * escalation) are followed exactly; future random events (disengagement onset, individual competitor offers,
 * new incidents, new regional offers, financial stress) enter by their expected first-order contribution
 * with the month-start rates. Within-horizon contract renewals are averaged over renew / roll to monthly.
 */
import type { ActionId } from "../contract/tables.js";
import { EFFECT_DAYS, type EffectState, effectMultiplier } from "./actions.js";
import { P_EMAIL, type Profile } from "./cohorts.js";
import { REGION_QUALITY, type World } from "./world.js";

export const BASE_HAZARD = 0.00017;
export const DISENGAGED_START = 5;
export const DISENGAGED_SLOPE = 0.3;
export const DISENGAGED_CAP = 30;
export const RECOVERY_RATE = 0.004;
export const ONSET_RATE = 0.0006;
export const SHOCK_DAYS = 10;
export const SHOCK_RATE = 0.0008;
export const STRESS_RATE = 0.0005;
export const STRESS_MULT = 1.8;
export const PRICE_WINDOW = 60;
export const CONTRACT_SPIKE_BEFORE = 21;
export const CONTRACT_SPIKE_AFTER = 14;
export const RENEW_PROB = 0.5;
export const COMPETITOR_RATE = 1 / 150;
export const COMPETITOR_MEAN_DAYS = 38;
export const RECENT_COMPLAINT_DAYS = 60;
export const RECENT_COMPLAINT_MULT = 1.5;
export const INCIDENT_RATE = 0.0009;
export const OUTAGE_COMPLAINT_PROB = 0.012;

/** Day-indexed lookups of the world's events (index = day - world.start; covers 31 days past the end). */
export interface HazardCtx {
  w: World;
  /** Per region: 1 while a competitor offer episode runs. */
  competitor: Uint8Array[];
  /** The price increase whose window covers the day, or -1. */
  priceWindow: Int32Array;
  /** exp(-t/TENURE_DAYS) by tenure in days. */
  tenure: Float64Array;
}

export const TENURE_DAYS = 180;
export const TENURE_BOOST = 2.2;

export function hazardCtx(w: World): HazardCtx {
  const len = w.end - w.start + 32;
  const competitor = w.outageMask.map(() => new Uint8Array(len));
  for (const c of w.competitors) {
    for (let d = Math.max(c.from, w.start); d <= Math.min(c.to, w.end + 31); d++) competitor[c.region]![d - w.start] = 1;
  }
  const priceWindow = new Int32Array(len).fill(-1);
  for (const inc of w.priceIncreases) {
    for (let d = Math.max(inc, w.start); d < inc + PRICE_WINDOW && d <= w.end + 31; d++) priceWindow[d - w.start] = inc;
  }
  const tenure = new Float64Array(w.end - w.start + 32 + 3700);
  for (let t = 0; t < tenure.length; t++) tenure[t] = Math.exp(-t / TENURE_DAYS);
  return { w, competitor, priceWindow, tenure };
}

/** The mutable state of one subscriber during simulation. */
export interface SubState {
  p: Profile;
  contractEnd: number;
  fixed: boolean;
  /** Day disengagement started, or -1. */
  onset: number;
  /** Day it ended (recovery), or -1. */
  recovered: number;
  /** Day all open incidents are resolved (open while day < openUntil). */
  openUntil: number;
  lastComplaint: number;
  stressUntil: number;
  shockUntil: number;
  campaignMult: number;
  campaignUntil: number;
  /** Day of the last contact (treatment), or NEG. */
  lastContact: number;
  /** BASE x tier x dormancy. */
  staticMult: number;
  /** Cached product multiplier, valid for days in [prodFrom, prodUntil). */
  prodMult: number;
  prodFrom: number;
  prodUntil: number;
}

const NEG = -1_000_000;

export function newState(p: Profile): SubState {
  return {
    p,
    contractEnd: p.contractEnd,
    fixed: p.termMonths > 0,
    onset: -1,
    recovered: -1,
    openUntil: NEG,
    lastComplaint: NEG,
    stressUntil: NEG,
    shockUntil: NEG,
    campaignMult: 1,
    campaignUntil: NEG,
    lastContact: NEG,
    staticMult: BASE_HAZARD * TIER[p.tier]! * (p.dormant ? 0.6 : 1),
    prodMult: 1,
    prodFrom: 1,
    prodUntil: 0,
  };
}

const TIER = [1.6, 1.0, 0.55];

/** The product multiplier on `day`, cached until the holdings next change. */
export function productMult(s: SubState, day: number): number {
  if (day >= s.prodFrom && day < s.prodUntil) return s.prodMult;
  let from = NEG;
  let until = -NEG;
  for (const h of s.p.holdings) {
    if (h.start > day) until = Math.min(until, h.start);
    else from = Math.max(from, h.start);
    if (h.end >= 0) {
      if (h.end > day) until = Math.min(until, h.end);
      else from = Math.max(from, h.end);
    }
  }
  s.prodMult = productMultiplier(s.p, day);
  s.prodFrom = from;
  s.prodUntil = until;
  return s.prodMult;
}

/** Invalidate the product cache (a holding changed). */
export function productsChanged(s: SubState): void {
  s.prodUntil = NEG;
}

export function productMultiplier(p: Profile, day: number): number {
  let n = 0;
  let email = false;
  for (const h of p.holdings) {
    if (h.start <= day && (h.end < 0 || h.end > day)) {
      n++;
      if (h.product === P_EMAIL) email = true;
    }
  }
  const m = n <= 1 ? 1.45 : n === 2 ? 1.0 : n === 3 ? 0.72 : 0.55;
  return email ? m * 0.55 : m;
}

export function contractMultiplier(s: SubState, day: number): number {
  const p = s.p;
  if (!s.fixed) return p.contract === "prepaid" ? 1.6 : 1.25;
  const e = s.contractEnd;
  if (day >= e - CONTRACT_SPIKE_BEFORE && day <= e + CONTRACT_SPIKE_AFTER) return p.priceSensitive ? 8 : 5;
  if (day > e + CONTRACT_SPIKE_AFTER) return RENEW_PROB * 0.45 + (1 - RENEW_PROB) * 1.25; // truth look-ahead only
  return 0.45;
}

export function inPriceWindow(x: HazardCtx, p: Profile, day: number): boolean {
  if (p.contract === "prepaid") return false;
  const inc = x.priceWindow[day - x.w.start]!;
  return inc >= 0 && p.activation < inc;
}

export function competitorActive(x: HazardCtx, region: number, day: number): boolean {
  return x.competitor[region]![day - x.w.start] === 1;
}

function disengagedFactor(s: SubState, day: number): number {
  if (s.onset < 0 || s.recovered >= 0 || day < s.onset) return 1;
  return Math.min(DISENGAGED_CAP, DISENGAGED_START + DISENGAGED_SLOPE * (day - s.onset));
}

/** Everything but disengagement and campaign effects. */
export function baseHazard(x: HazardCtx, s: SubState, day: number): number {
  const p = s.p;
  let h = s.staticMult * (1 + TENURE_BOOST * x.tenure[day - p.activation]!);
  h *= contractMultiplier(s, day);
  h *= productMult(s, day);
  if (inPriceWindow(x, p, day)) h *= p.priceSensitive ? 2.4 : 1.15;
  if (competitorActive(x, p.region, day)) h *= p.priceSensitive ? 2.2 : 1.2;
  if (day < s.openUntil) h *= p.serviceSensitive ? 3.2 : 1.6;
  else if (day - s.lastComplaint < RECENT_COMPLAINT_DAYS) h *= RECENT_COMPLAINT_MULT;
  if (day < s.stressUntil) h *= STRESS_MULT;
  if (day < s.shockUntil) h *= p.priceSensitive ? 7 : 3.5;
  return h;
}

export function hazard(x: HazardCtx, s: SubState, day: number): number {
  const c = day < s.campaignUntil ? s.campaignMult : 1;
  return baseHazard(x, s, day) * disengagedFactor(s, day) * c;
}

/** Daily rate of starting to disengage. */
export function onsetRate(x: HazardCtx, s: SubState, day: number): number {
  if (s.onset >= 0) return 0;
  const p = s.p;
  let r = ONSET_RATE * [1.3, 1.0, 0.75][p.tier]! * (p.dormant ? 0.5 : 1);
  if (day < s.openUntil) r *= p.serviceSensitive ? 4 : 2;
  else if (day - s.lastComplaint < 45) r *= 1.6;
  if (p.serviceSensitive) r *= 1.6 - REGION_QUALITY[p.region]!;
  if (p.priceSensitive && inPriceWindow(x, p, day)) r *= 1.8;
  return r;
}

export function shockRate(p: Profile): number {
  return SHOCK_RATE * (p.priceSensitive ? 2 : 1);
}

export function incidentRate(p: Profile): number {
  const q = REGION_QUALITY[p.region]!;
  return INCIDENT_RATE * (p.serviceSensitive ? 1.4 : 1) + (1 - q) * 0.05 * 2 * OUTAGE_COMPLAINT_PROB;
}

export function stressRate(p: Profile): number {
  return STRESS_RATE * [2, 1, 0.4][p.tier]!;
}

// Sums over the 30-day horizon used for expected contributions of events not yet drawn.
const sum = (f: (k: number) => number) => {
  let t = 0;
  for (let k = 0; k < 30; k++) t += f(k);
  return t;
};
/** E[extra disengagement factor-days] per unit onset rate: onset at day j < k, factor grows from there. */
const K_ONSET = sum((k) => {
  let t = 0;
  for (let j = 0; j < k; j++) t += Math.min(DISENGAGED_CAP, DISENGAGED_START + DISENGAGED_SLOPE * (k - j)) - 1;
  return t;
});
const K_SHOCK = sum((k) => Math.min(k, SHOCK_DAYS));
const K_INCIDENT = sum((k) => Math.min(k, 6));
const K_LONG = sum((k) => k);
const K_COMP = sum((k) => Math.min(k, COMPETITOR_MEAN_DAYS));

/** The true probability of churning in the 30 days from `day`, given the state at the start of `day`. */
export function churnProbability30(x: HazardCtx, s: SubState, day: number): number {
  const p = s.p;
  let H = 0;
  for (let k = 0; k < 30; k++) {
    const d = day + k;
    let f = disengagedFactor(s, d);
    if (f > 1) f = 1 + (f - 1) * (1 - RECOVERY_RATE) ** k;
    const c = d < s.campaignUntil ? s.campaignMult : 1;
    H += baseHazard(x, s, d) * f * c;
  }
  // Expected contributions of random events not yet drawn, scaled by today's base hazard.
  const b = baseHazard(x, s, day) * (day < s.campaignUntil ? s.campaignMult : 1);
  let extra = onsetRate(x, s, day) * K_ONSET;
  if (day >= s.shockUntil) extra += shockRate(p) * ((p.priceSensitive ? 7 : 3.5) - 1) * K_SHOCK;
  extra += incidentRate(p) * ((p.serviceSensitive ? 3.2 : 1.6) - 1) * K_INCIDENT;
  if (day >= s.stressUntil) extra += stressRate(p) * (STRESS_MULT - 1) * K_LONG;
  if (!competitorActive(x, p.region, day)) extra += COMPETITOR_RATE * ((p.priceSensitive ? 2.2 : 1.2) - 1) * K_COMP;
  return 1 - Math.exp(-(H + b * extra));
}

/** Near the end of a fixed term (the window where renewal offers work): 60 days before to 14 days after. */
export function nearContractEnd(s: SubState, day: number): boolean {
  return s.fixed && day >= s.contractEnd - 60 && day <= s.contractEnd + CONTRACT_SPIKE_AFTER;
}

/** An open ticket, or a complaint in the last 30 days. */
export function hasProblem(s: SubState, day: number): boolean {
  return day < s.openUntil || day - s.lastComplaint < 30;
}

export function isDisengaged(s: SubState, day: number): boolean {
  return s.onset >= 0 && s.recovered < 0 && day >= s.onset;
}

/** A complaint still unresolved on `day`. */
export function hasOpenTicket(s: SubState, day: number): boolean {
  return day < s.openUntil;
}

/** What an action's effect depends on at `day` (see actions.ts). */
export function effectState(s: SubState, day: number): EffectState {
  return {
    nearContractEnd: nearContractEnd(s, day),
    hasProblem: hasProblem(s, day),
    openTicket: hasOpenTicket(s, day),
    disengaged: isDisengaged(s, day),
    daysSinceContact: s.lastContact === NEG ? Number.POSITIVE_INFINITY : day - s.lastContact,
  };
}

/** The hazard multiplier `action` would have if it reached the subscriber on `day`. */
export function contactEffect(s: SubState, action: ActionId, day: number): number {
  return effectMultiplier(s.p.segment, action, effectState(s, day));
}

/**
 * Contact the subscriber with `action` on `day`: the action's true effect replaces any earlier campaign effect
 * for EFFECT_DAYS days, and the contact counts as the latest one. Returns the multiplier applied.
 */
export function applyContact(s: SubState, action: ActionId, day: number): number {
  const m = contactEffect(s, action, day);
  s.campaignMult = m;
  s.campaignUntil = day + EFFECT_DAYS;
  s.lastContact = day;
  return m;
}
