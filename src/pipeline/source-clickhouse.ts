/**
 * `churn score --clickhouse URL --as-of D --shard k/K`: what a shard's worker reads from the operator's
 * ClickHouse cluster (features/build-cluster.ts opens it: the tables validated on every shard). Everything is
 * computed where the rows live and only results come back:
 *
 *   features     the feature families at D, shard-local, for the subscribers whose sipHash64(subscriber_id)
 *                % K = k (features/cluster.ts) ─► table score_input, as `churn score --data` builds it
 *   rejects      the rejected rows of every table (contract/clickhouse.ts rejectedRows; scope `all`, the same
 *                in every shard's result) and the shard's subscribers not active at D (scope `shard`)
 *   contacts     the contact waves (over all shards), the shard's contacts with their outcome and the features
 *                of its contacted subscribers as of the day before each wave, computed on the cluster like the
 *                features at D (pipeline/uplift.ts contactWaves)
 *   contacts log the runs folder's contacts log (churn's own contacts) is read with the operator's campaigns,
 *                as `churn score --data` adds it to its campaigns table (withContactsLog): the features and the
 *                contact waves see it
 *
 * Loyalty KPIs need every subscriber's billing history on one machine: a ClickHouse run has none (the report
 * says so). A rejected row is named by its subscriber_id and failing value (a warehouse row has no number).
 */
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { type ChSource, CONTACTS_LOG, CONTACTS_LOG_COLUMNS, hasTable, readRel, rejectedRows, VALID_SUBSCRIBERS } from "../contract/clickhouse.js";
import { type ClusterSource, clusterPartRelation } from "../features/build-cluster.js";
import { chColumns, computeFeaturesOnCluster, shardHashSql } from "../features/cluster.js";
import type { Period } from "../features/periods.js";
import { chLiteral } from "../io/clickhouse.js";
import { type Db, quoteLiteral } from "../io/duckdb.js";
import type { Logger } from "../log.js";
import type { ContactLog } from "../io/contacts-log.js";
import type { Explainer } from "../model/explain.js";
import type { Scorer } from "../model/registry.js";
import { shardOf } from "../shard-hash.js";
import { type ContactCounts, type ContactWaves, contactWaves, countContacts, type UpliftSettings } from "./uplift.js";
import type { ShardSpec } from "./shard.js";
import { createRejectsTable, reasonFeaturesOf, type ScoreSource } from "./source.js";

/** The name a ClickHouse table goes by in rejects and inputs (`db.table`, unquoted). */
const tableName = (src: ChSource, t: keyof ChSource["tables"]): string => (src.tables[t]?.name ?? t).replaceAll("`", "");

/** Rows of `sql` from every shard into DuckDB table `table` (created from the first part's CSV, typed by `columns`). */
async function pull(db: Db, cs: ClusterSource, sql: string, table: string, columns: string, tmp: string): Promise<void> {
  const files = cs.shards.map((_, i) => join(tmp, `${table}-${i}.csv`));
  await Promise.all(cs.shards.map((s, i) => s.toFile(sql, files[i]!, "CSVWithNames")));
  await db.run(`DROP TABLE IF EXISTS ${table}`);
  await db.run(
    `CREATE TABLE ${table} AS SELECT * FROM read_csv([${files.map(quoteLiteral).join(", ")}], header = true, delim = ',', quote = '"', escape = '"', nullstr = '\\N', allow_quoted_nulls = false, columns = {${columns}})`,
  );
}

/** The SQL condition "this subscriber_id is in shard k of K" on a shard. */
const inShard = (src: ChSource, shard: ShardSpec, col = "subscriber_id") => `${shardHashSql(src, col)} % ${shard.of} = ${shard.k}`;

/**
 * The runs folder's contacts log (churn's own contacts, treated and held out) into every shard session, so the
 * features and the contact waves read it with the operator's campaigns (contract/clickhouse.ts readRel) as
 * `churn score --data` does (pipeline/operation.ts mergeContactsIntoCampaigns). churn creates nothing on the
 * operator's tables: the rows go into a TEMPORARY table of each session (Memory, the only engine 18.16 has for
 * them), inserted as JSONEachRow. Only the rows the shard's queries read are sent: those of its subscribers
 * (the same hash as --shard k/K) dated on or before as-of; the days of every row go along for the end of the
 * data and the contact waves. Closing the returned source drops the table. No log: the source as it is.
 */
export async function withContactsLog(cs: ClusterSource, log: ContactLog, o: { asOf: string; shard: ShardSpec }): Promise<ClusterSource> {
  if (!log.size) return cs;
  const hash = cs.src.shardKey ?? "sipHash64";
  const rows: { subscriber_id: string; date: string; action: string; group: string }[] = [];
  for (let i = 0; i < log.size; i++) {
    const date = log.dateOf(i);
    const id = log.subscriberId(i);
    if (date <= o.asOf && shardOf(id, o.shard.of, hash) === o.shard.k) rows.push({ subscriber_id: id, date, action: log.actionOf(i), group: log.groupOf(i) });
  }
  const drop = `DROP TABLE IF EXISTS ${CONTACTS_LOG}`;
  await Promise.all(
    cs.shards.map(async (s) => {
      await s.command(drop);
      await s.command(`CREATE TEMPORARY TABLE ${CONTACTS_LOG} (${CONTACTS_LOG_COLUMNS}) ENGINE = Memory`);
      if (rows.length) await s.insertRows(CONTACTS_LOG, rows);
    }),
  );
  return {
    ...cs,
    src: { ...cs.src, contactsLog: { table: CONTACTS_LOG, dates: log.dateValues() } },
    close: async () => {
      await Promise.all(cs.shards.map((s) => s.command(drop).catch(() => undefined)));
      await cs.close();
    },
  };
}

export interface ClusterScoreOptions {
  asOf: string;
  horizon: Period;
  shard: ShardSpec;
  log: Logger;
  /** A folder for the CSV parts streamed from the shards. */
  tmp: string;
}

/** Features at as-of of the shard's subscribers into score_input, the rejects, the accounting: see the module comment. */
export async function sourceFromCluster(db: Db, cs: ClusterSource, o: ClusterScoreOptions): Promise<ScoreSource> {
  const { src, validation } = cs;
  await createRejectsTable(db);
  const computed = await computeFeaturesOnCluster(
    cs.shards,
    { src, validation, asOf: [new Date(`${o.asOf}T00:00:00Z`)], horizon: o.horizon, shard: o.shard, log: o.log },
    (i, k) => join(o.tmp, `features-${i}-shard-${k}.csv`),
    async (part) => {
      await db.run(`CREATE OR REPLACE TABLE score_input AS SELECT * FROM ${clusterPartRelation(src, part.files)} ORDER BY subscriber_id`);
    },
  );

  // rejected rows of every table (the same in every shard's result)
  const rejects = await rejectedRows(cs.shards, src, validation.asOf);
  const app = await db.conn.createAppender("rejects");
  for (const r of rejects) {
    app.appendVarchar(r.table);
    app.appendVarchar(r.file);
    app.appendNull();
    r.column === null ? app.appendNull() : app.appendVarchar(r.column);
    r.value === null ? app.appendNull() : app.appendVarchar(r.value);
    app.appendVarchar(r.reason);
    r.detail === null ? app.appendNull() : app.appendVarchar(r.detail);
    app.endRow();
  }
  app.closeSync();

  // the shard's valid subscribers not in the snapshot: not active at as-of
  const asOf = `toDate(${chLiteral(o.asOf)})`;
  await pull(
    db,
    cs,
    `SELECT subscriber_id, toString(activation_date) AS act, toString(deactivation_date) AS deact FROM ${VALID_SUBSCRIBERS}
WHERE ${inShard(src, o.shard)} AND NOT (activation_date <= ${asOf} AND (deactivation_date IS NULL OR deactivation_date > ${asOf}))`,
    "shard_not_active",
    "'subscriber_id': 'VARCHAR', 'act': 'DATE', 'deact': 'DATE'",
    o.tmp,
  );
  await db.run(
    `INSERT INTO rejects
     SELECT 'subscribers', $1, NULL, 'subscriber_id', subscriber_id, 'not_active_at_as_of',
       CASE WHEN act > CAST($2 AS DATE) THEN 'activated ' || CAST(act AS VARCHAR) || ', after as-of ' || $2
            ELSE 'deactivated ' || CAST(deact AS VARCHAR) || ', on or before as-of ' || $2 END
     FROM shard_not_active ORDER BY subscriber_id`,
    [tableName(src, "subscribers"), o.asOf],
  );
  await db.run("DROP TABLE shard_not_active");

  const rejected = await db.all("SELECT reason, count(*) AS n FROM rejects WHERE table_name = 'subscribers' GROUP BY reason ORDER BY reason");
  const rows = Number((await db.one("SELECT count(*) AS n FROM score_input"))?.["n"] ?? 0);
  const checks = validation.tables;
  return {
    kind: "data",
    relation: "score_input",
    idColumn: "subscriber_id",
    asOf: o.asOf,
    rows,
    duplicateIds: new Set(),
    features: reasonFeaturesOf(computed.columns),
    inputs: checks.map((t) => ({ name: t.table, path: `clickhouse:${tableName(src, t.table)}`, sha256: null, rows: t.rows })),
    subscribersIn: checks.find((t) => t.table === "subscribers")?.rows ?? 0,
    rejectedByReason: Object.fromEntries(rejected.map((r) => [String(r["reason"]), Number(r["n"])])),
    tableCounts: Object.fromEntries(checks.map((t) => [t.table, { rows: t.rows, loaded: t.loaded, rejected: t.rejected }])),
    columns: (await db.describe("SELECT * FROM score_input")).map((c) => c.name),
    horizon: computed.horizon,
    dataEnd: computed.dataEnd,
  };
}

export interface ClusterContactOptions extends ClusterScoreOptions {
  config: Config;
  scorer: Scorer;
  explainer: Explainer;
  settings: UpliftSettings;
  /** The runs folder's contacts log (all of it: every shard's worker reads the same file). */
  contactsLog: ContactLog;
}

/**
 * The shard's contact waves (pipeline/uplift.ts contactWaves), as from files: the contact days over all shards,
 * the shard's contacts and its subscribers' deactivation dates pulled into DuckDB, the features of its
 * contacted subscribers as of the day before each wave computed on the cluster. The campaigns are the
 * operator's and the contacts log's (withContactsLog). Undefined without either; null when no contact is old enough.
 */
export async function contactWavesFromCluster(db: Db, cs: ClusterSource, o: ClusterContactOptions): Promise<ContactWaves | null | undefined> {
  const { src, validation } = cs;
  if (!hasTable(src, "campaigns")) return undefined;
  const H = o.settings.horizonDays;
  const rel = { asOf: validation.asOf, duplicates: validation.duplicates, subscribers: VALID_SUBSCRIBERS };
  const asOf = `toDate(${chLiteral(o.asOf)})`;
  // 1. the contact days whose window has passed by as-of, over all shards and the whole contacts log
  const daySql = `SELECT DISTINCT toString(date) AS d FROM (${readRel(src, "campaigns", rel)}) WHERE dateDiff('day', date, ${asOf}) >= ${H}`;
  const logDays = (src.contactsLog?.dates ?? []).filter((d) => (Date.parse(o.asOf) - Date.parse(d)) / 86_400_000 >= H);
  const contactDays = [...new Set([...(await Promise.all(cs.shards.map((s) => s.rows(daySql)))).flat().map((r) => String(r["d"])), ...logDays])].sort();
  if (!contactDays.length) return null;
  // contact rows per day and group over all shards and the whole log: what a large wave's sample rates are set
  // from, so every shard's worker takes the same sample (a contact both in the operator's campaigns and in the log
  // counts twice here, once in the merged table of one box: the rates can then differ a little)
  const contactCounts: ContactCounts = new Map();
  if (src.tables.campaigns) {
    const countSql = `SELECT toString(date) AS d, toString("group") AS g, count() AS n FROM (${readRel({ ...src, contactsLog: undefined }, "campaigns", rel)}) WHERE dateDiff('day', date, ${asOf}) >= ${H} GROUP BY d, g`;
    for (const rows of await Promise.all(cs.shards.map((s) => s.rows(countSql)))) for (const r of rows) countContacts(contactCounts, String(r["d"]), String(r["g"]), Number(r["n"]));
  }
  const log = o.contactsLog;
  for (let i = 0; i < log.size; i++) if (log.dateOf(i) <= o.asOf) countContacts(contactCounts, log.dateOf(i), log.groupOf(i), 1);
  // the shard's contacts and subscribers, as contactWaves reads them; every node holds the log's rows of the
  // shard, so each node gives those of its own subscribers (contactWaves joins the valid subscribers anyway)
  const own = `t.subscriber_id IN (SELECT subscriber_id FROM ${VALID_SUBSCRIBERS})`;
  await pull(
    db,
    cs,
    `SELECT subscriber_id, toString(date) AS date, action, "group" FROM (${readRel(src, "campaigns", { ...rel, where: [own] })}) WHERE ${inShard(src, o.shard)}`,
    "shard_campaigns",
    "'subscriber_id': 'VARCHAR', 'date': 'DATE', 'action': 'VARCHAR', 'group': 'VARCHAR'",
    o.tmp,
  );
  await pull(
    db,
    cs,
    `SELECT subscriber_id, toString(deactivation_date) AS deactivation_date FROM ${VALID_SUBSCRIBERS} WHERE ${inShard(src, o.shard)}`,
    "shard_subscribers",
    "'subscriber_id': 'VARCHAR', 'deactivation_date': 'DATE'",
    o.tmp,
  );
  const waves = await contactWaves(db, {
    retention: o.config.retention,
    asOf: o.asOf,
    horizon: o.horizon,
    columns: chColumns(src),
    scorer: o.scorer,
    explainer: o.explainer,
    chunkRows: o.config.scoring.chunkRows,
    settings: o.settings,
    log: o.log,
    campaigns: "shard_campaigns",
    subscribers: "shard_subscribers",
    contactDays,
    contactCounts,
    seed: o.config.seed,
    featuresAt: async (dates, emit) => {
      await computeFeaturesOnCluster(
        cs.shards,
        { src, validation, asOf: dates, horizon: o.horizon, shard: o.shard, log: o.log },
        (i, k) => join(o.tmp, `contacts-${i}-shard-${k}.csv`),
        (part) => emit(`SELECT * FROM ${clusterPartRelation(src, part.files)}`, part.asOf),
      );
    },
  });
  await db.run("DROP TABLE IF EXISTS shard_campaigns");
  await db.run("DROP TABLE IF EXISTS shard_subscribers");
  return waves ?? null;
}
