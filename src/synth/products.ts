/** Product holdings: rows per product, closed when the subscriber leaves; disengaged customers drop extras. */
import { PRODUCTS, type Profile } from "./cohorts.js";

export const DROP_RATE = 0.006;

/** A disengaged subscriber drops its latest extra (non-primary) product today; false if it has none. */
export function maybeDropProduct(p: Profile, day: number): boolean {
  for (let i = p.holdings.length - 1; i >= 1; i--) {
    const h = p.holdings[i]!;
    if (h.start < day && h.end < 0) {
      h.end = day;
      return true;
    }
  }
  return false;
}

/** Final holdings for the products table: products started after departure never happened. */
export function finalHoldings(p: Profile, deact: number): { product: string; start: number; end: number }[] {
  return p.holdings
    .filter((h) => deact < 0 || h.start < deact || h === p.holdings[0])
    .map((h) => ({ product: PRODUCTS[h.product]!, start: h.start, end: h.end >= 0 ? h.end : deact }));
}
