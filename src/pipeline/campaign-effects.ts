/**
 * Learning what works from the `campaigns` table (with --data):
 *
 *   1. campaign months: contacts whose effect horizon (retention.effects.horizonDays) has passed by as-of,
 *      grouped by the month of the contact date
 *   2. features of the contacted subscribers as of that month's first day (the nearest month start on or
 *      before the contact: the world's campaigns run a few days into a month), computed by the same feature
 *      runner, scored and explained by the same model
 *   3. their effect segment (value tier, price sensitivity, main driver, ... per retention.segments.effectKey)
 *      by the same planning code, with the value-tier and low-ARPU cutoffs of THIS run (amounts), so a
 *      segment means the same subscribers in learning and in planning
 *   4. treatment vs control churn within the horizon per action and segment (campaignCountsSql), shrunk
 *      toward the catalog prior (estimateEffects)
 * Without a campaigns table (or with no contact old enough) every effect is the prior, and the report says so.
 */
import type { Config } from "../config/schema.js";
import { computeFeatures } from "../features/runner.js";
import { isoDay, type Period } from "../features/periods.js";
import type { TableName } from "../contract/tables.js";
import type { Db } from "../io/duckdb.js";
import type { Logger } from "../log.js";
import type { Scorer } from "../model/registry.js";
import { type CampaignCount, campaignCountsSql, type EffectEstimate, estimateEffects } from "../retention/effects.js";
import { planRetention } from "../retention/plan.js";
import { allSegmentKeys, type SegmentDim } from "../retention/segments.js";
import { DRIVER_FEATURES, type Explainer } from "../model/explain.js";
import { planInputOf } from "./plan-input.js";
import { scoreChunks } from "./score-chunks.js";

export interface LearnedEffects {
  estimates: EffectEstimate[];
  /** "learned" when at least one cell was learned from campaigns. */
  source: "learned" | "prior";
  note: string;
  contacts: number;
  months: string[];
}

export interface LearnOptions {
  config: Config;
  asOf: string;
  horizon: Period;
  columns: ReadonlyMap<TableName, ReadonlySet<string>>;
  scorer: Scorer;
  explainer: Explainer;
  /** This run's cutoffs, reused for the contacted subscribers. */
  valueHigh: number;
  valueMid: number;
  lowArpu: number;
  thresholds: { critical: number; high: number; medium: number };
  chunkRows: number;
  log: Logger;
}

export function priorEffects(config: Config, note: string): LearnedEffects {
  const r = config.retention;
  const keys = allSegmentKeys(r.segments.effectKey as SegmentDim[]);
  return { estimates: estimateEffects([], r.actions, keys, r.effects), source: "prior", note, contacts: 0, months: [] };
}

export async function learnEffects(db: Db, o: LearnOptions): Promise<LearnedEffects> {
  const r = o.config.retention;
  if (!o.columns.has("campaigns")) return priorEffects(o.config, "No campaigns table: every effect is the catalogue's prior.");
  const horizonDays = r.effects.horizonDays;
  // 1.
  const months = (
    await db.all(
      `SELECT DISTINCT CAST(date_trunc('month', date) AS DATE) AS m FROM campaigns
       WHERE datediff('day', date, CAST($2 AS DATE)) >= $1 ORDER BY m`,
      [horizonDays, o.asOf],
    )
  ).map((x) => isoDay(x["m"] as Date));
  if (!months.length) return priorEffects(o.config, `No campaign contact is ${horizonDays} days old by ${o.asOf}: every effect is the catalogue's prior.`);

  // 2.
  await db.run("DROP TABLE IF EXISTS camp_input");
  let first = true;
  await computeFeatures(db, { asOf: months.map((m) => new Date(`${m}T00:00:00Z`)), horizon: o.horizon, columns: o.columns }, async (select, day) => {
    const body = `SELECT f.* FROM (${select}) f SEMI JOIN (SELECT subscriber_id FROM campaigns WHERE CAST(date_trunc('month', date) AS DATE) = CAST('${day}' AS DATE)) c ON c.subscriber_id = f.subscriber_id`;
    await db.run(first ? `CREATE TABLE camp_input AS ${body}` : `INSERT INTO camp_input ${body}`);
    first = false;
  });
  await db.run("DROP TABLE IF EXISTS camp_segments");
  await db.run("CREATE TABLE camp_segments (subscriber_id VARCHAR, date DATE, segment VARCHAR)");
  const cols = await db.describe("SELECT * FROM camp_input");
  const retention = {
    ...r,
    budget: null,
    segments: {
      ...r.segments,
      valueTier: { ...r.segments.valueTier, method: "amount" as const, high: o.valueHigh, mid: o.valueMid },
      priceSensitivity: { ...r.segments.priceSensitivity, lowArpuAmount: o.lowArpu },
    },
  };
  let contacts = 0;
  for (const m of months) {
    // 3.
    const rel = `(SELECT * FROM camp_input WHERE as_of = CAST('${m}' AS DATE))`;
    const n = Number((await db.one(`SELECT count(*) AS n FROM ${rel}`))?.["n"] ?? 0);
    if (!n) continue;
    const scored = await scoreChunks(db, { relation: rel, idColumn: "subscriber_id", columns: cols, scorer: o.scorer, explainer: o.explainer, chunkRows: o.chunkRows, rows: n });
    const plan = planRetention(planInputOf(scored), { thresholds: o.thresholds, config: retention, budget: null, ...planDrivers(), noReasons: true });
    await db.run("DROP TABLE IF EXISTS camp_seg_tmp");
    await db.run("CREATE TEMP TABLE camp_seg_tmp (subscriber_id VARCHAR, segment VARCHAR)");
    const app = await db.conn.createAppender("camp_seg_tmp");
    for (let k = 0; k < plan.size; k++) {
      const row = plan.row(k);
      app.appendVarchar(row.subscriber_id);
      app.appendVarchar(row.segment);
      app.endRow();
    }
    app.closeSync();
    await db.run(
      `INSERT INTO camp_segments SELECT c.subscriber_id, c.date, t.segment FROM campaigns c JOIN camp_seg_tmp t ON t.subscriber_id = c.subscriber_id
       WHERE CAST(date_trunc('month', c.date) AS DATE) = CAST($1 AS DATE)`,
      [m],
    );
    contacts += n;
  }
  await db.run("DROP TABLE IF EXISTS camp_input");
  // 4.
  const { sql, params } = campaignCountsSql({ horizonDays, asOf: o.asOf, segment: { table: "camp_segments" } });
  const counts = (await db.all(sql, params)).map(
    (x): CampaignCount => ({ action: String(x["action"]), segment: String(x["segment"]), group: x["group"] as CampaignCount["group"], n: Number(x["n"]), churned: Number(x["churned"]) }),
  );
  const keys = allSegmentKeys(r.segments.effectKey as SegmentDim[]);
  const estimates = estimateEffects(counts, r.actions, keys, r.effects);
  const learned = estimates.filter((e) => e.source === "learned").length;
  return {
    estimates,
    source: learned > 0 ? "learned" : "prior",
    note:
      learned > 0
        ? `Effects learned from ${contacts} campaign contacts in ${months.length} campaign month(s) (${months[0]} to ${months[months.length - 1]}), treatment vs control churn within ${horizonDays} days, shrunk toward the catalogue's prior; ${learned} of ${estimates.length} action x segment cells had enough contacts, the rest use the prior.`
        : `Campaigns were found but no action x segment cell had ${r.effects.minGroupSize} treated and control subscribers: every effect is the catalogue's prior.`,
    contacts,
    months,
  };
}

/** The per-driver columns that carry the main driver into planRetention. */
export function planDrivers(): { features: typeof DRIVER_FEATURES } {
  return { features: DRIVER_FEATURES };
}
