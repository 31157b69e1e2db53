/**
 * Risk bands. The thresholds are frozen in the model artifact (chosen at training time) and may be
 * overridden in the config (`retention.bands`). A probability p falls in the first band whose lower
 * bound it reaches: p >= critical → critical, p >= high → high, p >= medium → medium, else low.
 */
import { ConfigError } from "../errors.js";
import { BANDS, type Band } from "../ids.js";
import { msg } from "../messages.js";

export { BANDS, type Band } from "../ids.js";

/** Lower bounds of the three upper bands; must satisfy 1 >= critical > high > medium > 0. */
export interface BandThresholds {
  critical: number;
  high: number;
  medium: number;
}

/**
 * The thresholds to use: the model's, with any config override applied, checked for order.
 * @example resolveBandThresholds({critical: 0.6, high: 0.4, medium: 0.2}, {critical: 0.7}) // {0.7, 0.4, 0.2}
 */
export function resolveBandThresholds(
  model: BandThresholds,
  override: { critical?: number | undefined; high?: number | undefined; medium?: number | undefined } = {},
): BandThresholds {
  const t: BandThresholds = {
    critical: override.critical ?? model.critical,
    high: override.high ?? model.high,
    medium: override.medium ?? model.medium,
  };
  for (const k of ["critical", "high", "medium"] as const) {
    const v = t[k];
    if (!Number.isFinite(v) || v <= 0 || v > 1) throw new ConfigError(msg.bandThresholdRange(k, v));
  }
  if (!(t.critical > t.high && t.high > t.medium)) throw new ConfigError(msg.bandThresholdOrder(t.critical, t.high, t.medium));
  return t;
}

/** Band index into BANDS (0 = critical ... 3 = low). NaN probabilities are refused upstream. */
export function bandIndex(p: number, t: BandThresholds): number {
  return p >= t.critical ? 0 : p >= t.high ? 1 : p >= t.medium ? 2 : 3;
}

export function bandOf(p: number, t: BandThresholds): Band {
  return BANDS[bandIndex(p, t)]!;
}
