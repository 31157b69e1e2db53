/**
 * `churn features`: load the raw tables, compute the feature table for the as-of dates, and write it with
 * its sidecar. Stages:
 *
 *   1. open DuckDB (memory limit from config.features.memoryLimit)
 *   2. load and validate the inputs (src/contract/load.ts); the reject-share gate applies
 *   3. compute features per as-of (runner.ts), each as-of written as a Parquet part beside the output
 *   4. concatenate the parts into FILE (Parquet, or CSV when FILE ends in .csv), atomically
 *   5. write the sidecar FILE.json last (feature list, as-of dates, horizon, input hashes, counts, skips)
 */
import { basename } from "node:path";
import type { Config } from "../config/schema.js";
import { checkRejectShare, type LoadResult, loadData } from "../contract/load.js";
import { TABLE_NAMES, TABLES, type TableName } from "../contract/tables.js";
import type { ValidationCache } from "../io/cache.js";
import { Db, quoteLiteral } from "../io/duckdb.js";
import { ensureDir, isDirectory, produceAtomic, removePath, removeStaleTemps, tempPathFor, writeJsonAtomic } from "../io/files.js";
import { ConfigError } from "../errors.js";
import { msg } from "../messages.js";
import { type Logger, silentLogger } from "../log.js";
import type { Period } from "./periods.js";
import { type ComputeResult, computeFeatures } from "./runner.js";

export interface BuildOptions {
  config: Config;
  /** Data directory (default config.data.dir). */
  dir?: string | undefined;
  /** Explicit file per table. */
  tables?: Record<string, string> | undefined;
  asOf: readonly Date[];
  horizon: Period;
  dataEnd?: Date | undefined;
  /** Output file: Parquet, or CSV when it ends in .csv. */
  out: string;
  log?: Logger | undefined;
  threads?: number | undefined;
  /** Reuse and store validated input files here (none: validate in memory). */
  cache?: ValidationCache | undefined;
  /** Subscriber passes and partition size (see computeFeatures); default: from features.memoryLimit. */
  passes?: number | undefined;
  partitionMinRows?: number | undefined;
}

export interface BuildResult {
  out: string;
  sidecar: string;
  format: "parquet" | "csv";
  rows: number;
  features: number;
  dataEnd: string;
  asOf: ComputeResult["asOf"];
  familiesSkipped: { id: string; reason: string }[];
  seconds: number;
  timings: ComputeResult["timings"];
}

/** What a build reports, from its computation (`t0`: when it started, performance.now()). */
export function buildResultOf(out: string, sidecar: string, format: BuildResult["format"], computed: ComputeResult, t0: number): BuildResult {
  return {
    out,
    sidecar,
    format,
    rows: computed.rows,
    features: computed.columns.length,
    dataEnd: computed.dataEnd,
    asOf: computed.asOf,
    familiesSkipped: computed.families.filter((f) => f.status === "skipped").map((f) => ({ id: f.id, reason: f.reason ?? "" })),
    seconds: (performance.now() - t0) / 1000,
    timings: computed.timings,
  };
}

/** The sidecar's path for an output file. */
export const sidecarPath = (out: string): string => `${out}.json`;

export async function buildFeatureTable(opts: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const log = opts.log ?? silentLogger;
  const format = /\.csv$/i.test(opts.out) ? "csv" : "parquet";
  // 1.
  const db = await Db.open({ memoryLimit: opts.config.features.memoryLimit, ...(opts.threads ? { threads: opts.threads } : {}) });
  const parts = `${tempPathFor(opts.out)}-parts`;
  // what killed runs left beside the output (temp file, parts folder, sidecar temp) of pids no longer alive
  removeStaleTemps(opts.out);
  removeStaleTemps(sidecarPath(opts.out));
  try {
    // 2.
    const loaded = await loadData(db, { dir: opts.dir, tables: opts.tables, config: opts.config, log, cache: opts.cache });
    checkRejectShare(loaded, opts.config.validation.maxRejectShare);

    // 3.
    preparePartsDir(parts, opts.out);
    const writing = writingTo(opts.out);
    const files: string[] = [];
    const computed = await computeFeatures(
      db,
      { asOf: opts.asOf, horizon: opts.horizon, dataEnd: opts.dataEnd, columns: usableColumns(loaded), log, passes: opts.passes, partitionMinRows: opts.partitionMinRows },
      async (select, _asOf, passFiles) => {
        const file = `${parts}/part-${String(files.length).padStart(4, "0")}.parquet`;
        // the passes' files read one after the other would start a row group at each file's end: sorted again,
        // the feature file is the one a single pass writes, byte for byte, whatever the memory limit
        const rows = passFiles > 1 ? `SELECT * FROM (${select}) ORDER BY subscriber_id` : select;
        await writing(() => db.run(`COPY (${rows}) TO ${quoteLiteral(file)} (FORMAT parquet)`));
        files.push(file);
      },
    );

    // 4-5.
    const sidecar = await writeFeatureOutput(db, opts.out, format, files, () => sidecarOf(opts, format, computed, fileInputs(loaded)));
    return buildResultOf(opts.out, sidecar, format, computed, t0);
  } finally {
    removePath(parts);
    db.close();
  }
}

/** (Re)create the folder of the per-as-of parts beside the output. */
export function preparePartsDir(parts: string, out: string): void {
  removePath(parts);
  try {
    ensureDir(parts);
  } catch (e) {
    throw new ConfigError(msg.outputFailed(out, `its folder is not a writable directory (${/E[A-Z]+/.exec((e as Error).message)?.[0] ?? "error"})`));
  }
}

/** Run a write; a full disk or an unwritable --out surfaces as a DuckDB IO error: name the output, not a bug. */
export function writingTo(out: string): (fn: () => Promise<void>) => Promise<void> {
  return async (fn) => {
    try {
      await fn();
    } catch (e) {
      const text = (e as Error)?.message ?? "";
      if (/IO Error|No space|Could not (write|open|create)|Permission denied|Read-only/i.test(text)) {
        throw new ConfigError(msg.outputFailed(out, text.split("\n")[0]?.slice(0, 300) ?? ""));
      }
      throw e;
    }
  };
}

/**
 * Concatenate the Parquet parts (in as-of order, each ordered by subscriber_id) into `out` (Parquet, or CSV),
 * atomically, then write the sidecar. The old sidecar goes first, so a failure never pairs it with a new file;
 * a new file whose sidecar cannot be written is removed: the output is the complete pair or nothing.
 */
export async function writeFeatureOutput(db: Db, out: string, format: "csv" | "parquet", files: string[], sidecarDoc: () => unknown): Promise<string> {
  const list = `[${files.map(quoteLiteral).join(", ")}]`;
  const copyOpts = format === "csv" ? "FORMAT csv, HEADER true" : "FORMAT parquet";
  const sidecar = sidecarPath(out);
  await writingTo(out)(() =>
    produceAtomic(out, async (tmp) => {
      await db.run(`COPY (SELECT * FROM read_parquet(${list})) TO ${quoteLiteral(tmp)} (${copyOpts})`);
      if (!isDirectory(sidecar)) removePath(sidecar);
    }),
  );
  try {
    writeJsonAtomic(sidecar, sidecarDoc());
  } catch (e) {
    removePath(out);
    throw e;
  }
  return sidecar;
}

/** The columns the input files really had (the loader adds absent optional columns as NULL). */
export function usableColumns(loaded: LoadResult): Map<TableName, Set<string>> {
  const out = new Map<TableName, Set<string>>();
  for (const t of TABLE_NAMES) {
    const l = loaded.tables[t];
    if (!l?.present) continue;
    out.set(t, new Set(TABLES[t].columns.map((c) => c.name).filter((c) => l.columns[c] !== null && l.columns[c] !== undefined)));
  }
  return out;
}

/** The sidecar's `inputs` for tables loaded from files: per table present, file name, sha256, row counts. */
export function fileInputs(loaded: LoadResult): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const t of TABLE_NAMES) {
    const l = loaded.tables[t];
    inputs[t] = l?.present
      ? {
          present: true,
          file: l.file ? basename(l.file) : null,
          sha256: l.sha256,
          rows: l.rows,
          loaded: l.loaded,
          rejected: l.rejected,
          rejected_by_reason: Object.fromEntries(loaded.rejectsByReason.filter((g) => g.table === t).map((g) => [g.reason, g.count])),
        }
      : { present: false };
  }
  return inputs;
}

/**
 * The sidecar document (FILE.json). No timestamps or timings, so the same inputs give the same bytes.
 *   columns          every output column in order: name, family, type (number|integer|flag|category|id|date|label),
 *                    sql_type, unit, description, reason template
 *   label            definition, horizon, data_end (and whether it came from the data or --data-end)
 *   as_of            per as-of date: rows, positives, negatives, unknown labels, horizon end
 *   inputs           per table: present, file name (or ClickHouse table), sha256, rows, loaded, rejected, rejected_by_reason
 *   families         computed or skipped (with the reason), the tables and columns each reads
 *   skipped_features features not produced, with the reason
 */
export function sidecarOf(opts: Pick<BuildOptions, "out" | "horizon">, format: string, c: ComputeResult, inputs: Record<string, unknown> = {}): unknown {
  return {
    kind: "churn-features",
    version: 1,
    file: basename(opts.out),
    format,
    rows: c.rows,
    key: ["subscriber_id", "as_of"],
    label: {
      column: "label",
      definition: "1 when the subscriber was deactivated within (as_of, as_of + horizon], 0 when not; empty (unknown) when as_of + horizon is after data_end: such rows can be scored, never trained on",
      horizon: opts.horizon.text,
      data_end: c.dataEnd,
      data_end_source: c.dataEndSource === "option" ? "--data-end" : "latest date in the input tables (contract_end_date excluded)",
    },
    snapshot: "every subscriber with activation_date <= as_of and no deactivation_date on or before as_of",
    leakage_rule: "features read only rows dated on or before as_of; resolved_at, end_date and deactivation_date after as_of count as unknown (not yet happened)",
    as_of: c.asOf,
    columns: [
      { name: "subscriber_id", family: null, type: "id", sql_type: "VARCHAR", unit: "id", description: "subscriber identifier" },
      { name: "as_of", family: null, type: "date", sql_type: "DATE", unit: "date", description: "the snapshot date the features describe" },
      ...c.columns.map((f) => ({
        name: f.name,
        family: f.family,
        type: f.type,
        sql_type: f.sqlType,
        unit: f.unit,
        description: f.description,
        ...(f.reason ? { reason: f.reason } : {}),
        ...(f.appliesIf ? { applies_if: f.appliesIf } : {}),
        ...(f.structural ? { structural: true } : {}),
      })),
      { name: "label", family: null, type: "label", sql_type: "INTEGER", unit: "0/1", description: "churned within the horizon (empty when unknown)" },
    ],
    families: c.families.map((f) => ({ id: f.id, title: f.title, status: f.status, ...(f.reason ? { reason: f.reason } : {}), reads: f.reads, features: f.features })),
    skipped_features: c.skippedFeatures,
    inputs,
    as_of_dates: c.asOf.map((a) => a.as_of),
  };
}
