/**
 * `churn features --clickhouse URL`: the feature table computed inside the operator's ClickHouse cluster,
 * the same file as `churn features --data DIR` gives for the same rows. Stages:
 *
 *   1. connect; find the canonical tables (Distributed tables, their local tables, columns)
 *   2. validate them on the shards (reject counts by reason; the reject-share gate applies)
 *   3. per as-of, one shard-local query streams its rows (CSV) into a part; DuckDB types it into Parquet
 *   4. concatenate the parts into FILE (Parquet, or CSV), atomically; the sidecar FILE.json last
 */
import { type ChSource, type ChValidation, checkChRejectShare, describeChSource, openShardSessions, validateChSource } from "../contract/clickhouse.js";
import { TABLE_NAMES } from "../contract/tables.js";
import { ClickHouse } from "../io/clickhouse.js";
import { Db, quoteLiteral } from "../io/duckdb.js";
import { removePath, removeStaleTemps, tempPathFor } from "../io/files.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { type BuildOptions, type BuildResult, buildResultOf, preparePartsDir, sidecarOf, sidecarPath, writeFeatureOutput, writingTo } from "./build.js";
import { computeFeaturesOnCluster, planOnCluster } from "./cluster.js";
import { isoDay } from "./periods.js";
import type { AsOfSummary, ComputeResult } from "./runner.js";

export interface ClusterBuildOptions extends Omit<BuildOptions, "dir" | "tables"> {
  /** HTTP URL of the node that takes queries. */
  url: string;
  shard?: { k: number; of: number } | undefined;
}

/** An open ClickHouse source: the query node, a session on each shard, the tables and their validation. */
export interface ClusterSource {
  ch: ClickHouse;
  shards: ClickHouse[];
  src: ChSource;
  validation: ChValidation;
  close(): Promise<void>;
}

/** Open the source: connect, describe the tables, validate them on every shard (the reject-share gate applies). */
export async function openClusterSource(url: string, config: BuildOptions["config"], log: Logger): Promise<ClusterSource> {
  const ch = ClickHouse.open({ url, timeoutSeconds: config.clickhouse.timeoutSeconds });
  let shards: ClickHouse[] = [];
  const close = async () => {
    for (const s of shards) await s.close();
    await ch.close();
  };
  try {
    const src = await describeChSource(ch, { database: config.clickhouse.database, tables: config.clickhouse.tables, mapping: config.data.columns });
    shards = await openShardSessions(ch, src, { shards: config.clickhouse.shards, timeoutSeconds: config.clickhouse.timeoutSeconds });
    const asOf = config.validation.asOf ?? isoDay(new Date());
    const t0 = performance.now();
    const validation = await validateChSource(shards, src, asOf);
    for (const t of validation.tables) {
      log.info(`${t.table}: ${t.rows} rows, ${t.loaded} valid, ${t.rejected} rejected${t.byReason.length ? ` (${t.byReason.map((r) => `${r.reason} ${r.count}`).join(", ")})` : ""}`);
    }
    log.info(`validated on ${shards.length} shard(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    checkChRejectShare(validation, config.validation.maxRejectShare);
    return { ch, shards, src, validation, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** The sidecar's `inputs` for tables read from ClickHouse: per table its name, row counts and rejects by reason. */
export function clusterInputs(url: string, v: ChValidation): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const t of TABLE_NAMES) {
    const c = v.tables.find((x) => x.table === t);
    inputs[t] = c
      ? {
          present: true,
          source: "clickhouse",
          table: c.name.replaceAll("`", ""),
          rows: c.rows,
          loaded: c.loaded,
          rejected: c.rejected,
          rejected_by_reason: Object.fromEntries(c.byReason.map((r) => [r.reason, r.count])),
        }
      : { present: false };
  }
  inputs["clickhouse"] = { url, validation_as_of: v.asOf };
  return inputs;
}

/** DuckDB's relation over a part's CSV files from the shards, typed as the feature table's columns. */
export function clusterPartRelation(src: ChSource, files: readonly string[]): string {
  const typed = [
    "'subscriber_id': 'VARCHAR'",
    "'as_of': 'DATE'",
    ...planOnCluster(src).columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.sqlType)}`),
    "'label': 'INTEGER'",
  ].join(", ");
  return `read_csv([${files.map(quoteLiteral).join(", ")}], header = true, delim = ',', quote = '"', escape = '"', nullstr = '\\N', allow_quoted_nulls = false, columns = {${typed}})`;
}

export async function buildFeatureTableOnCluster(opts: ClusterBuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const log = opts.log ?? silentLogger;
  const format = /\.csv$/i.test(opts.out) ? "csv" : "parquet";
  removeStaleTemps(opts.out);
  removeStaleTemps(sidecarPath(opts.out));
  // 1-2.
  const source = await openClusterSource(opts.url, opts.config, log);
  const { ch, src, validation } = source;
  const db = await Db.open({ memoryLimit: opts.config.features.memoryLimit, ...(opts.threads ? { threads: opts.threads } : {}) });
  const parts = `${tempPathFor(opts.out)}-parts`;
  try {
    // 3.
    preparePartsDir(parts, opts.out);
    const writing = writingTo(opts.out);
    const files: string[] = [];
    const asOf: AsOfSummary[] = [];
    let rows = 0;
    const computed = await computeFeaturesOnCluster(
      source.shards,
      { src, validation, asOf: opts.asOf, horizon: opts.horizon, dataEnd: opts.dataEnd, shard: opts.shard, log },
      (i, k) => `${parts}/part-${String(i).padStart(4, "0")}-shard-${k}.csv`,
      async (part) => {
        const file = `${parts}/part-${String(files.length).padStart(4, "0")}.parquet`;
        // the shards' rows, each file ordered by subscriber_id, merged into one order
        await writing(() => db.run(`COPY (SELECT * FROM ${clusterPartRelation(src, part.files)} ORDER BY subscriber_id) TO ${quoteLiteral(file)} (FORMAT parquet)`));
        for (const f of part.files) removePath(f);
        files.push(file);
        const c = await db.one(
          `SELECT count(*) AS n, count(*) FILTER (WHERE label = 1) AS pos, count(*) FILTER (WHERE label = 0) AS neg FROM read_parquet(${quoteLiteral(file)})`,
        );
        const n = Number(c?.["n"] ?? 0);
        const pos = Number(c?.["pos"] ?? 0);
        const neg = Number(c?.["neg"] ?? 0);
        if (n === 0) log.warn(msg.featEmptySnapshot(part.asOf));
        asOf.push({ as_of: part.asOf, horizon_end: part.horizonEnd, label_known: part.labelKnown, rows: n, positives: pos, negatives: neg, unknown: n - pos - neg });
        rows += n;
      },
    );
    const result: ComputeResult = { ...computed, asOf, rows };
    // 4.
    const sidecar = await writeFeatureOutput(db, opts.out, format, files, () => sidecarOf(opts, format, result, clusterInputs(ch.url, validation)));
    return buildResultOf(opts.out, sidecar, format, result, t0);
  } finally {
    removePath(parts);
    db.close();
    await source.close();
  }
}
