/**
 * The two SQL dialects (interface Dialect in types.ts) the feature families are written for: DuckDB (one box, tables in the connection) and
 * ClickHouse (the operator's cluster, run shard-local). A family is written once, against this interface; only
 * what the engines spell differently goes through it. The ClickHouse side keeps to the subset that Debian's
 * 18.16 and current releases both accept: no window functions, FILTER, CTEs, `* EXCLUDE`, HUGEINT, bitCount,
 * query parameters or more than one JOIN per SELECT; `greatest`/`least` of two arguments; `round` avoided
 * (18.16 rounds halves away from zero, current releases to even).
 *
 * NULLs: DuckDB's greatest/least skip NULL arguments, ClickHouse's return NULL. Families pass only
 * non-NULL arguments (coalesce first) or accept NULL for a NULL argument on both sides.
 */
import { TABLE_NAMES } from "../contract/tables.js";
import { chLiteral } from "../io/clickhouse.js";
import { quoteLiteral } from "../io/duckdb.js";
import { trailingZeros, withLongestRun } from "./bits.js";
import type { ActivityDialect, Dialect, FeatureType, RelationName } from "./types.js";

export type { ActivityDialect, Dialect, RelationName } from "./types.js";

const DUCK_TYPES: Record<FeatureType, string> = { number: "DOUBLE", integer: "BIGINT", flag: "INTEGER", category: "VARCHAR" };
const USAGE_LOOKBACK = 90;
/** Bits 0..n-1 of the activity mask = days as_of-0 .. as_of-(n-1). */
const lowBits = (n: number | string) => `((1::HUGEINT << ${n}) - 1)`;

const duckActivity: ActivityDialect = {
  // two BIGINT halves (bit_or on BIGINT is cheaper than on HUGEINT), joined into one HUGEINT mask after grouping
  rowColumns: (active, k) => [
    `CASE WHEN ${k} < 60 AND ${active} THEN 1::BIGINT << ${k} END AS act_lo`,
    `CASE WHEN ${k} >= 60 AND ${active} THEN 1::BIGINT << (${k} - 60) END AS act_hi`,
  ],
  aggregates: () => ["bit_or(act_lo) AS act_lo", "bit_or(act_hi) AS act_hi"],
  finish: (grouped) => `SELECT * EXCLUDE (act_lo, act_hi),
  CASE WHEN act_lo IS NULL AND act_hi IS NULL THEN NULL
       ELSE (coalesce(act_hi, 0)::HUGEINT << 60) | coalesce(act_lo, 0)::HUGEINT END AS act_mask
FROM (${grouped})`,
  columns: ["act_mask"],
  activeDays: (p, w) => `coalesce(bit_count(${p}act_mask & ${lowBits(w)}), 0)`,
  // the lowest set bit is the most recent active day
  sinceLast: (p) => trailingZeros(`${p}act_mask`),
  // inactive days of the window: bits 0..n-1 not set in the mask
  withLongestInactive: (from, n, out) =>
    withLongestRun(`SELECT *, (~coalesce(act_mask, 0::HUGEINT)) & ${lowBits(n)} AS __inactive FROM (${from})`, "__inactive", out),
};

/**
 * DuckDB: the families' tables live in the connection; the as-of date is parameter $1. With `only` (a table of
 * subscriber_id in the connection), the raw tables are read for those subscribers only (a shard's).
 */
export function duckdbDialect(opts: {
  usageStart: string | null;
  complaintsStart?: string | null | undefined;
  only?: string | undefined;
  /** Relations that stand for raw tables (a subscriber pass's partition of them, see runner.ts). */
  parts?: ReadonlyMap<string, string> | undefined;
}): Dialect {
  const { only, parts } = opts;
  return {
    name: "duckdb",
    asOf: "$1::DATE",
    usageStart: opts.usageStart === null ? null : `DATE ${quoteLiteral(opts.usageStart)}`,
    complaintsStart: opts.complaintsStart == null ? null : `DATE ${quoteLiteral(opts.complaintsStart)}`,
    rel: (name) =>
      parts?.get(name) ??
      (only !== undefined && (TABLE_NAMES as readonly string[]).includes(name)
        ? `(SELECT * FROM ${name} SEMI JOIN ${only} __only ON __only.subscriber_id = ${name}.subscriber_id)`
        : name),
    date: (iso) => `DATE ${quoteLiteral(iso)}`,
    addMonths: (d, n) => `(${d} + to_months(${n}))::DATE`,
    monthStart: (d) => `date_trunc('month', ${d})`,
    monthsBetween: (a, b) => `date_diff('month', ${a}, ${b})`,
    daysInMonth: (x) => `dayofmonth(last_day(${x}))`,
    numbers: (n, col) => `(SELECT range AS ${col} FROM range(${n}))`,
    roundInt: (x) => `CAST(round(${x}) AS BIGINT)`,
    intDiv: (a, b) => `((${a}) // (${b}))`,
    greatest: (...xs) => `greatest(${xs.join(", ")})`,
    least: (...xs) => `least(${xs.join(", ")})`,
    thousandths: (x) => `CAST(round((${x}) * 1000) AS BIGINT)`,
    sumOfSquares: (x, scale) => `sum(CAST(${x} AS HUGEINT) * (${x})) / ${scale}.0`,
    anyTrue: (x) => `bool_or(${x})`,
    nullOf: (t) => `NULL::${{ date: "DATE", bigint: "BIGINT", boolean: "BOOLEAN", double: "DOUBLE" }[t]}`,
    cast: (x, t) => `CAST(${x} AS ${DUCK_TYPES[t]})`,
    literal: quoteLiteral,
    activity: duckActivity,
  };
}

const CH_TYPES: Record<FeatureType, string> = { number: "Nullable(Float64)", integer: "Nullable(Int64)", flag: "Nullable(Int32)", category: "Nullable(String)" };
const pair = (fn: string) => (...xs: string[]) => xs.reduce((a, b) => `${fn}(${a}, ${b})`);
/** The active days (k) of a subscriber, ascending, while aggregating. */
const chActiveKs = "arraySort(groupUniqArrayIf(act_k, act))";

/** The windows whose active days ClickHouse counts (engagement: 7, 30, 90; the own-past comparison: 30, 60). */
const CH_ACTIVE_WINDOWS: readonly number[] = [7, 30, 60, USAGE_LOOKBACK];

const chActivity: ActivityDialect = {
  rowColumns: (active, k) => [`${active} AS act`, `${k} AS act_k`],
  aggregates: () => [
    ...CH_ACTIVE_WINDOWS.map((w) => `uniqExactIf(act_k, act AND act_k < ${w}) AS act_${w}`),
    "if(countIf(act) = 0, NULL, minIf(act_k, act)) AS act_first",
    "if(countIf(act) = 0, NULL, maxIf(act_k, act)) AS act_last",
    // the longest gap between two consecutive active days (0 with fewer than two)
    `arrayReduce('max', arrayMap((a, b) -> b - a - 1, arrayPopBack(${chActiveKs}), arrayPopFront(${chActiveKs}))) AS act_gap`,
  ],
  finish: (grouped) => grouped,
  columns: [...CH_ACTIVE_WINDOWS.map((w) => `act_${w}`), "act_first", "act_last", "act_gap"],
  activeDays: (p, w) => {
    if (!CH_ACTIVE_WINDOWS.includes(w)) throw new Error(`activeDays: no count kept for ${w} days`);
    return `coalesce(${p}act_${w}, 0)`;
  },
  sinceLast: (p) => `${p}act_first`,
  // before the latest active day (act_first), between active days (act_gap), after the earliest (n - 1 - act_last)
  withLongestInactive: (from, n, out) =>
    `SELECT *, CASE WHEN act_first IS NULL THEN ${n} ELSE greatest(greatest(coalesce(act_gap, 0), act_first), ${n} - 1 - act_last) END AS ${out} FROM (${from})`,
};

/**
 * ClickHouse: every relation is a subquery over the shard's local tables (valid rows only, see
 * contract/clickhouse.ts), and the as-of date is a literal.
 */
export function clickhouseDialect(opts: {
  asOf: string;
  usageStart: string | null;
  complaintsStart?: string | null | undefined;
  relations: Partial<Record<RelationName, string>>;
}): Dialect {
  const date = (iso: string) => `toDate(${chLiteral(iso)})`;
  // half away from zero, as DuckDB's round(): y - floor(y) is exact for |y| < 2^52
  const roundInt = (y: string) =>
    `toInt64(if(${y} >= 0, floor(${y}) + (${y} - floor(${y}) >= 0.5), -(floor(-${y}) + (-${y} - floor(-${y}) >= 0.5))))`;
  return {
    name: "clickhouse",
    asOf: date(opts.asOf),
    usageStart: opts.usageStart === null ? null : date(opts.usageStart),
    complaintsStart: opts.complaintsStart == null ? null : date(opts.complaintsStart),
    rel: (name) => {
      const sql = opts.relations[name];
      if (sql === undefined) throw new Error(`no ClickHouse relation for ${name}`);
      return `(${sql})`;
    },
    date,
    addMonths: (d, n) => `addMonths(${d}, ${n})`,
    monthStart: (d) => `toStartOfMonth(${d})`,
    monthsBetween: (a, b) => `dateDiff('month', ${a}, ${b})`,
    daysInMonth: (x) => `toDayOfMonth(addMonths(toStartOfMonth(${x}), 1) - 1)`,
    numbers: (n, col) => `(SELECT toInt64(number) AS ${col} FROM system.numbers LIMIT ${n})`,
    roundInt: (x) => roundInt(`(${x})`),
    // ClickHouse computes a function on the values under NULLs too (as 0): intDiv would throw there
    intDiv: (a, b) => `intDivOrZero(${a}, ${b})`,
    greatest: pair("greatest"),
    least: pair("least"),
    thousandths: (x) => roundInt(`((${x}) * 1000)`),
    sumOfSquares: (x, scale) => `toFloat64(sum(toDecimal128(${x}, 0) * toDecimal128(${x}, 0))) / ${scale}.0`,
    anyTrue: (x) => `max(${x})`,
    nullOf: (t) => `CAST(NULL AS Nullable(${{ date: "Date", bigint: "Int64", boolean: "UInt8", double: "Float64" }[t]}))`,
    cast: (x, t) => `CAST(${x} AS ${CH_TYPES[t]})`,
    literal: chLiteral,
    activity: chActivity,
  };
}

/** One LEFT JOIN of a chain: the relation, its alias, and the output columns (expression over the alias, name). */
export interface JoinStep {
  rel: string;
  alias: string;
  cols: readonly (readonly [expr: string, name: string])[];
}

/**
 * LEFT JOIN each step onto `base` (a relation with subscriber_id, aliased `s` in `baseCols`) on subscriber_id,
 * one JOIN per SELECT (ClickHouse 18.16 takes no more): each step wraps the previous result. Returns a
 * SELECT of subscriber_id, `baseCols` and every step's columns, in order.
 */
export function leftJoinChain(base: string, baseCols: readonly (readonly [expr: string, name: string])[], steps: readonly JoinStep[]): string {
  let sql = `SELECT s.subscriber_id AS subscriber_id${baseCols.map(([e, n]) => `, ${e} AS ${n}`).join("")} FROM ${base} s`;
  const names = baseCols.map(([, n]) => n);
  for (const st of steps) {
    sql = `SELECT x.subscriber_id AS subscriber_id${names.map((n) => `, x.${n} AS ${n}`).join("")}${st.cols.map(([e, n]) => `, ${e} AS ${n}`).join("")}
FROM (${sql}) x LEFT JOIN ${st.rel} ${st.alias} ON ${st.alias}.subscriber_id = x.subscriber_id`;
    names.push(...st.cols.map(([, n]) => n));
  }
  return sql;
}
