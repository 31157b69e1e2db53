/**
 * Eligibility of a subscriber for an action, from the catalog's `eligibility` block. Each list becomes a
 * bitmask over the dimension's levels (bit i = level i allowed) so the check per row is a few shifts.
 */
import { BANDS } from "./bands.js";
import type { ActionDef } from "../config/catalog.js";
import { SEGMENT_DIMS, type SegmentIndex } from "./segments.js";

export interface EligibilityMask {
  band: number;
  value: number;
  price: number;
  tenure: number;
  contract: number;
  driver: number;
  usage: number;
  minOpenComplaints: number;
  maxOpenComplaints: number;
  maxProducts: number;
}

const mask = (allowed: readonly string[] | undefined, levels: readonly string[]): number =>
  allowed === undefined ? (1 << levels.length) - 1 : allowed.reduce((m, l) => m | (1 << levels.indexOf(l)), 0);

export function eligibilityMask(a: ActionDef): EligibilityMask {
  const e = a.eligibility;
  return {
    band: mask(e.bands, BANDS),
    value: mask(e.value, SEGMENT_DIMS.value),
    price: mask(e.price, SEGMENT_DIMS.price),
    tenure: mask(e.tenure, SEGMENT_DIMS.tenure),
    contract: mask(e.contract, SEGMENT_DIMS.contract),
    driver: mask(e.driver, SEGMENT_DIMS.driver),
    usage: mask(e.usage, SEGMENT_DIMS.usage),
    minOpenComplaints: e.minOpenComplaints,
    maxOpenComplaints: e.maxOpenComplaints ?? Number.POSITIVE_INFINITY,
    maxProducts: e.maxProducts ?? Number.POSITIVE_INFINITY,
  };
}

/**
 * Is a subscriber eligible? Unknown open complaints / products (NaN) fail a requirement on them (a minimum, a
 * product cap) but not a cap on open complaints: nothing says a complaint is open.
 * @example isEligible(eligibilityMask(networkFix), 0, {value: 1, price: 1, tenure: 1, contract: 0, driver: 0, usage: 1}, 0, 2) // true
 */
export function isEligible(m: EligibilityMask, band: number, s: SegmentIndex, openComplaints: number, products: number): boolean {
  return (
    ((m.band >> band) & 1) === 1 &&
    ((m.value >> s.value) & 1) === 1 &&
    ((m.price >> s.price) & 1) === 1 &&
    ((m.tenure >> s.tenure) & 1) === 1 &&
    ((m.contract >> s.contract) & 1) === 1 &&
    ((m.driver >> s.driver) & 1) === 1 &&
    ((m.usage >> s.usage) & 1) === 1 &&
    (m.minOpenComplaints === 0 || openComplaints >= m.minOpenComplaints) &&
    !(openComplaints > m.maxOpenComplaints) &&
    (m.maxProducts === Number.POSITIVE_INFINITY || products <= m.maxProducts)
  );
}
