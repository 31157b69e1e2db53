/**
 * The world's configuration and its world-level events (drawn once from the seed): the data window,
 * regions with their latent network quality and outage days, regional competitor offer episodes, the
 * yearly price increases and the retention campaigns (about nine a year).
 */
import { addMonths, dayOf, ymd } from "./dates.js";
import { Rng } from "./rng.js";

export interface WorldOptions {
  subscribers: number;
  months: number;
  seed: number;
  /** Last day of data, YYYY-MM-DD. A fixed default so the same seed always gives the same bytes. */
  end?: string;
}

export const DEFAULT_END = "2026-06-30";

export const REGIONS = ["north", "south", "east", "west", "central", "coastal"] as const;
/** Latent network quality per region (1 = good): drives outages, network complaints and dropped calls. */
export const REGION_QUALITY = [0.8, 0.65, 0.75, 0.7, 0.9, 0.5] as const;
export const REGION_WEIGHTS = [0.18, 0.17, 0.15, 0.14, 0.24, 0.12] as const;
export const CHANNELS = ["sms", "email", "phone", "app"] as const;

export interface CompetitorEpisode {
  region: number;
  from: number;
  to: number;
}

export interface Campaign {
  day: number;
  /** Share of active subscribers sampled. */
  sampleRate: number;
  /** Share of the sample held out as control. */
  controlShare: number;
}

export interface World {
  seed: number;
  subscribers: number;
  months: number;
  /** First and last day of data (epoch days, inclusive). */
  start: number;
  end: number;
  /** Per region: sorted outage days in [start, end]. */
  outages: number[][];
  /** Per region: a bit per window day, 1 on outage days (for the usage SQL). */
  outageMask: string[];
  competitors: CompetitorEpisode[];
  /** Days on which fees of contract (non-prepaid) subscribers rise. */
  priceIncreases: number[];
  priceIncreaseRate: number;
  campaigns: Campaign[];
}

export function buildWorld(opts: WorldOptions): World {
  const end = dayOf(opts.end ?? DEFAULT_END);
  const start = addMonths(end + 1, -opts.months);
  const rng = new Rng(opts.seed, 0x5eed, 99);

  const outages: number[][] = [];
  const outageMask: string[] = [];
  for (let r = 0; r < REGIONS.length; r++) {
    const q = REGION_QUALITY[r]!;
    const days = new Set<number>();
    // Outage incidents: ~(1-q)*0.05 per day, each lasting 1-3 days.
    for (let d = start; d <= end; d++) {
      if (rng.bool((1 - q) * 0.05)) {
        const len = rng.int(1, 3);
        for (let k = 0; k < len && d + k <= end; k++) days.add(d + k);
      }
    }
    const sorted = [...days].sort((a, b) => a - b);
    outages.push(sorted);
    let mask = "";
    for (let d = start; d <= end; d++) mask += days.has(d) ? "1" : "0";
    outageMask.push(mask);
  }

  // Competitor offer episodes: per region, on average one every ~5 months, lasting 3-8 weeks.
  const competitors: CompetitorEpisode[] = [];
  for (let r = 0; r < REGIONS.length; r++) {
    let d = start - 60 + Math.floor(rng.exp(150));
    while (d <= end) {
      const len = rng.int(21, 56);
      competitors.push({ region: r, from: d, to: d + len - 1 });
      d += len + Math.floor(rng.exp(150));
    }
  }

  // Yearly price increase on April 1st (inflation indexation) for all fee-paying contracts.
  const priceIncreases: number[] = [];
  for (let y = ymd(start - 90).y; y <= ymd(end).y; y++) {
    const d = dayOf(`${y}-04-01`);
    if (d >= start - 90 && d <= end) priceIncreases.push(d);
  }

  // A campaign every five to seven weeks (about nine a year), so some subscribers are contacted again within
  // two months, when a second contact does much less (see actions.ts).
  const campaigns: Campaign[] = [];
  for (let day = start + rng.int(3, 20); day <= end; day += rng.int(35, 49)) {
    campaigns.push({ day, sampleRate: rng.uniform(0.06, 0.12), controlShare: rng.uniform(0.2, 0.4) });
  }

  return {
    seed: opts.seed,
    subscribers: opts.subscribers,
    months: opts.months,
    start,
    end,
    outages,
    outageMask,
    competitors,
    priceIncreases,
    priceIncreaseRate: 0.05,
    campaigns,
  };
}
