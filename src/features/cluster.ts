/**
 * The feature runner on ClickHouse: the same families, plan and snapshot as runner.ts, in the ClickHouse
 * dialect, run shard-local where the rows live (a session on each shard, its temporary tables), each shard
 * streaming one row per subscriber back. Per run:
 *
 *   1. (openClusterSource) validate every table on every shard; the valid subscribers stay in a temporary table
 *   2. plan the families on the columns present; the end of the data and the first usage date, over all shards
 *   3. per as-of date, on every shard at once: snapshot ─► usage window ─► each family, each a temporary table
 *      ─► joined on the snapshot (one JOIN per SELECT) ─► rows ordered by subscriber_id streamed as CSV into a
 *      file per shard, handed to `emit`
 *
 * Relations read only rows dated on or before the as-of date (the leakage rule every family keeps), so the
 * shards filter them before validating; usage also from the start of the 90-day window for the usage
 * window base, and from the first month of the own-past comparison for feat_usage_monthly.
 */
import { type ChSource, type ChValidation, hasTable, readRel, type RelOptions, VALID_SUBSCRIBERS, validRel } from "../contract/clickhouse.js";
import { TABLE_NAMES, TABLES, type TableName } from "../contract/tables.js";
import { InputDataError } from "../errors.js";
import type { ClickHouse } from "../io/clickhouse.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { BASES, USAGE_LOOKBACK_DAYS } from "./bases.js";
import { clickhouseDialect, type Dialect, leftJoinChain, type RelationName } from "./dialect.js";
import { addPeriod, isoDay, type Period } from "./periods.js";
import { FAMILIES } from "./registry.js";
import { type ComputeResult, type FeaturePlan, planFeatures, resultOf } from "./runner.js";
import { DATA_END_COLUMNS, dataEndExpr, spineSelect } from "./snapshot.js";

export interface ClusterComputeOptions {
  src: ChSource;
  validation: ChValidation;
  asOf: readonly Date[];
  horizon: Period;
  dataEnd?: Date | undefined;
  /** Only the subscribers of shard k of K (0-based, by the cluster's sharding hash of subscriber_id). */
  shard?: { k: number; of: number } | undefined;
  log?: Logger | undefined;
}

/** The date column whose first value over every row a family reads (Dialect.usageStart, complaintsStart). */
const FIRST_DATE: Partial<Record<TableName, string>> = { usage: "date", complaints: "opened_at" };

/** The SQL hash of subscriber_id that the cluster shards by (sipHash64 when the source is one node). */
export function shardHashSql(src: ChSource, col = "subscriber_id"): string {
  return src.shardKey === "intHash64" ? `intHash64(toUInt64(${col}))` : `sipHash64(${col})`;
}

/**
 * The columns each present table really has (absent optional columns excluded), as planFeatures wants them;
 * campaigns are present also when only churn's contacts log is (src.contactsLog).
 */
export function chColumns(src: ChSource): Map<TableName, Set<string>> {
  const out = new Map<TableName, Set<string>>();
  for (const t of TABLE_NAMES) {
    const ct = src.tables[t];
    if (ct) out.set(t, new Set(ct.columns.filter((c) => c.source !== null).map((c) => c.def.name)));
    else if (hasTable(src, t)) out.set(t, new Set(TABLES[t].columns.map((c) => c.name)));
  }
  return out;
}

/** The families and features that run on the cluster's tables (as planFeatures decides for files). */
export function planOnCluster(src: ChSource): FeaturePlan {
  return planFeatures(chColumns(src), FAMILIES);
}

/** What `emit` receives per as-of date. */
export interface ClusterPart {
  /** One CSV per shard with a header: subscriber_id, as_of, the features, label (NULL as \N), ordered by subscriber_id. */
  files: string[];
  asOf: string;
  horizonEnd: string;
  labelKnown: boolean;
}

/**
 * Compute the feature table on the shards (one session each, VALID_SUBSCRIBERS in it), one part per as-of
 * handed to `emit`; `fileFor(i, shard)` names the i-th part's CSV of a shard.
 */
export async function computeFeaturesOnCluster(
  shards: readonly ClickHouse[],
  opts: ClusterComputeOptions,
  fileFor: (i: number, shard: number) => string,
  emit: (part: ClusterPart) => Promise<void>,
): Promise<Omit<ComputeResult, "asOf" | "rows">> {
  const log = opts.log ?? silentLogger;
  const { src, validation } = opts;
  const columns = chColumns(src);
  const plan = planOnCluster(src);
  for (const f of plan.families) if (f.status === "skipped") log.info(msg.featFamilySkipped(f.id, f.reason ?? ""));
  const rel: RelOptions = { asOf: validation.asOf, duplicates: validation.duplicates, subscribers: VALID_SUBSCRIBERS };

  // 2. the end of the data and the first usage date, over the valid rows of every shard
  const probe = clickhouseDialect({ asOf: "1970-01-01", usageStart: null, relations: {} });
  const ends: string[] = [];
  const starts: Partial<Record<TableName, string[]>> = {};
  for (const [table, cols] of columns) {
    const dateCols = [...new Set([...DATA_END_COLUMNS[table].filter((c) => cols.has(c)), ...(FIRST_DATE[table] && cols.has(FIRST_DATE[table]) ? [FIRST_DATE[table]] : [])])];
    if (!dateCols.length) continue;
    const sql = `SELECT ${dateCols.flatMap((c) => [`toString(${dataEndExpr(probe, table, c) ?? `max("${c}")`}) AS "max_${c}"`, `count("${c}") AS "n_${c}"`, `toString(min("${c}")) AS "min_${c}"`]).join(", ")}
FROM (${table === "subscribers" ? `SELECT * FROM ${VALID_SUBSCRIBERS}` : readRel(src, table, rel)})`;
    for (const row of (await Promise.all(shards.map((s) => s.rows(sql)))).flat()) {
      for (const c of DATA_END_COLUMNS[table]) if (cols.has(c) && Number(row[`n_${c}`] ?? 0) > 0) ends.push(String(row[`max_${c}`]));
      const fc = FIRST_DATE[table];
      if (fc !== undefined && Number(row[`n_${fc}`] ?? 0) > 0) starts[table] = [...(starts[table] ?? []), String(row[`min_${fc}`])];
    }
  }
  // the contacts log's days over all subscribers (its session table may hold only some of its rows)
  const logEnd = [...(src.contactsLog?.dates ?? [])].sort().at(-1);
  if (logEnd !== undefined) ends.push(logEnd);
  const found = ends.sort().at(-1);
  const firsts = { usage: starts.usage?.sort()[0] ?? null, complaints: starts.complaints?.sort()[0] ?? null };
  const dataEnd = opts.dataEnd ?? (found ? new Date(`${found}T00:00:00Z`) : undefined);
  if (!dataEnd) throw new InputDataError(msg.featNoDataEnd());

  const result = resultOf(plan, dataEnd, opts);

  // 3. per as-of, every shard at once
  const progress = log.progress("features", opts.asOf.length);
  for (const [i, asOf] of opts.asOf.entries()) {
    const day = isoDay(asOf);
    if (asOf > dataEnd) log.warn(msg.featAsOfAfterDataEnd(day, isoDay(dataEnd)));
    const horizonEnd = addPeriod(asOf, opts.horizon);
    const labelKnown = horizonEnd <= dataEnd;
    const steps = shardSteps(opts, plan, day, horizonEnd, labelKnown, firsts);
    const t0 = performance.now();
    const files = shards.map((_, k) => fileFor(i, k));
    await Promise.all(
      shards.map(async (s, k) => {
        for (const st of steps.tables) {
          await s.command(`DROP TABLE IF EXISTS ${st.name}`);
          await s.command(`CREATE TEMPORARY TABLE ${st.name} AS ${st.sql}`);
        }
        await s.toFile(steps.select, files[k] as string, "CSVWithNames");
        for (const st of steps.tables) await s.command(`DROP TABLE IF EXISTS ${st.name}`);
      }),
    );
    result.timings.push({ as_of: day, stage: "shards", seconds: (performance.now() - t0) / 1000, cpuSeconds: 0 });
    await emit({ files, asOf: day, horizonEnd: isoDay(horizonEnd), labelKnown });
    progress.tick(i + 1);
  }
  progress.done();
  return result;
}

/**
 * The work of one as-of date on a shard: temporary tables to create in order (snapshot, usage window,
 * families), then the SELECT of subscriber_id, as_of, the features cast to their types and label, by id.
 */
export function shardSteps(
  opts: Pick<ClusterComputeOptions, "src" | "validation" | "shard">,
  plan: FeaturePlan,
  day: string,
  horizonEnd: Date,
  labelKnown: boolean,
  firsts: { usage: string | null; complaints: string | null },
): { tables: { name: string; sql: string }[]; select: string } {
  const { src, validation } = opts;
  const relations: Partial<Record<RelationName, string>> = {};
  const d: Dialect = clickhouseDialect({ asOf: day, usageStart: firsts.usage, complaintsStart: firsts.complaints, relations });
  const o: RelOptions = { asOf: validation.asOf, duplicates: validation.duplicates, subscribers: VALID_SUBSCRIBERS };
  for (const t of TABLE_NAMES) {
    if (!hasTable(src, t) || t === "subscribers") continue;
    const ev = TABLES[t].eventDate;
    const where = ev ? [`t."${ev}" <= ${d.asOf}`] : [];
    if (t === "usage") where.push(`t."date" > ${d.asOf} - ${USAGE_LOOKBACK_DAYS}`);
    relations[t] = readRel(src, t, { ...o, where });
  }
  relations.subscribers = `SELECT * FROM ${VALID_SUBSCRIBERS}`;
  const tables: { name: string; sql: string }[] = [];
  const keep = TABLES.subscribers.columns.filter((c) => c.name !== "deactivation_date").map((c) => `"${c.name}"`);
  const spine = spineSelect(d, keep.join(", "), horizonEnd, labelKnown);
  tables.push({ name: "feat_spine", sql: opts.shard ? `SELECT * FROM (${spine}) WHERE ${shardHashSql(src)} % ${opts.shard.of} = ${opts.shard.k}` : spine });
  relations.feat_spine = "SELECT * FROM feat_spine";
  const ctxColumns = chColumns(src);
  for (const b of plan.bases) {
    const prep = BASES[b].prepare;
    if (prep) {
      // the usage rows the prepared table needs: from prep.since to as-of
      const usage = validRel(src, "usage", { ...o, where: [`t."date" <= ${d.asOf}`, `t."date" >= ${prep.since(d)}`] });
      tables.push({ name: prep.table, sql: prep.sql(d, `(${usage})`) });
      relations[prep.table] = `SELECT * FROM ${prep.table}`;
    }
    tables.push({ name: BASES[b].table, sql: BASES[b].sql({ columns: ctxColumns }, d) });
    relations[BASES[b].table] = `SELECT * FROM ${BASES[b].table}`;
  }
  const families = FAMILIES.filter((f) => plan.contexts.has(f.id));
  for (const f of families) tables.push({ name: `feat_fam_${f.id}`, sql: f.sql(plan.contexts.get(f.id)!, d) });
  const steps = families.map((f) => ({
    rel: `feat_fam_${f.id}`,
    alias: `f_${f.id}`,
    cols: plan.columns.filter((c) => c.family === f.id).map((c) => [d.cast(`f_${f.id}.${c.name}`, c.type), c.name] as const),
  }));
  const chain = leftJoinChain("feat_spine", [["s.label", "label"]], steps);
  const out = ["subscriber_id", `${d.asOf} AS as_of`, ...plan.columns.map((c) => c.name), "label"];
  return { tables, select: `SELECT ${out.join(", ")} FROM (${chain}) ORDER BY subscriber_id` };
}
