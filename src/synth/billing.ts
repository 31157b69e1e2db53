/**
 * Monthly bills: the plan fee plus extra products held, raised at each yearly price increase; prorated in
 * the first and last month; discounts for new-customer promotions and price-incentive campaigns; late
 * payments more likely for low-value customers and during financial stress. Prepaid: top-ups, no due date.
 */
import { PRODUCT_FEE, type Profile } from "./cohorts.js";
import { addMonths, daysInMonth, monthStartOf } from "./dates.js";
import type { Rng } from "./rng.js";
import type { Sink } from "./sink.js";
import type { World } from "./world.js";

/** Monthly fee on `day` (the plan, extras held, yearly increases since activation). */
export function feeAt(w: World, p: Profile, planFee: number, day: number): number {
  let fee = planFee;
  for (let i = 1; i < p.holdings.length; i++) {
    const h = p.holdings[i]!;
    if (h.start <= day && (h.end < 0 || h.end > day)) fee += PRODUCT_FEE[h.product]!;
  }
  if (p.contract !== "prepaid") for (const d of w.priceIncreases) if (day >= d && p.activation < d) fee *= 1 + w.priceIncreaseRate;
  return Math.round(fee * 100) / 100;
}

export interface BillingHistory {
  stress: [number, number][];
  /** Month starts from which a 3-month price-incentive discount runs. */
  incentives: number[];
  /** Disengagement onset if still disengaged at `profileEnd` (else -1): bills up to then follow it. */
  onset: number;
  /** The subscriber's window end (see simulateSubscriber); later months are continued ones. */
  profileEnd: number;
  /** Onset and recovery days (-1: none): continued months' bills follow them month by month. */
  onsetDay: number;
  recoveredDay: number;
}

export function emitBills(sink: Sink, rng: Rng, w: World, sid: number, p: Profile, planFee: number, deact: number, hist: BillingHistory): void {
  const first = Math.max(w.start, p.activation);
  const last = deact >= 0 ? deact - 1 : w.end;
  if (last < first) return;
  const lateBase = [0.07, 0.04, 0.015][p.tier]!;
  for (let ms = monthStartOf(first); ms <= last; ms = addMonths(ms, 1)) {
    const me = ms + daysInMonth(ms) - 1;
    const from = Math.max(ms, first);
    const to = Math.min(me, last);
    const frac = (to - from + 1) / daysInMonth(ms);
    const fee = feeAt(w, p, planFee, from);
    const diseng =
      to <= hist.profileEnd
        ? hist.onset >= 0 && hist.onset <= to
        : hist.onsetDay >= 0 && hist.onsetDay <= to && (hist.recoveredDay < 0 || hist.recoveredDay > to);
    if (p.contract === "prepaid") {
      const packs = Math.max(0, Math.round(frac * (diseng ? 0.6 : 1.1) + rng.normal() * 0.6));
      sink.push(sid, ms, Math.round(packs * fee * 100) / 100, 0, null);
      continue;
    }
    let rate = 0;
    if (p.newPromo && ms < addMonths(p.activation, 3)) rate = 0.2;
    for (const inc of hist.incentives) if (ms >= inc && ms < addMonths(inc, 3)) rate = Math.max(rate, 0.25);
    const gross = Math.round(fee * frac * 100) / 100;
    const discount = Math.round(gross * rate * 100) / 100;
    const stressed = hist.stress.some(([a, b]) => a <= to && b >= from);
    const late = rng.bool(lateBase + (stressed ? 0.55 : 0) + (diseng ? 0.05 : 0));
    sink.push(sid, ms, Math.round((gross - discount) * 100) / 100, discount, late);
  }
}
