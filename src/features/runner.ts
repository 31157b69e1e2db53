/**
 * The feature runner: for each as-of date, (1) build the snapshot with its label, (2) build the shared
 * aggregates once (usage scanned once per as-of, date-range filtered), (3) run each family's SQL into its own
 * table, (4) join them onto the snapshot with every feature cast to its declared type, and hand that SELECT to
 * `emit` (the CLI writes a Parquet part per as-of; tests insert into a table). Works on the tables the
 * loader left in the connection; reads only rows dated on or before each as-of.
 */
import { TABLE_NAMES, type TableName } from "../contract/tables.js";
import { InputDataError } from "../errors.js";
import { type Db, quoteLiteral } from "../io/duckdb.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { BASES } from "./bases.js";
import { addPeriod, isoDay, type Period } from "./periods.js";
import { FAMILIES } from "./registry.js";
import { duckdbDialect } from "./dialect.js";
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
 * Compute the feature table. `emit(select, asOf)` receives, per as-of, a SELECT (no parameters) returning subscriber_id, as_of, the features and label, ordered by subscriber_id.
 */
export async function computeFeatures(
  db: Db,
  opts: ComputeOptions,
  emit: (select: string, asOf: string) => Promise<void>,
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
  const d = duckdbDialect({
    usageStart: columns.has("usage") ? await firstDateOf(db, "usage", "date") : null,
    complaintsStart: columns.get("complaints")?.has("opened_at") ? await firstDateOf(db, "complaints", "opened_at") : null,
    only: opts.only,
  });
  // tables some bases read, built once over every row (of the shard's subscribers, with `only`)
  for (const b of plan.bases) {
    const prep = BASES[b].prepare;
    if (prep) await db.run(`CREATE OR REPLACE TABLE ${prep.table} AS ${prep.sql(d, d.rel("usage"))}`);
  }
  const progress = log.progress("features", opts.asOf.length);
  for (const [i, asOf] of opts.asOf.entries()) {
    const day = isoDay(asOf);
    if (asOf > dataEnd) log.warn(msg.featAsOfAfterDataEnd(day, isoDay(dataEnd)));
    const horizonEnd = addPeriod(asOf, opts.horizon);
    const labelKnown = horizonEnd <= dataEnd;
    const timed = async (stage: string, fn: () => Promise<void>) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await fn();
      const cpu = process.cpuUsage(c0);
      result.timings.push({ as_of: day, stage, seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    };

    await timed("snapshot", () => buildSpine(db, asOf, horizonEnd, labelKnown, opts.only));
    for (const b of plan.bases) {
      const base = BASES[b];
      await timed(`base:${b}`, () => db.run(`CREATE OR REPLACE TABLE ${base.table} AS ${base.sql({ columns }, d)}`, [day]));
    }
    for (const f of families) {
      const ctx = plan.contexts.get(f.id);
      if (!ctx) continue;
      const sql = f.sql(ctx, d);
      await timed(`family:${f.id}`, () => db.run(`CREATE OR REPLACE TABLE feat_fam_${f.id} AS ${sql}`, sql.includes("$1") ? [day] : []));
    }
    await timed("write", () => emit(finalSelect(plan, families, day), day));

    const counts = await db.one(
      "SELECT count(*) AS n, count(*) FILTER (WHERE label = 1) AS pos, count(*) FILTER (WHERE label = 0) AS neg FROM feat_spine",
    );
    const n = Number(counts?.["n"] ?? 0);
    const pos = Number(counts?.["pos"] ?? 0);
    const neg = Number(counts?.["neg"] ?? 0);
    if (n === 0) log.warn(msg.featEmptySnapshot(day));
    result.asOf.push({ as_of: day, horizon_end: isoDay(horizonEnd), label_known: labelKnown, rows: n, positives: pos, negatives: neg, unknown: n - pos - neg });
    result.rows += n;
    progress.tick(i + 1);
  }
  progress.done();
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
  return `SELECT ${cols.join(",\n  ")}\nFROM feat_spine s\n${joins.join("\n")}\nORDER BY s.subscriber_id`;
}
