/**
 * Latent drivers of a subscriber, never written to the data tables (only to truth/): value tier, price and
 * service sensitivity, dormancy, and the segment they define. Retention actions act differently per segment.
 */
import type { Rng } from "./rng.js";

export const VALUE_TIERS = ["low", "mid", "high"] as const;
export type ValueTier = 0 | 1 | 2;

export const SEGMENTS = ["price_hunter", "value_seeker", "service_first", "mainstream", "loyal_core", "sleeping_dog"] as const;
export type Segment = (typeof SEGMENTS)[number];

/** What each segment is, for data/README.md (Synthetic world) and truth/world.json. */
export const SEGMENT_MEANING: Record<Segment, string> = {
  price_hunter: "low value, price-sensitive: reacts to price increases and competitor offers; discounts work",
  value_seeker: "mid/high value, price-sensitive: discounts and bundles work, renewal offers near contract end",
  service_first: "mid/high value, service-sensitive: problems drive them out; care calls and fast-track work",
  mainstream: "mid value, neither sensitive: modest response to most actions",
  loyal_core: "high value, not sensitive: rarely leaves; most contacts are wasted",
  sleeping_dog: "long-tenure, low-engagement: stable if left alone, contact reminds them to leave",
};

export interface Latent {
  tier: ValueTier;
  priceSensitive: boolean;
  serviceSensitive: boolean;
  dormant: boolean;
  segment: Segment;
}

/** Draw a subscriber's latent drivers; `tenureDays` at the start of the window (negative for new arrivals). */
export function drawLatent(rng: Rng, tenureDays: number): Latent {
  const tier = rng.pick([0.42, 0.4, 0.18]) as ValueTier;
  const priceSensitive = rng.bool([0.72, 0.4, 0.12][tier]!);
  const serviceSensitive = rng.bool([0.2, 0.42, 0.72][tier]!);
  const dormant = tenureDays > 730 && rng.bool(0.16);
  return { tier, priceSensitive, serviceSensitive, dormant, segment: segmentOf(tier, priceSensitive, serviceSensitive, dormant) };
}

export function segmentOf(tier: ValueTier, priceSensitive: boolean, serviceSensitive: boolean, dormant: boolean): Segment {
  if (dormant) return "sleeping_dog";
  if (priceSensitive) return tier === 0 ? "price_hunter" : "value_seeker";
  if (serviceSensitive && tier > 0) return "service_first";
  return tier === 2 ? "loyal_core" : "mainstream";
}
