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

async function columnNames(db: Db, src: string, path: string): Promise<string[]> {
  try {
    return (await db.describe(`SELECT * FROM ${src}`)).map((c) => c.name);
  } catch (e) {
    throw new InputDataError(msg.tableUnreadable(path, (e as Error).message.split("\n")[0] ?? ""));
  }
}

export async function readFlatTable(path: string, opts: FlatTableOptions = {}): Promise<FlatTable> {
  if (!fileExists(path)) throw new InputDataError(msg.tableNotFound(path));
  const csv = opts.csv ?? DEFAULT_DIALECT;
  const src = flatSourceSql(path, csv);
  return withDb(async (db) => {
    const skip = new Set(opts.skip ?? []);
    const all = await columnNames(db, src, path);
    const names = all.filter((n) => !skip.has(n));
    const rawSet = new Set(opts.raw ?? []);
    const features = names.filter((n) => !rawSet.has(n));
    // One pass to decide numeric vs categorical: count non-missing values that are not finite numbers.
    const kinds = new Map<string, "numeric" | "categorical">();
    const toInfer = features.filter((n) => !opts.kinds?.[n]);
    for (const n of features) if (opts.kinds?.[n]) kinds.set(n, opts.kinds[n]!);
    try {
      await db.run(`CREATE TEMP TABLE t AS SELECT ${names.map((n) => `${cleaned(n)} AS ${qid(n)}`).join(", ")} FROM ${src}`);
    } catch (e) {
      throw new InputDataError(msg.tableUnreadable(path, (e as Error).message.split("\n")[0] ?? ""));
    }
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
    const select = names.map((n) => (kinds.get(n) === "numeric" ? numericValueSql(qid(n), csv) : qid(n)));
    const result = await db.conn.run(`SELECT ${select.join(", ")} FROM t`);
    const cols: unknown[][] = names.map(() => []);
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      for (let j = 0; j < names.length; j++) {
        const vals = chunk.getColumnValues(j);
        const target = cols[j]!;
        for (const v of vals) target.push(v);
      }
    }
    const rows = cols[0]?.length ?? 0;
    if (rows === 0) throw new InputDataError(msg.tableEmpty(path));
    const raw: Record<string, (string | null)[]> = {};
    const columns: RawColumn[] = [];
    names.forEach((n, j) => {
      const values = cols[j]!;
      if (rawSet.has(n)) raw[n] = values.map((v) => (v === null ? null : String(v)));
      else if (kinds.get(n) === "numeric") columns.push({ name: n, kind: "numeric", values: Float64Array.from(values, (v) => (v === null ? Number.NaN : Number(v))) });
      else columns.push({ name: n, kind: "categorical", values: values.map((v) => (v === null ? null : String(v))) });
    });
    return { path, rows, names: all, table: { rows, columns }, raw };
  });
}
