/**
 * Pure SQL builders (DuckDB) for loading one input table: how each canonical column is parsed from its
 * source column, and the contract's ordered rules (src/contract/rules.ts) rendered as row checks.
 * Identifiers go through quoteIdent; values (date format, as-of date, file path) are bound parameters
 * collected in a `Params` list; only constants from the contract (enum values, column names) are written
 * into the SQL text, through quoteLiteral.
 */
import type { CsvOptions } from "../config/schema.js";
import { type Param, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { type Rule, tableRules } from "./rules.js";
import { type ColumnDef, DUCKDB_TYPE, type TableDef } from "./tables.js";

/**
 * Collects bound parameters; `add(v)` returns its placeholder (`$1`, `$2`, ...). With `inline`, for a VIEW
 * (which cannot keep parameters), values are written as quoted literals instead.
 */
export class Params {
  readonly values: Param[] = [];
  constructor(readonly inline = false) {}
  add(v: string | number): string {
    if (this.inline) return typeof v === "number" ? String(v) : quoteLiteral(v);
    this.values.push(v);
    return `$${this.values.length}`;
  }
}

/** A canonical column and where it comes from: `source` is the file's column (null when absent and optional). */
export interface ResolvedColumn {
  def: ColumnDef;
  source: string | null;
  /** DuckDB type of the source column (VARCHAR for CSV). */
  sourceType: string;
}


const isText = (t: string) => t === "VARCHAR" || t.startsWith("VARCHAR(");
/** Integer types whose every value is within the contract's integers (|x| < 9e15): cast as they are. */
const SMALL_INTEGER = /^(TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|UINTEGER)$/;
/** The largest integer the contract accepts (below 9e15, where a DOUBLE is still exact). */
const MAX_INTEGER = "8999999999999999";
const isNumeric = (t: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/.test(t);

/**
 * Quote a column name read from a file's header. Unlike config values it is not restricted to plain names
 * (headers such as "Fee (EUR)" are common); doubling quotes is what makes any name safe inside "...".
 */
export function fileIdent(name: string): string {
  return `"${name.replaceAll("\0", "").replaceAll('"', '""')}"`;
}

/**
 * The source text without leading and trailing spaces, NULL when empty: exactly NULLIF(trim(x), ''), but
 * trim (which copies every string) runs only on values that start or end with a space.
 */
export function trimmedText(src: string): string {
  const s = `CAST(${src} AS VARCHAR)`;
  return `NULLIF(CASE WHEN starts_with(${s}, ' ') OR ends_with(${s}, ' ') THEN trim(${s}) ELSE ${s} END, '')`;
}

/** Name of the helper column holding a canonical column's source text (kept rows, exact comparisons). */
export const rawName = (c: string) => quoteIdent(`_raw_${c}`);

/** Name of the helper column holding a canonical column's source value as read (untrimmed text, or typed). */
export const srcName = (c: string) => quoteIdent(`_src_${c}`);

/**
 * SQL of a column's trimmed source text (NULL when empty) from typedSelect's output `alias`: what rejects
 * report and exact duplicates compare. A typed (Parquet) source is its value as is. Written into checks
 * where it is needed, so it is computed only for the rows a check reaches (the rejected ones, mostly).
 */
export function rawExpr(rc: ResolvedColumn, alias = "t"): string {
  if (rc.source === null) return "CAST(NULL AS VARCHAR)";
  const src = `${alias}.${srcName(rc.def.name)}`;
  return isText(rc.sourceType) ? trimmedText(src) : src;
}

/**
 * SELECT list parsing every canonical column: `_row` (when `rowExpr` is given), then for each column its
 * source value `_src_<c>` (as read) and its typed value `<c>`. Numbers are parsed without trimming first
 * (DuckDB's cast skips surrounding blanks, as trimming would); text, enums and dates are trimmed.
 */
export function typedSelect(cols: ResolvedColumn[], rowExpr: string | null, csv: CsvOptions, p: Params): string {
  const parts = rowExpr === null ? [] : [`${rowExpr} AS _row`];
  const fmt = csv.dateFormat;
  let fmtParam: string | undefined;
  for (const rc of cols) {
    const c = rc.def;
    const target = DUCKDB_TYPE[c.type];
    if (rc.source === null) {
      parts.push(`CAST(NULL AS VARCHAR) AS ${srcName(c.name)}`, `CAST(NULL AS ${target}) AS ${quoteIdent(c.name)}`);
      continue;
    }
    const src = fileIdent(rc.source);
    const raw = trimmedText(src);
    const text = isText(rc.sourceType);
    let typed: string;
    switch (c.type) {
      case "id":
      case "text":
        typed = text ? raw : trimmedText(src);
        break;
      case "enum":
        typed = `lower(${raw})`;
        break;
      case "date":
        if (rc.sourceType === "DATE") typed = src;
        else if (rc.sourceType.startsWith("TIMESTAMP")) typed = `CAST(${src} AS DATE)`;
        else {
          fmtParam ??= p.add(fmt);
          const parsed = `CAST(try_strptime(${raw}, ${fmtParam}) AS DATE)`;
          // ten characters that the date cast reads and writes back unchanged (YYYY-MM-DD, a year of four digits:
          // not 10000-01-01 nor a BC date, which strptime refuses) are exactly what %Y-%m-%d reads, the same date;
          // the cast costs a third of strptime's CPU (5M usage dates: 0.37 against 0.56 CPU s)
          const cast = `TRY_CAST(${raw} AS DATE)`;
          typed = fmt === "%Y-%m-%d" ? `(CASE WHEN strlen(${raw}) = 10 AND CAST(${cast} AS VARCHAR) = ${raw} THEN ${cast} ELSE ${parsed} END)` : parsed;
        }
        break;
      case "number":
      case "integer": {
        const num = text
          ? `TRY_CAST(${csv.decimal === "," ? `replace(${src}, ',', '.')` : src} AS DOUBLE)`
          : isNumeric(rc.sourceType)
            ? `CAST(${src} AS DOUBLE)`
            : `TRY_CAST(${src} AS DOUBLE)`;
        const viaDouble = `(CASE WHEN isfinite(${num}) AND ${num} = round(${num}) AND abs(${num}) < 9e15 THEN CAST(${num} AS BIGINT) END)`;
        // text an integer cast writes back unchanged (no sign, zeros, exponent or blanks) is that integer by the
        // DOUBLE route too: read that way first (5M values: 0.13 against 0.17 CPU s)
        const big = `TRY_CAST(${src} AS BIGINT)`;
        const castFirst = `(CASE WHEN CAST(${big} AS VARCHAR) = ${src} AND ${big} BETWEEN -${MAX_INTEGER} AND ${MAX_INTEGER} THEN ${big} ELSE ${viaDouble} END)`;
        if (c.type === "number") typed = `(CASE WHEN isfinite(${num}) THEN ${num} END)`;
        // the same values without going through DOUBLE: ~20x cheaper per row on typed Parquet
        else if (SMALL_INTEGER.test(rc.sourceType)) typed = `CAST(${src} AS BIGINT)`;
        else if (rc.sourceType === "BIGINT") typed = `(CASE WHEN ${src} BETWEEN -${MAX_INTEGER} AND ${MAX_INTEGER} THEN ${src} END)`;
        else typed = text ? castFirst : viaDouble;
        break;
      }
      case "boolean":
        typed =
          rc.sourceType === "BOOLEAN"
            ? src
            : `(CASE WHEN lower(${raw}) IN ('true','t','yes','y','1') THEN true WHEN lower(${raw}) IN ('false','f','no','n','0') THEN false END)`;
        break;
    }
    parts.push(`${src} AS ${srcName(c.name)}`, `${typed} AS ${quoteIdent(c.name)}`);
  }
  return parts.join(",\n  ");
}

/** One row check: when `cond` holds, the row is rejected with this reason. Checks run in order; the first wins. */
export interface Check {
  reason: string;
  column: string | null;
  cond: string;
  /** SQL for the reported value (VARCHAR). */
  value: string;
  /** SQL for the context (VARCHAR), e.g. the allowed values or the activation date. */
  detail: string;
}

/** What the row checks spell differently per engine (DuckDB here; ClickHouse in contract/clickhouse.ts). */
export interface CheckSql {
  str(x: string): string;
  monthStart(x: string): string;
  nullStr: string;
  literal(s: string): string;
  /** The referenced subscriber row (aliased `s`) is missing. */
  subMissing: string;
  /** A column of the referenced subscriber row (activation_date, deactivation_date). */
  sub(column: string): string;
}

export const DUCKDB_CHECKS: CheckSql = {
  str: (sql) => `CAST(${sql} AS VARCHAR)`,
  monthStart: (x) => `date_trunc('month', ${x})`,
  nullStr: "CAST(NULL AS VARCHAR)",
  literal: quoteLiteral,
  subMissing: "s.subscriber_id IS NULL",
  sub: (c) => `s.${quoteIdent(c)}`,
};

export interface RenderOptions {
  /** SQL of the as-of date (a DATE). */
  asOf: string;
  /** SQL of a column's trimmed source text (rawExpr over typedSelect's output, or kept text). */
  raw: (column: string) => string;
}

/** The `raw` of RenderOptions for typedSelect's output aliased `t`. */
export function sourceRaw(cols: readonly ResolvedColumn[]): (column: string) => string {
  return (column) => {
    const rc = cols.find((x) => x.def.name === column);
    return rc ? rawExpr(rc) : "CAST(NULL AS VARCHAR)";
  };
}

/** Column types whose typed value is NULL exactly when the trimmed source text is (the text itself, or lower()). */
const TEXT_TYPES = new Set(["id", "text", "enum"]);

/**
 * Render the contract's rules as DuckDB checks on the output of typedSelect aliased `t`; reference rules
 * read the LEFT JOINed subscribers as `s`.
 */
export function renderRules(rules: readonly Rule[], o: RenderOptions, q: CheckSql = DUCKDB_CHECKS): Check[] {
  const t = (c: string) => `t.${quoteIdent(c)}`;
  const r = o.raw;
  return rules.map((rule) => {
    const c = rule.column;
    const test = rule.test;
    let cond: string;
    let value = r(c);
    switch (test.kind) {
      case "blank":
      case "missing":
        // a parsed value means the text was not empty: the text is looked at only when there is none
        cond = TEXT_TYPES.has(rule.type) ? `${t(c)} IS NULL` : `${t(c)} IS NULL AND ${r(c)} IS NULL`;
        value = "''";
        break;
      case "unparsed":
        cond = `${t(c)} IS NULL AND ${r(c)} IS NOT NULL`;
        break;
      case "enum":
        cond = `${t(c)} IS NOT NULL AND ${t(c)} NOT IN (${test.values.map(q.literal).join(", ")})`;
        break;
      case "negative":
        cond = `${t(c)} < 0`;
        break;
      case "range":
        cond = [test.min !== undefined ? `${t(c)} < ${test.min}` : null, test.max !== undefined ? `${t(c)} > ${test.max}` : null]
          .filter((x) => x !== null)
          .join(" OR ");
        break;
      case "before":
        cond = `${t(c)} < ${t(test.other)}`;
        break;
      case "future":
        cond = `${t(c)} > ${o.asOf}`;
        break;
      case "unknown_subscriber":
        cond = q.subMissing;
        break;
      case "before_activation":
      case "after_deactivation": {
        const g = (x: string) => (test.monthly ? q.monthStart(x) : x);
        cond =
          test.kind === "before_activation"
            ? `${g(t(c))} < ${g(q.sub("activation_date"))}`
            : `${g(t(c))} > ${g(q.sub("deactivation_date"))}`;
        break;
      }
    }
    const d = rule.detail;
    const detail =
      d.kind === "none"
        ? q.nullStr
        : d.kind === "text"
          ? q.literal(d.text)
          : d.kind === "as_of"
            ? `'as of ' || ${q.str(o.asOf)}`
            : `${q.literal(d.prefix)} || ${q.str(d.of === "row" ? t(d.column) : q.sub(d.column))}`;
    return { reason: rule.reason, column: c, cond, value, detail };
  });
}

/**
 * The ordered row-level checks of a table, on the output of typedSelect aliased `t`; when the table
 * references subscribers, `s` is the LEFT JOINed subscribers table.
 */
export function rowChecks(
  def: TableDef,
  cols: ResolvedColumn[],
  asOfParam: string,
  q: CheckSql = DUCKDB_CHECKS,
  raw: (column: string) => string = sourceRaw(cols),
): Check[] {
  const present = new Set(cols.filter((c) => c.source !== null).map((c) => c.def.name));
  return renderRules(tableRules(def, present), { asOf: asOfParam, raw }, q);
}

/** A CASE yielding a struct {column, value, reason, detail} for the first failing check, NULL for a good row. */
export function firstFailure(checks: Check[]): string {
  if (checks.length === 0) return `CAST(NULL AS ${FAILURE_TYPE})`;
  const whens = checks.map(
    (c) =>
      `WHEN ${c.cond} THEN {'column_name': ${c.column === null ? DUCKDB_CHECKS.nullStr : quoteLiteral(c.column)}, 'value': CAST(${c.value} AS VARCHAR), 'reason': ${quoteLiteral(c.reason)}, 'detail': CAST(${c.detail} AS VARCHAR)}`,
  );
  return `CASE\n    ${whens.join("\n    ")}\n  END`;
}

/** Separator of the fields of firstFailureText's result (no reason, column name or detail holds it). */
const SEP = "chr(31)";
/** A field that may be NULL, as text: '0' for NULL, else '1' followed by the value. */
const flagged = (x: string) => `CASE WHEN ${x} IS NULL THEN '0' ELSE '1' || ${x} END`;
const unflagged = (x: string) => `CASE WHEN left(${x}, 1) = '1' THEN substr(${x}, 2) END`;

/**
 * firstFailure as one VARCHAR (NULL for a good row): reason, column, detail and value joined by chr(31),
 * the value last (it may hold anything, chr(31) too). For tables that keep millions of parsed rows with
 * their failure: a NULL text costs a fraction of a NULL struct of four texts to store. `failureOfText`
 * turns it back into firstFailure's struct.
 */
export function firstFailureText(checks: Check[]): string {
  if (checks.length === 0) return "CAST(NULL AS VARCHAR)";
  const whens = checks.map(
    (c) =>
      `WHEN ${c.cond} THEN ${quoteLiteral(c.reason)} || ${SEP} || ${c.column === null ? "'0'" : quoteLiteral(`1${c.column}`)} || ${SEP} || ${flagged(`CAST(${c.detail} AS VARCHAR)`)} || ${SEP} || ${flagged(`CAST(${c.value} AS VARCHAR)`)}`,
  );
  return `CASE\n    ${whens.join("\n    ")}\n  END`;
}

/** firstFailure's struct from firstFailureText's result `x` (NULL stays NULL). */
export function failureOfText(x: string): string {
  const part = (i: number) => `string_split(${x}, ${SEP})[${i}]`;
  return `CASE WHEN ${x} IS NOT NULL THEN {'column_name': ${unflagged(part(2))}, 'value': ${unflagged(`array_to_string(string_split(${x}, ${SEP})[4:], ${SEP})`)}, 'reason': ${part(1)}, 'detail': ${unflagged(part(3))}} END`;
}

/** The type of firstFailure's result. */
export const FAILURE_TYPE = "STRUCT(column_name VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)";
