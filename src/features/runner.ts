/**
 * The feature runner: for each as-of date, (1) build the snapshot with its label, (2) build the shared
 * aggregates once (usage scanned once per as-of, date-range filtered), (3) run each family's SQL into its own
 * table, (4) join them onto the snapshot with every feature cast to its declared type, and hand that SELECT to
 * `emit` (the CLI writes a Parquet part per as-of; tests insert into a table). Works on the tables the
 * loader left in the connection; reads only rows dated on or before each as-of.
 */
import { TABLE_NAMES, type TableName } from "../contract/tables.js";
import { InputDataError } from "../errors.js";
import { join } from "node:path";
import { type Db, quoteLiteral } from "../io/duckdb.js";
import { fileExists, makeTempDir, removePath } from "../io/files.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { BASES, USAGE_LOOKBACK_DAYS, usageHistory } from "./bases.js";
import { addPeriod, isoDay, type Period } from "./periods.js";
import { FAMILIES } from "./registry.js";
import { type Dialect, duckdbDialect } from "./dialect.js";
import { buildSpine, dataEndOf } from "./snapshot.js";
import type { BaseId, FamilyContext, FeatureDef, FeatureFamily, FeatureType } from "./types.js";

export const SQL_TYPES: Record<FeatureType, string> = { number: "DOUBLE", integer: "BIGINT", flag: "INTEGER", category: "VARCHAR" };

export interface FeatureColumn extends FeatureDef {
  family: string;
  sqlType: string;
}

export interface FamilyStatus {
  id: string;
  title: string;
  status: "computed" | "skipped";
  reason?: string;
  reads: Partial<Record<TableName, readonly string[]>>;
  features: string[];
}

export interface SkippedFeature {
  family: string;
  feature: string;
  reason: string;
}

export interface AsOfSummary {
  as_of: string;
  horizon_end: string;
  label_known: boolean;
  rows: number;
  positives: number;
  negatives: number;
  unknown: number;
}

export interface FeaturePlan {
  columns: FeatureColumn[];
  families: FamilyStatus[];
  skippedFeatures: SkippedFeature[];
  contexts: Map<string, FamilyContext>;
  bases: BaseId[];
}

export interface ComputeOptions {
  asOf: readonly Date[];
  /** Usable columns per present table; default every column of the tables in the connection. The loader
   * creates absent optional columns as NULL, so the CLI passes the columns the files really had. */
  columns?: ReadonlyMap<TableName, ReadonlySet<string>>;
  horizon: Period;
  /** The end of the data; default the latest date in the tables (see snapshot.ts). */
  dataEnd?: Date | undefined;
  families?: readonly FeatureFamily[];
  log?: Logger | undefined;
  /**
   * A table (subscriber_id) in the connection: compute the features of these subscribers only (a shard's).
   * The end of the data and the first usage date still come from every row, so each subscriber's features
   * are the ones computed without it.
   */
  only?: string | undefined;
  /**
   * Subscriber passes (see computeFeatures): 1 computes every subscriber at once; default: as many as the
   * connection's memory limit needs.
   */
  passes?: number | undefined;
  /** With passes: tables with more rows than this are written into per-pass partitions (default PARTITION_MIN_ROWS). */
  partitionMinRows?: number | undefined;
}

export interface ComputeResult extends Omit<FeaturePlan, "contexts" | "bases"> {
  dataEnd: string;
  dataEndSource: "data" | "option";
  horizon: string;
  asOf: AsOfSummary[];
  rows: number;
  /** Seconds per as-of and stage (not in the sidecar: timings would make outputs differ run to run). */
  timings: { as_of: string; stage: string; seconds: number; cpuSeconds: number }[];
}

/** Which tables exist in the connection, with their columns. */
export async function presentTables(db: Db): Promise<Map<TableName, Set<string>>> {
  const rows = await db.all("SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'");
  const out = new Map<TableName, Set<string>>();
  for (const r of rows) {
    const t = String(r["table_name"]) as TableName;
    if (!(TABLE_NAMES as readonly string[]).includes(t)) continue;
    if (!out.has(t)) out.set(t, new Set());
    out.get(t)!.add(String(r["column_name"]));
  }
  return out;
}

/** Decide which families and features run on these tables, and why the others do not. */
export function planFeatures(columns: ReadonlyMap<TableName, ReadonlySet<string>>, families: readonly FeatureFamily[] = FAMILIES): FeaturePlan {
  const present = new Set(columns.keys());
  const plan: FeaturePlan = { columns: [], families: [], skippedFeatures: [], contexts: new Map(), bases: [] };
  for (const f of families) {
    const status: FamilyStatus = { id: f.id, title: f.title, status: "computed", reads: f.reads, features: [] };
    plan.families.push(status);
    for (const u of f.unsupported ?? []) plan.skippedFeatures.push({ family: f.id, feature: u.name, reason: u.reason });
    const missing = f.requires.find((t) => !present.has(t));
    if (missing) {
      status.status = "skipped";
      status.reason = msg.featTableAbsent(missing);
      continue;
    }
    const produces = new Set<string>();
    const reasons: string[] = [];
    for (const feat of f.features) {
      const gap = (feat.needs ?? []).find((n) => !present.has(n.table) || !columns.get(n.table)?.has(n.column));
      if (gap) {
        const reason = present.has(gap.table) ? msg.featColumnAbsent(gap.table, gap.column) : msg.featTableAbsent(gap.table);
        plan.skippedFeatures.push({ family: f.id, feature: feat.name, reason });
        reasons.push(reason);
        continue;
      }
      produces.add(feat.name);
      plan.columns.push({ ...feat, family: f.id, sqlType: SQL_TYPES[feat.type] });
      status.features.push(feat.name);
    }
    if (!produces.size) {
      status.status = "skipped";
      status.reason = [...new Set(reasons)].join("; ");
      continue;
    }
    plan.contexts.set(f.id, { present, columns, produces });
    for (const b of f.bases ?? []) if (!plan.bases.includes(b)) plan.bases.push(b);
  }
  return plan;
}

/** What a feature computation reports before its snapshots (shared by the DuckDB and ClickHouse runners). */
export function resultOf(plan: FeaturePlan, dataEnd: Date, opts: Pick<ComputeOptions, "dataEnd" | "horizon">): Omit<ComputeResult, "asOf" | "rows"> {
  return {
    columns: plan.columns,
    families: plan.families,
    skippedFeatures: plan.skippedFeatures,
    dataEnd: isoDay(dataEnd),
    dataEndSource: opts.dataEnd ? "option" : "data",
    horizon: opts.horizon.text,
    timings: [],
  };
}

/**
 * Memory one subscriber takes in the feature step's largest aggregations (the usage windows of one as-of, and
 * one row per month of usage history), in bytes: BASE + MONTH x months of usage. Set so that what
 * scripts/bench/nightly.mjs showed to work is what it gives: 1M subscribers with 3 months of usage under
 * score's 1 GB limit in 2 passes of 500k (in one pass it ran out of memory), peak RSS 2.2 GB.
 */
const BYTES_PER_SUBSCRIBER = { base: 800, month: 400 };
/** Raw tables with more rows than this are written once into the passes' partitions; smaller ones are filtered per pass. */
const PARTITION_MIN_ROWS = 1_000_000;

/**
 * Compute the feature table. `emit(select, asOf, files)` receives, per as-of, a SELECT (no parameters) returning subscriber_id, as_of, the features and label, ordered by subscriber_id;
 * `files` > 1 when the SELECT reads the passes' files one after the other (a Parquet writer fed by it starts a new row group at each file's end).
 *
 * When the subscribers' aggregates would not fit the connection's memory limit (a DuckDB GROUP BY of tens of
 * millions of groups does not spill well: 10M subscribers' monthly usage ran out of memory at 1 GB and at 4 GB),
 * the subscribers are split into passes by ranges of their id: the large raw tables are written once into one
 * Parquet partition per pass (in the connection's spill folder), and each pass computes every as-of's features of
 * its subscribers from its partitions alone, ordered by id. Features are per subscriber, so the rows are the ones a
 * single pass computes (test/features/passes.test.ts compares the bytes), and the passes' outputs, read in pass
 * order, are already ordered by id: `churn score` fills its table from them without sorting the whole feature table
 * (the 10M table from 19 such files under 1 GB, DuckDB alone: 18.0-19.7 s, sorted 33.5-35.3 s); `churn features`
 * sorts it once more for its Parquet layout (build.ts).
 */
export async function computeFeatures(
  db: Db,
  opts: ComputeOptions,
  emit: (select: string, asOf: string, files: number) => Promise<void>,
): Promise<ComputeResult> {
  const log = opts.log ?? silentLogger;
  const columns = opts.columns ?? (await presentTables(db));
  const families = opts.families ?? FAMILIES;
  const plan = planFeatures(columns, families);
  for (const f of plan.families) if (f.status === "skipped") log.info(msg.featFamilySkipped(f.id, f.reason ?? ""));

  const found = await dataEndOf(db, columns);
  const dataEnd = opts.dataEnd ?? found;
  if (!dataEnd) throw new InputDataError(msg.featNoDataEnd());

  const result: ComputeResult = { ...resultOf(plan, dataEnd, opts), asOf: [], rows: 0 };

  // days before the first usage row are not covered by the data: unknown, not inactive
  const usageStart = columns.has("usage") ? await firstDateOf(db, "usage", "date") : null;
  const complaintsStart = columns.get("complaints")?.has("opened_at") ? await firstDateOf(db, "complaints", "opened_at") : null;
  const passes = opts.passes ?? (await passesFor(db, opts.only, usageStart, dataEnd));
  const summaries: AsOfSummary[] = opts.asOf.map((asOf) => {
    const horizonEnd = addPeriod(asOf, opts.horizon);
    return { as_of: isoDay(asOf), horizon_end: isoDay(horizonEnd), label_known: horizonEnd <= dataEnd, rows: 0, positives: 0, negatives: 0, unknown: 0 };
  });
  for (const [i, asOf] of opts.asOf.entries()) if (asOf > dataEnd) log.warn(msg.featAsOfAfterDataEnd(summaries[i]!.as_of, isoDay(dataEnd)));

  const timed = async (day: string, stage: string, fn: () => Promise<void>) => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await fn();
    const cpu = process.cpuUsage(c0);
    result.timings.push({ as_of: day, stage, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  };
  /** Every table of one as-of into the connection (the snapshot, the bases, the families), its counts into its summary. */
  const snapshot = async (d: Dialect, i: number) => {
    const asOf = opts.asOf[i]!;
    const sum = summaries[i]!;
    const day = sum.as_of;
    await timed(day, "snapshot", () => buildSpine(db, asOf, addPeriod(asOf, opts.horizon), sum.label_known, d));
    for (const b of plan.bases) {
      const base = BASES[b];
      await timed(day, `base:${b}`, () => db.run(`CREATE OR REPLACE TABLE ${base.table} AS ${base.sql({ columns }, d)}`, [day]));
    }
    for (const f of families) {
      const ctx = plan.contexts.get(f.id);
      if (!ctx) continue;
      const sql = f.sql(ctx, d);
      await timed(day, `family:${f.id}`, () => db.run(`CREATE OR REPLACE TABLE feat_fam_${f.id} AS ${sql}`, sql.includes("$1") ? [day] : []));
    }
    const counts = await db.one(
      "SELECT count(*) AS n, count(*) FILTER (WHERE label = 1) AS pos, count(*) FILTER (WHERE label = 0) AS neg FROM feat_spine",
    );
    const n = Number(counts?.["n"] ?? 0);
    const pos = Number(counts?.["pos"] ?? 0);
    const neg = Number(counts?.["neg"] ?? 0);
    sum.rows += n;
    sum.positives += pos;
    sum.negatives += neg;
    sum.unknown += n - pos - neg;
  };
  // tables some bases read, built once over every row (of the shard's or the pass's subscribers)
  const prepare = async (d: Dialect) => {
    for (const b of plan.bases) {
      const prep = BASES[b].prepare;
      if (!prep) continue;
      const { from, to } = prep.days(opts.asOf);
      const rows = `(SELECT * FROM ${d.rel("usage")} WHERE date >= DATE ${quoteLiteral(from)} AND date < DATE ${quoteLiteral(to)})`;
      await timed("", `prepare:${b}`, () => db.run(`CREATE OR REPLACE TABLE ${prep.table} AS ${prep.sql(d, rows)}`));
    }
  };

  const progress = log.progress("features", opts.asOf.length * passes);
  let split: SplitTables | undefined;
  let few: Map<string, string> | undefined;
  try {
    if (passes <= 1) {
      // a few subscribers (contacted ones, say): their rows of each table read once, not once per as-of and base
      few = opts.only !== undefined ? await fewRows(db, columns, opts.only, opts.asOf) : undefined;
      const d = duckdbDialect({ usageStart, complaintsStart, only: opts.only, parts: few });
      await prepare(d);
      for (const i of opts.asOf.keys()) {
        await snapshot(d, i);
        const day = summaries[i]!.as_of;
        await timed(day, "write", () => emit(`${finalSelect(plan, families, day)}\nORDER BY s.subscriber_id`, day, 1));
        progress.tick(i + 1);
      }
    } else {
      log.info(msg.featPasses(passes));
      split = await splitTables(db, columns, passes, opts.only, opts.partitionMinRows ?? PARTITION_MIN_ROWS, (t, fn) => timed("", `split:${t}`, fn));
      for (let p = 0; p < passes; p++) {
        const d = duckdbDialect({ usageStart, complaintsStart, parts: split.partsOf(p) });
        await prepare(d);
        for (const i of opts.asOf.keys()) {
          await snapshot(d, i);
          // each pass's rows into a file of the spill folder: kept out of memory until the last pass
          const day = summaries[i]!.as_of;
          const file = split.file(`out-${i}-${p}.parquet`);
          await timed(day, "collect", () => db.run(`COPY (${finalSelect(plan, families, day)}\nORDER BY s.subscriber_id) TO ${quoteLiteral(file)} (FORMAT parquet)`));
          progress.tick(p * opts.asOf.length + i + 1);
        }
      }
      for (const i of opts.asOf.keys()) {
        const day = summaries[i]!.as_of;
        const files = Array.from({ length: passes }, (_, p) => quoteLiteral(split!.file(`out-${i}-${p}.parquet`)));
        // pass p holds the ids of range p, each file ordered by id: read in pass order, the rows are in id order
        await timed(day, "write", () => emit(`SELECT * FROM read_parquet([${files.join(", ")}])`, day, files.length));
      }
    }
    progress.done();
  } finally {
    for (const t of few?.values() ?? []) await db.run(`DROP TABLE IF EXISTS ${t}`);
    split?.remove();
  }
  for (const sum of summaries) {
    if (sum.rows === 0) log.warn(msg.featEmptySnapshot(sum.as_of));
    result.asOf.push(sum);
    result.rows += sum.rows;
  }
  const temps = [
    "feat_spine",
    ...plan.bases.flatMap((b) => [BASES[b].table, ...(BASES[b].prepare ? [BASES[b].prepare.table] : [])]),
    ...families.map((f) => `feat_fam_${f.id}`),
  ];
  for (const t of temps) {
    await db.run(`DROP TABLE IF EXISTS ${t}`);
  }
  return result;
}

/**
 * How many subscriber passes the features of these subscribers need under the connection's memory limit (1:
 * all at once). Estimated from the number of subscribers and the months of usage (BYTES_PER_SUBSCRIBER).
 */
export async function passesFor(db: Db, only: string | undefined, usageStart: string | null, dataEnd: Date): Promise<number> {
  const subscribers = Number((await db.one(`SELECT count(*) AS n FROM ${only ?? "subscribers"}`))?.["n"] ?? 0);
  const months = usageStart === null ? 0 : Math.max(1, (dataEnd.getUTCFullYear() - Number(usageStart.slice(0, 4))) * 12 + dataEnd.getUTCMonth() + 2 - Number(usageStart.slice(5, 7)));
  const bytes = subscribers * (BYTES_PER_SUBSCRIBER.base + BYTES_PER_SUBSCRIBER.month * months);
  return Math.max(1, Math.ceil(bytes / db.memoryLimitBytes));
}

/**
 * The usage days [from, to) any feature of these as-of dates reads: the usage window (USAGE_LOOKBACK_DAYS up to
 * as-of, bases.ts usageWindow) and the months of the own-past comparison (usageHistory.prepare.days). Families
 * read usage only through these two bases (test/features/passes.test.ts compares the features with and without it).
 */
export function usageDays(asOf: readonly Date[]): { from: string; to: string } {
  const monthly = usageHistory.prepare!.days(asOf);
  const times = asOf.map((a) => a.getTime());
  const windowFrom = isoDay(new Date(Math.min(...times) - (USAGE_LOOKBACK_DAYS - 1) * 86_400_000));
  const to = isoDay(new Date(Math.max(...times) + 86_400_000));
  // ISO days sort as text
  return { from: [windowFrom, monthly.from].sort()[0]!, to: [to, monthly.to].sort()[1]! };
}

/** `only` at most this share of the subscribers: its rows of every table are copied into temp tables first. */
const FEW_SHARE = 0.05;

/**
 * The rows of `only`'s subscribers of every present table in temp tables (feat_few_<table>), when `only` holds
 * at most FEW_SHARE of the subscribers; else undefined (each read filters the table).
 */
async function fewRows(db: Db, columns: ReadonlyMap<TableName, ReadonlySet<string>>, only: string, asOf: readonly Date[]): Promise<Map<string, string> | undefined> {
  const n = async (t: string) => Number((await db.one(`SELECT count(*) AS n FROM ${t}`))?.["n"] ?? 0);
  if ((await n(only)) > FEW_SHARE * (await n("subscribers"))) return undefined;
  const d0 = duckdbDialect({ usageStart: null, only });
  const parts = new Map<string, string>();
  // usage: only the days its two readers can reach (the usage window and the monthly table), so an early as-of
  // (a contact wave's) does not copy the months after it
  const { from, to } = usageDays(asOf);
  for (const t of TABLE_NAMES) {
    if (!columns.has(t)) continue;
    const days = t === "usage" ? ` WHERE date >= DATE ${quoteLiteral(from)} AND date < DATE ${quoteLiteral(to)}` : "";
    await db.run(`CREATE OR REPLACE TEMP TABLE feat_few_${t} AS SELECT * FROM ${d0.rel(t)}${days}`);
    parts.set(t, `feat_few_${t}`);
  }
  return parts;
}

interface SplitTables {
  /** The relation standing for each raw table in pass `p`. */
  partsOf(p: number): Map<string, string>;
  /** A path in the passes' folder. */
  file(name: string): string;
  remove(): void;
}

/**
 * The SQL pass number (0 .. passes - 1) of a row's subscriber_id: ranges of ids holding about as many of the
 * subscribers (of `only`) each, so that pass p's ids all sort before pass p + 1's (the same byte order as ORDER BY).
 */
async function passOfId(db: Db, passes: number, only: string | undefined): Promise<string> {
  const qs = Array.from({ length: passes - 1 }, (_, i) => String((i + 1) / passes)).join(", ");
  const r = await db.one(`SELECT quantile_disc(CAST(subscriber_id AS VARCHAR), [${qs}]) AS b FROM ${only ?? "subscribers"}`);
  const bounds = ((r?.["b"] ?? []) as unknown[]).map((b) => String(b));
  if (bounds.length !== passes - 1) throw new Error(`expected ${passes - 1} pass boundaries, got ${bounds.length}`);
  const id = "CAST(subscriber_id AS VARCHAR)";
  // passes lo..hi by halves: about log2(passes) comparisons per row
  const range = (lo: number, hi: number): string => {
    if (lo === hi) return String(lo);
    const mid = (lo + hi + 1) >> 1;
    return `(CASE WHEN ${id} < ${quoteLiteral(bounds[mid - 1]!)} THEN ${range(lo, mid - 1)} ELSE ${range(mid, hi)} END)`;
  };
  return range(0, passes - 1);
}

/**
 * Split the raw tables by pass: pass p takes the subscribers of the p-th range of ids (passOfId).
 * A table with more than PARTITION_MIN_ROWS rows is written once, with one Parquet partition per pass, into a
 * folder of the spill directory (removed by `remove`), so a pass reads its own rows only; a smaller table is
 * filtered by its pass's range in each pass. Values come back in their own types (cast on the way back).
 */
async function splitTables(
  db: Db,
  columns: ReadonlyMap<TableName, ReadonlySet<string>>,
  passes: number,
  only: string | undefined,
  partitionMinRows: number,
  time: (table: string, fn: () => Promise<void>) => Promise<void>,
): Promise<SplitTables> {
  const d0 = duckdbDialect({ usageStart: null, only });
  const pass = await passOfId(db, passes, only);
  const dir = makeTempDir("passes-", db.spillDirectory);
  const written = new Map<string, { dir: string; cols: string }>();
  const filtered: TableName[] = [];
  try {
    for (const t of TABLE_NAMES) {
      if (!columns.has(t)) continue;
      const rows = Number((await db.one(`SELECT count(*) AS n FROM ${t}`))?.["n"] ?? 0);
      if (rows <= partitionMinRows) {
        filtered.push(t);
        continue;
      }
      const cols = (await db.describe(`SELECT * FROM ${t}`)).map((c) => `CAST("${c.name.replaceAll('"', '""')}" AS ${c.type}) AS "${c.name.replaceAll('"', '""')}"`).join(", ");
      const to = join(dir, t);
      await time(t, () => db.run(`COPY (SELECT *, ${pass} AS __pass FROM ${d0.rel(t)}) TO ${quoteLiteral(to)} (FORMAT parquet, PARTITION_BY (__pass))`));
      written.set(t, { dir: to, cols });
    }
  } catch (e) {
    removePath(dir);
    throw e;
  }
  return {
    partsOf(p) {
      const parts = new Map<string, string>();
      for (const t of filtered) parts.set(t, `(SELECT * FROM ${d0.rel(t)} WHERE ${pass} = ${p})`);
      for (const [t, w] of written) {
        const folder = join(w.dir, `__pass=${p}`);
        parts.set(
          t,
          fileExists(folder)
            ? `(SELECT ${w.cols} FROM read_parquet(${quoteLiteral(join(folder, "*.parquet"))}, hive_partitioning = false))`
            : `(SELECT * FROM ${t} LIMIT 0)`,
        );
      }
      return parts;
    },
    file: (name) => join(dir, name),
    remove: () => removePath(dir),
  };
}

/** The first date of a table's date column (YYYY-MM-DD), or null when it has no rows. */
async function firstDateOf(db: Db, table: string, column: string): Promise<string | null> {
  const v = (await db.one(`SELECT min("${column}") AS d FROM "${table}"`))?.["d"];
  return v instanceof Date ? isoDay(v) : null;
}

/** subscriber_id, as_of, every produced feature cast to its declared type, label; one row per snapshot row. */
function finalSelect(plan: FeaturePlan, families: readonly FeatureFamily[], day: string): string {
  const joins: string[] = [];
  const cols: string[] = ["s.subscriber_id", `DATE ${quoteLiteral(day)} AS as_of`];
  for (const f of families) {
    if (!plan.contexts.has(f.id)) continue;
    joins.push(`LEFT JOIN feat_fam_${f.id} ON feat_fam_${f.id}.subscriber_id = s.subscriber_id`);
  }
  for (const c of plan.columns) cols.push(`CAST(feat_fam_${c.family}."${c.name}" AS ${c.sqlType}) AS "${c.name}"`);
  cols.push("s.label");
  return `SELECT ${cols.join(",\n  ")}\nFROM feat_spine s\n${joins.join("\n")}`;
}
