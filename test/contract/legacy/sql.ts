/**
 * The loader as it was before issue 18 (main at 737c114), kept verbatim as the reference the new one is
 * compared with: same rejects (bytes), counts and loaded rows on worlds with bad rows of every kind
 * (test/contract/equivalence.test.ts). Not used by the product; only imports changed.
 */
/**
 * Pure SQL builders for loading one input table: how each canonical column is parsed from its source
 * column, and the ordered row checks. Identifiers go through quoteIdent; values (date format, as-of date,
 * file path) are bound parameters collected in a `Params` list; only constants from the contract (enum
 * values, column names) are written into the SQL text, through quoteLiteral.
 */
import type { CsvOptions } from "../../../src/config/schema.js";
import { type Param, quoteIdent, quoteLiteral } from "../../../src/io/duckdb.js";
import type { ColumnDef, TableDef } from "../../../src/contract/tables.js";

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

export const DUCKDB_TYPE: Record<ColumnDef["type"], string> = {
  id: "VARCHAR",
  date: "DATE",
  number: "DOUBLE",
  integer: "BIGINT",
  boolean: "BOOLEAN",
  enum: "VARCHAR",
  text: "VARCHAR",
};

const isText = (t: string) => t === "VARCHAR" || t.startsWith("VARCHAR(");
const isNumeric = (t: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL)/.test(t);

/**
 * Quote a column name read from a file's header. Unlike config values it is not restricted to plain names
 * (headers such as "Fee (EUR)" are common); doubling quotes is what makes any name safe inside "...".
 */
export function fileIdent(name: string): string {
  return `"${name.replaceAll("\0", "").replaceAll('"', '""')}"`;
}

/** Name of the helper column holding the trimmed source text of a canonical column (for checks and rejects). */
export const rawName = (c: string) => quoteIdent(`_raw_${c}`);

/**
 * SELECT list parsing every canonical column: `_row`, then for each column its source value `_raw_<c>`
 * (for a text source: trimmed, NULL when empty) and its typed value `<c>`.
 */
export function typedSelect(cols: ResolvedColumn[], rowExpr: string, csv: CsvOptions, p: Params): string {
  const parts = [`${rowExpr} AS _row`];
  const fmt = csv.dateFormat;
  let fmtParam: string | undefined;
  for (const rc of cols) {
    const c = rc.def;
    const target = DUCKDB_TYPE[c.type];
    if (rc.source === null) {
      parts.push(`CAST(NULL AS VARCHAR) AS ${rawName(c.name)}`, `CAST(NULL AS ${target}) AS ${quoteIdent(c.name)}`);
      continue;
    }
    const src = fileIdent(rc.source);
    const raw = `NULLIF(trim(CAST(${src} AS VARCHAR)), '')`;
    const text = isText(rc.sourceType);
    let typed: string;
    switch (c.type) {
      case "id":
      case "text":
        typed = raw;
        break;
      case "enum":
        typed = `lower(${raw})`;
        break;
      case "date":
        if (rc.sourceType === "DATE") typed = src;
        else if (rc.sourceType.startsWith("TIMESTAMP")) typed = `CAST(${src} AS DATE)`;
        else {
          fmtParam ??= p.add(fmt);
          typed = `CAST(try_strptime(${raw}, ${fmtParam}) AS DATE)`;
        }
        break;
      case "number":
      case "integer": {
        const num = text
          ? `TRY_CAST(${csv.decimal === "," ? `replace(${raw}, ',', '.')` : raw} AS DOUBLE)`
          : isNumeric(rc.sourceType)
            ? `CAST(${src} AS DOUBLE)`
            : `TRY_CAST(${src} AS DOUBLE)`;
        typed =
          c.type === "number"
            ? `(CASE WHEN isfinite(${num}) THEN ${num} END)`
            : `(CASE WHEN isfinite(${num}) AND ${num} = round(${num}) AND abs(${num}) < 9e15 THEN CAST(${num} AS BIGINT) END)`;
        break;
      }
      case "boolean":
        typed =
          rc.sourceType === "BOOLEAN"
            ? src
            : `(CASE WHEN lower(${raw}) IN ('true','t','yes','y','1') THEN true WHEN lower(${raw}) IN ('false','f','no','n','0') THEN false END)`;
        break;
    }
    // A typed (Parquet) source is kept as is: casting every value to text only to test for NULL is costly.
    parts.push(`${text ? raw : src} AS ${rawName(c.name)}`, `${typed} AS ${quoteIdent(c.name)}`);
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

const str = (sql: string) => `CAST(${sql} AS VARCHAR)`;

/** Numbers beyond this (absolute) are export errors, not amounts: 1e308 would overflow sums to Infinity. */
export const MAX_ABS_NUMBER = 1e12;

/**
 * The ordered row-level checks of a table, on the output of typedSelect aliased `t`; when the table
 * references subscribers, `s` is the LEFT JOINed subscribers table.
 */
export function rowChecks(def: TableDef, cols: ResolvedColumn[], asOfParam: string): Check[] {
  const checks: Check[] = [];
  const present = new Set(cols.filter((c) => c.source !== null).map((c) => c.def.name));
  const t = (c: string) => `t.${quoteIdent(c)}`;
  const r = (c: string) => `t.${rawName(c)}`;
  const none = "CAST(NULL AS VARCHAR)";

  checks.push({ reason: "empty_id", column: "subscriber_id", cond: `${r("subscriber_id")} IS NULL`, value: "''", detail: none });
  for (const rc of cols) {
    const c = rc.def;
    if (rc.source === null || c.type === "id") continue;
    if (!c.nullable) checks.push({ reason: "missing_value", column: c.name, cond: `${r(c.name)} IS NULL`, value: "''", detail: none });
    const bad = `${r(c.name)} IS NOT NULL AND ${t(c.name)} IS NULL`;
    if (c.type === "date") checks.push({ reason: "bad_date", column: c.name, cond: bad, value: r(c.name), detail: none });
    if (c.type === "number") checks.push({ reason: "bad_number", column: c.name, cond: bad, value: r(c.name), detail: none });
    if (c.type === "integer") checks.push({ reason: "bad_integer", column: c.name, cond: bad, value: r(c.name), detail: none });
    if (c.type === "boolean") checks.push({ reason: "bad_boolean", column: c.name, cond: bad, value: r(c.name), detail: none });
    if (c.type === "enum" && c.values) {
      const list = c.values.map(quoteLiteral).join(", ");
      checks.push({
        reason: "bad_enum",
        column: c.name,
        cond: `${t(c.name)} IS NOT NULL AND ${t(c.name)} NOT IN (${list})`,
        value: r(c.name),
        detail: quoteLiteral(`allowed: ${c.values.join(", ")}`),
      });
    }
    if (c.nonNegative) checks.push({ reason: "negative", column: c.name, cond: `${t(c.name)} < 0`, value: r(c.name), detail: none });
    const numeric = c.type === "number" || c.type === "integer";
    if (c.min !== undefined || c.max !== undefined || numeric) {
      const max = c.max ?? (numeric ? MAX_ABS_NUMBER : undefined);
      const min = c.min ?? (numeric && !c.nonNegative ? -MAX_ABS_NUMBER : undefined);
      const conds = [min !== undefined ? `${t(c.name)} < ${min}` : null, max !== undefined ? `${t(c.name)} > ${max}` : null];
      checks.push({
        reason: "out_of_range",
        column: c.name,
        cond: conds.filter((x) => x !== null).join(" OR "),
        value: r(c.name),
        detail: quoteLiteral(`allowed: ${min ?? (c.nonNegative ? 0 : "-inf")} to ${max ?? "inf"}`),
      });
    }
  }
  for (const rc of cols) {
    const c = rc.def;
    if (rc.source === null || c.notBefore === undefined || !present.has(c.notBefore)) continue;
    checks.push({
      reason: "date_order",
      column: c.name,
      cond: `${t(c.name)} < ${t(c.notBefore)}`,
      value: r(c.name),
      detail: `${quoteLiteral(`${c.notBefore} `)} || ${str(t(c.notBefore))}`,
    });
  }
  for (const rc of cols) {
    const c = rc.def;
    if (rc.source === null || c.type !== "date" || c.allowFuture) continue;
    checks.push({
      reason: "future_date",
      column: c.name,
      cond: `${t(c.name)} > ${asOfParam}`,
      value: r(c.name),
      detail: `'as of ' || ${str(asOfParam)}`,
    });
  }
  if (def.referencesSubscribers) {
    checks.push({
      reason: "unknown_subscriber",
      column: "subscriber_id",
      cond: "s.subscriber_id IS NULL",
      value: r("subscriber_id"),
      detail: none,
    });
    const ev = def.eventDate;
    if (ev !== undefined) {
      // Billing is monthly: compare months, so a bill for the activation or deactivation month is in the period.
      const monthly = ev === "month";
      const g = (x: string) => (monthly ? `date_trunc('month', ${x})` : x);
      checks.push({
        reason: "before_activation",
        column: ev,
        cond: `${g(t(ev))} < ${g("s.activation_date")}`,
        value: r(ev),
        detail: `'activation_date ' || ${str("s.activation_date")}`,
      });
      checks.push({
        reason: "after_deactivation",
        column: ev,
        cond: `${g(t(ev))} > ${g("s.deactivation_date")}`,
        value: r(ev),
        detail: `'deactivation_date ' || ${str("s.deactivation_date")}`,
      });
    }
  }
  return checks;
}

/** A CASE yielding a struct {column, value, reason, detail} for the first failing check, NULL for a good row. */
export function firstFailure(checks: Check[]): string {
  if (checks.length === 0) return "CAST(NULL AS STRUCT(column_name VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR))";
  const whens = checks.map(
    (c) =>
      `WHEN ${c.cond} THEN {'column_name': ${c.column === null ? "CAST(NULL AS VARCHAR)" : quoteLiteral(c.column)}, 'value': CAST(${c.value} AS VARCHAR), 'reason': ${quoteLiteral(c.reason)}, 'detail': CAST(${c.detail} AS VARCHAR)}`,
  );
  return `CASE\n    ${whens.join("\n    ")}\n  END`;
}
