/**
 * Who the subscribers are: arrival cohorts over several years (tenure varies), plan, contract type and
 * term, fee, region, preferred channel, product holdings and usage levels. Drawn per subscriber from its
 * own random stream.
 */
import type { ContractType } from "./types.js";
import { addMonths } from "./dates.js";
import { drawLatent, type Latent } from "./drivers.js";
import type { Rng } from "./rng.js";
import { REGION_WEIGHTS } from "./world.js";

export const PRODUCTS = ["mobile", "broadband", "tv", "email_hosting", "cloud_storage", "landline"] as const;
export const PRODUCT_FEE = [15, 25, 12, 4, 3, 6] as const;
export const P_MOBILE = 0;
export const P_BROADBAND = 1;
export const P_EMAIL = 3;
export const P_LANDLINE = 5;

export interface Plan {
  name: string;
  fee: number;
}
const PLANS = {
  prepaid: [
    { name: "prepaid_go", fee: 10 },
    { name: "prepaid_go", fee: 10 },
    { name: "prepaid_plus", fee: 15 },
  ],
  mobile: [
    { name: "mobile_s", fee: 19.9 },
    { name: "mobile_m", fee: 29.9 },
    { name: "unlimited_plus", fee: 44.9 },
  ],
  broadband: [
    { name: "fiber_100", fee: 34.9 },
    { name: "fiber_500", fee: 44.9 },
    { name: "fiber_1000", fee: 59.9 },
  ],
} as const;

export interface Holding {
  product: number;
  start: number;
  /** Day removed, or -1 while held. */
  end: number;
}

export interface Profile extends Latent {
  activation: number;
  contract: ContractType;
  /** Term in months for fixed contracts, else 0. */
  termMonths: number;
  /** End of the current fixed term (epoch day), or -1. */
  contractEnd: number;
  plan: string;
  fee: number;
  region: number;
  channel: number;
  holdings: Holding[];
  newPromo: boolean;
  /** Usage levels per day. */
  voice: number;
  data: number;
  sms: number;
  sessions: number;
  activeProb: number;
}

/** Activation day of a subscriber: an existing customer (tenure years back) or a new arrival in the window. */
export function drawActivation(rng: Rng, start: number, end: number, newShare: number): number {
  if (rng.bool(newShare)) return rng.int(start, end);
  const c = rng.pick([0.35, 0.4, 0.25]);
  let tenure = c === 0 ? rng.exp(300) : c === 1 ? rng.exp(1000) : rng.uniform(1500, 3650);
  if (tenure > 3650) tenure = rng.uniform(2500, 3650);
  return start - 1 - Math.floor(tenure);
}

export function drawProfile(rng: Rng, activation: number, start: number, end: number): Profile {
  const latent = drawLatent(rng, start - activation);
  const t = latent.tier;
  const broadbandFirst = rng.bool(0.3);
  let contract: ContractType = (["prepaid", "month_to_month", "fixed_12m", "fixed_24m"] as const)[rng.pick([0.22, 0.28, 0.2, 0.3])]!;
  if (broadbandFirst && contract === "prepaid") contract = "month_to_month";
  if (latent.dormant && contract.startsWith("fixed") && rng.bool(0.6)) contract = "month_to_month";
  const termMonths = contract === "fixed_12m" ? 12 : contract === "fixed_24m" ? 24 : 0;
  let contractEnd = -1;
  if (termMonths > 0) {
    let k = 1;
    contractEnd = addMonths(activation, termMonths);
    while (contractEnd < start - 14) contractEnd = addMonths(activation, termMonths * ++k);
  }
  const planIdx = Math.min(2, Math.max(0, t + (rng.bool(0.2) ? (rng.bool(0.5) ? 1 : -1) : 0)));
  const plan = contract === "prepaid" ? PLANS.prepaid[planIdx]! : broadbandFirst ? PLANS.broadband[planIdx]! : PLANS.mobile[planIdx]!;

  // Product holdings: a primary product at activation, extras added later (bundles, email hosting).
  const primary = broadbandFirst ? P_BROADBAND : P_MOBILE;
  const nWeights = contract === "prepaid" ? [0.88, 0.1, 0.02, 0] : [[0.55, 0.3, 0.11, 0.04], [0.36, 0.34, 0.2, 0.1], [0.2, 0.33, 0.29, 0.18]][t]!;
  const n = 1 + rng.pick(nWeights);
  const holdings: Holding[] = [{ product: primary, start: activation, end: -1 }];
  const candidates = [primary === P_MOBILE ? P_BROADBAND : P_MOBILE, 2, 3, 4, 5];
  const weights = [3, 2, broadbandFirst ? 2.2 : 1.2, 1, 0.8];
  let fee = plan.fee;
  for (let i = 1; i < n; i++) {
    const j = rng.pick(weights);
    weights[j] = 0;
    const product = candidates[j]!;
    // Extras are mostly added early in the relationship; some during the data window.
    const span = Math.max(1, end - activation);
    const s = activation + Math.floor(span * rng.next() ** 2.5 * 0.9);
    holdings.push({ product, start: s, end: -1 });
    fee += PRODUCT_FEE[product]!;
  }
  holdings.sort((a, b) => a.start - b.start || a.product - b.product);

  const hasMobile = holdings.some((h) => h.product === P_MOBILE);
  const hasBroadband = holdings.some((h) => h.product === P_BROADBAND);
  // Voice comes from a mobile line or a landline: a broadband-only household makes no calls and sends no SMS
  // (a structural zero, not disengagement).
  const hasLandline = holdings.some((h) => h.product === P_LANDLINE);
  const ln = (sigma: number) => Math.exp(sigma * rng.normal() - (sigma * sigma) / 2);
  const dormantFactor = latent.dormant ? 0.35 : 1;
  return {
    ...latent,
    activation,
    contract,
    termMonths,
    contractEnd,
    plan: plan.name,
    fee: Math.round(fee * 100) / 100,
    region: rng.pick(REGION_WEIGHTS),
    channel: rng.bool(0.06) ? -1 : rng.pick([[0.45, 0.2, 0.25, 0.1], [0.3, 0.3, 0.15, 0.25], [0.15, 0.35, 0.15, 0.35]][t]!),
    holdings,
    newPromo: rng.bool(0.3),
    voice: (hasMobile ? [8, 14, 22][t]! : hasLandline ? 4 : 0) * ln(0.5) * dormantFactor,
    data: ((hasBroadband ? [2500, 4500, 7000][t]! : 0) + (hasMobile ? [250, 600, 1200][t]! : 0)) * ln(0.6) * dormantFactor,
    sms: (hasMobile ? [3, 2, 1.5][t]! : 0) * ln(0.6) * dormantFactor,
    sessions: [0.25, 0.4, 0.6][t]! * ln(0.5) * dormantFactor,
    activeProb: (contract === "prepaid" ? 0.75 : 0.93) * (latent.dormant ? 0.65 : 1),
  };
}
