import type { CommandModule } from "yargs";
import { loadConfig } from "../../config/load.js";
import type { Config } from "../../config/schema.js";
import { firstRejectText, type LoadResult, loadData, writeRejects } from "../../contract/load.js";
import { InputDataError, UsageError } from "../../errors.js";
import type { CacheUse, ValidationCache } from "../../io/cache.js";
import { withDb } from "../../io/duckdb.js";
import { type CacheArgs, cacheFrom, cacheOptions } from "../cache-options.js";
import { createLogger, type Logger } from "../../log.js";
import { msg } from "../../messages.js";
import { emit, isoDate } from "../output.js";

export interface ValidateOptions {
  data?: string | undefined;
  config: Config;
  rejects?: string | undefined;
  maxRejectShare?: number | undefined;
  log?: Logger | undefined;
  asOf?: Date | undefined;
  /** Reuse and store validated files here (none: validate in memory). */
  cache?: ValidationCache | undefined;
}

const VALIDATE_DB = { memoryLimit: "3GB" } as const;

/** The validate summary as plain JSON (ISO dates). */
export interface ValidateSummary {
  asOf: string;
  maxRejectShare: number;
  ok: boolean;
  tables: {
    table: string;
    present: boolean;
    file: string | null;
    format: string | null;
    rows: number;
    loaded: number;
    rejected: number;
    rejectedShare: number;
    minDate: string | null;
    maxDate: string | null;
    sha256: string | null;
  }[];
  rejectsByReason: {
    table: string;
    reason: string;
    description: string;
    count: number;
    examples: { row: number; column: string | null; value: string | null; detail: string | null }[];
  }[];
  rejectsFile: string | null;
  /** Present when a validated-table cache was used: files seen, reused without reading, re-checked. */
  cache?: CacheUse;
}

export function summarize(result: LoadResult, maxRejectShare: number, rejectsFile: string | null): ValidateSummary {
  const tables = Object.values(result.tables).map((t) => ({
    table: t.table,
    present: t.present,
    file: t.file,
    format: t.format,
    rows: t.rows,
    loaded: t.loaded,
    rejected: t.rejected,
    rejectedShare: t.rows > 0 ? t.rejected / t.rows : 0,
    minDate: t.minDate ? isoDate(t.minDate) : null,
    maxDate: t.maxDate ? isoDate(t.maxDate) : null,
    sha256: t.sha256,
  }));
  return {
    asOf: isoDate(result.asOf),
    maxRejectShare,
    ok: tables.every((t) => t.rejectedShare <= maxRejectShare),
    tables,
    rejectsByReason: result.rejectsByReason.map((g) => ({ ...g, description: msg.rejectReason(g.reason) })),
    rejectsFile,
    ...(result.cache ? { cache: result.cache } : {}),
  };
}

/**
 * Load and validate the data; write the rejects file when asked. Returns the summary (the CLI decides the
 * exit code). DuckDB is capped at 3 GB and spills beyond it (a 180M-row usage table fits).
 */
export async function validateData(opts: ValidateOptions): Promise<ValidateSummary> {
  const max = opts.maxRejectShare ?? opts.config.validation.maxRejectShare;
  if (!Number.isFinite(max) || max < 0 || max > 1) throw new UsageError(msg.badRejectShare(max));
  return withDb(async (db) => {
    // nothing queries the tables after validation: views over the files, no copies
    const result = await loadData(db, { dir: opts.data, config: opts.config, log: opts.log, asOf: opts.asOf, cache: opts.cache, materialize: false });
    if (opts.rejects) await writeRejects(db, opts.rejects);
    return summarize(result, max, opts.rejects ?? null);
  }, VALIDATE_DB);
}

/** The human-readable summary. */
export function summaryText(s: ValidateSummary): string {
  const lines = [`as of ${s.asOf}; a table fails above ${(100 * s.maxRejectShare).toFixed(2)}% rejected rows`, ""];
  const pad = (v: string | number, n: number) => String(v).padStart(n);
  lines.push(`${"table".padEnd(11)} ${pad("rows", 11)} ${pad("loaded", 11)} ${pad("rejected", 9)} ${pad("share", 7)}  dates                     file`);
  for (const t of s.tables) {
    if (!t.present) {
      lines.push(`${t.table.padEnd(11)} ${pad("-", 11)}   (absent)`);
      continue;
    }
    const dates = t.minDate ? `${t.minDate} .. ${t.maxDate}` : "-";
    const flag = t.rejectedShare > s.maxRejectShare ? "  FAIL" : "";
    lines.push(
      `${t.table.padEnd(11)} ${pad(t.rows, 11)} ${pad(t.loaded, 11)} ${pad(t.rejected, 9)} ${pad(`${(100 * t.rejectedShare).toFixed(2)}%`, 7)}  ${dates.padEnd(24)}  ${t.file}${flag}`,
    );
  }
  if (s.rejectsByReason.length) {
    lines.push("", "rejected rows by reason (row = 1-based data row, header not counted):");
    for (const g of s.rejectsByReason) {
      lines.push(`  ${g.table} ${g.reason} (${g.description}): ${g.count}`);
      for (const e of g.examples) {
        const what = e.column ? `${e.column} = ${JSON.stringify(e.value ?? "")}` : "whole row";
        lines.push(`      row ${e.row}: ${what}${e.detail ? ` (${e.detail})` : ""}`);
      }
    }
  }
  if (s.rejectsFile) lines.push("", `rejects written to ${s.rejectsFile}`);
  if (s.cache) lines.push(msg.validateCacheLine(s.cache.dir, s.cache.files, s.cache.reused, s.cache.rechecked));
  return lines.join("\n");
}

interface Args extends CacheArgs {
  data?: string;
  rejects?: string;
  json?: boolean;
  "max-reject-share"?: number;
  "as-of"?: string;
  config?: string;
  quiet?: boolean;
}

export const validateCommand: CommandModule<object, Args> = {
  command: "validate",
  describe: "check the input tables against the data contract; summary of rows, rejects and date ranges",
  builder: (y) =>
    cacheOptions(y)
      .option("data", { type: "string", describe: "directory with subscribers.csv|parquet, usage, billing, ... (default data.dir)" })
      .option("rejects", { type: "string", describe: "write every rejected row with its reason to this CSV file" })
      .option("json", { type: "boolean", default: false, describe: "print the summary as JSON (ISO dates)" })
      .option("max-reject-share", { type: "number", describe: "exit 3 when a table has a larger share of rejected rows (default validation.maxRejectShare, 0.01)" })
      .option("as-of", { type: "string", describe: "dates after this day (YYYY-MM-DD) are rejected as future (default validation.asOf, else today)" })
      .example("churn validate --data data/sample", "summary of every table; exit 3 when a table has more than 1% rejected rows")
      .example("churn validate --data exports/ --rejects out/rejects.csv --json", "JSON summary, and every rejected row with its reason; validated files kept in out/.churn-cache for features and score")
      .epilogue(
        "A table may be a file or a folder of partition files (usage/2026-06-01.parquet, ...; data.tables.usage may also be a glob). With an output (--rejects) or validation.cacheDir, each validated file is kept in the validated-table cache (default .churn-cache beside the output): a later validate, features or score on the same files and settings does not read them again, and a new partition is the only file validated.",
      ) as never,
  handler: async (argv) => {
    const config = loadConfig(argv.config);
    if (argv["as-of"] !== undefined) config.validation.asOf = argv["as-of"];
    const summary = await validateData({
      data: argv.data,
      config,
      rejects: argv.rejects,
      cache: cacheFrom(argv, config, argv.rejects),
      maxRejectShare: argv["max-reject-share"],
      log: createLogger({ quiet: argv.quiet ?? false }),
    });
    emit(summary, () => summaryText(summary), { json: argv.json });
    const failing = summary.tables.find((t) => t.rejectedShare > summary.maxRejectShare);
    // The summary above lists every table; the error names the failing one and the fix (exit 3).
    if (failing) {
      const example = firstRejectText(summary.rejectsByReason, failing.table, failing.rejected === failing.rows);
      throw new InputDataError(msg.tooManyRejects(failing.table, failing.file ?? failing.table, failing.rejected, failing.rows, summary.maxRejectShare, example));
    }
  },
};
