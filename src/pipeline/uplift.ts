/**
 * Learning who each action helps, and whom it harms, from past contacts with random control groups (the
 * `campaigns` table; churn's own contacts log has the same format), and judging it on later contacts:
 *
 *   1. contact days   contacts whose outcome window (H days) has passed by as-of, grouped into waves (a
 *                     wave starts at a contact day and takes the days within WAVE_DAYS after it)
 *   2. rows           per wave: the features of its contacted subscribers as of the day before the wave (the
 *                     feature runner), scored by the churn model (probability p at contact time), their effect
 *                     segment (the plan's own code, this run's cutoffs), the modifiers' raw values, and whether
 *                     they churned within H days of the contact
 *   3. learn          the uplift model (src/model/uplift.ts) on every row: offset = the churn model's cumulative
 *                     hazard over H days, a multiplier per action with modifiers, shrunk toward the catalogue's
 *                     prior; the segment cells (treated vs control churn per action x segment, effects.ts) as
 *                     the report's readable summary
 *   4. judge          time-honest: for each of the last waves, refit on the waves whose outcome window closed
 *                     before it and rank its rows by predicted churn prevented; Qini and uplift at k of the uplift
 *                     model against the segment cells and against no heterogeneity (one multiplier per action),
 *                     pooled over those waves
 *   5. decide         the plan uses the per-subscriber uplift only when it beats both on the held-out rows;
 *                     otherwise it falls back to the better of the two, and says so
 */
import { msg } from "../messages.js";
import type { TableName } from "../contract/tables.js";
import { computeFeatures } from "../features/runner.js";
import type { Period } from "../features/periods.js";
import { isoDay } from "../features/periods.js";
import { type Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import type { Logger } from "../log.js";
import { type QiniResult, qini } from "../model/qini.js";
import type { Scorer } from "../model/registry.js";
import { fitUplift, fitUpliftEvidence, predictLogMultiplier, predictRows, probabilityAfter, rowLogMultipliers, type UpliftFit, type UpliftRows } from "../model/uplift.js";
import { applyModifierScale, DEFAULT_MODIFIERS, fitModifierScale, type ModifierDef, type ModifierScale, RISK_MODIFIER } from "../model/uplift-modifiers.js";
import type { ActionDef } from "../config/catalog.js";
import type { RetentionConfig } from "../config/retention.js";
import { priorEffect } from "../retention/catalog.js";
import { type CampaignCount, type EffectEstimate, estimateEffects } from "../retention/effects.js";
import { planRetention } from "../retention/plan.js";
import { allSegmentKeys, type SegmentDim } from "../retention/segments.js";
import { DRIVER_FEATURES, type Explainer } from "../model/explain.js";
import type { UpliftReport } from "../report/planner-report.js";
import { planInputOf } from "./plan-input.js";
import { type Scored, scoreChunks } from "./score-chunks.js";

/** Contact days within this many days of a wave's first day belong to that wave (features as of the day before it). */
export const WAVE_DAYS = 7;

export interface UpliftSettings {
  /** Outcome window after a contact, in days. */
  horizonDays: number;
  modifiers: readonly ModifierDef[];
  priorPrecision: number;
  sharedPrecision: number;
  actionPrecision: number;
  /** Fewer contact rows than this: no uplift model (the segment cells, as before). */
  minRows: number;
  /** Held-out waves for the time-honest judgement. */
  folds: number;
  /** Selection is valued at log m + caution x sd (pessimistic when > 0): uncertain gains count less. */
  caution: number;
  /** Choose the modifiers' prior precisions from the data (evidence), starting from the ones above. */
  evidence: boolean;
  /** auto: judged on held-out contacts; else forced. */
  method: "auto" | EffectMethod;
}

export const DEFAULT_UPLIFT: UpliftSettings = {
  horizonDays: 90,
  modifiers: DEFAULT_MODIFIERS,
  priorPrecision: 20,
  sharedPrecision: 4,
  actionPrecision: 10,
  minRows: 1000,
  folds: 3,
  caution: 1,
  evidence: true,
  method: "auto",
};

/** The settings from the config: the outcome window of the effects, the uplift section, the modifiers by name. */
export function upliftSettings(r: RetentionConfig): UpliftSettings {
  const u = r.uplift;
  const modifiers = u.modifiers === null ? DEFAULT_MODIFIERS : u.modifiers.map((f) => DEFAULT_MODIFIERS.find((d) => d.feature === f) ?? { feature: f, label: f });
  return {
    ...DEFAULT_UPLIFT,
    horizonDays: r.effects.horizonDays,
    modifiers,
    priorPrecision: u.priorPrecision,
    minRows: u.minContacts,
    folds: u.folds,
    caution: u.caution,
    method: u.method,
  };
}

/** Contact rows with everything the learning needs (one row per contact whose outcome is known). */
export interface ContactRows {
  n: number;
  ids: string[];
  wave: Int32Array;
  waveDays: string[];
  /** Index into the catalogue's actions (without `none`). */
  action: Int32Array;
  treated: Uint8Array;
  churned: Uint8Array;
  /** Churn probability over the model's horizon at contact time (calibrated). */
  p: Float64Array;
  segment: string[];
  /** Actions in the catalogue (without `none`): a campaign is one action in one wave. */
  actionCount: number;
  /** Raw modifier values, row-major n x defs.length (NaN = empty). */
  raw: Float64Array;
  defs: ModifierDef[];
}

/** What collecting the contact rows needs: the waves' options and this run's cutoffs. */
export type CollectOptions = WaveOptions & SegmentCutoffs;

/** A period in days (a month counts 30.4375 days). */
export const periodDays = (p: Period): number => (p.unit === "day" ? p.n : 30.4375 * p.n);

/** Group contact days (sorted) into waves: a new wave when a day is more than WAVE_DAYS after the wave's first day. */
export function wavesOf(contactDays: readonly string[]): { first: string; days: string[] }[] {
  const out: { first: string; days: string[] }[] = [];
  for (const d of contactDays) {
    const last = out[out.length - 1];
    if (last && (Date.parse(d) - Date.parse(last.first)) / 86_400_000 <= WAVE_DAYS) last.days.push(d);
    else out.push({ first: d, days: [d] });
  }
  return out;
}

/** SQL date literals of these days, for `date IN (...)`. */
const dateList = (days: readonly string[]) => days.map((d) => `DATE ${quoteLiteral(d)}`).join(", ");

const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000);

/**
 * The latest `max` waves of these contact days (all with null), and how many older ones are left out: the same choice
 * in every shard, which all see the same contact days.
 */
export function latestWaves(contactDays: readonly string[], max: number | null): { waves: { first: string; days: string[] }[]; olderWaves: number } {
  const every = wavesOf(contactDays);
  const waves = max === null || every.length <= max ? every : every.slice(-max);
  return { waves, olderWaves: every.length - waves.length };
}

/** Contact rows of each contact day by group, what a wave's sampling rates are set from (waveSamples). */
export type ContactCounts = Map<string, { control: number; treatment: number }>;

/** Add n contact rows of `group` on `day`. */
export function countContacts(counts: ContactCounts, day: string, group: string, n: number): void {
  const c = counts.get(day) ?? { control: 0, treatment: 0 };
  if (group === "control") c.control += n;
  else c.treatment += n;
  counts.set(day, c);
}

/**
 * The sample of each wave (retention.effects.maxContactsPerWave): a SQL condition on a contact row (after its
 * `date IN (...)`; empty: every row), and what was kept. A wave larger than the cap keeps each of its control
 * contacts with probability rC and each treated one with rT, from a seeded hash of the subscriber and the wave,
 * so a subscriber's contacts of a wave in one group are kept or left out together and every shard (which sees
 * other subscribers) takes the same sample: rT = (cap - controls) / treated, both groups at half the cap when the
 * controls alone are more than half of it. The rates come from the wave's contact rows of all subscribers
 * (o.contactCounts in a ClickHouse shard, else the campaigns relation).
 */
export async function waveSamples(
  db: Db,
  waves: readonly { first: string; days: string[] }[],
  campaigns: string,
  o: Pick<WaveOptions, "retention" | "contactCounts" | "seed">,
): Promise<{ keep: ((alias: string) => string)[]; sampled?: { kept: number; of: number; waves: number } }> {
  const cap = o.retention.effects.maxContactsPerWave;
  const none = () => "";
  if (cap === null) return { keep: waves.map(() => none) };
  const counts: ContactCounts = new Map(o.contactCounts ?? []);
  if (!o.contactCounts) {
    const days = waves.flatMap((w) => w.days);
    const sql = `SELECT CAST(date AS VARCHAR) AS d, CAST("group" AS VARCHAR) AS g, count(*) AS n FROM ${campaigns} WHERE date IN (${dateList(days)}) GROUP BY ALL`;
    for (const r of await db.all(sql)) countContacts(counts, String(r["d"]), String(r["g"]), Number(r["n"]));
  }
  let kept = 0;
  let of = 0;
  let sampled = 0;
  const keep = waves.map((w) => {
    let control = 0;
    let treatment = 0;
    for (const d of w.days) {
      control += counts.get(d)?.control ?? 0;
      treatment += counts.get(d)?.treatment ?? 0;
    }
    if (control + treatment <= cap) return none;
    const rC = Math.min(1, Math.max(cap / 2, cap - treatment) / control);
    const rT = Math.min(1, Math.max(cap / 2, cap - control) / treatment);
    sampled++;
    of += control + treatment;
    kept += Math.round(rC * control + rT * treatment);
    // a uniform draw in [0, 1) per subscriber and wave: DuckDB's 64-bit hash of the id, the wave and the seed
    const u = (a: string) => `hash(${a}subscriber_id, ${quoteLiteral(w.first)}, ${o.seed}) / 18446744073709551616.0`;
    return (a: string) => ` AND ${u(a)} < CASE WHEN ${a}"group" = 'control' THEN ${rC} ELSE ${rT} END`;
  });
  return sampled ? { keep, sampled: { kept, of, waves: sampled } } : { keep };
}

/** A contact of a wave with its outcome: one row of the campaigns table whose window has passed. */
export interface OutcomeRow {
  id: string;
  date: string;
  action: string;
  treated: boolean;
  churned: boolean;
  /** Values of ContactWaves.features (null = empty). */
  values: (number | null)[];
}

/** A wave's contacted subscribers, scored as of the day before it, and its contacts' outcomes (ordered by id, date, action). */
export interface ContactWave {
  first: string;
  scored: Scored;
  rows: OutcomeRow[];
}

/**
 * Step 2 without this run's cutoffs: what a shard can compute for its own subscribers and a merge puts
 * together (contactRowsOf then gives what one process collects).
 */
export interface ContactWaves {
  /** First contact day of every wave (over all subscribers: the same in every shard). */
  waveDays: string[];
  /** Waves left out as older than the latest retention.effects.maxWaves (absent: none). */
  olderWaves?: number;
  /** Contacts of the waves larger than retention.effects.maxContactsPerWave: kept in the sample, and in all (absent: none sampled). */
  sampled?: { kept: number; of: number; waves: number };
  waves: ContactWave[];
  /** The modifiers' features the feature table has (OutcomeRow.values in this order). */
  features: string[];
}

export interface WaveOptions {
  retention: RetentionConfig;
  asOf: string;
  horizon: Period;
  columns: ReadonlyMap<TableName, ReadonlySet<string>>;
  scorer: Scorer;
  explainer: Explainer;
  chunkRows: number;
  settings: UpliftSettings;
  /** A table (subscriber_id) of the only subscribers to take (a shard's); default all. */
  only?: string | undefined;
  /** The relations of contacts and subscribers (default the loaded `campaigns` and `subscribers`). */
  campaigns?: string | undefined;
  subscribers?: string | undefined;
  /** Contact days (all subscribers'), when found elsewhere (a ClickHouse cluster). */
  contactDays?: readonly string[] | undefined;
  /** Seed of the sample of a wave larger than retention.effects.maxContactsPerWave (the config's seed). */
  seed: number;
  /**
   * Contact rows per contact day and group (all subscribers'), when `campaigns` holds only some of them (a
   * ClickHouse shard's): what a wave's sampling rates are set from, the same in every shard.
   */
  contactCounts?: ContactCounts | undefined;
  /**
   * The feature table at each date: calls `emit(select, day)` per date (default the feature runner on the
   * loaded tables, restricted to `only`).
   */
  featuresAt?: ((asOf: Date[], emit: (select: string, day: string) => Promise<void>) => Promise<void>) | undefined;
  log?: Logger | undefined;
}

/** Steps 1-2 up to the cutoffs: the waves, or undefined when there is no contact old enough. */
export async function contactWaves(db: Db, o: WaveOptions): Promise<ContactWaves | undefined> {
  const H = o.settings.horizonDays;
  const campaigns = o.campaigns ?? "campaigns";
  const subscribers = o.subscribers ?? "subscribers";
  const contactDays =
    o.contactDays ??
    (await db.all(`SELECT DISTINCT date FROM ${campaigns} WHERE datediff('day', date, CAST($1 AS DATE)) >= $2 ORDER BY date`, [o.asOf, H])).map((r) =>
      isoDay(r["date"] as Date),
    );
  if (!contactDays.length) return undefined;
  const { waves, olderWaves } = latestWaves(contactDays, o.retention.effects.maxWaves);
  if (olderWaves > 0) o.log?.info(msg.olderWavesLeftOut(olderWaves, olderWaves + waves.length, waves[0]!.first));
  const features = o.settings.modifiers.filter((d) => d.feature !== RISK_MODIFIER).map((d) => d.feature);
  const sample = await waveSamples(db, waves, campaigns, o);
  const inWave = (k: number, alias = "") => `${alias}date IN (${dateList(waves[k]!.days)})${sample.keep[k]!(alias)}`;

  // 2. features as of the day before each wave, for the subscribers it contacted
  await db.run("DROP TABLE IF EXISTS upl_input");
  let first = true;
  const waveOf = new Map(waves.map((w, k) => [isoDay(dayBefore(w.first)), k]));
  // each wave's snapshot for its own contacted subscribers only (not every wave's): the feature work of the step
  // grows with the contacts, not with waves x everyone ever contacted
  const shardOnly = o.only ? ` AND subscriber_id IN (SELECT subscriber_id FROM ${o.only})` : "";
  const featuresAt =
    o.featuresAt ??
    (async (asOf: Date[], emit: (select: string, day: string) => Promise<void>) => {
      for (const day of asOf) {
        const k = waveOf.get(isoDay(day))!;
        await db.run(`CREATE OR REPLACE TEMP TABLE upl_wave AS SELECT DISTINCT subscriber_id FROM ${campaigns} WHERE ${inWave(k)}${shardOnly}`);
        await computeFeatures(db, { asOf: [day], horizon: o.horizon, columns: o.columns, only: "upl_wave" }, emit);
      }
      await db.run("DROP TABLE IF EXISTS upl_wave");
    });
  await featuresAt(
    waves.map((w) => dayBefore(w.first)),
    async (select, day) => {
      const body = `SELECT f.* FROM (${select}) f SEMI JOIN (SELECT subscriber_id FROM ${campaigns} WHERE ${inWave(waveOf.get(day)!)}) c ON c.subscriber_id = f.subscriber_id`;
      await db.run(first ? `CREATE TABLE upl_input AS ${body}` : `INSERT INTO upl_input ${body}`);
      first = false;
    },
  );
  if (first) return undefined;
  const cols = await db.describe("SELECT * FROM upl_input");
  const have = new Set(cols.map((c) => c.name));
  const present = features.filter((f) => have.has(f));
  const out: ContactWaves = {
    waveDays: waves.map((w) => w.first),
    waves: [],
    features: present,
    ...(olderWaves > 0 ? { olderWaves } : {}),
    ...(sample.sampled ? { sampled: sample.sampled } : {}),
  };
  for (const [k, w] of waves.entries()) {
    const asOf = isoDay(dayBefore(w.first));
    const rel = `(SELECT * FROM upl_input WHERE as_of = DATE ${quoteLiteral(asOf)})`;
    const n = Number((await db.one(`SELECT count(*) AS n FROM ${rel}`))?.["n"] ?? 0);
    if (!n) continue;
    const scored = await scoreChunks(db, { relation: rel, idColumn: "subscriber_id", columns: cols, scorer: o.scorer, explainer: o.explainer, chunkRows: o.chunkRows, rows: n, fallingMeasures: o.retention.segments.usage.fallingMeasures, fallingZ: o.retention.segments.usage.fallingZ });
    // the modifiers' raw values, and the contacts of the wave with their outcome within H days
    const featSel = present.map((f) => `CAST(f.${quoteIdent(f, "feature")} AS DOUBLE) AS ${quoteIdent(f, "feature")}`);
    const rows = await db.all(
      `SELECT c.subscriber_id, c.date, CAST(c.action AS VARCHAR) AS action, CAST(c."group" AS VARCHAR) AS grp,
         (s.deactivation_date IS NOT NULL AND datediff('day', c.date, s.deactivation_date) BETWEEN 0 AND $1 - 1) AS churned
         ${featSel.length ? `, ${featSel.join(", ")}` : ""}
       FROM ${campaigns} c JOIN ${subscribers} s USING (subscriber_id) JOIN ${rel} f ON f.subscriber_id = c.subscriber_id
       WHERE ${inWave(k, "c.")} AND (s.deactivation_date IS NULL OR s.deactivation_date >= c.date)
       ORDER BY c.subscriber_id, c.date, c.action`,
      [H],
    );
    out.waves.push({
      first: w.first,
      scored,
      rows: rows.map((r) => ({
        id: String(r["subscriber_id"]),
        date: isoDay(r["date"] as Date),
        action: String(r["action"]),
        treated: r["grp"] === "treatment",
        churned: Boolean(r["churned"]),
        values: present.map((f) => (r[f] === null || r[f] === undefined ? null : Number(r[f]))),
      })),
    });
  }
  await db.run("DROP TABLE IF EXISTS upl_input");
  return out;
}

/** This run's cutoffs, with which the contacted subscribers' segments are found. */
export interface SegmentCutoffs {
  valueHigh: number;
  valueMid: number;
  lowArpu: number;
  /** Active days at or below which use that is not falling is quiet; NaN: nobody is. */
  quietActiveDays: number;
  thresholds: { critical: number; high: number; medium: number };
}

/** Step 2's rows from the waves: each contacted subscriber's effect segment with this run's cutoffs. */
export function contactRowsOf(w: ContactWaves, o: SegmentCutoffs & { retention: RetentionConfig; settings: UpliftSettings }): ContactRows {
  const actions = o.retention.actions.filter((a) => a.id !== "none");
  const actionIndex = new Map<string, number>(actions.map((a, k) => [a.id, k]));
  const defs = [...o.settings.modifiers];
  const usable = defs.filter((d) => d.feature === RISK_MODIFIER || w.features.includes(d.feature));
  const retention = {
    ...o.retention,
    budget: null,
    segments: {
      ...o.retention.segments,
      valueTier: { ...o.retention.segments.valueTier, method: "amount" as const, high: o.valueHigh, mid: o.valueMid },
      priceSensitivity: { ...o.retention.segments.priceSensitivity, lowArpuAmount: o.lowArpu },
      // the run's cutoff as a fixed amount (NaN: nobody is quiet, as in the run)
      usage: { ...o.retention.segments.usage, quietActiveDays: o.quietActiveDays },
    },
  };
  const ids: string[] = [];
  const wave: number[] = [];
  const action: number[] = [];
  const treated: number[] = [];
  const churned: number[] = [];
  const p: number[] = [];
  const segment: string[] = [];
  const raw: number[] = [];
  for (const cw of w.waves) {
    const k = w.waveDays.indexOf(cw.first);
    const scored = cw.scored;
    const plan = planRetention(planInputOf(scored), { thresholds: o.thresholds, config: retention, budget: null, features: DRIVER_FEATURES, noReasons: true });
    const at = new Map<string, number>();
    const segOf = new Map<string, string>();
    for (let r = 0; r < plan.size; r++) {
      const row = plan.row(r);
      at.set(row.subscriber_id, plan.index(r));
      segOf.set(row.subscriber_id, row.segment);
    }
    for (const r of cw.rows) {
      const a = actionIndex.get(r.action);
      const i = at.get(r.id);
      if (a === undefined || i === undefined) continue;
      ids.push(r.id);
      wave.push(k);
      action.push(a);
      treated.push(r.treated ? 1 : 0);
      churned.push(r.churned ? 1 : 0);
      p.push(scored.prob[i]!);
      segment.push(segOf.get(r.id) ?? "unknown");
      for (const d of usable) {
        const v = d.feature === RISK_MODIFIER ? scored.prob[i]! : r.values[w.features.indexOf(d.feature)];
        raw.push(v === null || v === undefined ? Number.NaN : Number(v));
      }
    }
  }
  return {
    n: ids.length,
    ids,
    wave: Int32Array.from(wave),
    waveDays: w.waveDays,
    action: Int32Array.from(action),
    treated: Uint8Array.from(treated),
    churned: Uint8Array.from(churned),
    p: Float64Array.from(p),
    segment,
    actionCount: actions.length,
    raw: Float64Array.from(raw),
    defs: usable,
  };
}

/** Steps 1-2: the contact rows, or undefined when there is no campaigns table or no contact old enough. */
export async function collectContacts(db: Db, o: CollectOptions): Promise<ContactRows | undefined> {
  if (!o.columns.has("campaigns")) return undefined;
  const w = await contactWaves(db, o);
  return w ? contactRowsOf(w, o) : undefined;
}

/** The fitted uplift model with the modifiers' scale: enough to predict for any subscriber. */
export interface UpliftModel {
  fit: UpliftFit;
  scale: ModifierScale;
  /** Raw column of each kept modifier, in `defs` order of the rows it was learned from. */
  keep: number[];
  defs: ModifierDef[];
  horizonDays: number;
  /** The churn model's horizon in days (its probabilities are over this many days). */
  modelHorizonDays: number;
  /** The anchor of each effect: the segment cells learned from the same rows (action x segment -> relative effect). */
  anchors: Map<string, number>;
}

const anchorKey = (action: string, segment: string) => `${action}\u0000${segment}`;

/** log hazard multiplier of the anchor (cell, else the catalogue prior) of action `a` for `segment`. */
function anchorLogM(anchors: ReadonlyMap<string, number>, a: ActionDef, segment: string): number {
  const e = anchors.get(anchorKey(a.id, segment)) ?? priorEffect(a, segment);
  return Math.log(Math.max(1e-3, 1 - e));
}

/** Log cumulative baseline hazard over H days from a probability over the model's horizon. */
const offsetOf = (p: number, H: number, modelDays: number) => Math.log(Math.max(1e-12, -Math.log1p(-Math.min(p, 1 - 1e-9)) * (H / modelDays)));

/** The raw modifier values of rows `sel`, row-major. */
function rawRows(data: ContactRows, sel: readonly number[]): Float64Array {
  const M = data.defs.length;
  const raw = new Float64Array(sel.length * M);
  for (let r = 0; r < sel.length; r++) raw.set(data.raw.subarray(sel[r]! * M, (sel[r]! + 1) * M), r * M);
  return raw;
}

function rowsFor(
  data: ContactRows,
  sel: readonly number[],
  m: { scale: ModifierScale; keep: number[] } | null,
  H: number,
  modelDays: number,
  anchor: { anchors: ReadonlyMap<string, number>; actions: readonly ActionDef[] },
): UpliftRows {
  const M = data.defs.length;
  const n = sel.length;
  const raw = rawRows(data, sel);
  const z = m ? applyModifierScale(m.scale, m.keep, raw, n, M) : new Float32Array(0);
  return {
    n,
    K: m ? m.scale.defs.length : 0,
    offset: Float64Array.from(sel, (i) => offsetOf(data.p[i]!, H, modelDays)),
    action: Int32Array.from(sel, (i) => data.action[i]!),
    treated: Uint8Array.from(sel, (i) => data.treated[i]!),
    y: Uint8Array.from(sel, (i) => data.churned[i]!),
    z,
    effectOffset: Float64Array.from(sel, (i) => anchorLogM(anchor.anchors, anchor.actions[data.action[i]!]!, data.segment[i]!)),
    campaign: Int32Array.from(sel, (i) => data.wave[i]! * data.actionCount + data.action[i]!),
    G: data.waveDays.length * data.actionCount,
  };
}

/**
 * Fit the uplift model on the rows `sel` (all modifiers, or none for "no heterogeneity"), anchored at the
 * segment cells learned from the same rows: it learns each action's correction of its cell for a typical
 * subscriber and, with modifiers, for each subscriber.
 */
export function learnUpliftModel(
  data: ContactRows,
  sel: readonly number[],
  actions: readonly ActionDef[],
  s: UpliftSettings,
  modelDays: number,
  retention: RetentionConfig,
  heterogeneous = true,
): UpliftModel {
  const anchors = new Map(cellEstimates(data, sel, actions, retention).map((e) => [anchorKey(e.action, e.segment), e.effect]));
  const raw = rawRows(data, sel);
  const fitted = heterogeneous ? fitModifierScale(data.defs, raw, sel.length) : { scale: { defs: [], mean: new Float64Array(0), sd: new Float64Array(0) }, keep: [] };
  const rows = rowsFor(data, sel, fitted, s.horizonDays, modelDays, { anchors, actions });
  const opts = {
    actions: actions.map((a) => a.id),
    priorLogM: actions.map(() => 0),
    priorPrecision: s.priorPrecision,
    sharedPrecision: s.sharedPrecision,
    actionPrecision: s.actionPrecision,
  };
  const fit = s.evidence && rows.K > 0 ? fitUpliftEvidence(rows, opts) : fitUplift(rows, opts);
  return { fit, scale: fitted.scale, keep: fitted.keep, defs: data.defs, horizonDays: s.horizonDays, modelHorizonDays: modelDays, anchors };
}

/** Contact rows `sel` laid out for `model` (its modifiers' scale, its anchors). */
function modelRows(model: UpliftModel, data: ContactRows, sel: readonly number[], actions: readonly ActionDef[]): UpliftRows {
  return rowsFor(data, sel, model.scale.defs.length ? { scale: model.scale, keep: model.keep } : null, model.horizonDays, model.modelHorizonDays, { anchors: model.anchors, actions });
}

export type EffectMethod = "uplift" | "no_heterogeneity" | "segment_cells";

export const METHOD_WORDS: Record<EffectMethod, string> = {
  uplift: "each subscriber's own effect (the uplift model)",
  no_heterogeneity: "the segment cells with one correction per action",
  segment_cells: "effects per segment cell",
};

export interface Judgement {
  /** Held-out waves (first contact day) and their rows. */
  waves: string[];
  rows: number;
  treated: number;
  churned: number;
  /** Ranking by predicted churn prevented. */
  results: Record<EffectMethod, QiniResult>;
  /** Mean log loss of the treated rows' outcome (churn within the window after the action they got). */
  logLoss: Record<EffectMethod, number>;
  winner: EffectMethod;
}

/** Treated vs control churn per action x segment cell on the rows `sel`, shrunk toward the prior (effects.ts). */
function cellEstimates(data: ContactRows, sel: readonly number[], actions: readonly ActionDef[], retention: RetentionConfig): EffectEstimate[] {
  const counts = new Map<string, CampaignCount>();
  for (const i of sel) {
    const key = `${data.action[i]}\u0000${data.segment[i]}\u0000${data.treated[i]}`;
    const c = counts.get(key) ?? { action: actions[data.action[i]!]!.id, segment: data.segment[i]!, group: data.treated[i] ? "treatment" : "control", n: 0, churned: 0 };
    c.n++;
    c.churned += data.churned[i]!;
    counts.set(key, c);
  }
  return estimateEffects([...counts.values()], actions, allSegmentKeys(retention.segments.effectKey as SegmentDim[]), retention.effects);
}

/** Pseudo-rows at the model's own level that each held-out campaign's control churn is shrunk toward. */
const CONTROL_PRIOR_ROWS = 50;

/**
 * The baseline probabilities of one held-out wave's rows `test`, each campaign (action) set to its control group's
 * churn: p' = 1 − (1 − p)^s with the s (the campaign's hazard level against the model's) at which the controls'
 * expected churners equal their churners, shrunk toward s = 1 by CONTROL_PRIOR_ROWS rows at the model's level.
 */
export function campaignLevels(p0: Float64Array, test: readonly number[], data: Pick<ContactRows, "action" | "treated" | "churned">): Float64Array {
  const out = Float64Array.from(p0);
  const byAction = new Map<number, number[]>();
  test.forEach((i, r) => {
    const rs = byAction.get(data.action[i]!);
    if (rs) rs.push(r);
    else byAction.set(data.action[i]!, [r]);
  });
  for (const rs of byAction.values()) {
    const ctl = rs.filter((r) => !data.treated[test[r]!]);
    if (!ctl.length) continue;
    const expected = ctl.reduce((s, r) => s + p0[r]!, 0);
    const observed = ctl.reduce((s, r) => s + data.churned[test[r]!]!, 0);
    const k = CONTROL_PRIOR_ROWS / ctl.length;
    const target = (observed + k * expected) / (1 + k);
    const sum = (s: number) => ctl.reduce((acc, r) => acc - Math.expm1(s * Math.log1p(-p0[r]!)), 0);
    let lo = 1 / 64;
    let hi = 64;
    for (let it = 0; it < 60; it++) {
      const mid = Math.sqrt(lo * hi);
      if (sum(mid) < target) lo = mid;
      else hi = mid;
    }
    const s = Math.sqrt(lo * hi);
    for (const r of rs) out[r] = -Math.expm1(s * Math.log1p(-p0[r]!));
  }
  return out;
}

/**
 * Step 4: time-honest judgement over the last `folds` waves that have at least one earlier wave whose outcome
 * window closed before them. Undefined when no wave qualifies.
 */
export function judgeUplift(data: ContactRows, actions: readonly ActionDef[], retention: RetentionConfig, s: UpliftSettings, modelDays: number): Judgement | undefined {
  const H = s.horizonDays;
  const W = data.waveDays.length;
  const byWave: number[][] = Array.from({ length: W }, () => []);
  for (let i = 0; i < data.n; i++) byWave[data.wave[i]!]!.push(i);
  const testWaves: number[] = [];
  for (let k = W - 1; k >= 0 && testWaves.length < s.folds; k--) {
    const cut = Date.parse(data.waveDays[k]!) - H * 86_400_000;
    const train = data.waveDays.flatMap((d, j) => (Date.parse(d) <= cut ? byWave[j]! : []));
    if (train.length >= s.minRows && byWave[k]!.length > 0) testWaves.unshift(k);
  }
  if (!testWaves.length) return undefined;
  const methods: EffectMethod[] = ["uplift", "no_heterogeneity", "segment_cells"];
  const scores: Record<EffectMethod, number[]> = { uplift: [], no_heterogeneity: [], segment_cells: [] };
  const treatedP: Record<EffectMethod, number[]> = { uplift: [], no_heterogeneity: [], segment_cells: [] };
  const rows: number[] = [];
  for (const k of testWaves) {
    const cut = Date.parse(data.waveDays[k]!) - H * 86_400_000;
    const train = data.waveDays.flatMap((d, j) => (Date.parse(d) <= cut ? byWave[j]! : []));
    const test = byWave[k]!;
    const fullModel = learnUpliftModel(data, train, actions, s, modelDays, retention, true);
    const flatModel = learnUpliftModel(data, train, actions, s, modelDays, retention, false);
    // one baseline for all three (one effect per action's recalibrated one), so only the effects differ: each
    // method's multiplier for the row's action, the cells' being the anchor both models correct
    const flatRows = modelRows(flatModel, data, test, actions);
    // the held-out campaign's own level, from its control group: the churn level moves from one wave to the next
    // (and the churn model's calibration with it), which no effect should be credited or blamed for
    const base = { p0: campaignLevels(predictRows(flatModel.fit, flatRows).p0, test, data) };
    const logM: Record<EffectMethod, Float64Array> = {
      uplift: rowLogMultipliers(fullModel.fit, modelRows(fullModel, data, test, actions)),
      no_heterogeneity: rowLogMultipliers(flatModel.fit, flatRows),
      segment_cells: Float64Array.from(test, (i) => anchorLogM(flatModel.anchors, actions[data.action[i]!]!, data.segment[i]!)),
    };
    for (const m of methods) {
      for (let r = 0; r < test.length; r++) {
        const p0 = base.p0[r]!;
        const p1 = probabilityAfter(p0, Math.exp(logM[m][r]!));
        scores[m].push(p0 - p1);
        treatedP[m].push(p1);
      }
    }
    rows.push(...test);
  }
  const treated = Uint8Array.from(rows, (i) => data.treated[i]!);
  const churned = Uint8Array.from(rows, (i) => data.churned[i]!);
  const results = Object.fromEntries(methods.map((m) => [m, qini(scores[m], treated, churned)])) as Record<EffectMethod, QiniResult>;
  // per treated row: each method's log loss of the outcome after the action the row got
  const rowLoss = (m: EffectMethod) =>
    treatedP[m].flatMap((p, r) => {
      if (!treated[r]) return [];
      const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
      return [churned[r] ? -Math.log(q) : -Math.log1p(-q)];
    });
  const losses = Object.fromEntries(methods.map((m) => [m, rowLoss(m)])) as Record<EffectMethod, number[]>;
  const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const logLoss = Object.fromEntries(methods.map((m) => [m, mean(losses[m])])) as Record<EffectMethod, number>;
  // the decision, on the treated rows' log loss (a paired comparison on every held-out row, far less noisy than a
  // Qini difference on a few thousand rows; the Qini curves are shown beside it): the segment cells are the
  // default, a method that corrects them must beat them by more than twice the paired difference's standard error
  const beats = (m: EffectMethod) => {
    const d = losses[m].map((x, r) => x - losses.segment_cells[r]!);
    const md = mean(d);
    const se = Math.sqrt(d.reduce((a, x) => a + (x - md) ** 2, 0) / Math.max(1, d.length - 1) / Math.max(1, d.length));
    return md < -2 * se;
  };
  const better = (["uplift", "no_heterogeneity"] as const).filter(beats).sort((a, b) => logLoss[a] - logLoss[b]);
  const winner: EffectMethod = better[0] ?? "segment_cells";
  return {
    waves: testWaves.map((k) => data.waveDays[k]!),
    rows: rows.length,
    treated: treated.reduce((a, b) => a + b, 0),
    churned: churned.reduce((a, b) => a + b, 0),
    results,
    logLoss,
    winner,
  };
}

/**
 * Each subscriber's correction of every action's effect (row-major n x actions, the catalogue's order without
 * `none`), as the shift of the log hazard multiplier from the subscriber's segment cell (the plan's
 * `effectShift`): b_a + (v + d_a) . z. With `caution` > 0 a shift that makes the action better than its cell is
 * taken at its pessimistic bound, + caution x sd, and never past 0: a gain the contacts barely support counts
 * less; a shift toward less effect or harm counts in full.
 */
export function upliftShifts(model: UpliftModel, raw: ArrayLike<number>, n: number, caution: number): { shift: Float32Array; logM: Float32Array; sd: Float32Array } {
  const A = model.fit.actions.length;
  const M = model.defs.length;
  const z = model.scale.defs.length ? applyModifierScale(model.scale, model.keep, raw, n, M) : new Float32Array(0);
  const shift = new Float32Array(n * A);
  const logMs = new Float32Array(n * A);
  const sds = new Float32Array(n * A);
  for (let a = 0; a < A; a++) {
    const { logM, sd } = predictLogMultiplier(model.fit, a, z, n);
    for (let i = 0; i < n; i++) {
      // a correction that makes the action look better than its cell counts only as far as its bound; one that
      // makes it look worse (or harmful) counts in full
      shift[i * A + a] = logM[i]! < 0 ? Math.min(0, logM[i]! + caution * sd[i]!) : logM[i]!;
      logMs[i * A + a] = logM[i]!;
      sds[i * A + a] = sd[i]!;
    }
  }
  return { shift, logM: logMs, sd: sds };
}

/** Raw modifier values (row-major n x defs.length) of the scored subscribers, read from the scoring relation. */
export async function modifierInputs(db: Db, relation: string, idColumn: string, ids: readonly string[], p: ArrayLike<number>, defs: readonly ModifierDef[]): Promise<Float64Array> {
  const M = defs.length;
  const raw = new Float64Array(ids.length * M).fill(Number.NaN);
  const pos = new Map(ids.map((id, i) => [id, i]));
  const have = new Set((await db.describe(`SELECT * FROM ${relation}`)).map((c) => c.name));
  const feats = defs.map((d) => (d.feature !== RISK_MODIFIER && have.has(d.feature) ? d.feature : null));
  const risk = defs.findIndex((d) => d.feature === RISK_MODIFIER);
  if (risk >= 0) for (let i = 0; i < ids.length; i++) raw[i * M + risk] = p[i]!;
  const sel = feats.flatMap((f) => (f ? [`CAST(${quoteIdent(f, "feature")} AS DOUBLE)`] : []));
  if (!sel.length) return raw;
  const result = await db.conn.stream(`SELECT CAST(${quoteIdent(idColumn, "--id")} AS VARCHAR), ${sel.join(", ")} FROM ${relation}`);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const idv = chunk.getColumnValues(0);
    const colv = sel.map((_, c) => chunk.getColumnValues(c + 1));
    for (let r = 0; r < chunk.rowCount; r++) {
      const i = pos.get(idv[r] as string);
      if (i === undefined) continue;
      let c = 0;
      for (let j = 0; j < M; j++) {
        if (!feats[j]) continue;
        const v = colv[c++]![r];
        raw[i * M + j] = v === null || v === undefined ? Number.NaN : Number(v);
      }
    }
  }
  return raw;
}

export interface LearnedUplift {
  method: EffectMethod;
  /** The per-subscriber uplift model on every row: fitted only when the plan buys with it (method "uplift"). */
  model?: UpliftModel;
  /** One correction per action on every row: fitted only when the plan buys with it (method "no_heterogeneity"). */
  flat?: UpliftModel;
  judgement?: Judgement | undefined;
  cells: EffectEstimate[];
  contacts: number;
  note: string;
}

/** Steps 3-5 on collected rows. */
export function learnFromContacts(data: ContactRows, retention: RetentionConfig, s: UpliftSettings, modelDays: number): LearnedUplift {
  const actions = retention.actions.filter((a) => a.id !== "none");
  const all = Array.from({ length: data.n }, (_, i) => i);
  // segment cells: the report's readable summary
  const cells = cellEstimates(data, all, actions, retention);
  if (data.n < s.minRows) {
    return { method: "segment_cells", cells, contacts: data.n, note: `${data.n} contacts with a known outcome, fewer than ${s.minRows}: effects per segment cell, no per-subscriber uplift.` };
  }
  const judgement = judgeUplift(data, actions, retention, s, modelDays);
  const method: EffectMethod = s.method !== "auto" ? s.method : judgement ? judgement.winner : "segment_cells";
  // only the model the plan buys with is fitted on every row (the per-subscriber one costs most of this step)
  const model = method === "uplift" ? learnUpliftModel(data, all, actions, s, modelDays, retention, true) : undefined;
  const flat = method === "no_heterogeneity" ? learnUpliftModel(data, all, actions, s, modelDays, retention, false) : undefined;
  const f = (q: number) => q.toFixed(4);
  const note = s.method !== "auto"
    ? `The plan uses ${METHOD_WORDS[method]} (set by retention.uplift.method).`
    : !judgement
    ? `${data.n} contacts learned, but no later wave to judge the uplift model on: effects per segment cell.`
    : method === "uplift"
      ? `Per-subscriber uplift from ${data.n} contacts: on ${judgement.rows} held-out contacts of ${judgement.waves.length} later wave(s) it predicts the treated outcomes better (log loss ${f(judgement.logLoss.uplift)}) than segment cells (${f(judgement.logLoss.segment_cells)}) and one correction per action (${f(judgement.logLoss.no_heterogeneity)}); Qini ${f(judgement.results.uplift.qini)} vs ${f(judgement.results.segment_cells.qini)} and ${f(judgement.results.no_heterogeneity.qini)}.`
      : method === "no_heterogeneity"
        ? `Per-subscriber uplift did not beat one correction per action on ${judgement.rows} held-out contacts (treated log loss ${f(judgement.logLoss.uplift)} vs ${f(judgement.logLoss.no_heterogeneity)}, segment cells ${f(judgement.logLoss.segment_cells)}; Qini ${f(judgement.results.uplift.qini)} vs ${f(judgement.results.no_heterogeneity.qini)}): the plan buys with the segment cells corrected by one learned factor per action.`
        : `Neither per-subscriber uplift nor one correction per action predicted the ${judgement.rows} held-out contacts clearly better than the segment cells (treated log loss ${f(judgement.logLoss.uplift)} and ${f(judgement.logLoss.no_heterogeneity)} vs ${f(judgement.logLoss.segment_cells)}; Qini ${f(judgement.results.uplift.qini)}, ${f(judgement.results.no_heterogeneity.qini)} vs ${f(judgement.results.segment_cells.qini)}): the plan buys with the segment cells.`;
  return { method, ...(model ? { model } : {}), ...(flat ? { flat } : {}), judgement, cells, contacts: data.n, note };
}

/**
 * What the plan buys with, for the scored subscribers: each one's correction of every action's segment-cell
 * effect (row-major n x actions, the catalogue's order without `none`; the plan's `effectShift`) from the
 * per-subscriber uplift model or from one correction per action, whichever won (`learned.method`); undefined
 * when the plan buys with the segment cells as they are.
 */
export async function planEffects(
  db: Db,
  learned: LearnedUplift | undefined,
  o: { relation: string; idColumn: string; ids: readonly string[]; prob: ArrayLike<number>; caution: number },
): Promise<Float32Array | undefined> {
  const model = effectModel(learned);
  if (!model) return undefined;
  const raw = model.scale.defs.length ? await modifierInputs(db, o.relation, o.idColumn, o.ids, o.prob, model.defs) : new Float64Array(o.ids.length * model.defs.length);
  return upliftShifts(model, raw, o.ids.length, o.caution).shift;
}

/** The model the plan buys with (undefined: the segment cells). */
function effectModel(learned: LearnedUplift | undefined): UpliftModel | undefined {
  if (!learned || learned.method === "segment_cells") return undefined;
  return learned.method === "uplift" ? learned.model : learned.flat;
}

/** The judgement as the report shows it. */
export function upliftReport(method: EffectMethod, j: Judgement): UpliftReport {
  const at = (m: EffectMethod, share: number) => j.results[m].upliftAt.find((u) => u.share === share)?.uplift ?? null;
  return {
    method,
    waves: j.waves,
    rows: j.rows,
    methods: (["uplift", "no_heterogeneity", "segment_cells"] as const).map((m) => ({
      method: m,
      label: METHOD_WORDS[m],
      qini: j.results[m].qini,
      upliftAt10: at(m, 0.1),
      upliftAt30: at(m, 0.3),
      logLoss: j.logLoss[m],
    })),
  };
}
