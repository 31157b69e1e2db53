/**
 * `churn generate`: build the world, simulate every subscriber into staging tables, write the seven
 * canonical tables (CSV or Parquet) and the truth/ folder. Same options and seed -> same bytes.
 *
 *   options -> world events -> per-subscriber simulation (JS, columnar sinks) -> staging tables (DuckDB)
 *           -> tables/<table>.<fmt> (usage generated in SQL) -> truth/*.parquet + world.json
 */
import { TABLE_NAMES, type TableName } from "../contract/tables.js";
import { UsageError } from "../errors.js";
import { withDb } from "../io/duckdb.js";
import { ensureDir, removePath } from "../io/files.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { isIsoDate } from "./dates.js";
import {
  APPLIED_STAGE,
  BILLING_STAGE,
  CAMPAIGN_STAGE,
  COMPLAINT_STAGE,
  MONTHLY_STAGE,
  PRODUCT_STAGE,
  SUBSCRIBER_STAGE,
  SURVEY_STAGE,
  type RunContact,
  type Sinks,
  simulateAll,
} from "./simulate.js";
import { Sink } from "./sink.js";
import { TRUTH_DIR, writeTruth } from "./truth.js";
import { copyTo, type Format, prepareUsage, tableSql } from "./writer.js";
import { buildWorld, DEFAULT_END, type World } from "./world.js";

export interface GenerateOptions {
  subscribers: number;
  months: number;
  seed: number;
  format: Format;
  out: string;
  /** Last day of data (YYYY-MM-DD); default DEFAULT_END. */
  end?: string | undefined;
  log?: Logger;
  /** DuckDB memory limit (default 1500MB; it spills to <out>/.duckdb-tmp beyond). */
  memoryLimit?: string;
  /** Draw the world's own quarterly retention campaigns (default true). */
  campaigns?: boolean;
  /** Months simulated after `end` (`churn generate --continue`); the first `months` are unchanged by them. */
  continuedMonths?: number;
  /** churn's contacts applied in the continued months, by subscriber id rank (sorted by day). */
  contacts?: ReadonlyMap<number, readonly RunContact[]>;
}

export interface GeneratedFile {
  table: TableName;
  path: string;
  rows: number;
}

export interface GenerateResult {
  out: string;
  truthDir: string;
  format: Format;
  seed: number;
  start: string;
  end: string;
  files: GeneratedFile[];
  seconds: number;
}

export const LIMITS = { subscribers: [1, 50_000_000, 20000], months: [1, 120, 12], seed: [0, 2_147_483_647, 7] } as const;

/** Check options; throws UsageError with a message naming the option and the fix. */
export function validateGenerateOptions(o: { subscribers: unknown; months: unknown; seed: unknown; format: unknown; end?: unknown }): void {
  for (const k of ["subscribers", "months", "seed"] as const) {
    const v = o[k];
    const [lo, hi, example] = LIMITS[k];
    if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > hi) throw new UsageError(msg.synthBadInteger(k, v, lo, hi, example));
  }
  if (o.format !== "csv" && o.format !== "parquet") throw new UsageError(msg.synthBadFormat(o.format));
  if (o.end !== undefined && (typeof o.end !== "string" || !isIsoDate(o.end))) throw new UsageError(msg.synthBadEnd(o.end));
}

const iso = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);

export async function generateWorld(opts: GenerateOptions): Promise<GenerateResult> {
  validateGenerateOptions(opts);
  const t0 = Date.now();
  const log = opts.log ?? silentLogger;
  const world: World = buildWorld({
    subscribers: opts.subscribers,
    months: opts.months,
    seed: opts.seed,
    end: opts.end ?? DEFAULT_END,
    campaigns: opts.campaigns ?? true,
    continuedMonths: opts.continuedMonths ?? 0,
  });
  const continued = (opts.continuedMonths ?? 0) > 0;
  const truthDir = `${opts.out}/${TRUTH_DIR}`;
  const tmpDir = `${opts.out}/.duckdb-tmp`;
  ensureDir(opts.out);
  ensureDir(truthDir);
  ensureDir(tmpDir);
  const files: GeneratedFile[] = [];
  try {
    await withDb(
      async (db) => {
        const sinks: Sinks = {
          subscribers: await Sink.open(db, "st_subscribers", SUBSCRIBER_STAGE),
          billing: await Sink.open(db, "st_billing", BILLING_STAGE),
          complaints: await Sink.open(db, "st_complaints", COMPLAINT_STAGE),
          products: await Sink.open(db, "st_products", PRODUCT_STAGE),
          surveys: await Sink.open(db, "st_surveys", SURVEY_STAGE),
          campaigns: await Sink.open(db, "st_campaigns", CAMPAIGN_STAGE),
          monthly: await Sink.open(db, "st_monthly", MONTHLY_STAGE),
          ...(continued ? { applied: await Sink.open(db, "st_applied", APPLIED_STAGE) } : {}),
        };
        const bar = log.progress("simulating subscribers", world.subscribers);
        simulateAll(world, sinks, (n) => bar.tick(n), opts.contacts);
        for (const s of Object.values(sinks)) s.close();
        bar.done();
        await prepareUsage(db, `${tmpDir}/usage-params.parquet`, world.subscribers);
        for (const table of TABLE_NAMES) {
          const t1 = Date.now();
          const path = `${opts.out}/${table}.${opts.format}`;
          await copyTo(db, tableSql(world, table), path, opts.format);
          const rows = table === "usage" ? await countRows(db, path, opts.format) : sinkRows(sinks, table);
          files.push({ table, path, rows });
          log.info(`wrote ${path} (${rows} rows, ${((Date.now() - t1) / 1000).toFixed(1)} s)`);
        }
        await writeTruth(db, world, truthDir, { format: opts.format, campaigns: opts.campaigns ?? true, continued });
        log.info(`wrote ${truthDir}/ (monthly truth, latent drivers, action effects)`);
      },
      // A memory limit makes DuckDB's order-preserving COPY wait instead of buffering (and spill if needed).
      { tempDirectory: tmpDir, memoryLimit: opts.memoryLimit ?? "1500MB" },
    );
  } finally {
    removePath(tmpDir);
  }
  return {
    out: opts.out,
    truthDir,
    format: opts.format,
    seed: opts.seed,
    start: iso(world.start),
    end: iso(world.end),
    files,
    seconds: (Date.now() - t0) / 1000,
  };
}

function sinkRows(s: Sinks, table: Exclude<TableName, "usage">): number {
  return s[table].rows;
}

async function countRows(db: import("../io/duckdb.js").Db, path: string, format: Format): Promise<number> {
  const fn = format === "parquet" ? "read_parquet" : "read_csv";
  const r = await db.one(`SELECT count(*) AS n FROM ${fn}($1)`, [path]);
  return Number(r?.["n"] ?? 0);
}
