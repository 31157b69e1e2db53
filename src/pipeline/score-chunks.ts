/**
 * Score a relation chunk by chunk: read `chunkRows` rows through DuckDB, encode them with the model's
 * preprocessing, predict, calibrate, count drift bins, explain, and keep only compact typed arrays per
 * subscriber (probability, raw score, the plan's inputs, driver sums, top-3 reason columns). Nothing of
 * size rows x features outlives its chunk, so 10M rows fit in a few hundred MB.
 */
import type { DuckDBDataChunk } from "@duckdb/node-api";
import { gatherDoubles } from "../io/duck-vectors.js";
import { type Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { type CsvDialect, numericValueSql } from "../io/flat-table.js";
import type { Logger } from "../log.js";
import { msg } from "../messages.js";
import type { Scorer } from "../model/registry.js";
import { MISSING_TOKENS, type RawColumn, type RawTable } from "../raw-table.js";
import type { DriftCounter } from "../monitoring/drift.js";
import type { IntegrityCounter } from "../monitoring/integrity.js";
import { DRIVER_COUNT, type Explainer, REASONS_PER_ROW } from "../model/explain.js";
import { type BatchResult, type BatchScorer, counterSpec, scoreBatch } from "./score-batch.js";
import { ScorePool, scoreThreads } from "./score-pool.js";

/** Plan inputs read from the relation when present (first matching column wins). */
export const PLAN_COLUMNS = {
  arpu: ["arpu_3m", "arpu", "monthly_fee", "MonthlyCharges", "monthly_charges"],
  tenureDays: ["tenure_days"],
  daysToContractEnd: ["days_to_contract_end"],
  discountShare: ["discount_share_3m"],
  priceIncrease: ["price_increase_90d"],
  openComplaints: ["open_complaints"],
  products: ["active_products"],
  // the fall of use against the subscriber's own months 4-9, and of the last 30 days against the previous 60, that
  // `fallingMeasures` of the measures reach (PLAN_LEAST: the k-th least of the present columns; segments.ts usageTrendIndex)
  usageVsOwnPast: ["data_mb_30d_vs_own_past_pct", "voice_min_30d_vs_own_past_pct", "sessions_30d_vs_own_past_pct", "active_days_30d_vs_own_past_pct"],
  usageTrend: ["data_mb_trend_30v60_pct", "voice_min_trend_30v60_pct", "sessions_trend_30v60_pct"],
  // active days of the last 30: how quiet a subscriber whose use is not falling is (segments.ts usageTrendIndex)
  activeDays: ["active_days_30d"],
} as const;
/** Plan inputs that combine every present column of their list (the k-th least value, empty ones skipped). */
export const PLAN_LEAST: ReadonlySet<string> = new Set(["usageVsOwnPast", "usageTrend"]);
export const PLAN_TEXT_COLUMNS = { contractType: ["contract_type", "Contract"], preferredChannel: ["preferred_channel"] } as const;
type NumKey = keyof typeof PLAN_COLUMNS;
type TextKey = keyof typeof PLAN_TEXT_COLUMNS;

export interface Scored {
  n: number;
  ids: string[];
  prob: Float32Array;
  raw: Float32Array;
  num: Record<NumKey, Float32Array | undefined>;
  text: Record<TextKey, (string | null)[] | undefined>;
  /** n x DRIVER_COUNT: 1 at the main driver (the driver of the first reason that has one; none in the low band). */
  driverSums: Uint8Array;
  /** n x 3 reason column (-1 none) and display value. */
  reasonCol: Int16Array;
  reasonVal: Float32Array;
  /** Which relation column fed each plan input (null = absent). */
  planSources: Record<string, string | null>;
}

export interface ScoreChunksOptions {
  relation: string;
  idColumn: string;
  /** Relation column names and types. */
  columns: { name: string; type: string }[];
  scorer: Scorer;
  explainer: Explainer;
  chunkRows: number;
  /** Upper bound of the rows (array sizes). */
  rows: number;
  drift?: DriftCounter | undefined;
  /** Input-integrity counts (monitoring/integrity.ts), added chunk by chunk like drift. */
  integrity?: IntegrityCounter | undefined;
  log?: Logger | undefined;
  label?: string;
  /** Rows with a calibrated probability below this (the low band) get no reasons and no main driver. */
  minProbability?: number | undefined;
  /** The CSV dialect of text columns (a flat table or feature table read from CSV). */
  csv?: CsvDialect | undefined;
  /**
   * PLAN_LEAST inputs take the k-th least of their columns (retention.segments.usage.fallingMeasures; with fewer
   * known values, the largest of them): use counts as falling when this many measures fell. Default 1, the least.
   */
  fallingMeasures?: number | undefined;
  /**
   * A measure's fall counts only beyond this many standard errors of its recent level (fallSignificance;
   * retention.segments.usage.fallingZ); 0 or absent: any fall.
   */
  fallingZ?: number | undefined;
  /** Worker threads that score the batches (score-pool.ts); default scoreThreads (1 = this thread). */
  threads?: number | undefined;
}

/**
 * The relative standard error of a measure's last-30-day level, from the subscriber's own day-to-day spread, by the
 * measure's column prefix: data and voice from their daily coefficient of variation (cv / sqrt(30)); sessions as
 * counts (Poisson: 1 / sqrt(the 30-day count at the larger of the 30- and 90-day rates)); active days as a share of
 * days (binomial, at the larger of the two rates). Each with the feature columns it reads.
 */
const FALL_NOISE: Record<string, { needs: string[]; se: (v: (c: string) => string) => string }> = {
  data_mb: { needs: ["data_mb_cv_30d"], se: (v) => `${v("data_mb_cv_30d")} / sqrt(30)` },
  voice_min: { needs: ["voice_min_cv_30d"], se: (v) => `${v("voice_min_cv_30d")} / sqrt(30)` },
  sessions: {
    needs: ["sessions_per_day_30d", "sessions_per_day_90d"],
    se: (v) => `1 / sqrt(30 * nullif(greatest(${v("sessions_per_day_30d")}, ${v("sessions_per_day_90d")}), 0))`,
  },
  active_days: {
    needs: ["active_days_30d", "active_days_90d"],
    se: (v) => {
      const p = `least(1, greatest(${v("active_days_30d")}, ${v("active_days_90d")} / 3) / 30)`;
      return `sqrt((1 - ${p}) / nullif(30 * ${p}, 0))`;
    },
  },
};

/**
 * SQL of a usage change (%) whose fall within `z` standard errors of the recent level (FALL_NOISE) reads as no fall (0);
 * the change as it is when the measure's spread is unknown (a column missing, no use at all).
 * @example fallSignificance("data_mb_30d_vs_own_past_pct", "x", 2, ...) // CASE WHEN -(x) / 100 < 2 * (se) THEN greatest(x, 0) ELSE x END
 */
export function fallSignificance(column: string, expr: string, z: number, has: (c: string) => boolean, value: (c: string) => string): string {
  if (!(z > 0)) return expr;
  const m = /^(.*)_(30d_vs_own_past|trend_30v60)_pct$/.exec(column);
  const noise = m ? FALL_NOISE[m[1]!] : undefined;
  if (!noise?.needs.every(has)) return expr;
  return `(CASE WHEN -(${expr}) / 100 < ${z} * (${noise.se(value)}) THEN greatest(${expr}, 0) ELSE ${expr} END)`;
}

/**
 * SQL for the k-th least of `exprs`, NULLs skipped; with fewer than k values the largest of them; NULL when none.
 * @example kthLeast(["a", "b"], 1) // "least(a, b)"
 */
export function kthLeast(exprs: readonly string[], k: number): string {
  if (k <= 1 || exprs.length === 1) return `least(${exprs.join(", ")})`;
  const known = `list_filter([${exprs.join(", ")}], x -> x IS NOT NULL)`;
  return `CASE WHEN len(${known}) = 0 THEN NULL ELSE list_sort(${known})[least(${k}, len(${known}))] END`;
}

const NUMERIC_TYPE = /^(DOUBLE|FLOAT|REAL|DECIMAL.*|BIGINT|INTEGER|SMALLINT|TINYINT|HUGEINT|UBIGINT|UINTEGER|USMALLINT|UTINYINT)$/i;
const missingList = MISSING_TOKENS.map((t) => quoteLiteral(t)).join(", ");

/** A column as a numeric feature value: typed numbers as they are; text by the CSV dialect (decimal separator, dates as days). */
function numericExpr(name: string, type: string | undefined, csv?: CsvDialect): string {
  const q = quoteIdent(name, "column");
  if (type && NUMERIC_TYPE.test(type)) return `CAST(${q} AS DOUBLE)`;
  if (type && /^BOOLEAN$/i.test(type)) return `CAST(${q} AS DOUBLE)`;
  return numericValueSql(`trim(CAST(${q} AS VARCHAR))`, csv);
}
function textExpr(name: string): string {
  const q = quoteIdent(name, "column");
  return `CASE WHEN trim(CAST(${q} AS VARCHAR)) IN (${missingList}) THEN NULL ELSE trim(CAST(${q} AS VARCHAR)) END`;
}

export async function scoreChunks(db: Db, o: ScoreChunksOptions): Promise<Scored> {
  const types = new Map(o.columns.map((c) => [c.name, c.type]));
  const inputs = o.scorer.pre.inputs;
  const select: string[] = [`CAST(${quoteIdent(o.idColumn, "--id")} AS VARCHAR)`];
  for (const c of inputs) select.push(c.kind === "numeric" ? numericExpr(c.name, types.get(c.name), o.csv) : textExpr(c.name));
  const planSources: Record<string, string | null> = {};
  const numKeys = Object.keys(PLAN_COLUMNS) as NumKey[];
  const textKeys = Object.keys(PLAN_TEXT_COLUMNS) as TextKey[];
  const numPos: [NumKey, number][] = [];
  const textPos: [TextKey, number][] = [];
  for (const k of numKeys) {
    if (PLAN_LEAST.has(k)) {
      const cols = PLAN_COLUMNS[k].filter((c) => types.has(c));
      planSources[k] = cols.length ? cols.join(",") : null;
      const value = (c: string) => numericExpr(c, types.get(c), o.csv);
      const change = (c: string) => fallSignificance(c, value(c), o.fallingZ ?? 0, (x) => types.has(x), value);
      if (cols.length) numPos.push([k, select.push(kthLeast(cols.map(change), o.fallingMeasures ?? 1)) - 1]);
      continue;
    }
    const col = PLAN_COLUMNS[k].find((c) => types.has(c)) ?? null;
    planSources[k] = col;
    if (col) numPos.push([k, select.push(numericExpr(col, types.get(col), o.csv)) - 1]);
  }
  for (const k of textKeys) {
    const col = PLAN_TEXT_COLUMNS[k].find((c) => types.has(c)) ?? null;
    planSources[k] = col;
    if (col) textPos.push([k, select.push(textExpr(col)) - 1]);
  }
  const cap = o.rows;
  const out: Scored = {
    n: 0,
    ids: [],
    prob: new Float32Array(cap),
    raw: new Float32Array(cap),
    num: Object.fromEntries(numKeys.map((k) => [k, planSources[k] ? new Float32Array(cap).fill(Number.NaN) : undefined])) as Scored["num"],
    text: Object.fromEntries(textKeys.map((k) => [k, planSources[k] ? [] : undefined])) as Scored["text"],
    driverSums: new Uint8Array(cap * DRIVER_COUNT),
    reasonCol: new Int16Array(cap * REASONS_PER_ROW).fill(-1),
    reasonVal: new Float32Array(cap * REASONS_PER_ROW),
    planSources,
  };
  const intern = new Map<string, string>();
  const progress = o.log?.progress(o.label ?? "scoring", cap);
  const threads = o.threads ?? scoreThreads(o.rows, o.scorer);
  const batch: BatchScorer = { pre: o.scorer.pre, model: o.scorer.model, calibrator: o.scorer.calibrator, explainer: o.explainer, minProbability: o.minProbability ?? 0 };
  const pool = threads > 1 ? await ScorePool.open(threads, o.scorer, o.explainer, batch.minProbability, counterSpec(o.drift, o.integrity)) : undefined;
  if (pool) o.log?.info(msg.scoreThreads(threads, o.rows));
  // with a pool: the batches' results, put in place in batch order (each waits for the one before it)
  let tail: Promise<void> = Promise.resolve();
  const queued: Promise<void>[] = [];

  let pending: DuckDBDataChunk[] = [];
  let pendingRows = 0;
  const flush = async () => {
    if (!pendingRows) return;
    // gather the pending chunks column by column (the relation holds one row per id: a file source keeps each id's last row)
    let n = 0;
    const idCols: unknown[][] = [];
    for (const ch of pending) {
      const ids = ch.getColumnValues(0);
      idCols.push(ids);
      n += ids.length;
    }
    // every numeric column of the SELECT is a DOUBLE: read as the vector's own memory (duck-vectors.ts)
    const gatherNum = (j: number): Float64Array => {
      const outv = new Float64Array(n);
      let k = 0;
      for (const ch of pending) k = gatherDoubles(ch, j, outv, k, null);
      return outv;
    };
    const gatherText = (j: number, values?: unknown[][]): (string | null)[] => {
      const outv: (string | null)[] = new Array(n);
      let k = 0;
      pending.forEach((ch, c) => {
        const v = values ? values[c]! : ch.getColumnValues(j);
        for (let r = 0; r < v.length; r++) outv[k++] = (v[r] ?? null) as string | null;
      });
      return outv;
    };
    const base = out.n;
    out.n += n;
    const columns: RawColumn[] = inputs.map((c, k) =>
      c.kind === "numeric" ? { name: c.name, kind: "numeric", values: gatherNum(k + 1) } : { name: c.name, kind: "categorical", values: gatherText(k + 1) },
    );
    const idsOut = gatherText(0, idCols) as string[];
    const numOut = numPos.map(([k, j]) => [k, gatherNum(j)] as const);
    const textOut = textPos.map(([k, j]) => [k, gatherText(j)] as const);
    pending = [];
    pendingRows = 0;
    const table: RawTable = { rows: n, columns };
    /** The batch's results into the run's arrays, its drift and integrity counts (always in batch order). */
    const place = (r: BatchResult, own: boolean) => {
      out.prob.set(r.cal, base);
      out.raw.set(r.raw, base);
      if (own) {
        // a worker's batch: its reasons and drivers were written into arrays of its own, its counts counted there
        out.driverSums.set(r.driverSums, base * DRIVER_COUNT);
        out.reasonCol.set(r.reasonCol, base * REASONS_PER_ROW);
        out.reasonVal.set(r.reasonVal, base * REASONS_PER_ROW);
        if (r.drift) o.drift?.addState(r.drift);
        if (r.integrity) o.integrity?.addState(r.integrity);
      } else {
        o.drift?.add(table, r.cal);
        o.integrity?.add(table);
      }
      for (const x of idsOut) out.ids.push(x);
      for (const [k, src] of numOut) out.num[k]!.set(src, base);
      for (const [k, src] of textOut) {
        const dst = out.text[k]!;
        for (const x of src) {
          if (x === null) dst.push(null);
          else {
            let v = intern.get(x);
            if (v === undefined) {
              v = x;
              intern.set(x, x);
            }
            dst.push(v);
          }
        }
      }
      progress?.tick(base + n);
    };
    if (!pool) {
      place(await scoreBatch(batch, table, o.relation, { driverSums: out.driverSums, reasonCol: out.reasonCol, reasonVal: out.reasonVal, offset: base }), false);
      return;
    }
    const job = pool.run(table, o.relation);
    tail = tail.then(() => job).then((r) => place(r, true));
    // a failure is thrown where the queue is awaited; these only keep it from counting as unhandled meanwhile
    job.catch(() => undefined);
    tail.catch(() => undefined);
    queued.push(tail);
    // at most one batch per worker waiting besides the one it scores (memory: a batch is ~100 MB of columns)
    while (queued.length > threads + 1) await queued.shift();
  };

  try {
    const result = await db.conn.stream(`SELECT ${select.join(", ")} FROM ${o.relation}`);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      pending.push(chunk);
      pendingRows += chunk.rowCount;
      if (pendingRows >= o.chunkRows) await flush();
    }
    await flush();
    await tail;
  } finally {
    await pool?.close();
  }
  progress?.done();
  // trim to the rows really scored
  const n = out.n;
  out.prob = out.prob.subarray(0, n);
  out.raw = out.raw.subarray(0, n);
  for (const k of numKeys) if (out.num[k]) out.num[k] = out.num[k]!.subarray(0, n);
  out.driverSums = out.driverSums.subarray(0, n * DRIVER_COUNT);
  out.reasonCol = out.reasonCol.subarray(0, n * REASONS_PER_ROW);
  out.reasonVal = out.reasonVal.subarray(0, n * REASONS_PER_ROW);
  return out;
}
