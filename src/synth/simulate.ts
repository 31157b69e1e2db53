/**
 * The per-subscriber daily simulation. Each subscriber is simulated from its own random stream
 * (seed, slot), so results do not depend on chunking or order. Rows go to columnar staging sinks.
 *
 * Subscriber ids follow activation order (like an operator's ids): a first pass draws every activation
 * day, the ids are the rank by (activation, slot).
 */
import { ACTIONS, type ActionId } from "../contract/tables.js";
import { effectMultiplier } from "./actions.js";
import { type BillingHistory, emitBills, feeAt as feeOf } from "./billing.js";
import { drawContact } from "./campaigns.js";
import { drawActivation, drawProfile } from "./cohorts.js";
import { everydayIncidentProb, type Incident, newIncident, outageIncidentProb, priceIncidentProb, REPEAT_PROB } from "./complaints.js";
import { addMonths, monthStartOf, monthStartsBetween } from "./dates.js";
import {
  applyContact,
  CONTRACT_SPIKE_AFTER,
  churnProbability30,
  contactEffect,
  effectState,
  type HazardCtx,
  hazard,
  hazardCtx,
  newState,
  onsetRate,
  productsChanged,
  RECOVERY_RATE,
  RENEW_PROB,
  SHOCK_DAYS,
  shockRate,
  stressRate,
} from "./hazard.js";
import { DROP_RATE, finalHoldings, maybeDropProduct } from "./products.js";
import { Rng } from "./rng.js";
import type { Sink } from "./sink.js";
import { AFTER_TICKET_PROB, drawNps, SURVEY_RATE } from "./surveys.js";
import { REGIONS, CHANNELS, type World } from "./world.js";
import { VALUE_TIERS } from "./drivers.js";

export interface Sinks {
  subscribers: Sink;
  billing: Sink;
  complaints: Sink;
  products: Sink;
  surveys: Sink;
  campaigns: Sink;
  monthly: Sink;
  /** Contacts of churn's runs applied in continued months (truth/applied_contacts). */
  applied?: Sink;
}

/** A contact made by one of churn's runs: treatment changes the hazard from `day` on, control (held out) does not. */
export interface RunContact {
  day: number;
  action: ActionId;
  treated: boolean;
}

export const SUBSCRIBER_STAGE = [
  ["sid", "int"],
  ["activation", "int"],
  ["deact", "int"],
  ["plan", "text"],
  ["contract", "text"],
  ["contract_end", "int"],
  ["fee", "double"],
  ["region", "text"],
  ["channel", "text"],
  ["segment", "text"],
  ["tier", "text"],
  ["price_sensitive", "bool"],
  ["service_sensitive", "bool"],
  ["dormant", "bool"],
  ["onset", "int"],
  ["recovered", "int"],
  ["u0", "int"],
  ["u1", "int"],
  ["bv", "double"],
  ["bd", "double"],
  ["bs", "double"],
  ["bss", "double"],
  ["ap", "double"],
  ["reg", "int"],
] as const;
export const BILLING_STAGE = [["sid", "int"], ["month", "int"], ["amount", "double"], ["discount", "double"], ["late", "bool"]] as const;
export const COMPLAINT_STAGE = [["sid", "int"], ["opened", "int"], ["category", "text"], ["resolved", "int"], ["seq", "int"]] as const;
export const PRODUCT_STAGE = [["sid", "int"], ["product", "text"], ["start", "int"], ["stop", "int"], ["seq", "int"]] as const;
export const SURVEY_STAGE = [["sid", "int"], ["day", "int"], ["nps", "int"], ["seq", "int"]] as const;
export const CAMPAIGN_STAGE = [["sid", "int"], ["day", "int"], ["action", "text"], ["grp", "text"]] as const;
export const APPLIED_STAGE = [["sid", "int"], ["day", "int"], ["action", "text"], ["grp", "text"], ["active", "bool"], ["m", "double"]] as const;
export const MONTHLY_STAGE = [
  ["sid", "int"],
  ["ms", "int"],
  ["p", "double"],
  ["near_end", "bool"],
  ["problem", "bool"],
  ["disengaged", "bool"],
  ["open_ticket", "bool"],
  ["since_contact", "int"],
  // the true hazard multiplier of each action if it reached the subscriber on that day (ACTIONS order)
  ...ACTIONS.map((a) => [`m_${a}`, "double"] as const),
] as const;

/** Share of the population that arrives during the window (keeps the base roughly stable). */
export function newArrivalShare(months: number): number {
  return (0.024 * months) / (1 + 0.024 * months);
}

/** Activation day per slot, and the slot order that defines subscriber ids. */
export function arrivals(w: World): { activation: Int32Array; order: Uint32Array } {
  const n = w.subscribers;
  const activation = new Int32Array(n);
  const share = newArrivalShare(w.months);
  for (let i = 0; i < n; i++) activation[i] = drawActivation(new Rng(w.seed, i, 0), w.start, w.baseEnd, share);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => activation[a]! - activation[b]! || a - b);
  return { activation, order };
}

export interface Calendar {
  monthStart: Uint8Array;
  campaignAt: Int32Array;
  priceIncrease: Uint8Array;
}

export function calendar(w: World): Calendar {
  const len = w.end - w.start + 1;
  const monthStart = new Uint8Array(len);
  for (const ms of monthStartsBetween(w.start, w.end)) monthStart[ms - w.start] = 1;
  const campaignAt = new Int32Array(len).fill(-1);
  w.campaigns.forEach((c, i) => {
    campaignAt[c.day - w.start] = i;
  });
  const priceIncrease = new Uint8Array(len);
  for (const d of w.priceIncreases) if (d >= w.start) priceIncrease[d - w.start] = 1;
  return { monthStart, campaignAt, priceIncrease };
}

/**
 * Simulate subscriber `sid` (its id rank) drawn from random stream `slot`. `profileEnd` is the window end its
 * profile is drawn against (the base window's, or its arrival month's); `contacts` are churn's contacts, by day.
 * A continued world gives the same data up to `profileEnd` as the world without the continuation: the daily
 * draws go on from the same stream, and the bills (drawn after the days) use a copy of the stream taken on
 * the day after `profileEnd`, which is where the stream stood when the shorter world ended.
 */
export function simulateSubscriber(
  x: HazardCtx,
  cal: Calendar,
  sinks: Sinks,
  sid: number,
  slot: number,
  activation: number,
  profileEnd = x.w.baseEnd,
  contacts: readonly RunContact[] = [],
): void {
  const w = x.w;
  const rng = new Rng(w.seed, slot, 1);
  const p = drawProfile(rng, activation, w.start, profileEnd);
  const planFee = p.fee;
  const s = newState(p);
  const hist: BillingHistory = { stress: [], incentives: [], onset: -1, profileEnd, onsetDay: -1, recoveredDay: -1 };
  if (activation < w.start) {
    if (rng.bool(0.015)) s.onset = w.start - rng.int(0, 40);
    if (rng.bool(0.03)) {
      s.stressUntil = w.start + rng.int(0, 60);
      hist.stress.push([w.start - 30, s.stressUntil]);
    }
  }
  const outageMask = w.outageMask[p.region]!;
  const feePayer = p.contract !== "prepaid";
  const shockP = shockRate(p);
  const pInc0 = everydayIncidentProb(s);
  const pOutage = outageIncidentProb(s);
  const pPrice = priceIncidentProb(s);
  const stressP = stressRate(p);
  const open: Incident[] = [];
  let complaintSeq = 0;
  let surveySeq = 0;
  let deact = -1;
  let billRng: Rng | undefined;
  let nextContact = 0;
  while (nextContact < contacts.length && contacts[nextContact]!.day < activation) nextContact++;
  const d0 = Math.max(w.start, activation);
  for (let d = d0; d <= w.end; d++) {
    const i = d - w.start;
    if (d === profileEnd + 1) {
      billRng = rng.clone();
      hist.onset = s.onset >= 0 && s.recovered < 0 ? s.onset : -1; // as the shorter world ended
    }
    if (cal.monthStart[i] === 1) {
      const e = effectState(s, d);
      sinks.monthly.push(
        sid,
        d,
        churnProbability30(x, s, d),
        e.nearContractEnd,
        e.hasProblem,
        e.disengaged === true,
        e.openTicket === true,
        s.lastContact >= 0 ? d - s.lastContact : null,
        ...ACTIONS.map((a) => effectMultiplier(p.segment, a, e)),
      );
    }
    const ci = cal.campaignAt[i]!;
    if (ci >= 0) {
      const c = drawContact(rng, s, w.campaigns[ci]!);
      if (c) {
        sinks.campaigns.push(sid, d, c.action, c.treated ? "treatment" : "control");
        if (c.treated && c.action === "price_incentive") hist.incentives.push(addMonths(monthStartOf(d), 1));
      }
    }
    // churn's contacts of the day (no random draw: a held-out subscriber lives exactly its untreated life)
    while (nextContact < contacts.length && contacts[nextContact]!.day === d) {
      const c = contacts[nextContact++]!;
      // the holdout's multiplier is what the contact would have done (recorded, never applied)
      const m = c.treated ? applyContact(s, c.action, d) : contactEffect(s, c.action, d);
      sinks.applied?.push(sid, d, c.action, c.treated ? "treatment" : "control", true, m);
      if (c.treated && c.action === "price_incentive") hist.incentives.push(addMonths(monthStartOf(d), 1));
    }
    // A fixed term ends: renew for another term, or roll over to month-to-month.
    if (s.fixed && d === s.contractEnd + CONTRACT_SPIKE_AFTER + 1) {
      if (rng.bool(RENEW_PROB)) s.contractEnd = addMonths(s.contractEnd, p.termMonths);
      else s.fixed = false;
    }
    // Open tickets: resolution (with a chance of a survey), repeat complaints while unresolved.
    for (let k = open.length - 1; k >= 0; k--) {
      const o = open[k]!;
      if (o.resolve <= d) {
        open.splice(k, 1);
        if (o.resolve === d && rng.bool(AFTER_TICKET_PROB)) sinks.surveys.push(sid, d, drawNps(rng, s, d), surveySeq++);
      } else if (d - o.opened >= 3 && rng.bool(REPEAT_PROB)) {
        s.lastComplaint = d;
        sinks.complaints.push(sid, d, o.category, o.resolve <= w.end ? o.resolve : null, complaintSeq++);
      }
    }
    // Rare events of the day, drawn with one uniform (at most one per day; all probabilities are small).
    const pInc1 = outageMask.charCodeAt(i) === 49 ? pOutage : 0;
    const pInc2 = feePayer && cal.priceIncrease[i] === 1 && activation < d ? pPrice : 0;
    const disengaged = s.onset >= 0 && s.recovered < 0;
    const pShock = d >= s.shockUntil ? shockP : 0;
    const pStress = d >= s.stressUntil ? stressP : 0;
    const pOnset = s.onset < 0 ? onsetRate(x, s, d) : disengaged ? RECOVERY_RATE : 0;
    const pDrop = disengaged ? DROP_RATE : 0;
    const pChurn = d > activation ? 1 - Math.exp(-hazard(x, s, d)) : 0;
    // Cumulative thresholds pick the one event of the day.
    const cInc = pChurn + pInc0 + pInc1 + pInc2;
    const cSurvey = cInc + SURVEY_RATE;
    const cShock = cSurvey + pShock;
    const cStress = cShock + pStress;
    const cOnset = cStress + pOnset;
    const u = rng.next();
    if (u >= cOnset + pDrop) continue;
    if (u < pChurn) {
      deact = d;
      break;
    }
    if (u < cInc) {
      const v = u - pChurn;
      const inc = newIncident(rng, d, v < pInc0 ? 0 : v < pInc0 + pInc1 ? 1 : 2);
      open.push(inc);
      if (inc.resolve > s.openUntil) s.openUntil = inc.resolve;
      s.lastComplaint = d;
      sinks.complaints.push(sid, d, inc.category, inc.resolve <= w.end ? inc.resolve : null, complaintSeq++);
    } else if (u < cSurvey) sinks.surveys.push(sid, d, drawNps(rng, s, d), surveySeq++);
    else if (u < cShock) s.shockUntil = d + SHOCK_DAYS;
    else if (u < cStress) {
      s.stressUntil = d + rng.int(30, 120);
      hist.stress.push([d, s.stressUntil]);
    } else if (u < cOnset) {
      if (s.onset < 0) s.onset = d;
      else s.recovered = d;
    } else if (maybeDropProduct(p, d)) productsChanged(s);
  }
  if (!billRng) hist.onset = s.onset >= 0 && s.recovered < 0 ? s.onset : -1;
  hist.onsetDay = s.onset;
  hist.recoveredDay = s.recovered;
  // contacts on or after departure (or before activation) reach no one
  for (const c of contacts) {
    if (c.day >= activation && (deact < 0 || c.day < deact) && c.day <= w.end) continue;
    sinks.applied?.push(sid, c.day, c.action, c.treated ? "treatment" : "control", false, null);
  }

  for (const [k, h] of finalHoldings(p, deact).entries()) sinks.products.push(sid, h.product, h.start, h.end >= 0 ? h.end : null, k);
  emitBills(sinks.billing, billRng ?? rng, w, sid, p, planFee, deact, hist);

  const lastDay = deact >= 0 ? deact - 1 : w.end;
  const fixedNow = s.fixed && p.termMonths > 0;
  const contract = p.contract === "prepaid" ? "prepaid" : fixedNow ? p.contract : "month_to_month";
  sinks.subscribers.push(
    sid,
    activation,
    deact >= 0 ? deact : null,
    p.plan,
    contract,
    fixedNow ? s.contractEnd : null,
    feeOf(w, p, planFee, Math.max(lastDay, activation)),
    REGIONS[p.region]!,
    p.channel >= 0 ? CHANNELS[p.channel]! : null,
    p.segment,
    VALUE_TIERS[p.tier]!,
    p.priceSensitive,
    p.serviceSensitive,
    p.dormant,
    s.onset >= 0 ? s.onset : null,
    s.recovered >= 0 ? s.recovered : null,
    d0,
    lastDay,
    Math.round(p.voice * 1000) / 1000,
    Math.round(p.data * 1000) / 1000,
    Math.round(p.sms * 1000) / 1000,
    Math.round(p.sessions * 1000) / 1000,
    p.activeProb,
    p.region,
  );
}


/**
 * Simulate the whole population into the sinks: the base population, then the arrivals of continued months.
 * `contacts` maps a subscriber's id rank (sid) to churn's contacts with it, sorted by day.
 */
export function simulateAll(w: World, sinks: Sinks, onProgress?: (done: number) => void, contacts?: ReadonlyMap<number, readonly RunContact[]>): void {
  const { activation, order } = arrivals(w);
  const cal = calendar(w);
  const x = hazardCtx(w);
  for (let r = 0; r < order.length; r++) {
    const slot = order[r]!;
    simulateSubscriber(x, cal, sinks, r, slot, activation[slot]!, w.baseEnd, contacts?.get(r));
    if (onProgress && (r & 16383) === 0) onProgress(r);
  }
  w.arrivals.forEach((a, k) => {
    const sid = order.length + k;
    simulateSubscriber(x, cal, sinks, sid, a.slot, a.activation, a.profileEnd, contacts?.get(sid));
  });
}
