/**
 * Learning what works from the `campaigns` table (with --data; churn's own contacts log has the same format):
 *
 *   1. contact waves: contacts whose outcome window (retention.effects.horizonDays) has passed by as-of,
 *      grouped into waves (pipeline/uplift.ts)
 *   2. the contacted subscribers as they were the day before their wave: features by the same feature runner,
 *      scored and explained by the same model, their effect segment by the same planning code with the
 *      value-tier and low-ARPU cutoffs of THIS run (amounts), so a segment means the same subscribers in
 *      learning and in planning
 *   3. treatment vs control churn within the horizon per action and segment, shrunk toward the catalogue's
 *      prior (estimateEffects): the segment cells, the report's readable summary
 *   4. the per-subscriber uplift model and its time-honest judgement against the cells and against one
 *      effect per action (pipeline/uplift.ts); the plan buys with the winner (retention.uplift.method)
 * Without a campaigns table (or with no contact old enough) every effect is the prior, and the report says so.
 */
import type { Config } from "../config/schema.js";
import type { Db } from "../io/duckdb.js";
import type { Logger } from "../log.js";
import { DRIVER_FEATURES } from "../model/explain.js";
import { type EffectEstimate, estimateEffects } from "../retention/effects.js";
import { allSegmentKeys, lowArpuCutoff, quietActivityCutoff, type SegmentDim, valueTierCutoffs } from "../retention/segments.js";
import type { UpliftReport } from "../report/planner-report.js";
import type { Period } from "../features/periods.js";
import { customerValues } from "../retention/value.js";
import type { Scored } from "./score-chunks.js";
import {
  type CollectOptions,
  type ContactWaves,
  contactRowsOf,
  contactWaves,
  type LearnedUplift,
  learnFromContacts,
  periodDays,
  type SegmentCutoffs,
  upliftReport,
  upliftSettings,
} from "./uplift.js";

export interface LearnedEffects {
  estimates: EffectEstimate[];
  /** "learned" when at least one cell was learned from campaigns. */
  source: "learned" | "prior";
  note: string;
  contacts: number;
  /** First contact day of each wave learned from. */
  waves: string[];
  /** The per-subscriber uplift model, its judgement and the method the plan buys with (absent: priors). */
  uplift?: LearnedUplift;
  /** The judgement for the report (absent when there was nothing to judge). */
  report?: UpliftReport;
}

/** What learning needs: the contacts' collection options (this run's cutoffs reused for the contacted subscribers) and the config. */
export type LearnOptions = Omit<CollectOptions, "retention" | "settings" | "log" | "seed"> & { config: Config; log: Logger };

export function priorEffects(config: Config, note: string): LearnedEffects {
  const r = config.retention;
  const keys = allSegmentKeys(r.segments.effectKey as SegmentDim[]);
  return { estimates: estimateEffects([], r.actions, keys, r.effects), source: "prior", note, contacts: 0, waves: [] };
}

export const NO_CAMPAIGNS = "No campaigns table: every effect is the catalogue's prior.";

export async function learnEffects(db: Db, o: LearnOptions): Promise<LearnedEffects> {
  if (!o.columns.has("campaigns")) return priorEffects(o.config, NO_CAMPAIGNS);
  // 1-2. (up to the cutoffs: what a shard of a sharded run computes for its subscribers)
  const waves = await contactWaves(db, { ...o, retention: o.config.retention, settings: upliftSettings(o.config.retention), seed: o.config.seed });
  return effectsFromWaves(waves, o);
}

/**
 * Steps 2-4 from the contact waves (one process's, or every shard's put together by a merge): the contacted
 * subscribers' segments with this run's cutoffs, the segment cells and the uplift model.
 */
export function effectsFromWaves(w: ContactWaves | undefined, o: SegmentCutoffs & { config: Config; asOf: string; horizon: Period }): LearnedEffects {
  const r = o.config.retention;
  const settings = upliftSettings(r);
  const data = w ? contactRowsOf(w, { ...o, retention: r, settings }) : undefined;
  if (!data || data.n === 0) return priorEffects(o.config, `No campaign contact is ${settings.horizonDays} days old by ${o.asOf}: every effect is the catalogue's prior.`);
  // 3-4.
  const uplift = learnFromContacts(data, r, settings, periodDays(o.horizon));
  const learned = uplift.cells.filter((e) => e.source === "learned").length;
  const waves = data.waveDays;
  const cellsNote =
    learned > 0
      ? `Effects learned from ${data.n} campaign contacts in ${waves.length} wave(s) (${waves[0]} to ${waves[waves.length - 1]}${w?.olderWaves ? `; ${w.olderWaves} older wave(s) left out, retention.effects.maxWaves` : ""}${w?.sampled ? `; from the ${w.sampled.waves} wave(s) of more than ${r.effects.maxContactsPerWave} contacts a seeded random sample, about ${w.sampled.kept} of their ${w.sampled.of}, retention.effects.maxContactsPerWave` : ""}), treatment vs control churn within ${settings.horizonDays} days, shrunk toward the catalogue's prior; ${learned} of ${uplift.cells.length} action x segment cells had enough contacts, the rest use the prior.`
      : `Campaigns were found but no action x segment cell had ${r.effects.minGroupSize} treated and control subscribers: every cell is the catalogue's prior.`;
  return {
    estimates: uplift.cells,
    source: learned > 0 || uplift.method !== "segment_cells" ? "learned" : "prior",
    note: `${cellsNote} ${uplift.note}`,
    contacts: data.n,
    waves,
    uplift,
    ...(uplift.judgement ? { report: upliftReport(uplift.method, uplift.judgement) } : {}),
  };
}

/** The per-driver columns that carry the main driver into planRetention. */
export function planDrivers(): { features: typeof DRIVER_FEATURES } {
  return { features: DRIVER_FEATURES };
}

/** This run's value-tier, low-ARPU and quiet-use cutoffs over the scored subscribers (all shards' in a merge). */
export function effectCutoffs(scored: Scored, config: Config): Omit<SegmentCutoffs, "thresholds"> {
  const r = config.retention;
  const arpu = scored.num.arpu ?? new Float32Array(scored.n);
  const cv = customerValues(scored.prob, arpu, r.value);
  const cut = valueTierCutoffs(r.segments.valueTier.by === "arpu" ? arpu : cv, r.segments.valueTier);
  return {
    valueHigh: cut.high,
    valueMid: cut.mid,
    lowArpu: lowArpuCutoff(arpu, r.segments.priceSensitivity),
    quietActiveDays: quietActivityCutoff(scored.num.activeDays, r.segments.usage),
  };
}
