/**
 * Sharded scoring: `churn score --shard k/K` scores the subscribers whose id hashes to shard k (the hash the
 * cluster shards by, src/shard-hash.ts) and writes a shard result; `churn plan --merge` puts K of them
 * together (merge.ts). A shard result holds what the steps after scoring need, per subscriber and no more
 * (features stay on the worker):
 *
 *   SHARD_DIR/shard.json        kind churn-shard: shard k of K, as-of, source, inputs, model (id, kind, band
 *                               thresholds, reason columns), feature metadata, drift bin counts with their
 *                               reference, KPIs, the effects' campaign months, subscriber accounting
 *   SHARD_DIR/scored.parquet    per subscriber: probability, raw score, the plan's inputs, main-driver sums,
 *                               top-3 reason columns and values (the arrays of score-chunks.ts, bit for bit)
 *   SHARD_DIR/contacts.parquet  the same for the shard's contacted subscribers, per contact wave (as of the day
 *                               before it: pipeline/uplift.ts contactWaves)
 *   SHARD_DIR/outcomes.parquet  the shard's contacts of each wave with their outcome and the uplift modifiers'
 *                               feature values
 *   SHARD_DIR/modifiers.parquet the uplift modifiers' feature values of every scored subscriber (for the plan's
 *                               per-subscriber effects)
 *   SHARD_DIR/rejects.parquet   rejected rows: scope `shard` (this shard's subscribers) or `all` (rows of the
 *                               raw tables, the same in every shard's result; the merge keeps one copy)
 *
 * Written through SHARD_DIR.tmp-<pid> and renamed, shard.json last, like a run folder.
 */
import { join } from "node:path";
import type { LoadResult } from "../contract/load.js";
import { ConfigError, UsageError } from "../errors.js";
import { type Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { fileExists, readText, sha256File, writeJsonAtomic } from "../io/files.js";
import { msg } from "../messages.js";
import { DRIVER_COUNT, REASONS_PER_ROW } from "../model/explain.js";
import type { ExpectedBacktest } from "../model/backtest.js";
import type { ReferenceDistributions } from "../model/reference-bins.js";
import type { DriftState } from "../monitoring/drift.js";
import type { KpiResult } from "../report/kpis.js";
import type { ReasonFeature } from "../retention/reasons.js";
import { type ShardHash, shardOf } from "../shard-hash.js";
import type { IntegrityState } from "../monitoring/integrity.js";
import type { ContactWave, ContactWaves, OutcomeRow } from "./uplift.js";
import { PLAN_COLUMNS, PLAN_TEXT_COLUMNS, type Scored } from "./score-chunks.js";
import type { ScoreSource } from "./source.js";

export interface ShardSpec {
  /** 0-based shard index. */
  k: number;
  of: number;
}

/** Parse `k/K` (0 <= k < K); `k` may come from JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). */
export function parseShard(value: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const m = /^\s*(\d+|\$?JOB_COMPLETION_INDEX|index)\s*\/\s*(\d+)\s*$/.exec(value);
  const raw = m?.[1] ?? "";
  const k = /^\d+$/.test(raw) ? Number(raw) : Number(env["JOB_COMPLETION_INDEX"] ?? Number.NaN);
  const of = Number(m?.[2] ?? Number.NaN);
  if (!m || !Number.isInteger(of) || of < 1 || of > 4096 || !Number.isInteger(k) || k < 0 || k >= of) throw new UsageError(msg.badShard(value, env["JOB_COMPLETION_INDEX"]));
  return { k, of };
}

/** The table of the shard's subscriber ids, made by shardIds before the features. */
export const SHARD_IDS = "shard_ids";

/**
 * Table SHARD_IDS: the ids of the loaded `subscribers` whose hash puts them in the shard. The features, the
 * subscribers not active at as-of and the contacts are then computed for these subscribers only.
 */
export async function shardIds(db: Db, shard: ShardSpec, hash: ShardHash): Promise<void> {
  const all = (await db.all("SELECT DISTINCT subscriber_id FROM subscribers WHERE subscriber_id IS NOT NULL")).map((r) => String(r["subscriber_id"]));
  await db.run(`DROP TABLE IF EXISTS ${SHARD_IDS}`);
  await db.run(`CREATE TABLE ${SHARD_IDS} (subscriber_id VARCHAR)`);
  const app = await db.conn.createAppender(SHARD_IDS);
  for (const id of all) {
    if (shardOf(id, shard.of, hash) !== shard.k) continue;
    app.appendVarchar(id);
    app.endRow();
  }
  app.closeSync();
}

/**
 * Once the rejects hold the rows of every raw table and the shard's subscribers not active at as-of: those
 * are marked scope `shard`, every other row scope `all` (the same in every shard's result).
 */
export async function markShardRejects(db: Db): Promise<void> {
  await db.run("ALTER TABLE rejects ADD COLUMN IF NOT EXISTS scope VARCHAR DEFAULT 'all'");
  await db.run("UPDATE rejects SET scope = CASE WHEN reason = 'not_active_at_as_of' THEN 'shard' ELSE 'all' END");
}

/** shard.json. */
export interface ShardManifest {
  kind: "churn-shard";
  version: 1;
  shard: ShardSpec & { hash: ShardHash };
  as_of: string | null;
  created_at: string;
  source: ScoreSource["kind"] | "clickhouse";
  inputs: ScoreSource["inputs"];
  horizon: string | null;
  features: ReasonFeature[];
  /** The model as the merge needs it; `scale`: its contribution sizes (importance.json), for the reasons. */
  model: {
    id: string;
    kind: string;
    reasons: string;
    thresholds: { critical: number; high: number; medium: number };
    columns: string[];
    scale: Record<string, number> | null;
    /** The label horizon the model was trained for. */
    horizon: string;
    /** The model's backtest of its expected churners (absent when it has none). */
    expected_backtest?: ExpectedBacktest | undefined;
  };
  /** The end of the data the features saw. */
  data_end: string | null;
  plan_sources: Record<string, string | null>;
  /** Subscribers in the input (all shards: the rows of subscribers.*), and raw-table counts. */
  subscribers_in: number;
  tables: Record<string, { rows: number; loaded: number; rejected: number }> | null;
  scored: number;
  drift: { reference: ReferenceDistributions; counts: DriftState; integrity: IntegrityState | null } | null;
  kpis: KpiResult | null;
  /**
   * What the shard learned from: `none` without a campaigns table, `waves` (null: no contact old enough) with
   * the waves' first days and the modifiers' features the feature table has.
   */
  effects: { kind: "none" } | { kind: "waves"; wave_days: string[] | null; features: string[] };
  /** The uplift modifiers whose values modifiers.parquet holds (a column each, named as its feature). */
  modifiers: string[];
  /** The runs folder's contacts log as the shard saw it (the rows dated on or before as-of). */
  contacts_log: { rows: number; sha256: string };
  files: Record<string, string>;
}

export const SHARD_FILES = ["scored.parquet", "contacts.parquet", "outcomes.parquet", "modifiers.parquet", "rejects.parquet"] as const;

const numKeys = Object.keys(PLAN_COLUMNS) as (keyof typeof PLAN_COLUMNS)[];
const textKeys = Object.keys(PLAN_TEXT_COLUMNS) as (keyof typeof PLAN_TEXT_COLUMNS)[];

/** The columns of scored.parquet / contacts.parquet. */
function scoredColumns(): string {
  return [
    "subscriber_id VARCHAR",
    "prob FLOAT",
    "raw FLOAT",
    ...numKeys.map((k) => `"num_${k}" FLOAT`),
    ...textKeys.map((k) => `"text_${k}" VARCHAR`),
    ...Array.from({ length: DRIVER_COUNT }, (_, d) => `d_${d} UTINYINT`),
    ...Array.from({ length: REASONS_PER_ROW }, (_, r) => `rc_${r} SMALLINT, rv_${r} FLOAT`),
  ].join(", ");
}

/** Append a Scored's rows to a table created with scoredColumns (plus `extra` leading values per row). */
async function appendScored(db: Db, table: string, s: Scored, month?: string): Promise<void> {
  const app = await db.conn.createAppender(table);
  for (let i = 0; i < s.n; i++) {
    if (month !== undefined) app.appendVarchar(month);
    app.appendVarchar(s.ids[i]!);
    app.appendFloat(s.prob[i]!);
    app.appendFloat(s.raw[i]!);
    for (const k of numKeys) {
      const col = s.num[k];
      col ? app.appendFloat(col[i]!) : app.appendNull();
    }
    for (const k of textKeys) {
      const v = s.text[k]?.[i];
      v === undefined || v === null ? app.appendNull() : app.appendVarchar(v);
    }
    for (let d = 0; d < DRIVER_COUNT; d++) app.appendUTinyInt(s.driverSums[i * DRIVER_COUNT + d]!);
    for (let r = 0; r < REASONS_PER_ROW; r++) {
      app.appendSmallInt(s.reasonCol[i * REASONS_PER_ROW + r]!);
      app.appendFloat(s.reasonVal[i * REASONS_PER_ROW + r]!);
    }
    app.endRow();
  }
  app.closeSync();
}

export interface ShardWrite {
  shard: ShardSpec;
  hash: ShardHash;
  src: ScoreSource;
  scored: Scored;
  model: ShardManifest["model"];
  drift: ShardManifest["drift"];
  kpis: KpiResult | undefined;
  /** The contact waves (undefined: no campaigns table; null: no contact old enough). */
  contacts: ContactWaves | null | undefined;
  /** Raw values of the uplift modifiers (row-major n x defs.length, NaN = empty) of the scored subscribers. */
  modifiers: { defs: string[]; raw: Float64Array };
  contactsLog: ShardManifest["contacts_log"];
  load: LoadResult | undefined;
  /** Set when the raw tables were read from ClickHouse. */
  source?: "clickhouse" | undefined;
}

/** Write the shard result into `dir` (a staging folder); shard.json last. */
export async function writeShardFiles(db: Db, dir: string, w: ShardWrite): Promise<ShardManifest> {
  const q = (f: string) => quoteLiteral(join(dir, f));
  const waves = w.contacts?.waves ?? [];
  const features = w.contacts?.features ?? [];
  await db.run("DROP TABLE IF EXISTS shard_scored");
  await db.run(`CREATE TABLE shard_scored (${scoredColumns()})`);
  await appendScored(db, "shard_scored", w.scored);
  await db.run(`COPY (SELECT * FROM shard_scored ORDER BY subscriber_id) TO ${q("scored.parquet")} (FORMAT parquet)`);
  await db.run("DROP TABLE shard_scored");
  await db.run("DROP TABLE IF EXISTS shard_contacts");
  await db.run(`CREATE TABLE shard_contacts (wave VARCHAR, ${scoredColumns()})`);
  for (const w of waves) await appendScored(db, "shard_contacts", w.scored, w.first);
  await db.run(`COPY (SELECT * FROM shard_contacts ORDER BY wave, subscriber_id) TO ${q("contacts.parquet")} (FORMAT parquet)`);
  await db.run("DROP TABLE shard_contacts");
  await writeOutcomes(db, q("outcomes.parquet"), waves, features);
  await writeModifiers(db, q("modifiers.parquet"), w.scored.ids, w.modifiers);
  await db.run(`COPY (SELECT table_name, file, row, column_name, value, reason, detail, scope FROM rejects ORDER BY table_name, row NULLS LAST, value) TO ${q("rejects.parquet")} (FORMAT parquet)`);
  const files: Record<string, string> = {};
  for (const f of SHARD_FILES) files[f] = await sha256File(join(dir, f));
  const { src } = w;
  const manifest: ShardManifest = {
    kind: "churn-shard",
    version: 1,
    shard: { ...w.shard, hash: w.hash },
    as_of: src.asOf,
    created_at: new Date().toISOString(),
    source: w.source ?? src.kind,
    inputs: src.inputs,
    horizon: src.horizon,
    data_end: src.dataEnd,
    features: src.features,
    model: w.model,
    plan_sources: w.scored.planSources,
    subscribers_in: src.subscribersIn,
    tables: w.load ? Object.fromEntries(Object.values(w.load.tables).filter((t) => t.present).map((t) => [t.table, { rows: t.rows, loaded: t.loaded, rejected: t.rejected }])) : (src.tableCounts ?? null),
    scored: w.scored.n,
    drift: w.drift,
    kpis: w.kpis ?? null,
    effects: w.contacts === undefined ? { kind: "none" } : { kind: "waves", wave_days: w.contacts?.waveDays ?? null, features },
    modifiers: w.modifiers.defs,
    contacts_log: w.contactsLog,
    files,
  };
  writeJsonAtomic(join(dir, "shard.json"), manifest);
  return manifest;
}

/** Read and check a shard result: shard.json, and every file's checksum. ConfigError when damaged. */
export async function readShardManifest(dir: string): Promise<ShardManifest> {
  const p = join(dir, "shard.json");
  if (!fileExists(p)) throw new ConfigError(msg.shardNotFound(dir));
  let m: ShardManifest;
  try {
    m = JSON.parse(readText(p)) as ShardManifest;
  } catch (e) {
    throw new ConfigError(msg.shardDamaged(dir, "shard.json", `is not valid JSON (${(e as Error).message})`));
  }
  if (m.kind !== "churn-shard" || m.version !== 1) throw new ConfigError(msg.shardDamaged(dir, "shard.json", "is not a shard result of this churn version"));
  for (const f of SHARD_FILES) {
    const sha = m.files?.[f];
    if (!fileExists(join(dir, f))) throw new ConfigError(msg.shardDamaged(dir, f, "is missing"));
    if ((await sha256File(join(dir, f))) !== sha) throw new ConfigError(msg.shardDamaged(dir, f, "does not match its checksum in shard.json"));
  }
  return m;
}

/** Read scored rows (a parquet relation with scoredColumns) back into a Scored, in the relation's order. */
export async function readScored(db: Db, relation: string, planSources: Record<string, string | null>): Promise<Scored> {
  const n = Number((await db.one(`SELECT count(*) AS n FROM ${relation}`))?.["n"] ?? 0);
  const s: Scored = {
    n,
    ids: new Array<string>(n),
    prob: new Float32Array(n),
    raw: new Float32Array(n),
    num: Object.fromEntries(numKeys.map((k) => [k, planSources[k] ? new Float32Array(n) : undefined])) as Scored["num"],
    text: Object.fromEntries(textKeys.map((k) => [k, planSources[k] ? new Array<string | null>(n) : undefined])) as Scored["text"],
    driverSums: new Uint8Array(n * DRIVER_COUNT),
    reasonCol: new Int16Array(n * REASONS_PER_ROW),
    reasonVal: new Float32Array(n * REASONS_PER_ROW),
    planSources,
  };
  const cols = [
    "subscriber_id",
    "prob",
    "raw",
    ...numKeys.map((k) => `"num_${k}"`),
    ...textKeys.map((k) => `"text_${k}"`),
    ...Array.from({ length: DRIVER_COUNT }, (_, d) => `d_${d}`),
    ...Array.from({ length: REASONS_PER_ROW }, (_, r) => `rc_${r}, rv_${r}`),
  ];
  const intern = new Map<string, string>();
  const result = await db.conn.stream(`SELECT ${cols.join(", ")} FROM ${relation}`);
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.rowCount;
    const col = (j: number) => chunk.getColumnValues(j);
    const ids = col(0);
    const prob = col(1);
    const raw = col(2);
    for (let r = 0; r < rows; r++) {
      s.ids[at + r] = ids[r] as string;
      s.prob[at + r] = prob[r] as number;
      s.raw[at + r] = raw[r] as number;
    }
    let j = 3;
    for (const k of numKeys) {
      const v = col(j++);
      const dst = s.num[k];
      if (dst) for (let r = 0; r < rows; r++) dst[at + r] = v[r] === null ? Number.NaN : (v[r] as number);
    }
    for (const k of textKeys) {
      const v = col(j++);
      const dst = s.text[k];
      if (!dst) continue;
      for (let r = 0; r < rows; r++) {
        const x = v[r] as string | null;
        if (x === null) dst[at + r] = null;
        else {
          const y = intern.get(x) ?? x;
          intern.set(x, y);
          dst[at + r] = y;
        }
      }
    }
    for (let d = 0; d < DRIVER_COUNT; d++) {
      const v = col(j++);
      for (let r = 0; r < rows; r++) s.driverSums[(at + r) * DRIVER_COUNT + d] = v[r] as number;
    }
    for (let q = 0; q < REASONS_PER_ROW; q++) {
      const c = col(j++);
      const v = col(j++);
      for (let r = 0; r < rows; r++) {
        s.reasonCol[(at + r) * REASONS_PER_ROW + q] = c[r] as number;
        s.reasonVal[(at + r) * REASONS_PER_ROW + q] = v[r] as number;
      }
    }
    at += rows;
  }
  return s;
}

/** The columns of outcomes.parquet besides the feature values f_<i>. */
const OUTCOME_COLUMNS = 'wave VARCHAR, subscriber_id VARCHAR, date DATE, action VARCHAR, treated BOOLEAN, churned BOOLEAN';

/** The waves' contacts with their outcomes, one row each (f_<i> = the i-th modifier feature). */
async function writeOutcomes(db: Db, path: string, waves: readonly ContactWave[], features: readonly string[]): Promise<void> {
  await db.run("DROP TABLE IF EXISTS shard_outcomes");
  await db.run(`CREATE TABLE shard_outcomes (${OUTCOME_COLUMNS}${features.map((_, i) => `, f_${i} DOUBLE`).join("")})`);
  const app = await db.conn.createAppender("shard_outcomes");
  for (const w of waves) {
    for (const r of w.rows) {
      app.appendVarchar(w.first);
      app.appendVarchar(r.id);
      app.appendVarchar(r.date);
      app.appendVarchar(r.action);
      app.appendBoolean(r.treated);
      app.appendBoolean(r.churned);
      for (const v of r.values) v === null ? app.appendNull() : app.appendDouble(v);
      app.endRow();
    }
  }
  app.closeSync();
  await db.run(`COPY (SELECT * FROM shard_outcomes ORDER BY wave, subscriber_id, date, action) TO ${path} (FORMAT parquet)`);
  await db.run("DROP TABLE shard_outcomes");
}

/** The uplift modifiers' values of the scored subscribers (a column per modifier, named as its feature; NULL = empty), by subscriber. */
async function writeModifiers(db: Db, path: string, ids: readonly string[], m: ShardWrite["modifiers"]): Promise<void> {
  const M = m.defs.length;
  await db.run("DROP TABLE IF EXISTS shard_modifiers");
  await db.run(`CREATE TABLE shard_modifiers (subscriber_id VARCHAR${m.defs.map((f) => `, ${quoteIdent(f, "feature")} DOUBLE`).join("")})`);
  const app = await db.conn.createAppender("shard_modifiers");
  for (let i = 0; i < ids.length; i++) {
    app.appendVarchar(ids[i]!);
    for (let j = 0; j < M; j++) {
      const v = m.raw[i * M + j]!;
      Number.isNaN(v) ? app.appendNull() : app.appendDouble(v);
    }
    app.endRow();
  }
  app.closeSync();
  await db.run(`COPY (SELECT * FROM shard_modifiers ORDER BY subscriber_id) TO ${path} (FORMAT parquet)`);
  await db.run("DROP TABLE shard_modifiers");
}

/**
 * The contact waves of every shard put together as one process finds them: per wave, the contacted subscribers
 * of all shards and their contacts ordered by subscriber, date and action. Undefined when no shard had waves.
 */
export async function readContactWaves(db: Db, dirs: readonly string[], ms: readonly ShardManifest[], planSources: Record<string, string | null>): Promise<ContactWaves | undefined> {
  const first = ms[0]!.effects;
  if (first.kind !== "waves" || first.wave_days === null) return undefined;
  const files = (f: string) => `[${dirs.map((d) => quoteLiteral(join(d, f))).join(", ")}]`;
  const features = first.features;
  const out: ContactWaves = { waveDays: first.wave_days, waves: [], features };
  for (const day of first.wave_days) {
    const rel = `(SELECT * EXCLUDE (wave) FROM read_parquet(${files("contacts.parquet")}) WHERE wave = ${quoteLiteral(day)} ORDER BY subscriber_id)`;
    const scored = await readScored(db, rel, planSources);
    if (!scored.n) continue;
    const rows = await db.all(
      `SELECT subscriber_id, CAST(date AS VARCHAR) AS date, action, treated, churned${features.map((_, i) => `, f_${i}`).join("")}
       FROM read_parquet(${files("outcomes.parquet")}) WHERE wave = ${quoteLiteral(day)} ORDER BY subscriber_id, date, action`,
    );
    out.waves.push({
      first: day,
      scored,
      rows: rows.map(
        (r): OutcomeRow => ({
          id: String(r["subscriber_id"]),
          date: String(r["date"]),
          action: String(r["action"]),
          treated: Boolean(r["treated"]),
          churned: Boolean(r["churned"]),
          values: features.map((_, i) => (r[`f_${i}`] === null || r[`f_${i}`] === undefined ? null : Number(r[`f_${i}`]))),
        }),
      ),
    });
  }
  return out;
}
