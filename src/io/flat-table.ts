/**
 * Read a flat table (CSV or Parquet, one row per customer or per subscriber snapshot) into column arrays
 * with DuckDB. Values '', NA, N/A, NaN, nan, null, NULL, ? (after trimming spaces) are missing. A column
 * whose non-missing values all parse as finite numbers is numeric (Float64Array, NaN = missing); one whose
 * values all parse as dates in the dialect's date format is numeric too (days since 1970-01-01); otherwise
 * categorical (trimmed strings, null = missing): the numeric rule is the one the quality-benchmark peers used.
 * CSV files are read with the config's dialect (`data.csv`: delimiter, decimal separator, encoding, date
 * format), as the raw tables of --data are. Row order is the file's order, so row i of the result is row i
 * (0-based, header excluded) of the file.
 */
import { extname } from "node:path";
import type { DuckDBVector } from "@duckdb/node-api";
import { InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { MISSING_TOKENS, type RawColumn, type RawTable } from "../raw-table.js";
import { type Db, quoteLiteral, withDb } from "./duckdb.js";
import { fileExists } from "./files.js";

/** The CSV dialect (structurally the config's `data.csv`). */
export interface CsvDialect {
  /** Field delimiter; detected when undefined. */
  delimiter?: string | undefined;
  decimal: "." | ",";
  encoding: string;
  /** strftime format of date values, e.g. %Y-%m-%d or %d.%m.%Y. */
  dateFormat: string;
}

export const DEFAULT_DIALECT: CsvDialect = { decimal: ".", encoding: "utf-8", dateFormat: "%Y-%m-%d" };

export interface FlatTableOptions {
  /** Columns returned as raw trimmed strings (null when missing) instead of features: label, id, fold, as_of. */
  raw?: string[];
  /** Columns left out entirely (not read as features, not returned). */
  skip?: string[];
  /** Force the kind of these columns (e.g. the kinds a trained model expects) instead of inferring it. */
  kinds?: Record<string, "numeric" | "categorical">;
  /** CSV dialect (default: comma or detected delimiter, '.' decimals, UTF-8, ISO dates). */
  csv?: CsvDialect | undefined;
}

export interface FlatTable {
  path: string;
  rows: number;
  /** Every column name, in file order. */
  names: string[];
  /** Every column not listed in `raw`, typed by the rule above. */
  table: RawTable;
  /** The `raw` columns. */
  raw: Record<string, (string | null)[]>;
}

/** Double-quote a column name taken from the file's own header (escaping quotes, so it cannot break out). */
const qid = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The DuckDB relation reading a flat file with the dialect (every CSV value as text). */
export function flatSourceSql(path: string, csv: CsvDialect = DEFAULT_DIALECT): string {
  const ext = extname(path).toLowerCase();
  if (ext === ".parquet") return `read_parquet(${quoteLiteral(path)})`;
  if ([".csv", ".tsv", ".txt"].includes(ext)) {
    const delim = csv.delimiter !== undefined ? `, delim = ${quoteLiteral(csv.delimiter)}` : "";
    return `read_csv(${quoteLiteral(path)}, all_varchar = true, header = true, encoding = ${quoteLiteral(csv.encoding)}${delim})`;
  }
  throw new InputDataError(msg.tableFormat(path));
}

/** A text expression as a number under the dialect: a number (decimal separator applied), else NULL. */
export function numberSql(text: string, csv: CsvDialect = DEFAULT_DIALECT): string {
  return `TRY_CAST(${csv.decimal === "," ? `replace(${text}, ',', '.')` : text} AS DOUBLE)`;
}

/** A text expression as a date in the dialect's format, in days since 1970-01-01, else NULL. */
export function dateDaysSql(text: string, csv: CsvDialect = DEFAULT_DIALECT): string {
  return `CAST(date_diff('day', DATE '1970-01-01', CAST(try_strptime(${text}, ${quoteLiteral(csv.dateFormat)}) AS DATE)) AS DOUBLE)`;
}

/** A text expression as a numeric feature value: a number, or a date (days since 1970-01-01), else NULL. */
export function numericValueSql(text: string, csv: CsvDialect = DEFAULT_DIALECT): string {
  return `coalesce(${numberSql(text, csv)}, ${dateDaysSql(text, csv)})`;
}

const missingList = MISSING_TOKENS.map((t) => quoteLiteral(t)).join(", ");
/** A column as trimmed VARCHAR with the missing tokens turned into NULL. */
const cleaned = (name: string) => `CASE WHEN trim(CAST(${qid(name)} AS VARCHAR)) IN (${missingList}) THEN NULL ELSE trim(CAST(${qid(name)} AS VARCHAR)) END`;

async function columnTypes(db: Db, src: string, path: string): Promise<{ name: string; type: string }[]> {
  try {
    return await db.describe(`SELECT * FROM ${src}`);
  } catch (e) {
    throw new InputDataError(msg.tableUnreadable(path, (e as Error).message.split("\n")[0] ?? ""));
  }
}

/**
 * Column types whose values the text rule reads back exactly (integers; DOUBLE prints the shortest text that
 * parses back to the same number): such a column of a Parquet file is numeric by the rule unless it holds an
 * infinity, and is read as it is instead of through text (a feature table's 80 columns: seconds, not tenths).
 * FLOAT and DECIMAL are not among them (their text parses to another double than their value).
 */
const EXACT_NUMERIC = new Set(["TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT", "DOUBLE"]);

export async function readFlatTable(path: string, opts: FlatTableOptions = {}): Promise<FlatTable> {
  if (!fileExists(path)) throw new InputDataError(msg.tableNotFound(path));
  const csv = opts.csv ?? DEFAULT_DIALECT;
  const src = flatSourceSql(path, csv);
  return withDb(async (db) => {
    const skip = new Set(opts.skip ?? []);
    const types = await columnTypes(db, src, path);
    const all = types.map((c) => c.name);
    const names = all.filter((n) => !skip.has(n));
    const rawSet = new Set(opts.raw ?? []);
    const features = names.filter((n) => !rawSet.has(n));
    // One pass to decide numeric vs categorical: count non-missing values that are not finite numbers.
    const kinds = new Map<string, "numeric" | "categorical">();
    for (const n of features) if (opts.kinds?.[n]) kinds.set(n, opts.kinds[n]!);
    const typed = new Set<string>();
    try {
      const exact = types.filter((c) => EXACT_NUMERIC.has(c.type) && features.includes(c.name) && opts.kinds?.[c.name] !== "categorical").map((c) => c.name);
      if (exact.length) {
        const inf = (await db.one(`SELECT ${exact.map((n, k) => `count(*) FILTER (WHERE isinf(CAST(${qid(n)} AS DOUBLE))) AS i${k}`).join(", ")} FROM ${src}`)) ?? {};
        exact.forEach((n, k) => {
          if (Number(inf[`i${k}`]) === 0) typed.add(n);
        });
      }
      for (const n of typed) kinds.set(n, "numeric");
      await db.run(`CREATE TEMP TABLE t AS SELECT ${names.map((n) => `${typed.has(n) ? qid(n) : cleaned(n)} AS ${qid(n)}`).join(", ")} FROM ${src}`);
    } catch (e) {
      throw new InputDataError(msg.tableUnreadable(path, (e as Error).message.split("\n")[0] ?? ""));
    }
    const toInfer = features.filter((n) => !kinds.has(n));
    if (toInfer.length) {
      // per column: values that are not finite numbers, and values that are not dates (both among non-missing)
      const exprs = toInfer.flatMap((n, k) => [
        `count(*) FILTER (WHERE ${qid(n)} IS NOT NULL AND NOT coalesce(isfinite(${numberSql(qid(n), csv)}), false)) AS c${k}`,
        `count(*) FILTER (WHERE ${qid(n)} IS NOT NULL AND ${dateDaysSql(qid(n), csv)} IS NULL) AS d${k}`,
        `count(${qid(n)}) AS n${k}`,
      ]);
      const row = (await db.one(`SELECT ${exprs.join(", ")} FROM t`)) ?? {};
      toInfer.forEach((n, k) => {
        const dates = Number(row[`d${k}`]) === 0 && Number(row[`n${k}`]) > 0;
        kinds.set(n, Number(row[`c${k}`]) === 0 || dates ? "numeric" : "categorical");
      });
    }
    // numeric columns come as DOUBLE with NaN for missing (no NULL): each chunk's values go straight into the column
    const numeric = names.map((n) => kinds.get(n) === "numeric" && !rawSet.has(n));
    const select = names.map((n, j) => {
      const value = typed.has(n) ? `CAST(${qid(n)} AS DOUBLE)` : kinds.get(n) === "numeric" ? numericValueSql(qid(n), csv) : qid(n);
      return numeric[j] ? `coalesce(${value}, CAST('NaN' AS DOUBLE))` : value;
    });
    const rows = Number((await db.one("SELECT count(*) AS n FROM t"))?.["n"] ?? 0);
    if (rows === 0) throw new InputDataError(msg.tableEmpty(path));
    const nums = names.map((_, j) => (numeric[j] ? new Float64Array(rows) : undefined));
    const texts: unknown[][] = names.map(() => []);
    const result = await db.conn.run(`SELECT ${select.join(", ")} FROM t`);
    let at = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (let j = 0; j < names.length; j++) {
        const num = nums[j];
        if (num) {
          const v = chunk.getColumnVector(j) as DuckDBVector<number>;
          for (let i = 0; i < v.itemCount; i++) num[at + i] = v.getItem(i) ?? Number.NaN;
        } else {
          const target = texts[j]!;
          for (const v of chunk.getColumnValues(j)) target.push(v);
        }
      }
      at += chunk.rowCount;
    }
    const raw: Record<string, (string | null)[]> = {};
    const columns: RawColumn[] = [];
    names.forEach((n, j) => {
      const values = texts[j]!;
      if (rawSet.has(n)) raw[n] = values.map((v) => (v === null ? null : String(v)));
      else if (numeric[j]) columns.push({ name: n, kind: "numeric", values: nums[j]! });
      else columns.push({ name: n, kind: "categorical", values: values.map((v) => (v === null ? null : String(v))) });
    });
    return { path, rows, names: all, table: { rows, columns }, raw };
  });
}
