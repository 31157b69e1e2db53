/**
 * What changed since the last run, from the run history: this run's plan (table `risk_list`, and `rejects` for
 * who is no longer active) against the previous run's risk_list.parquet, and renewal events of fixed-term contracts
 * against earlier runs' scores.parquet.
 *
 *   previous run's risk_list ─┐
 *   this run's risk_list ─────┼─► per subscriber: left (deactivated), no longer in the data, new, moved up, down,
 *   rejects (not active) ─────┘   same ─► counts, band transitions, the newly critical or high, what became of
 *                                 the subscribers the previous plan selected, changes.csv
 *   an earlier run's scores ──► contracts whose term ended in month m ─► renewed (end moved forward, stayed),
 *   this run's risk_list ───►   out of contract but stayed, left  (once m ended RENEWAL_GRACE_DAYS before as-of)
 *
 * Bands are compared by rank (critical above high above medium above low).
 */
import type { Db } from "../io/duckdb.js";
import { quoteLiteral } from "../io/duckdb.js";
import { BANDS } from "../ids.js";

/** A term is judged renewed or not this many days after it ended (an operator renews within weeks of the end). */
export const RENEWAL_GRACE_DAYS = 30;

/** The previous run of the history: its folder, id and as-of date. */
export interface PreviousRun {
  dir: string;
  runId: string;
  asOf: string;
}

export interface ChangeSubscriber {
  subscriberId: string;
  previousBand: string | null;
  band: string;
  probability: number;
  previousProbability: number | null;
  action: string;
  reasons: string[];
}

export interface RunChanges {
  previous: { runId: string; asOf: string };
  /** Scored now and critical, not critical before (new subscribers included). */
  newlyCritical: number;
  /** Scored now and high, medium or low or not scored before. */
  newlyHigh: number;
  /** In a lower band than before. */
  movedDown: number;
  /** In a higher band than before. */
  movedUp: number;
  /** Scored before, deactivated by now (rejected as not active at this run's as-of). */
  left: number;
  /** Scored before, absent from this run's input altogether. */
  notInData: number;
  /** Scored now, not in the previous run. */
  new: number;
  /** Previous band (rows, "new" for not scored then) → band now ("left" / "not in data" for gone). */
  transitions: { from: string; to: string; subscribers: number }[];
  /**
   * The subscribers the previous plan selected, by the action it chose and (when that run recorded its holdout)
   * whether they were to be contacted or held out as its control group: what became of them.
   */
  contacted: { action: string; group?: "contacted" | "held out"; selected: number; left: number; down: number; same: number; up: number; notInData: number }[];
  /** The newly critical or high, highest probability first (at most `top`). */
  newlyAtRisk: ChangeSubscriber[];
}

const RANK = `CASE {b} ${BANDS.map((b, i) => `WHEN '${b}' THEN ${i}`).join(" ")} END`;
const rank = (col: string) => RANK.replace("{b}", col);

/**
 * The table `changes` (one row per subscriber in either run, with its change) and the summary of it. Needs the
 * current run's `risk_list` and `rejects` tables in `db`.
 */
export async function computeChanges(db: Db, prev: PreviousRun, top = 20): Promise<RunChanges> {
  const riskList = quoteLiteral(`${prev.dir}/risk_list.parquet`);
  // runs with a holdout record each selected subscriber's group (treatment: contacted; control: held out)
  const prevColumns = (await db.all(`DESCRIBE SELECT * FROM read_parquet(${riskList})`)).map((r) => String(r["column_name"]));
  const hasGroup = prevColumns.includes("group");
  const prevGroup = hasGroup ? `CASE WHEN selected = 'yes' THEN (CASE WHEN "group" = 'control' THEN 'held out' ELSE 'contacted' END) END` : "CAST(NULL AS VARCHAR)";
  await db.run("DROP TABLE IF EXISTS changes");
  await db.run(`CREATE TABLE changes AS
    WITH p AS (SELECT subscriber_id, band AS prev_band, probability AS prev_p, action AS prev_action, selected = 'yes' AS prev_selected, ${prevGroup} AS prev_group
               FROM read_parquet(${riskList})),
         c AS (SELECT subscriber_id, band, probability, action, selected = 'yes' AS selected, rank AS plan_rank, reason_1, reason_2, reason_3 FROM risk_list),
         gone AS (SELECT DISTINCT value AS subscriber_id FROM rejects WHERE reason = 'not_active_at_as_of' AND value IS NOT NULL)
    SELECT subscriber_id, p.prev_band, c.band, p.prev_p, c.probability, p.prev_action, coalesce(p.prev_selected, false) AS prev_selected, p.prev_group,
      c.action, c.plan_rank, c.reason_1, c.reason_2, c.reason_3,
      CASE WHEN c.band IS NULL THEN (CASE WHEN subscriber_id IN (SELECT subscriber_id FROM gone) THEN 'left' ELSE 'not in data' END)
           WHEN p.prev_band IS NULL THEN 'new'
           WHEN ${rank("c.band")} < ${rank("p.prev_band")} THEN 'up'
           WHEN ${rank("c.band")} > ${rank("p.prev_band")} THEN 'down'
           ELSE 'same' END AS change
    FROM p FULL JOIN c USING (subscriber_id)`);
  const n = async (where: string) => Number((await db.one(`SELECT count(*) AS n FROM changes WHERE ${where}`))?.["n"] ?? 0);
  const transitions = (
    await db.all(`SELECT coalesce(prev_band, 'new') AS "from", coalesce(band, change) AS "to", count(*) AS n FROM changes GROUP BY prev_band, band, change
      ORDER BY coalesce(${rank("prev_band")}, 9), coalesce(${rank("band")}, CASE change WHEN 'left' THEN 10 ELSE 11 END)`)
  ).map((r) => ({ from: String(r["from"]), to: String(r["to"]), subscribers: Number(r["n"]) }));
  const contacted = (
    await db.all(`SELECT prev_action AS action, prev_group AS grp, count(*) AS selected, count(*) FILTER (WHERE change = 'left') AS "left", count(*) FILTER (WHERE change = 'down') AS down,
        count(*) FILTER (WHERE change = 'same') AS same, count(*) FILTER (WHERE change = 'up') AS up, count(*) FILTER (WHERE change = 'not in data') AS not_in_data
      FROM changes WHERE prev_selected GROUP BY prev_action, prev_group
      ORDER BY sum(count(*)) OVER (PARTITION BY prev_action) DESC, prev_action, prev_group`)
  ).map((r) => ({
    action: String(r["action"]),
    ...(hasGroup ? { group: r["grp"] === "held out" ? ("held out" as const) : ("contacted" as const) } : {}),
    selected: Number(r["selected"]),
    left: Number(r["left"]),
    down: Number(r["down"]),
    same: Number(r["same"]),
    up: Number(r["up"]),
    notInData: Number(r["not_in_data"]),
  }));
  const atRisk = `(band = 'critical' AND coalesce(prev_band, '') <> 'critical') OR (band = 'high' AND coalesce(prev_band, '') NOT IN ('critical', 'high'))`;
  const newlyAtRisk = (
    await db.all(`SELECT subscriber_id, prev_band, band, probability, prev_p, action, reason_1, reason_2, reason_3 FROM changes WHERE ${atRisk}
      ORDER BY probability DESC, subscriber_id LIMIT ${Math.max(0, Math.floor(top))}`)
  ).map((r) => ({
    subscriberId: String(r["subscriber_id"]),
    previousBand: r["prev_band"] == null ? null : String(r["prev_band"]),
    band: String(r["band"]),
    probability: Number(r["probability"]),
    previousProbability: r["prev_p"] == null ? null : Number(r["prev_p"]),
    action: String(r["action"]),
    reasons: [r["reason_1"], r["reason_2"], r["reason_3"]].filter((x) => x != null).map(String),
  }));
  return {
    previous: { runId: prev.runId, asOf: prev.asOf },
    newlyCritical: await n("band = 'critical' AND coalesce(prev_band, '') <> 'critical'"),
    newlyHigh: await n("band = 'high' AND coalesce(prev_band, '') NOT IN ('critical', 'high')"),
    movedDown: await n("change = 'down'"),
    movedUp: await n("change = 'up'"),
    left: await n("change = 'left'"),
    notInData: await n("change = 'not in data'"),
    new: await n("change = 'new'"),
    transitions,
    contacted,
    newlyAtRisk,
  };
}

/**
 * changes.csv: every subscriber whose situation changed (not those in the same band), newly at risk first.
 * previous_group: contacted, or held out (the previous run's control group), for those it selected.
 */
export async function writeChangesCsv(db: Db, path: string): Promise<void> {
  await db.run(`COPY (SELECT subscriber_id, change, prev_band AS previous_band, band, round(prev_p, 6) AS previous_probability, round(probability, 6) AS probability,
      CASE WHEN prev_selected THEN 'yes' ELSE 'no' END AS previously_selected, prev_action AS previous_action, prev_group AS previous_group, action
    FROM changes WHERE change <> 'same'
    ORDER BY CASE change WHEN 'up' THEN 0 WHEN 'new' THEN 1 WHEN 'down' THEN 2 WHEN 'left' THEN 3 ELSE 4 END, probability DESC NULLS LAST, subscriber_id)
    TO ${quoteLiteral(path)} (FORMAT csv, HEADER true)`);
}

/** Renewal events of fixed-term contracts whose term ended in `month`, judged by this run. */
export interface RenewalCount {
  month: string;
  ending: number;
  renewed: number;
  rolledOver: number;
  left: number;
}

/**
 * Months newly judgeable by this run (as-of `asOf`): their last day lies RENEWAL_GRACE_DAYS or more before asOf
 * and less than that before `previousAsOf` (the months the previous run already judged are not judged again).
 * @example renewalMonths("2026-05-31", "2026-04-30") // ["2026-04-01"]
 */
export function renewalMonths(asOf: string, previousAsOf: string | null): string[] {
  const day = 86_400_000;
  const judged = (a: string, monthStart: Date) => {
    const next = new Date(Date.UTC(monthStart.getUTCFullYear(), monthStart.getUTCMonth() + 1, 1));
    return next.getTime() - day + RENEWAL_GRACE_DAYS * day <= Date.parse(`${a}T00:00:00Z`);
  };
  const out: string[] = [];
  const end = new Date(`${asOf}T00:00:00Z`);
  // at most 24 months back: the history a run can still compare against
  for (let k = 1; k <= 24; k++) {
    const m = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - k, 1));
    if (!judged(asOf, m)) continue;
    if (previousAsOf !== null && judged(previousAsOf, m)) break;
    out.unshift(m.toISOString().slice(0, 10));
  }
  return out;
}

/**
 * Renewals of the fixed-term contracts that run `reference` (as of a day before `month` began) saw ending in
 * `month`, judged now: renewed = scored now with a fixed term ending later; left = not active now; else out of
 * contract but stayed. Subscribers absent from this run's input are left out. Needs `risk_list` and `rejects`;
 * `asOf` is this run's as-of date.
 */
export async function countRenewals(db: Db, reference: { dir: string }, month: string, asOf: string): Promise<RenewalCount> {
  const scores = quoteLiteral(`${reference.dir}/scores.parquet`);
  const r = await db.one(
    `WITH ending AS (SELECT subscriber_id, contract_end FROM read_parquet(${scores})
        WHERE contract_type IN ('fixed_12m', 'fixed_24m') AND contract_end >= CAST($1 AS DATE) AND contract_end < CAST($1 AS DATE) + INTERVAL 1 MONTH),
      now AS (SELECT subscriber_id, contract_type, CAST(CAST($2 AS DATE) + CAST(days_to_contract_end AS INTEGER) AS DATE) AS contract_end FROM risk_list),
      gone AS (SELECT DISTINCT value AS subscriber_id FROM rejects WHERE reason = 'not_active_at_as_of')
    SELECT count(*) FILTER (WHERE n.contract_type IN ('fixed_12m', 'fixed_24m') AND n.contract_end > e.contract_end) AS renewed,
      count(n.subscriber_id) AS stayed,
      count(*) FILTER (WHERE n.subscriber_id IS NULL AND e.subscriber_id IN (SELECT subscriber_id FROM gone)) AS "left"
    FROM ending e LEFT JOIN now n USING (subscriber_id)`,
    [month, asOf],
  );
  const renewed = Number(r?.["renewed"] ?? 0);
  const rolledOver = Number(r?.["stayed"] ?? 0) - renewed;
  const left = Number(r?.["left"] ?? 0);
  return { month, ending: renewed + rolledOver + left, renewed, rolledOver, left };
}
