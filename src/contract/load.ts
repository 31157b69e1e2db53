/**
 * Loading and validating the input tables through DuckDB, each file in as few passes as the rules allow
 * (src/contract/pass.ts), and each file only once while it does not change (the validated-table cache):
 *
 *   for each table (subscribers first: the others are checked against them), for each file of the table
 *   (one, or the partitions of a folder or glob, in path order):
 *     content hash ─► cached value stage? ─ no ─► read header, map columns ─► check pass (value + reference
 *                        │                        rules, one scan) ─► duplicate map ─► store the value stage
 *                        yes ─► its rejects, duplicate map (and for CSV its parsed rows)
 *                               ─► cached reference stage for this as-of date and these subscribers?
 *                                  no ─► reference rules alone on the kept rows (one scan) ─► store
 *   (new Parquet files of one shape, such as daily partitions, are checked together: one scan of all of them and
 *   one join to the subscribers, rejects per file; likewise the reference re-check of cached Parquet files)
 *   then, for the table: duplicate rows (first kept) ─► duplicates across partitions whose dates overlap ─►
 *   duplicate subscriber ids ─► the canonical table or view (valid rows only) ─► counts, date range
 *
 * Every input row ends up either in its canonical table or in `rejects` (one line per rejected row: the
 * first problem found, in the order of the rules in src/contract/rules.ts); loaded + rejected = rows is
 * asserted.
 *
 * `row` in rejects is the 1-based data row of its file: the header is not counted, so for a CSV without
 * line breaks inside quoted fields it is the line number minus one; for Parquet it is the file's row
 * number plus one.
 *
 * Duplicates: of identical rows (same values after trimming), the first in file order is kept and the
 * others rejected as `duplicate_row` ("same as row N"; across partitions "same as row N of FILE"). For
 * subscribers, of several valid rows with the same subscriber_id, the first is kept and the others
 * rejected as `duplicate_id` ("first row N kept").
 *
 * The cache (src/io/cache.ts) keeps per file its value stage (keyed by the file's sha256 and the
 * settings that shape validation: contract, column mapping, CSV options), per file its reference stage
 * (keyed by the value stage, the as-of date when a date of the file lies after it, and the subscribers it
 * was checked against) and per table the rest. An unchanged file is never read again; a changed
 * subscribers table re-runs only the reference stage, on the kept rows.
 */
import { relative } from "node:path";
import type { Config } from "../config/schema.js";
import { ConfigError, InputDataError } from "../errors.js";
import { type CacheUse, type PartMeta, parsePartMeta, parseRefMeta, parseTableMeta, cacheKey, type ValidationCache } from "../io/cache.js";
import { type Db, duckDetail, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { produceAtomic, sha256File, sha256Text } from "../io/files.js";
import { findTableFiles, globBase, isGlob, type TableFile, type TableFormat, type TableSource } from "../io/tables.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import {
  type CheckResult,
  checkFile,
  checkParquetFiles,
  cleanParquetRows,
  type FileShape,
  copyKeptRows,
  dropTemps,
  type FileCtx,
  goodHashes,
  goodRows,
  type KeptRows,
  keptRelation,
  REFERENCE_SQL,
  rawCols,
  rawRowsOf,
  readShape,
  recheckFile,
  recheckParquetFiles,
  rejectedRows,
  SUBSCRIBER_REF,
  scanning,
  shapeKey,
  tempNames,
} from "./pass.js";
import { Params, type ResolvedColumn } from "./sql.js";
import { TABLE_NAMES, TABLES, type TableDef, type TableName } from "./tables.js";

/** Bump when what validation computes changes: cached results of older code are then not reused. */
export const VALIDATION_VERSION = 1;

export interface TableLoad {
  table: TableName;
  present: boolean;
  /** The file, or the folder or glob of its partitions. */
  file: string | null;
  format: TableFormat | null;
  /** Data rows in the file(s) (header not counted). */
  rows: number;
  loaded: number;
  rejected: number;
  /** Range of the table's event date (subscribers: activation_date to the latest activation/deactivation). */
  minDate: Date | null;
  maxDate: Date | null;
  /** sha256 of the file; of a partitioned table, of the list of its files' relative paths and sha256s. */
  sha256: string | null;
  /** How the canonical relation is kept: a table in memory, or (large inputs) a view over the files. */
  storage: "table" | "view" | null;
  /** canonical column -> the file's column (null when an optional column is absent, in any partition). */
  columns: Record<string, string | null>;
  /** Files read (1 unless partitioned). */
  files: number;
  /** Files whose value stage was reused from the cache (not read again). */
  reused: number;
}

export interface RejectExample {
  row: number;
  column: string | null;
  value: string | null;
  detail: string | null;
}

export interface RejectGroup {
  table: TableName;
  reason: string;
  count: number;
  /** The first few rejected rows for this reason, in file order. */
  examples: RejectExample[];
}

export interface LoadResult {
  asOf: Date;
  tables: Record<TableName, TableLoad>;
  rejectsByReason: RejectGroup[];
  /** What the validated-table cache saved, when one was used. */
  cache?: CacheUse;
}

export interface LoadOptions {
  /** Directory holding subscribers.csv|parquet (or a folder subscribers/), usage..., default config.data.dir. */
  dir?: string | undefined;
  /** Explicit file, folder or glob per table; wins over config.data.tables and the directory. */
  tables?: Record<string, string> | undefined;
  config: Config;
  log?: Logger | undefined;
  /** Dates after this day are future; default config.validation.asOf, else today (UTC). */
  asOf?: Date | undefined;
  /** Inputs with more rows stay a VIEW over the files instead of a table in memory (default 10M). */
  materializeMaxRows?: number | undefined;
  /** Examples kept per reason in `rejectsByReason` (default 3). */
  examples?: number | undefined;
  /** Reuse and store validated files here; none: validate in memory. */
  cache?: ValidationCache | undefined;
  /**
   * false: every canonical relation is a view over the files (or the rows parsed in this run), never a copy:
   * for a caller that only validates (`churn validate`) and queries little. Default true.
   */
  materialize?: boolean | undefined;
}

/**
 * Load every present input table into `db`, validated.
 *
 * Leaves in the connection:
 * - one table per present input, named exactly as the canonical table (`subscribers`, `usage`, `billing`,
 *   `complaints`, `products`, `surveys`, `campaigns`), with the canonical column names and types
 *   (DATE, DOUBLE, BIGINT, BOOLEAN, VARCHAR; `subscriber_id` VARCHAR; enums lower-case), holding only valid
 *   rows, in file order. Absent optional tables are not created (`present: false`); absent optional
 *   columns are NULL. A table whose rows all come from the validation cache (typed Parquet a run checked
 *   before), and an input of more than `materializeMaxRows` rows (default 10M) read from Parquet, are left as a
 *   VIEW of the same name over the files, minus the rejected rows (`storage: "view"`): 180M usage rows would take
 *   ~16 GB as a table; as a view they cost nothing until queried, and DuckDB scans the cache's files as fast as
 *   its own tables. Do not drop `rejects` while such a view is in use.
 * - `rejects(table_name, file, row, column_name, value, reason, detail)`: one line per rejected row.
 *
 * Throws InputDataError (exit 3) for a missing required file or column, an unreadable or empty file;
 * ConfigError (exit 2) for a mapping key or table name outside the contract. The reject-share gate is
 * separate (`checkRejectShare`), so callers decide.
 *
 * @example
 *   const result = await withDb((db) => loadData(db, { dir: "data/sample", config }));
 *   // db now has subscribers, usage, ... and rejects; result.tables.usage.loaded === rows in `usage`
 */
export async function loadData(db: Db, opts: LoadOptions): Promise<LoadResult> {
  const config = opts.config;
  const log = opts.log ?? silentLogger;
  const asOf = opts.asOf ?? parseAsOf(config.validation.asOf) ?? todayUtc();
  const sources = findTableFiles({
    dir: opts.dir ?? config.data.dir,
    tables: { ...config.data.tables, ...(opts.tables ?? {}) },
  });
  for (const [table, mapping] of Object.entries(config.data.columns)) {
    if (table === "table") continue; // a flat or feature table's mapping, used when scoring one
    const names = TABLES[table as TableName].columns.map((c) => c.name);
    for (const key of Object.keys(mapping)) {
      if (!names.includes(key)) throw new ConfigError(msg.unknownMappingKey(table, key, names));
    }
  }

  // what an earlier load left in this connection: the canonical relations, then the parsed rows under them
  for (const name of TABLE_NAMES) await dropRelation(db, name);
  for (const r of await db.all("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '\\_rows\\_%' ESCAPE '\\'")) {
    await db.run(`DROP TABLE ${quoteIdent(String(r["table_name"]))}`);
  }
  await db.run("DROP TABLE IF EXISTS rejects");
  await db.run(
    "CREATE TABLE rejects (table_name VARCHAR, file VARCHAR, row BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)",
  );
  const use: CacheUse = { dir: opts.cache?.dir ?? "", files: 0, reused: 0, rechecked: 0 };
  const tables = {} as Record<TableName, TableLoad>;
  let facts = "none";
  // subscribers first: event tables are checked against the loaded subscribers.
  for (const name of TABLE_NAMES) {
    const source = sources[name];
    if (source === undefined) {
      tables[name] = absent(name);
      continue;
    }
    const started = Date.now();
    const loaded = await loadTable(db, TABLES[name], source, {
      config,
      asOf: iso(asOf),
      log,
      materializeMaxRows: opts.materialize === false ? -1 : (opts.materializeMaxRows ?? 10_000_000),
      // validation alone (nothing reads the rows afterwards, nothing stored for later): keep only what the checks
      // read; the subscribers in full, as every event table is checked against them
      checksOnly: opts.materialize === false && !opts.cache && name !== "subscribers",
      cache: opts.cache,
      facts,
      use,
    });
    tables[name] = loaded.load;
    if (name === "subscribers") {
      facts = loaded.key;
      await subscriberReference(db, loaded.load.storage === "table");
    }
    const t = loaded.load;
    const reused = opts.cache && t.reused > 0 ? `, ${t.reused} of ${t.files} file${t.files > 1 ? "s" : ""} validated before` : "";
    log.info(`${name}: ${t.rows} rows, ${t.loaded} loaded, ${t.rejected} rejected (${((Date.now() - started) / 1000).toFixed(1)} s${reused})`);
  }
  await dropSubscriberReference(db);
  if (opts.cache) await opts.cache.prune();
  return { asOf, tables, rejectsByReason: await rejectsByReason(db, opts.examples ?? 3), ...(opts.cache ? { cache: use } : {}) };
}

/**
 * `SUBSCRIBER_REF`: what the event tables' reference rules read of the loaded subscribers (id, activation and
 * deactivation dates), joined once per event file. Over a subscribers table it is a view; when subscribers is
 * itself a view (over Parquet files, or parsed CSV rows minus the rejects) it is a small table, so the view's
 * read, checks and reject filter are not redone for each file: 90 daily usage partitions of a 1M-subscriber
 * world read subscribers.parquet 90 times (check pass 33.7 s of 56 s in validate).
 */
async function subscriberReference(db: Db, overTable: boolean): Promise<void> {
  await dropSubscriberReference(db);
  await db.run(`CREATE TEMP ${overTable ? "VIEW" : "TABLE"} ${SUBSCRIBER_REF} AS SELECT subscriber_id, activation_date, deactivation_date FROM subscribers`);
}

const dropSubscriberReference = (db: Db) => dropRelation(db, SUBSCRIBER_REF, "temp");

/** Groups of files with the same shape (shapeKey), in first-seen order: each can be read as one relation. */
function byShape(cs: FileCtx[]): FileCtx[][] {
  const groups = new Map<string, FileCtx[]>();
  for (const c of cs) {
    const k = shapeKey(c.shape);
    const g = groups.get(k);
    if (g) g.push(c);
    else groups.set(k, [c]);
  }
  return [...groups.values()];
}

/**
 * Drop a table or view of this name in `database` (default the connection's own: a canonical table, and the
 * parsed rows under a view, left by an earlier load in this connection; "temp" for temporary ones).
 */
async function dropRelation(db: Db, name: string, database?: string): Promise<void> {
  const where = `database_name = ${database === undefined ? "current_database()" : "$2"}`;
  const kind = await db.one(
    `SELECT 'VIEW' AS k FROM duckdb_views() WHERE view_name = $1 AND ${where} UNION ALL SELECT 'TABLE' FROM duckdb_tables() WHERE table_name = $1 AND ${where}`,
    database === undefined ? [name] : [name, database],
  );
  if (kind) await db.run(`DROP ${kind["k"] === "VIEW" ? "VIEW" : "TABLE"} ${quoteIdent(name)}`);
}

function absent(table: TableName): TableLoad {
  return { table, present: false, file: null, format: null, rows: 0, loaded: 0, rejected: 0, minDate: null, maxDate: null, sha256: null, storage: null, columns: {}, files: 0, reused: 0 };
}

/** A Date at UTC midnight from YYYY-MM-DD, undefined for no value; ConfigError when malformed. */
export function parseAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw new ConfigError(msg.badAsOf(value));
  return d;
}

function todayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

interface TableCtx {
  config: Config;
  asOf: string;
  log: Logger;
  materializeMaxRows: number;
  /** Parsed CSV rows keep only the columns the checks read (FileCtx.checksOnly); the table is a view over the files. */
  checksOnly: boolean;
  cache: ValidationCache | undefined;
  /** The key of the subscribers the event tables are checked against ("none" for subscribers itself). */
  facts: string;
  use: CacheUse;
}

/** A file of the table as the passes see it, and where its kept rows are. */
interface Part {
  c: FileCtx;
  kept: KeptRows;
  sha256: string;
  /** Key of its value stage and of its reference stage. */
  valueKey: string;
  refKey: string;
  meta: PartMeta;
  /** Its value stage came from the cache (the file was not read). */
  reused: boolean;
  /** How it is named in messages about other partitions: its path relative to the table's folder or glob. */
  label: string;
}

let tempCounter = 0;

/** What shapes a table's validation besides the files: the contract, the mapping, the CSV options. */
function settingsOf(def: TableDef, config: Config): unknown {
  return { v: VALIDATION_VERSION, def, mapping: config.data.columns[def.name], csv: config.data.csv };
}

async function loadTable(db: Db, def: TableDef, source: TableSource, ctx: TableCtx): Promise<{ load: TableLoad; key: string }> {
  const { config, cache, log } = ctx;
  const name = def.name;
  const total = source.parts.reduce((a, p) => a + p.bytes, 0);
  const settings = cacheKey(settingsOf(def, config));
  const parts: Part[] = [];
  let keepRows = false;
  const step = (what: string, rows: number) => {
    if (rows >= 1_000_000 || total >= 100_000_000) log.info(`${name}: ${what}`);
  };
  try {
    // files validated before come from the cache; the new ones are read and checked below
    type Fresh = { c: FileCtx; sha256: string | Promise<string>; valueKey?: string };
    const slots: (Part | Fresh)[] = [];
    /** Files whose value stage came from the cache but whose reference stage must run again. */
    const stale: Pick<Part, "c" | "kept" | "refKey" | "meta">[] = [];
    for (const file of source.parts) {
      if (!cache) {
        // no cache to look up: the content hash (for the run's manifest) is read while DuckDB checks the file
        const hashing = sha256File(file.path);
        hashing.catch(() => undefined);
        const shape = await readShape(db, def, file, config);
        ctx.use.files++;
        slots.push({ c: { db, def, file, shape, config, asOf: ctx.asOf, n: ++tempCounter, checksOnly: ctx.checksOnly }, sha256: hashing });
        continue;
      }
      const sha256 = await cache.fileHash(file.path);
      const valueKey = cacheKey(["part", settings, sha256]);
      const n = ++tempCounter;
      ctx.use.files++;
      const hit = await cache.take("part", valueKey, parsePartMeta);
      // (an entry that does not fit the contract would come from other code of the same version: validate again)
      const cachedShape = hit ? shapeOf(def, hit.meta) : undefined;
      if (hit && cachedShape) {
        const reused = await reuseValueStage(db, def, file, { ...ctx, cache }, hit, cachedShape, n);
        if (reused) {
          const { recheck, ...part } = reused;
          slots.push({ ...part, sha256, valueKey, reused: true, label: labelOf(source, file.path) });
          if (recheck) stale.push(part);
          continue;
        }
        await cache.discard("part", valueKey);
      }
      const shape = await readShape(db, def, file, config);
      slots.push({ c: { db, def, file, shape, config, asOf: ctx.asOf, n }, sha256, valueKey });
    }

    // rows kept from an earlier run, against these subscribers and this as-of date: Parquet files of one shape
    // in one scan (a new subscribers file changes every file's reference stage: 90 joins became one)
    if (stale.length > 0) {
      step(
        `checking the rows of ${stale.length} file${stale.length > 1 ? "s" : ""} kept from an earlier run against the subscribers and the as-of date`,
        stale.reduce((a, x) => a + x.meta.rows, 0),
      );
      for (const x of stale) if (x.kept.kind !== "source") await recheckFile(x.c, x.kept);
      for (const cs of byShape(stale.filter((x) => x.kept.kind === "source").map((x) => x.c))) await recheckParquetFiles(cs);
      for (const x of stale) await publishRef(x.c, x.refKey, cache!);
    }

    // the check pass: Parquet files of the same shape in one scan (the join to the subscribers built once)
    const fresh = slots.filter((x): x is Fresh => !("meta" in x));
    const checked = new Map<FileCtx, CheckResult>();
    for (const { c } of fresh) {
      if (c.file.format !== "parquet") checked.set(c, await checkFile(c, (what) => step(`${c.file.path}: ${what}`, c.file.bytes / 40)));
    }
    for (const cs of byShape(fresh.map((x) => x.c).filter((c) => c.file.format === "parquet"))) {
      const bytes = cs.reduce((a, c) => a + c.file.bytes, 0);
      const results = await checkParquetFiles(cs, (what) => step(cs.length === 1 ? `${cs[0]!.file.path}: ${what}` : what, bytes / 40));
      for (const [i, c] of cs.entries()) checked.set(c, results[i]!);
    }

    for (const slot of slots) {
      if ("meta" in slot) {
        parts.push(slot);
        continue;
      }
      const { c } = slot;
      const { file, shape, n } = c;
      const sha256 = await slot.sha256;
      const valueKey = slot.valueKey ?? cacheKey(["part", settings, sha256]);
      const meta: PartMeta = {
        kind: "churn-validated-file",
        version: VALIDATION_VERSION,
        table: name,
        format: file.format,
        sha256,
        columns: shape.cols.map((x) => ({ name: x.def.name, source: x.source, sourceType: x.sourceType })),
        delimiter: shape.delimiter,
        ...checked.get(c)!,
      };
      const refKey = cacheKey(["ref", valueKey, asOfKey(meta.refMax, ctx.asOf), ctx.facts]);
      if (cache) {
        await cache.publish("part", valueKey, meta, async (dir) => {
          await copyRejects(c, `${dir}/rejects.parquet`, `reason NOT IN (${REFERENCE_SQL})`);
          await db.run(`COPY ${tempNames(n).dups} TO ${quoteLiteral(`${dir}/dups.parquet`)} (FORMAT parquet)`);
          if (file.format === "csv") await copyKeptRows(c, `${dir}/rows.parquet`);
        });
        await publishRef(c, refKey, cache);
      }
      parts.push({ c, kept: file.format === "csv" ? { kind: c.checksOnly ? "checks" : "memory" } : { kind: "source" }, sha256, valueKey, refKey, meta, reused: false, label: labelOf(source, file.path) });
    }

    const rows = parts.reduce((a, p) => a + p.meta.rows, 0);
    if (rows === 0) {
      if (def.required) throw new InputDataError(msg.noDataRows(source.path, name));
      log.warn(msg.noDataRowsWarning(source.path, name));
    }

    // duplicate rows within each file: the first kept (a group rejected by a reference rule stays so)
    for (const p of parts) {
      await db.run(
        `INSERT INTO rejects SELECT ${quoteLiteral(name)}, ${quoteLiteral(p.c.file.path)}, d.row, NULL, NULL, 'duplicate_row', 'same as row ' || CAST(d.first AS VARCHAR)
         FROM ${tempNames(p.c.n).dups} d ANTI JOIN ${rejectedRows(p.c)} b ON b.row = d.row`,
      );
    }

    // the table's own rules: duplicates across partitions, duplicate subscriber ids
    const key = cacheKey(["table", settings, parts.map((p) => [p.valueKey, p.refKey])]);
    const tableHit = cache ? await cache.take("table", key, parseTableMeta) : undefined;
    await db.run("CREATE OR REPLACE TEMP TABLE _setrej (part INTEGER, row BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)");
    let setFromCache = false;
    if (tableHit) {
      try {
        await addSetRejects(db, name, parts, `SELECT * FROM read_parquet(${quoteLiteral(`${tableHit.path}/rejects.parquet`)})`);
        setFromCache = true;
      } catch (e) {
        log.warn(msg.cacheEntryUnreadable(tableHit.path, duckDetail(e)));
        await cache!.discard("table", key);
      }
    }
    if (!setFromCache) {
      if (parts.length > 1) await crossPartDuplicates(db, def, parts, (what) => step(what, rows));
      if (name === "subscribers") await duplicateIds(db, parts);
    }

    // The canonical relation: the good rows of every file, in order. Rows parsed in this run (CSV) are
    // already in memory: a view over them, no second copy. Rows a run checked before are typed Parquet in the
    // cache: a view too, since DuckDB scans those files as fast as its own tables, and copying them into one was
    // most of the load (5.3M usage rows: 1.1-1.3 s of a 1.4-1.6 s load; the feature queries ran no slower on the
    // view). Else (the input's own Parquet, parsed again on each read) a table when small, a view when large.
    const allMemory = parts.every((p) => p.kept.kind === "memory");
    const allCached = parts.every((p) => p.kept.kind === "parquet");
    const view = allMemory || allCached || rows > ctx.materializeMaxRows;
    keepRows = allMemory;
    const target = quoteIdent(name);
    step(view && !allMemory ? "keeping the valid rows (a view over the files)" : "keeping the valid rows", rows);
    // the files with no rejected row (every check of the table is done: the list is final)
    const dirty = new Set((await db.all("SELECT DISTINCT file FROM rejects WHERE table_name = $1", [name])).map((r) => String(r["file"])));
    const clean = (x: (typeof parts)[number]) => !dirty.has(x.c.file.path);
    if (view) {
      const p = new Params(true);
      // consecutive clean Parquet files of one shape read as one scan, the others one by one. A scan of several files
      // does not promise their row order (DuckDB preserves it for a single table and UNION ALL); no reader of the
      // canonical tables depends on it: features aggregate (integer sums), outputs are ordered explicitly
      const selects: string[] = [];
      for (let i = 0; i < parts.length; ) {
        const x = parts[i]!;
        const key = shapeKey(x.c.shape);
        const oneScan = (y: (typeof parts)[number]) => y.kept.kind === "source" && y.c.file.format === "parquet" && clean(y) && shapeKey(y.c.shape) === key;
        let j = i;
        while (j < parts.length && oneScan(parts[j]!)) j++;
        if (j - i > 1) {
          selects.push(cleanParquetRows(parts.slice(i, j).map((y) => y.c), p));
          i = j;
        } else {
          selects.push(goodRows(x.c, x.kept, p, clean(x)));
          i++;
        }
      }
      await db.run(`CREATE VIEW ${target} AS ${selects.join("\nUNION ALL\n")}`);
    } else {
      for (const [i, x] of parts.entries()) {
        const p = new Params();
        const sql = goodRows(x.c, x.kept, p, clean(x));
        await scanning(x.c.file, config.data.csv, () => db.run(i === 0 ? `CREATE TABLE ${target} AS ${sql}` : `INSERT INTO ${target} ${sql}`, p.values));
      }
    }

    // what the figures read: the view, or (rows kept for the checks alone) the checked rows, not the files again
    const fp = new Params(true);
    const ev = def.eventDate !== undefined ? `t.${quoteIdent(def.eventDate)}` : "NULL";
    const counted = parts.some((x) => x.kept.kind === "checks") ? `(${parts.map((x) => `SELECT ${ev} AS ${quoteIdent(def.eventDate ?? "_none")} FROM ${goodRelation(x, fp)} t`).join(" UNION ALL ")})` : target;
    const loaded = Number((await db.one(`SELECT count(*) AS n FROM ${counted}`))?.["n"] ?? 0);
    const rejected = Number((await db.one("SELECT count(*) AS n FROM rejects WHERE table_name = $1", [name]))?.["n"] ?? 0);
    if (loaded + rejected !== rows) {
      throw new Error(`${name}: ${rows} rows in ${source.path} but ${loaded} loaded + ${rejected} rejected`);
    }
    let range: { min: Date | null; max: Date | null };
    if (tableHit && setFromCache) {
      range = { min: dateOrNull(tableHit.meta.minDate), max: dateOrNull(tableHit.meta.maxDate) };
    } else {
      range = await dateRange(db, def, counted);
      if (cache) {
        await cache.publish("table", key, { kind: "churn-validated-table", version: VALIDATION_VERSION, table: name, minDate: range.min ? iso(range.min) : null, maxDate: range.max ? iso(range.max) : null }, async (dir) => {
          await db.run(`COPY (SELECT * FROM _setrej ORDER BY part, row) TO ${quoteLiteral(`${dir}/rejects.parquet`)} (FORMAT parquet)`);
        });
      }
    }
    const first = parts[0]!.c.shape.cols;
    const columns = Object.fromEntries(
      def.columns.map((col, i) => [col.name, parts.every((p) => p.c.shape.cols[i]?.source !== null) ? (first[i]?.source ?? null) : null]),
    );
    return {
      key,
      load: {
        table: name,
        present: true,
        file: source.path,
        format: source.format,
        rows,
        loaded,
        rejected,
        minDate: range.min,
        maxDate: range.max,
        sha256: source.partitioned ? combinedSha(source, parts) : (parts[0]?.sha256 ?? null),
        storage: view && !allMemory ? "view" : "table",
        columns,
        files: parts.length,
        reused: parts.filter((p) => p.reused).length,
      },
    };
  } finally {
    for (const p of parts) await dropTemps(p.c, keepRows);
    await db.run("DROP TABLE IF EXISTS _setrej");
  }
}

/**
 * A file validated by an earlier run: its value stage's rejects and duplicate map from the cache, and its
 * reference stage from the cache too, or run again on the kept rows (the subscribers or the as-of date
 * changed). Undefined when an entry cannot be read (damaged by hand): the caller validates the file again.
 */
async function reuseValueStage(
  db: Db,
  def: TableDef,
  file: TableFile,
  ctx: TableCtx & { cache: ValidationCache },
  hit: { path: string; meta: PartMeta },
  shape: FileShape,
  n: number,
): Promise<(Omit<Part, "sha256" | "valueKey" | "reused" | "label"> & { recheck: boolean }) | undefined> {
  const { cache } = ctx;
  const name = def.name;
  const meta = hit.meta;
  const c: FileCtx = { db, def, file, shape, config: ctx.config, asOf: ctx.asOf, n };
  const kept: KeptRows = file.format === "csv" ? { kind: "parquet", path: `${hit.path}/rows.parquet` } : { kind: "source" };
  const valueKey = cacheKey(["part", cacheKey(settingsOf(def, ctx.config)), meta.sha256]);
  const refKey = cacheKey(["ref", valueKey, asOfKey(meta.refMax, ctx.asOf), ctx.facts]);
  const insert = (path: string) =>
    db.run(`INSERT INTO rejects SELECT ${quoteLiteral(name)}, ${quoteLiteral(file.path)}, row, column_name, value, reason, detail FROM read_parquet(${quoteLiteral(path)})`);
  try {
    await insert(`${hit.path}/rejects.parquet`);
    await db.run(`CREATE OR REPLACE TEMP TABLE ${tempNames(n).dups} AS SELECT * FROM read_parquet(${quoteLiteral(`${hit.path}/dups.parquet`)})`);
    if (kept.kind === "parquet") await db.one(`SELECT count(*) FROM read_parquet(${quoteLiteral(kept.path)})`);
  } catch (e) {
    ctx.log.warn(msg.cacheEntryUnreadable(hit.path, duckDetail(e)));
    await db.run("DELETE FROM rejects WHERE table_name = $1 AND file = $2", [name, file.path]);
    return undefined;
  }
  ctx.use.reused++;
  const ref = await cache.take("ref", refKey, parseRefMeta);
  let fromCache = false;
  if (ref) {
    try {
      await insert(`${ref.path}/rejects.parquet`);
      fromCache = true;
    } catch (e) {
      ctx.log.warn(msg.cacheEntryUnreadable(ref.path, duckDetail(e)));
      await db.run(`DELETE FROM rejects WHERE table_name = $1 AND file = $2 AND reason IN (${REFERENCE_SQL})`, [name, file.path]);
      await cache.discard("ref", refKey);
    }
  }
  if (!fromCache) ctx.use.rechecked++;
  // the reference stage of a file whose cached one does not apply is run by the caller (files of one shape together)
  return { c, kept, refKey, meta, recheck: !fromCache };
}

/** The file's columns as its cached value stage recorded them; undefined when they do not fit the contract. */
function shapeOf(def: TableDef, meta: PartMeta): { cols: ResolvedColumn[]; delimiter: string | null } | undefined {
  if (meta.columns.length !== def.columns.length || meta.table !== def.name) return undefined;
  const cols: ResolvedColumn[] = [];
  for (const [i, d] of def.columns.entries()) {
    const m = meta.columns[i]!;
    if (m.name !== d.name) return undefined;
    cols.push({ def: d, source: m.source, sourceType: m.sourceType });
  }
  return { cols, delimiter: meta.delimiter };
}

/** "past" when no date of the file lies after the as-of date (then any later as-of gives the same result). */
const asOfKey = (refMax: string | null, asOf: string) => (refMax === null || refMax <= asOf ? "past" : asOf);

const dateOrNull = (v: string | null) => (v === null ? null : new Date(`${v}T00:00:00Z`));

/** A partition's path relative to its table's folder or glob. */
function labelOf(source: TableSource, path: string): string {
  if (!source.partitioned) return path;
  return relative(isGlob(source.path) ? globBase(source.path) : source.path, path) || path;
}

/** sha256 of a partitioned table: of its files' relative paths and sha256s, one per line. */
function combinedSha(source: TableSource, parts: Part[]): string {
  return sha256Text(parts.map((p) => `${labelOf(source, p.c.file.path)}\t${p.sha256}\n`).join(""));
}

/** Copy this file's rejects matching `where` (row order) to a Parquet file. */
async function copyRejects(c: FileCtx, path: string, where: string): Promise<void> {
  await c.db.run(
    `COPY (SELECT row, column_name, value, reason, detail FROM rejects
           WHERE table_name = ${quoteLiteral(c.def.name)} AND file = ${quoteLiteral(c.file.path)} AND ${where} ORDER BY row)
     TO ${quoteLiteral(path)} (FORMAT parquet)`,
  );
}

/** Store a file's reference-stage rejects under `key`. */
async function publishRef(c: FileCtx, key: string, cache: ValidationCache): Promise<void> {
  const n = Number((await c.db.one(`SELECT count(*) AS n FROM ${rejectedRows(c, { in: REFERENCE_SQL })}`))?.["n"] ?? 0);
  await cache.publish("ref", key, { kind: "churn-validated-reference", version: VALIDATION_VERSION, rejected: n }, (dir) =>
    copyRejects(c, `${dir}/rejects.parquet`, `reason IN (${REFERENCE_SQL})`),
  );
}

/** Add rejects of the table's own rules (part, row, column_name, value, reason, detail) to `_setrej` and `rejects`. */
async function addSetRejects(db: Db, table: TableName, parts: Part[], select: string): Promise<void> {
  await db.run(`CREATE OR REPLACE TEMP TABLE _setnew AS ${select}`);
  await db.run("INSERT INTO _setrej SELECT * FROM _setnew");
  const file = `CASE part ${parts.map((p, i) => `WHEN ${i} THEN ${quoteLiteral(p.c.file.path)}`).join(" ")} END`;
  await db.run(`INSERT INTO rejects SELECT ${quoteLiteral(table)}, ${file}, row, column_name, value, reason, detail FROM _setnew`);
  await db.run("DROP TABLE _setnew");
}

/** A file's good rows so far (every column, with `_row`). */
function goodRelation(p: Part, params: Params): string {
  return `(SELECT t.* FROM ${keptRelation(p.c, p.kept, params)} t ANTI JOIN ${rejectedRows(p.c)} b ON b.row = t._row)`;
}

/** Rows across the files of a table are ordered by file index, then row: key = part * 2^40 + row. */
const ROW_BITS = 1099511627776;

/** `' of FILE'` when the first row is in another file, given SQL of the two part indexes. */
function ofFile(parts: Part[], firstPart: string, part: string): string {
  const names = parts.map((p, i) => `WHEN ${i} THEN ${quoteLiteral(p.label)}`).join(" ");
  return `(CASE WHEN ${firstPart} = ${part} THEN '' ELSE ' of ' || CASE ${firstPart} ${names} END END)`;
}

/**
 * Identical rows in different files of a partitioned table (the first in path order kept). Only files
 * whose event-date ranges overlap can share a row (identical rows have the same date), so daily files are
 * compared with nothing; files that do overlap are compared by hash, and repeated hashes exactly.
 */
async function crossPartDuplicates(db: Db, def: TableDef, parts: Part[], step: (what: string) => void): Promise<void> {
  for (const cluster of overlapping(def, parts)) {
    step(`comparing ${cluster.length} files whose dates overlap, for duplicate rows`);
    const p = new Params();
    const hashes = cluster.map((i) => `SELECT ${i} AS part, _row, _h FROM (${goodHashes(parts[i]!.c, parts[i]!.kept, p)})`);
    await db.run(`CREATE OR REPLACE TEMP TABLE _xh AS ${hashes.join(" UNION ALL ")}`, p.values);
    await db.run("CREATE OR REPLACE TEMP TABLE _xcand AS SELECT _h FROM _xh GROUP BY _h HAVING count(DISTINCT part) > 1");
    if (Number((await db.one("SELECT count(*) AS n FROM _xcand"))?.["n"] ?? 0) > 0) {
      const cols = def.columns.map((c) => `_raw_${c.name}`);
      const qi = (c: string) => quoteIdent(c);
      const q = new Params();
      const rawOf = (i: number) => {
        const x = parts[i]!;
        const have = new Set(rawCols(x.c.shape));
        const sel = cols.map((c) => (have.has(quoteIdent(c)) ? `CAST(r.${quoteIdent(c)} AS VARCHAR) AS ${quoteIdent(c)}` : `CAST(NULL AS VARCHAR) AS ${quoteIdent(c)}`));
        const pick = `(SELECT _row FROM _xh WHERE part = ${i} AND _h IN (SELECT _h FROM _xcand))`;
        return `SELECT ${i} AS part, r._row, ${sel.join(", ")} FROM (${rawRowsOf(x.c, pick, q)}) r`;
      };
      await db.run(`CREATE OR REPLACE TEMP TABLE _xraw AS ${cluster.map(rawOf).join(" UNION ALL ")}`, q.values);
      const on = cols.map((c) => `d.${quoteIdent(c)} IS NOT DISTINCT FROM g.${quoteIdent(c)}`).join(" AND ");
      await addSetRejects(
        db,
        def.name,
        parts,
        `SELECT g.part, g._row AS row, CAST(NULL AS VARCHAR) AS column_name, CAST(NULL AS VARCHAR) AS value, 'duplicate_row' AS reason,
                'same as row ' || CAST(d.first % ${ROW_BITS} AS VARCHAR) || ${ofFile(parts, `(d.first // ${ROW_BITS})`, "g.part")} AS detail
         FROM _xraw g JOIN (SELECT ${cols.map(qi).join(", ")}, min(part * ${ROW_BITS} + _row) AS first FROM _xraw GROUP BY ALL HAVING count(*) > 1) d ON ${on}
         WHERE g.part * ${ROW_BITS} + g._row > d.first`,
      );
    }
    for (const t of ["_xh", "_xcand", "_xraw"]) await db.run(`DROP TABLE IF EXISTS ${t}`);
  }
}

/** Groups (2 or more) of file indexes whose event-date ranges overlap; all files when the table has no event date. */
function overlapping(def: TableDef, parts: Part[]): number[][] {
  if (def.eventDate === undefined) return [parts.map((_, i) => i)];
  const spans = parts
    .map((p, i) => ({ i, lo: p.meta.eventMin, hi: p.meta.eventMax }))
    .filter((x): x is { i: number; lo: string; hi: string } => x.lo !== null && x.hi !== null)
    .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : a.i - b.i));
  const clusters: number[][] = [];
  let cur: number[] = [];
  let hi = "";
  for (const s of spans) {
    if (cur.length && s.lo <= hi) {
      cur.push(s.i);
      if (s.hi > hi) hi = s.hi;
    } else {
      if (cur.length > 1) clusters.push(cur);
      cur = [s.i];
      hi = s.hi;
    }
  }
  if (cur.length > 1) clusters.push(cur);
  return clusters.map((c) => c.sort((a, b) => a - b));
}

/** Of several good subscribers rows with one id, the first (in file order, files in path order) is kept. */
async function duplicateIds(db: Db, parts: Part[]): Promise<void> {
  const p = new Params();
  const ids = parts.map((x, i) => `SELECT ${i} AS part, _row, subscriber_id FROM ${goodRelation(x, p)}`).join(" UNION ALL ");
  await db.run(`CREATE OR REPLACE TEMP TABLE _ids AS ${ids}`, p.values);
  await addSetRejects(
    db,
    "subscribers",
    parts,
    `SELECT g.part, g._row AS row, 'subscriber_id' AS column_name, g.subscriber_id AS value, 'duplicate_id' AS reason,
            'first row ' || CAST(d.first % ${ROW_BITS} AS VARCHAR) || ${ofFile(parts, `(d.first // ${ROW_BITS})`, "g.part")} || ' kept' AS detail
     FROM _ids g JOIN (SELECT subscriber_id, min(part * ${ROW_BITS} + _row) AS first FROM _ids GROUP BY subscriber_id HAVING count(*) > 1) d
       ON d.subscriber_id = g.subscriber_id
     WHERE g.part * ${ROW_BITS} + g._row > d.first`,
  );
  await db.run("DROP TABLE IF EXISTS _ids");
}

async function dateRange(db: Db, def: TableDef, t: string): Promise<{ min: Date | null; max: Date | null }> {
  const sql =
    def.name === "subscribers"
      ? `SELECT min(activation_date) AS lo, greatest(max(activation_date), max(deactivation_date)) AS hi FROM ${t}`
      : def.eventDate !== undefined
        ? `SELECT min(${quoteIdent(def.eventDate)}) AS lo, max(${quoteIdent(def.eventDate)}) AS hi FROM ${t}`
        : undefined;
  if (sql === undefined) return { min: null, max: null };
  const r = await db.one(sql);
  const d = (v: unknown) => (v instanceof Date ? v : null);
  return { min: d(r?.["lo"]), max: d(r?.["hi"]) };
}

async function rejectsByReason(db: Db, examples: number): Promise<RejectGroup[]> {
  const counts = await db.all("SELECT table_name, reason, count(*) AS n FROM rejects GROUP BY ALL");
  const ex = await db.all(
    `SELECT table_name, reason, row, column_name, value, detail FROM (
       SELECT *, row_number() OVER (PARTITION BY table_name, reason ORDER BY file, row) AS k FROM rejects
     ) WHERE k <= $1 ORDER BY table_name, reason, file, row`,
    [examples],
  );
  const order = (t: unknown) => TABLE_NAMES.indexOf(t as TableName);
  counts.sort((a, b) => order(a["table_name"]) - order(b["table_name"]) || Number(b["n"]) - Number(a["n"]) || String(a["reason"]).localeCompare(String(b["reason"])));
  return counts.map((c) => ({
    table: c["table_name"] as TableName,
    reason: String(c["reason"]),
    count: Number(c["n"]),
    examples: ex
      .filter((e) => e["table_name"] === c["table_name"] && e["reason"] === c["reason"])
      .map((e) => ({
        row: Number(e["row"]),
        column: (e["column_name"] as string | null) ?? null,
        value: (e["value"] as string | null) ?? null,
        detail: (e["detail"] as string | null) ?? null,
      })),
  }));
}

/** " First rejected: row N, column `c` = 'v' (reason)." for a table's earliest example, "" when none. */
export function firstRejectText(groups: readonly { table: string; reason: string; examples: readonly RejectExample[] }[], table: string, all: boolean): string {
  let best: { e: RejectExample; reason: string } | undefined;
  for (const g of groups) {
    if (g.table !== table) continue;
    for (const e of g.examples) if (best === undefined || e.row < best.e.row) best = { e, reason: g.reason };
  }
  return best ? msg.tooManyRejectsExample(best.e.row, best.e.column, best.e.value, best.reason, all) : "";
}

/** Throw InputDataError (exit 3) naming the first table whose rejected share exceeds `maxShare`. */
export function checkRejectShare(result: LoadResult, maxShare: number): void {
  for (const t of Object.values(result.tables)) {
    if (t.present && t.rows > 0 && t.rejected / t.rows > maxShare) {
      throw new InputDataError(msg.tooManyRejects(t.table, t.file ?? t.table, t.rejected, t.rows, maxShare, firstRejectText(result.rejectsByReason, t.table, t.rejected === t.rows)));
    }
  }
}

/**
 * Write the `rejects` table as CSV (columns: table, file, row, column, value, reason, detail), ordered by
 * table, file and row, atomically (temp file, then rename).
 */
const tableOrder = `CASE table_name ${TABLE_NAMES.map((t, i) => `WHEN ${quoteLiteral(t)} THEN ${i}`).join(" ")} END`;

export async function writeRejects(db: Db, path: string): Promise<void> {
  await produceAtomic(path, async (tmp) => {
    await db.run(
      `COPY (SELECT table_name AS "table", file, row, column_name AS "column", value, reason, detail FROM rejects
             ORDER BY ${tableOrder}, file, row)
       TO ${quoteLiteral(tmp)} (FORMAT csv, HEADER true)`,
    );
  });
}
