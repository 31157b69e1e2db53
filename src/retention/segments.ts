/**
 * Segments: five small dimensions per subscriber, each stored as a small integer index into its list.
 *
 * - value: high / mid / low, by customer value (or ARPU) quantiles or fixed amounts.
 * - price: price-sensitive or not. Documented proxy from observable features: one signal each for
 *   (1) discount share of the bill >= `discountShareMin`, (2) ARPU in the lowest `lowArpuQuantile` of the
 *   scored population (or below `lowArpuAmount`), (3) a flexible contract (prepaid / month-to-month by
 *   default), (4) a recent price increase >= `priceIncreaseMin` (relative). Sensitive when at least
 *   `minSignals` signals are present. A missing input (NaN) is no signal.
 * - tenure: new (< `newMonths`), loyal (> `loyalMonths`), established in between.
 * - contract: renewal window (fixed term ending within `renewalWindowDays`), in contract (ending later),
 *   out of contract (no fixed term, or the term has ended).
 * - driver: the main driver of the risk, taken from the reasons (see reasons.ts).
 * - usage: falling when the subscriber's use in the last 30 days is at least `fallingPct` % below their own months
 *   4-9 in any of data, voice, sessions or active days (a subscriber without such a past: the last 30 vs the
 *   previous 60 days), by more than `fallingZ` standard errors of that measure's recent level (a month of low use
 *   moves by chance: score-chunks.ts fallSignificance); quiet when it is not falling and the subscriber was active on
 *   few days of the last 30 (at or below the `quietQuantile` of the scored subscribers, or `quietActiveDays`); else
 *   steady. It says whether engagement is going away, whatever drives the risk: actions that win back use (a usage
 *   nudge, a bundle) are priced and learned on it. Quiet and stable is the retention literature's "sleeping dog":
 *   settled, using little, and reminded by an unsolicited offer of a contract they had stopped thinking about.
 *
 * The effect segment (the key effects are priced and learned on) joins the dimensions listed in
 * `retention.segments.effectKey`, e.g. "value=high;price=insensitive;driver=network".
 */
import { CONTRACT_STAGES, DRIVERS, PRICE_SENSITIVITY, SEGMENT_DIM_NAMES, SEGMENT_DIMS, type SegmentDim, TENURE_STAGES, USAGE_TRENDS, VALUE_TIERS } from "../ids.js";
import type { SegmentsConfig } from "../config/retention.js";

export {
  CONTRACT_STAGES,
  type ContractStage,
  DRIVERS,
  type Driver,
  PRICE_SENSITIVITY,
  SEGMENT_DIM_NAMES,
  SEGMENT_DIMS,
  type SegmentDim,
  TENURE_STAGES,
  type TenureStage,
  USAGE_TRENDS,
  type UsageTrend,
  VALUE_TIERS,
  type ValueTier,
} from "../ids.js";

const DAYS_PER_MONTH = 365.25 / 12;
const FLEXIBLE_DEFAULT = ["prepaid", "month_to_month"];

/** Quantile q (0..1) of the finite values, linear interpolation between order statistics (type 7). NaN if none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const buf = new Float64Array(values.length);
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) buf[m++] = v;
  }
  const xs = buf.subarray(0, m).sort();
  if (xs.length === 0) return Number.NaN;
  const h = (xs.length - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, xs.length - 1);
  return xs[lo]! + (h - lo) * (xs[hi]! - xs[lo]!);
}

export interface ValueTierCutoffs {
  /** value >= high → high tier */
  high: number;
  /** value >= mid → mid tier, else low */
  mid: number;
}

/**
 * Cutoffs of the value tiers. With method "quantile", `high` and `mid` are quantiles of the scored
 * population (0.8 / 0.4: top 20% high, next 40% mid, bottom 40% low); with "amount" they are amounts.
 */
export function valueTierCutoffs(values: ArrayLike<number>, cfg: SegmentsConfig["valueTier"]): ValueTierCutoffs {
  if (cfg.method === "amount") return { high: cfg.high, mid: cfg.mid };
  return { high: quantile(values, cfg.high), mid: quantile(values, cfg.mid) };
}

/** 0 high, 1 mid, 2 low. A customer worth nothing (no revenue known) is low, even where most are worth nothing. */
export function valueTierIndex(v: number, c: ValueTierCutoffs): number {
  if (!(v > 0)) return 2;
  return v >= c.high ? 0 : v >= c.mid ? 1 : 2;
}

/** The ARPU below which "low ARPU" is a price-sensitivity signal. */
export function lowArpuCutoff(arpu: ArrayLike<number>, cfg: SegmentsConfig["priceSensitivity"]): number {
  return cfg.lowArpuAmount ?? quantile(arpu, cfg.lowArpuQuantile);
}

/** Number of price-sensitivity signals present (0..4). */
export function priceSignals(
  discountShare: number,
  arpu: number,
  contractType: string | null | undefined,
  priceIncrease: number,
  lowArpu: number,
  cfg: SegmentsConfig["priceSensitivity"],
): number {
  const flexible: readonly string[] = cfg.flexibleContracts ?? FLEXIBLE_DEFAULT;
  return (
    (discountShare >= cfg.discountShareMin ? 1 : 0) +
    (arpu < lowArpu ? 1 : 0) +
    (contractType != null && flexible.includes(contractType) ? 1 : 0) +
    (priceIncrease >= cfg.priceIncreaseMin ? 1 : 0)
  );
}

/** 0 sensitive, 1 insensitive. */
export function priceIndex(signals: number, cfg: SegmentsConfig["priceSensitivity"]): number {
  return signals >= cfg.minSignals ? 0 : 1;
}

/** 0 new, 1 established, 2 loyal. Unknown tenure (NaN) counts as established. */
export function tenureStageIndex(tenureDays: number, cfg: SegmentsConfig["tenure"]): number {
  if (tenureDays < cfg.newMonths * DAYS_PER_MONTH) return 0;
  if (tenureDays > cfg.loyalMonths * DAYS_PER_MONTH) return 2;
  return 1;
}

/** 0 in contract, 1 renewal window, 2 out of contract. `daysToEnd` is NaN when there is no fixed term. */
export function contractStageIndex(daysToEnd: number, cfg: SegmentsConfig["contract"]): number {
  if (!Number.isFinite(daysToEnd) || daysToEnd < 0) return 2;
  return daysToEnd <= cfg.renewalWindowDays ? 1 : 0;
}

/** The active days (of the last 30) at or below which a subscriber whose use is not falling is quiet; NaN: nobody. */
export function quietActivityCutoff(activeDays: ArrayLike<number> | undefined, cfg: Pick<SegmentsConfig["usage"], "quietQuantile" | "quietActiveDays">): number {
  if (cfg.quietActiveDays !== null) return cfg.quietActiveDays;
  if (!activeDays || cfg.quietQuantile <= 0) return Number.NaN;
  return quantile(activeDays, cfg.quietQuantile);
}

/**
 * 0 falling, 1 steady, 2 quiet. `ownPast`: the largest change (%) of recent use against the subscriber's own months
 * 4-9 (the least over the measures, NaN when none is known); `recent`: the same for the last 30 days against the
 * previous 60, read only when no own past is known; `activeDays`: active days of the last 30, quiet at or below
 * `quietCut` (quietActivityCutoff) when use is not falling. An unknown value (NaN) is no signal.
 * @example usageTrendIndex(-35, Number.NaN, 3, 12, { fallingPct: 30 }) // 0
 */
export function usageTrendIndex(ownPast: number, recent: number, activeDays: number, quietCut: number, cfg: Pick<SegmentsConfig["usage"], "fallingPct">): number {
  const change = Number.isFinite(ownPast) ? ownPast : recent;
  if (change <= -cfg.fallingPct) return 0;
  return activeDays <= quietCut ? 2 : 1;
}

/** A subscriber's segment as level indexes, one per dimension. */
export interface SegmentIndex {
  value: number;
  price: number;
  tenure: number;
  contract: number;
  driver: number;
  usage: number;
}

/** Level names of a segment. */
export function segmentLevels(s: SegmentIndex): Record<SegmentDim, string> {
  return {
    value: VALUE_TIERS[s.value]!,
    price: PRICE_SENSITIVITY[s.price]!,
    tenure: TENURE_STAGES[s.tenure]!,
    contract: CONTRACT_STAGES[s.contract]!,
    driver: DRIVERS[s.driver]!,
    usage: USAGE_TRENDS[s.usage]!,
  };
}

/**
 * The effect-segment key over the chosen dimensions, in SEGMENT_DIM_NAMES order; "all" when none.
 * @example segmentKey({value: 0, price: 1, tenure: 1, contract: 0, driver: 0, usage: 1}, ["value", "driver"]) // "value=high;driver=network"
 */
export function segmentKey(s: SegmentIndex, dims: readonly SegmentDim[]): string {
  const levels = segmentLevels(s);
  const parts = SEGMENT_DIM_NAMES.filter((d) => dims.includes(d)).map((d) => `${d}=${levels[d]}`);
  return parts.length ? parts.join(";") : "all";
}

/** Parse "value=high;driver=network" into tokens; "all" → no tokens. */
export function keyTokens(key: string): string[] {
  return key === "all" || key === "" ? [] : key.split(/[;&]/).map((t) => t.trim());
}

/** Every effect-segment key for the given dimensions (the cartesian product of their levels). */
export function allSegmentKeys(dims: readonly SegmentDim[]): string[] {
  const used = SEGMENT_DIM_NAMES.filter((d) => dims.includes(d));
  let keys: string[][] = [[]];
  for (const d of used) keys = keys.flatMap((k) => SEGMENT_DIMS[d].map((l) => [...k, `${d}=${l}`]));
  return keys.map((k) => (k.length ? k.join(";") : "all"));
}
