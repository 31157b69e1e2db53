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
  /** Draw the retention campaigns (default true); false gives a world with no campaign history. */
  campaigns?: boolean;
  /**
   * Months added after `end` by `churn generate --continue` (default 0). Events of the added months come from
   * their own random streams, so the first `months` months are the same world whatever is added after them.
   */
  continuedMonths?: number;
}

/** A subscriber who arrives during a continued month (ids follow the base population's). */
export interface Arrival {
  slot: number;
  activation: number;
  /** The last day of the arrival's month: its profile is drawn against it, so later months never change it. */
  profileEnd: number;
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
  /** Last day of the generated window before any continued month (profiles and base arrivals use it). */
  baseEnd: number;
  /** Subscribers arriving in continued months, in id order. */
  arrivals: Arrival[];
}

/** Subscribers arriving per continued month: the base window's arrival rate (newArrivalShare). */
export function arrivalsPerMonth(subscribers: number, months: number): number {
  return Math.round((subscribers * 0.024) / (1 + 0.024 * months));
}

export function buildWorld(opts: WorldOptions): World {
  const baseEnd = dayOf(opts.end ?? DEFAULT_END);
  const start = addMonths(baseEnd + 1, -opts.months);
  const extra = opts.continuedMonths ?? 0;
  const end = extra > 0 ? addMonths(baseEnd + 1, extra) - 1 : baseEnd;
  const rng = new Rng(opts.seed, 0x5eed, 99);

  const outages: number[][] = [];
  const outageMask: string[] = [];
  for (let r = 0; r < REGIONS.length; r++) {
    const q = REGION_QUALITY[r]!;
    const days = new Set<number>();
    // Outage incidents: ~(1-q)*0.05 per day, each lasting 1-3 days.
    for (let d = start; d <= baseEnd; d++) {
      if (rng.bool((1 - q) * 0.05)) {
        const len = rng.int(1, 3);
        for (let k = 0; k < len && d + k <= baseEnd; k++) days.add(d + k);
      }
    }
    // Continued months: the region's own stream, drawn day by day (a prefix of any longer continuation).
    const ext = new Rng(opts.seed, 0x0e7a, r);
    for (let d = baseEnd + 1; d <= end; d++) {
      if (ext.bool((1 - q) * 0.05)) {
        const len = ext.int(1, 3);
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
  const nextEpisode: number[] = [];
  for (let r = 0; r < REGIONS.length; r++) {
    let d = start - 60 + Math.floor(rng.exp(150));
    while (d <= baseEnd) {
      const len = rng.int(21, 56);
      competitors.push({ region: r, from: d, to: d + len - 1 });
      d += len + Math.floor(rng.exp(150));
    }
    nextEpisode.push(d);
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
  // (only in the base window: a continued world's months have only the contacts of churn's runs)
  for (let day = start + rng.int(3, 20); day <= baseEnd && opts.campaigns !== false; day += rng.int(35, 49)) {
    campaigns.push({ day, sampleRate: rng.uniform(0.06, 0.12), controlShare: rng.uniform(0.2, 0.4) });
  }

  // Continued months: competitor episodes go on from where the base window left them (one stream per region),
  // and each month brings the base window's share of new subscribers.
  for (let r = 0; r < REGIONS.length && extra > 0; r++) {
    const ext = new Rng(opts.seed, 0xc0c0, r);
    let d = nextEpisode[r]!;
    while (d <= end) {
      const len = ext.int(21, 56);
      competitors.push({ region: r, from: d, to: d + len - 1 });
      d += len + Math.floor(ext.exp(150));
    }
  }
  const arrivals: Arrival[] = [];
  const perMonth = arrivalsPerMonth(opts.subscribers, opts.months);
  for (let j = 0; j < extra; j++) {
    const from = addMonths(baseEnd + 1, j);
    const to = addMonths(baseEnd + 1, j + 1) - 1;
    const month: Arrival[] = [];
    for (let k = 0; k < perMonth; k++) {
      const slot = opts.subscribers + j * perMonth + k;
      month.push({ slot, activation: new Rng(opts.seed, slot, 0).int(from, to), profileEnd: to });
    }
    month.sort((a, b) => a.activation - b.activation || a.slot - b.slot);
    arrivals.push(...month);
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
    baseEnd,
    arrivals,
  };
}
