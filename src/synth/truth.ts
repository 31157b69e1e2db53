/**
 * Ground truth, written to <out>/truth/ (never read by features or models):
 *   truth/monthly.parquet        subscriber_id, month_start, p_churn_30d (true probability of leaving in the
 *                                30 days from month_start, from the hazard), churned_30d (NULL when the 30
 *                                days run past the data), near_contract_end, has_problem, disengaged,
 *                                open_ticket, days_since_contact (NULL when never contacted), and
 *                                m_<action> for every action: the true hazard multiplier if that action
 *                                reached the subscriber on month_start (segment and history modifiers applied)
 *   truth/subscribers.parquet    subscriber_id, segment, value_tier, price_sensitive, service_sensitive,
 *                                dormant, region_network_quality, disengaged_from, recovered_at
 *   truth/action_effects.parquet segment, action, condition, hazard_multiplier, hazard_multiplier_otherwise,
 *                                effect_days
 *   truth/applied_contacts.parquet (continued worlds) every contact of churn's runs: subscriber_id, date,
 *                                action, group, active (the subscriber was still there that day), hazard_multiplier
 *                                (the true multiplier, applied to treatment only; what it would have been for control)
 *   truth/world.json             the world's parameters, events and the effect formula; `generator` holds what
 *                                `churn generate --continue` needs to rebuild and extend it
 *
 * Effect of an action on a subscriber at a month start: m = m_<action> of truth/monthly (hazard_multiplier
 * of action_effects if the condition (always | near_contract_end | has_problem | disengaged) holds, else
 * hazard_multiplier_otherwise, then the history modifiers of world.json); the probability after contact is
 * p' = 1 - (1 - p_churn_30d)^m (see `treatedProbability`). Another world can write its own truth/ in this
 * format (monthly.parquet with p_churn_30d, churned_30d and m_<action>) and `churn simulate` reads it.
 */
import { ACTIONS, type ActionId } from "../contract/tables.js";
import { type Db, quoteLiteral, withDb } from "../io/duckdb.js";
import { fileExists, writeJsonAtomic } from "../io/files.js";
import { InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { ACTION_EFFECTS, EFFECT_DAYS, EFFECT_MODIFIERS, effectMultiplier, treatedProbability } from "./actions.js";
import { isoOf, monthStartsBetween } from "./dates.js";
import { SEGMENT_MEANING, SEGMENTS, type Segment } from "./drivers.js";
import { copyTo, dateSql, idSql } from "./writer.js";
import { REGION_QUALITY, REGIONS, type World } from "./world.js";

export const TRUTH_DIR = "truth";
export const APPLIED_CONTACTS = "applied_contacts.parquet";
export const EFFECT_FORMULA =
  "p_after = 1 - (1 - p_churn_30d) ^ m, m = m_<action> of truth/monthly (hazard_multiplier if condition holds else hazard_multiplier_otherwise, then the modifiers)";

export interface TruthOptions {
  format: "csv" | "parquet";
  campaigns: boolean;
  /** Write truth/applied_contacts.parquet from the st_applied staging table. */
  continued: boolean;
}

export async function writeTruth(db: Db, w: World, dir: string, o: TruthOptions = { format: "parquet", campaigns: true, continued: false }): Promise<void> {
  const id = idSql("sid", w.subscribers);
  const quality = `[${REGION_QUALITY.join(", ")}][reg + 1]`;
  await copyTo(
    db,
    `SELECT ${id} AS subscriber_id, segment, tier AS value_tier, price_sensitive, service_sensitive, dormant,
       CAST(${quality} AS DOUBLE) AS region_network_quality, ${dateSql("onset")} AS disengaged_from, ${dateSql("recovered")} AS recovered_at
     FROM st_subscribers ORDER BY sid`,
    `${dir}/subscribers.parquet`,
    "parquet",
  );
  await copyTo(
    db,
    `SELECT ${idSql("m.sid", w.subscribers)} AS subscriber_id, ${dateSql("m.ms")} AS month_start, m.p AS p_churn_30d,
       CASE WHEN m.ms + 29 > ${w.end} THEN NULL ELSE coalesce(s.deact BETWEEN m.ms AND m.ms + 29, false) END AS churned_30d,
       m.near_end AS near_contract_end, m.problem AS has_problem, m.disengaged, m.open_ticket,
       m.since_contact AS days_since_contact, ${ACTIONS.map((a) => `m.m_${a}`).join(", ")}
     FROM st_monthly m JOIN st_subscribers s USING (sid) ORDER BY m.sid, m.ms`,
    `${dir}/monthly.parquet`,
    "parquet",
  );
  await db.run("CREATE OR REPLACE TABLE st_effects (segment VARCHAR, action VARCHAR, condition VARCHAR, m DOUBLE, o DOUBLE)");
  for (const e of ACTION_EFFECTS) await db.run("INSERT INTO st_effects VALUES ($1, $2, $3, $4, $5)", [e.segment, e.action, e.condition, e.hazardMultiplier, e.otherwise]);
  await copyTo(
    db,
    `SELECT segment, action, condition, m AS hazard_multiplier, o AS hazard_multiplier_otherwise, ${EFFECT_DAYS} AS effect_days FROM st_effects`,
    `${dir}/action_effects.parquet`,
    "parquet",
  );
  if (o.continued) {
    await copyTo(
      db,
      `SELECT ${id} AS subscriber_id, ${dateSql("day")} AS date, action, grp AS "group", active, m AS hazard_multiplier
       FROM st_applied ORDER BY sid, day, action`,
      `${dir}/${APPLIED_CONTACTS}`,
      "parquet",
    );
  }
  const continuedMonths = monthStartsBetween(w.baseEnd + 1, w.end).length;
  writeJsonAtomic(`${dir}/world.json`, {
    generator: {
      subscribers: w.subscribers,
      months: w.months,
      seed: w.seed,
      end: isoOf(w.baseEnd),
      format: o.format,
      campaigns: o.campaigns,
      continued_months: continuedMonths,
      arrivals: w.arrivals.length,
    },
    seed: w.seed,
    subscribers: w.subscribers,
    months: w.months,
    start: isoOf(w.start),
    end: isoOf(w.end),
    effect: {
      kind: "hazard_multiplier",
      effect_days: EFFECT_DAYS,
      formula: EFFECT_FORMULA,
      conditions: {
        always: "always applies",
        near_contract_end: "fixed term ending within 60 days (or ended at most 14 days ago) at contact",
        has_problem: "an open ticket or a complaint in the last 30 days at contact",
        disengaged: "usage falling at contact (disengagement under way; truth/monthly disengaged)",
      },
      modifiers: EFFECT_MODIFIERS,
      per_subscriber: "truth/monthly.parquet m_<action>: the multiplier with every condition and modifier applied",
    },
    segments: SEGMENT_MEANING,
    regions: REGIONS.map((r, i) => ({ region: r, network_quality: REGION_QUALITY[i], outage_days: w.outages[i]!.length })),
    price_increases: w.priceIncreases.map(isoOf),
    price_increase_rate: w.priceIncreaseRate,
    competitor_episodes: w.competitors.map((c) => ({ region: REGIONS[c.region], from: isoOf(c.from), to: isoOf(c.to) })),
    campaigns: w.campaigns.map((c) => ({ date: isoOf(c.day), sample_rate: c.sampleRate, control_share: c.controlShare })),
  });
}

export interface TruthSubscriber {
  subscriberId: string;
  segment: Segment;
  valueTier: string;
  priceSensitive: boolean;
  serviceSensitive: boolean;
  dormant: boolean;
  /** At the chosen month start (undefined when not active then). */
  pChurn30d?: number;
  nearContractEnd: boolean;
  hasProblem: boolean;
  /** True hazard multiplier per action (ACTIONS order), when the truth has m_<action> columns. */
  m?: Float64Array;
}

export interface Truth {
  dir: string;
  monthStart: string;
  /** Subscribers active at monthStart, by id. */
  subscribers: Map<string, TruthSubscriber>;
  /** m for `action` on this subscriber at monthStart (1 when unknown). */
  multiplier(subscriberId: string, action: ActionId): number;
  /** p_churn_30d after contact with `action` (p itself for action "none"). */
  pAfter(subscriberId: string, action: ActionId | "none"): number | undefined;
}

/**
 * Load the truth at one month start (default: the last one) for campaign simulation.
 * @example const t = await loadTruth("world/truth"); const saved = t.pAfter("S0000042", "none")! - t.pAfter("S0000042", "care_call")!;
 */
export async function loadTruth(dir: string, opts: { monthStart?: string } = {}): Promise<Truth> {
  for (const f of ["monthly.parquet", "subscribers.parquet"]) {
    if (!fileExists(`${dir}/${f}`)) throw new InputDataError(msg.synthTruthMissing(dir, f));
  }
  return withDb(async (db) => {
    const monthly = quoteLiteral(`${dir}/monthly.parquet`);
    const subs = quoteLiteral(`${dir}/subscribers.parquet`);
    const range = await db.one(`SELECT CAST(min(month_start) AS VARCHAR) AS lo, CAST(max(month_start) AS VARCHAR) AS hi FROM read_parquet(${monthly})`);
    const last = String(range?.["hi"]);
    const monthStart = opts.monthStart ?? last;
    // an outcome month the truth does not reach yet (the world was not continued) or no longer holds
    if (monthStart > last) throw new InputDataError(msg.truthEndsBefore(dir, last, monthStart));
    if (monthStart < String(range?.["lo"])) throw new InputDataError(msg.truthStartsAfter(dir, String(range?.["lo"]), monthStart));
    const cols = new Set((await db.describe(`SELECT * FROM read_parquet(${monthly})`)).map((c) => c.name));
    const perAction = ACTIONS.every((a) => cols.has(`m_${a}`));
    const flag = (c: string) => (cols.has(c) ? `m.${c}` : "false");
    const rows = await db.all(
      `SELECT s.subscriber_id, s.segment, s.value_tier, s.price_sensitive, s.service_sensitive, s.dormant,
         m.p_churn_30d, ${flag("near_contract_end")} AS near_contract_end, ${flag("has_problem")} AS has_problem
         ${perAction ? `, ${ACTIONS.map((a) => `m.m_${a}`).join(", ")}` : ""}
       FROM read_parquet(${subs}) s JOIN read_parquet(${monthly}) m USING (subscriber_id)
       WHERE m.month_start = CAST($1 AS DATE) ORDER BY s.subscriber_id`,
      [monthStart],
    );
    const subscribers = new Map<string, TruthSubscriber>();
    for (const r of rows) {
      const seg = String(r["segment"]) as Segment;
      if (!perAction && !SEGMENTS.includes(seg)) continue;
      const t: TruthSubscriber = {
        subscriberId: String(r["subscriber_id"]),
        segment: seg,
        valueTier: String(r["value_tier"]),
        priceSensitive: Boolean(r["price_sensitive"]),
        serviceSensitive: Boolean(r["service_sensitive"]),
        dormant: Boolean(r["dormant"]),
        pChurn30d: Number(r["p_churn_30d"]),
        nearContractEnd: Boolean(r["near_contract_end"]),
        hasProblem: Boolean(r["has_problem"]),
      };
      if (perAction) t.m = Float64Array.from(ACTIONS, (a) => Number(r[`m_${a}`]));
      subscribers.set(t.subscriberId, t);
    }
    const actionIndex = new Map<string, number>(ACTIONS.map((a, k) => [a, k]));
    const multiplier = (sid: string, action: ActionId) => {
      const t = subscribers.get(sid);
      if (!t) return 1;
      return t.m ? t.m[actionIndex.get(action)!]! : effectMultiplier(t.segment, action, t);
    };
    return {
      dir,
      monthStart,
      subscribers,
      multiplier,
      pAfter(sid, action) {
        const t = subscribers.get(sid);
        if (t?.pChurn30d === undefined) return undefined;
        return action === "none" ? t.pChurn30d : treatedProbability(t.pChurn30d, multiplier(sid, action));
      },
    };
  });
}
