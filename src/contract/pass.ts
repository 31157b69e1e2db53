/**
 * The passes over one input file (a table, or one partition of it), in DuckDB:
 *
 *   header   read the file's columns, map them to the contract (errors name the file, column and fix)
 *   check    one scan: parse every column and run every rule of both stages (value, then reference: the
 *            as-of date and a LEFT JOIN to the loaded subscribers); only the rejected rows are written
 *            CSV: the scan keeps the parsed rows in a temp table (one parse of the text, file order kept,
 *            so rowid + 1 is the data row); Parquet: the file is scanned in place (file_row_number + 1)
 *   dups     identical rows by a 64-bit hash of the source values (one hash aggregation over the valid
 *            rows); only when a hash repeats are those rows compared exactly, on their source text
 *   recheck  the reference stage alone, on rows whose value stage was kept from an earlier run
 *
 * Every function takes the connection and values and leaves its result in named DuckDB tables; the file
 * system is only read through DuckDB (read_csv, read_parquet).
 */
import type { Config } from "../config/schema.js";
import { ChurnError, InputDataError } from "../errors.js";
import { diagnoseCsv, readHeaderLine } from "../io/csv-diagnose.js";
import { type Db, duckDetail, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import type { TableFile } from "../io/tables.js";
import { msg } from "../messages.js";
import { type Rule, referenceColumns, tableRules } from "./rules.js";
import { failureOfText, firstFailure, firstFailureText, Params, rawExpr, rawName, type ResolvedColumn, renderRules, sourceRaw, srcName, typedSelect } from "./sql.js";
import type { TableDef } from "./tables.js";

/** The contract's reasons of the reference stage (the others are value reasons or set reasons). */
export const REFERENCE_REASONS = ["future_date", "unknown_subscriber", "before_activation", "after_deactivation"] as const;
export const SET_REASONS = ["duplicate_row", "duplicate_id"] as const;
const inList = (xs: readonly string[]) => xs.map(quoteLiteral).join(", ");
export const REFERENCE_SQL = inList(REFERENCE_REASONS);
export const SET_SQL = inList(SET_REASONS);

/**
 * A CSV file's dialect as DuckDB's sniffer found it (delimiter, quote, escape, line ending, comment, header names):
 * passed to every later read of the file, so it is sniffed once (each sniff reads a sample again: 50-150 ms a file).
 */
export interface CsvDialect {
  delim: string;
  quote: string;
  escape: string;
  newLine: string;
  comment: string;
  names: string[];
}

/** How a file was read: its columns mapped to the contract, the CSV delimiter used, and its sniffed dialect. */
export interface FileShape {
  cols: ResolvedColumn[];
  delimiter: string | null;
  /** Absent: every read sniffs the file again (a shape from the cache, or a dialect the sniffer reported oddly). */
  dialect?: CsvDialect | undefined;
}

/** Map a DuckDB read error to a typed InputDataError; for CSV, name the first bad line when it can be found. */
export function readError(e: unknown, file: TableFile, csv?: Config["data"]["csv"]): InputDataError {
  const text = (e as Error)?.message ?? String(e);
  if (file.format === "csv" && csv !== undefined && /invalid unicode|not utf-8 encoded|error when sniffing|CSV Error/i.test(text)) {
    const p = diagnoseCsv(file.path, { delimiter: csv.delimiter, utf8: csv.encoding === "utf-8" });
    if (p?.kind === "binary") return new InputDataError(msg.csvBinary(file.path, file.table, p.line, p.byte));
    if (p?.kind === "encoding") return new InputDataError(msg.csvBadEncodingAt(file.path, file.table, p.line, p.column, p.value));
    if (p?.kind === "line_ending") return new InputDataError(msg.csvLineEnding(file.path, file.table, p.line, p.found, p.expected));
    if (p?.kind === "field_count") return new InputDataError(msg.csvFieldCount(file.path, file.table, p.line, p.found, p.expected, p.text, p.last));
    if (p?.kind === "unterminated_quote") return new InputDataError(msg.csvUnterminatedQuote(file.path, file.table, p.line));
  }
  if (/invalid unicode|not utf-8 encoded/i.test(text)) return new InputDataError(msg.badEncoding(file.path, file.table));
  if (/error when sniffing/i.test(text)) return new InputDataError(msg.csvInconsistent(file.path, file.table));
  return new InputDataError(msg.unreadableFile(file.path, file.table, duckDetail(e)));
}

/** Run `fn`; a file problem found while scanning (Parquet or CSV content) is the user's, anything else a bug. */
export async function scanning<T>(file: TableFile, csv: Config["data"]["csv"], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    // a typed error (a spill folder that filled up: Db names it) is already the user's message
    if (e instanceof ChurnError) throw e;
    const text = (e as Error)?.message ?? "";
    if (/invalid unicode|CSV Error|parquet|IO Error/i.test(text)) throw readError(e, file, csv);
    throw e;
  }
}

/**
 * read_csv(...) of a file with the config's options, every column as text; with a sniffed dialect, the same read
 * without sniffing again (auto_detect off, the dialect and header names as the sniffer found them).
 */
export function readCsv(file: TableFile, csv: Config["data"]["csv"], delimiter: string | null | undefined, p: Params, dialect?: CsvDialect): string {
  const opts = [`${p.add(file.path)}`, "header = true", "skip = 0", "all_varchar = true", `encoding = ${p.add(csv.encoding)}`];
  if (dialect) {
    const cols = dialect.names.map((n) => `${quoteLiteral(n)}: 'VARCHAR'`).join(", ");
    opts.push(
      "auto_detect = false",
      `delim = ${p.add(dialect.delim)}`,
      `quote = ${p.add(dialect.quote)}`,
      `escape = ${p.add(dialect.escape)}`,
      `new_line = ${p.add(dialect.newLine)}`,
      `comment = ${p.add(dialect.comment)}`,
      `columns = {${cols}}`,
    );
  } else if (delimiter !== undefined && delimiter !== null) opts.push(`delim = ${p.add(delimiter)}`);
  return `read_csv(${opts.join(", ")})`;
}

/** sniff_csv's marker for an option without a character. */
const EMPTY = "(empty)";

/**
 * The file's dialect by DuckDB's own sniffer, with the options readCsv passes; undefined when its report is not
 * exactly the read it describes (its `Prompt`, rebuilt from the fields): then reads keep sniffing, as before.
 */
async function sniffDialect(db: Db, file: TableFile, csv: Config["data"]["csv"], delimiter: string | null): Promise<{ dialect: CsvDialect | undefined; header: { name: string; type: string }[] }> {
  const p = new Params();
  const args = ["header = true", "skip = 0", "all_varchar = true", `encoding = ${p.add(csv.encoding)}`];
  if (delimiter !== null) args.push(`delim = ${p.add(delimiter)}`);
  const r = await db.one(`SELECT * FROM sniff_csv(${p.add(file.path)}, ${args.join(", ")})`, p.values);
  const columns = (r?.["Columns"] ?? []) as { name: string; type: string }[];
  const header = columns.map((c) => ({ name: String(c.name), type: String(c.type) }));
  const text = (k: string) => {
    const v = String(r?.[k] ?? "");
    return v === EMPTY ? "" : v;
  };
  const dialect: CsvDialect = { delim: text("Delimiter"), quote: text("Quote"), escape: text("Escape"), newLine: text("NewLineDelimiter"), comment: text("Comment"), names: header.map((h) => h.name) };
  // as sniff_csv writes its Prompt: values between single quotes, as they are (a quote inside is not doubled)
  const lit = (v: string) => `'${v}'`;
  const cols = header.map((h) => `${lit(h.name)}: ${lit(h.type)}`).join(", ");
  const expected = `FROM read_csv(${lit(file.path)}, auto_detect=false, delim=${lit(dialect.delim)}, quote=${lit(dialect.quote)}, escape=${lit(dialect.escape)}, new_line=${lit(dialect.newLine)}, comment=${lit(dialect.comment)}, columns={${cols}}, ${String(r?.["UserArguments"] ?? "")});`;
  const exact = String(r?.["Prompt"] ?? "") === expected && header.every((h) => h.type === "VARCHAR") && dialect.delim.length > 0;
  return { dialect: exact ? dialect : undefined, header };
}

/** Read a file's header and map the contract's columns to it. */
export async function readShape(db: Db, def: TableDef, file: TableFile, config: Config): Promise<FileShape> {
  const csv = config.data.csv;
  if (file.bytes === 0) throw new InputDataError(msg.emptyFile(file.path, def.name));
  let delimiter = csv.delimiter ?? null;
  let header: { name: string; type: string }[];
  let dialect: CsvDialect | undefined;
  try {
    if (file.format === "csv") {
      ({ header, dialect } = await sniffDialect(db, file, csv, delimiter));
      // The sniffer falls back to one column when a line is malformed; the header shows the real delimiter,
      // and reading with it reports the bad line instead.
      const only = header.length === 1 ? (header[0]?.name ?? "") : "";
      const guess = delimiter === null ? [",", ";", "\t", "|"].find((d) => only.includes(d)) : undefined;
      if (guess !== undefined) {
        delimiter = guess;
        ({ header, dialect } = await sniffDialect(db, file, csv, delimiter));
      }
    } else {
      header = await db.describe("SELECT * FROM read_parquet($1)", [file.path]);
    }
  } catch (e) {
    throw readError(e, file, csv);
  }

  // DuckDB renames a repeated header name (x, x_1): refuse when a name we read is repeated in the file's
  // own header line, rather than pick one silently.
  if (file.format === "csv") checkDuplicateHeader(file, def, config, readHeaderLine(file.path, delimiter ?? undefined));
  const found = header.map((h) => h.name);
  const mapping = config.data.columns[def.name] as Record<string, string>;
  const needed = def.columns.filter((c) => c.required).length;
  if (file.format === "csv" && found.length === 1 && needed > 1) {
    throw new InputDataError(msg.oneColumnFound(file.path, found[0] ?? "", csv.delimiter));
  }
  const cols: ResolvedColumn[] = def.columns.map((c) => {
    const wanted = mapping[c.name];
    const match = (n: string) => header.find((h) => h.name === n) ?? header.find((h) => h.name.trim().toLowerCase() === n.toLowerCase());
    if (wanted !== undefined) {
      const h = match(wanted);
      if (!h) throw new InputDataError(msg.mappedColumnMissing(file.path, def.name, c.name, wanted, found));
      return { def: c, source: h.name, sourceType: h.type };
    }
    const h = match(c.name);
    if (!h) {
      if (c.required) throw new InputDataError(msg.missingColumn(file.path, def.name, c.name, found));
      return { def: c, source: null, sourceType: "VARCHAR" };
    }
    return { def: c, source: h.name, sourceType: h.type };
  });
  return { cols, delimiter: file.format === "csv" ? delimiter : null, ...(dialect ? { dialect } : {}) };
}

/** InputDataError when a column this table reads (canonical or mapped name) appears twice in the header. */
function checkDuplicateHeader(file: TableFile, def: TableDef, config: Config, names: string[]): void {
  const mapping = config.data.columns[def.name] as Record<string, string>;
  const wanted = new Set(def.columns.map((c) => (mapping[c.name] ?? c.name).trim().toLowerCase()));
  const seen = new Map<string, number[]>();
  names.forEach((n, i) => {
    const k = n.trim().toLowerCase();
    seen.set(k, [...(seen.get(k) ?? []), i + 1]);
  });
  for (const [k, positions] of seen) {
    if (positions.length > 1 && wanted.has(k)) {
      throw new InputDataError(msg.duplicateColumn(file.path, def.name, names[(positions[0] ?? 1) - 1]?.trim() ?? k, positions));
    }
  }
}

/** Everything the passes of one file need. `n` makes its temp table names unique within the connection. */
export interface FileCtx {
  db: Db;
  def: TableDef;
  file: TableFile;
  shape: FileShape;
  config: Config;
  /** YYYY-MM-DD */
  asOf: string;
  n: number;
  /**
   * Keep of a CSV's parsed rows only what the later checks read (subscriber id, the dates of the reference stage
   * and the event date, the hash, the value-stage failure): validation alone, whose rows nothing reads afterwards.
   * Storing the five usage measures of 5M rows in memory cost 0.9 s of a 3.0 s pass.
   */
  checksOnly?: boolean | undefined;
}

const present = (shape: FileShape) => new Set(shape.cols.filter((c) => c.source !== null).map((c) => c.def.name));
export const rulesOf = (c: Pick<FileCtx, "def" | "shape">): Rule[] => tableRules(c.def, present(c.shape));
/** `_raw_<c>` names of the file's present columns. */
const rawCols = (shape: FileShape) => shape.cols.filter((c) => c.source !== null).map((c) => rawName(c.def.name));
/** SELECT list of the trimmed source text of the present columns, as `_raw_<c>`, from typedSelect's output `t`. */
const rawSelect = (shape: FileShape) => shape.cols.filter((c) => c.source !== null).map((c) => `${rawExpr(c)} AS ${rawName(c.def.name)}`);
const canonCols = (def: TableDef) => def.columns.map((c) => quoteIdent(c.name));
/** Hash of the parsed values: identical rows share it (rows with equal values but different text are told apart exactly later). */
const typedHash = (def: TableDef, alias = "t") => `hash(${canonCols(def).map((x) => `${alias}.${x}`).join(", ")})`;

/** Names of a file's temp tables. */
export const tempNames = (n: number) => ({
  chk: quoteIdent(`_rows_${n}`),
  dups: quoteIdent(`_dups_${n}`),
  rej: quoteIdent(`_rej_${n}`),
});

/** The source rows of a file with `_row` (data row), `_raw_<c>` (trimmed source) and `<c>` (parsed). */
export function parsedSource(c: FileCtx, p: Params): string {
  const csv = c.config.data.csv;
  if (c.file.format === "csv") {
    // a streaming row number over the file in order; used only to re-read a few rows (exact duplicates)
    return `(SELECT row_number() OVER () AS _row, * FROM (SELECT ${typedSelect(c.shape.cols, null, csv, p)} FROM ${readCsv(c.file, csv, c.shape.delimiter, p, c.shape.dialect)}))`;
  }
  return `(SELECT ${typedSelect(c.shape.cols, "file_row_number + 1", csv, p)} FROM read_parquet(${p.add(c.file.path)}, file_row_number = true))`;
}

/** SQL rendering the parsed date `expr` back as text in the file's own format (source text that matches is not kept). */
function renderDate(c: FileCtx, col: string, expr: string, p: Params): string {
  const rc = c.shape.cols.find((x) => x.def.name === col);
  const fmt = c.config.data.csv.dateFormat;
  if (rc && /^VARCHAR/.test(rc.sourceType) && fmt !== "%Y-%m-%d") return `strftime(${expr}, ${p.add(fmt)})`;
  return `CAST(${expr} AS VARCHAR)`;
}

/**
 * The columns of the parsed rows kept for reuse, from typedSelect's output `t`: the canonical columns and,
 * for the dates a reference-stage reject reports, `_raw_<c>` only where the source text differs from the
 * parsed date rendered back (NULL almost always: nearly nothing to store).
 */
function keptColumns(c: FileCtx, p: Params): string[] {
  const refs = referenceColumns(c.def, present(c.shape));
  const devs = refs.map((col) => {
    const rc = c.shape.cols.find((x) => x.def.name === col)!;
    return `CASE WHEN t.${srcName(col)} IS DISTINCT FROM ${renderDate(c, col, `t.${quoteIdent(col)}`, p)} THEN ${rawExpr(rc)} END AS ${rawName(col)}`;
  });
  const checked = new Set(["subscriber_id", ...refs, ...(c.def.eventDate !== undefined ? [c.def.eventDate] : [])]);
  const cols = c.checksOnly ? c.def.columns.filter((x) => checked.has(x.name)).map((x) => quoteIdent(x.name)) : canonCols(c.def);
  return [...cols.map((x) => `t.${x}`), ...devs];
}

/** The source text of a kept row for the reference stage: `_raw_<c>` where kept, else the parsed date rendered back. */
function keptRaw(c: FileCtx, p: Params): (col: string) => string {
  return (col) => (col === "subscriber_id" ? "t.subscriber_id" : `coalesce(t.${rawName(col)}, ${renderDate(c, col, `t.${quoteIdent(col)}`, p)})`);
}

/** The loaded subscribers' id and dates, for the reference rules (created by the loader once subscribers are in). */
export const SUBSCRIBER_REF = "_subscriber_ref";
const subscriberJoin = (def: TableDef) => (def.referencesSubscribers ? `LEFT JOIN ${SUBSCRIBER_REF} s ON s.subscriber_id = t.subscriber_id` : "");

/** Insert the failures `f` (a struct) of rows `_row` as rejects of this file. */
const insertRejects = (c: FileCtx, select: string) =>
  `INSERT INTO rejects SELECT ${quoteLiteral(c.def.name)}, ${quoteLiteral(c.file.path)}, _row, f.column_name, f.value, f.reason, f.detail
   FROM (${select}) WHERE f IS NOT NULL`;

/** Rows of this file rejected so far, optionally only for some reasons (SQL list), as a relation `(row)`. */
export const rejectedRows = (c: Pick<FileCtx, "def" | "file">, reasons?: { in?: string; notIn?: string }) =>
  `(SELECT row FROM rejects WHERE table_name = ${quoteLiteral(c.def.name)} AND file = ${quoteLiteral(c.file.path)}${
    reasons?.in ? ` AND reason IN (${reasons.in})` : ""
  }${reasons?.notIn ? ` AND reason NOT IN (${reasons.notIn})` : ""})`;

export interface CheckResult {
  /** Data rows in the file. */
  rows: number;
  /** Latest date the reference stage compares with the as-of date (null when none): while the as-of date is on or after it, no row is a future date. */
  refMax: string | null;
  /** Range of the event date (partitions whose ranges overlap are compared for duplicate rows). */
  eventMin: string | null;
  eventMax: string | null;
}

const isoOrNull = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : null);

/** max over the dates checked against the as-of date, min/max of the event date, from relation `t`. */
function statsSelect(c: FileCtx): string {
  const p = present(c.shape);
  const refDates = tableRules(c.def, p).filter((r) => r.test.kind === "future").map((r) => `t.${quoteIdent(r.column)}`);
  const ev = c.def.eventDate !== undefined && p.has(c.def.eventDate) ? `t.${quoteIdent(c.def.eventDate)}` : null;
  const refMax = refDates.length === 0 ? "NULL" : refDates.length === 1 ? `max(${refDates[0]})` : `max(greatest(${refDates.join(", ")}))`;
  return `${refMax} AS refmax, ${ev ? `min(${ev})` : "NULL"} AS emin, ${ev ? `max(${ev})` : "NULL"} AS emax`;
}

/**
 * The check pass of a new file: every rule of both stages, rejects inserted into `rejects`, then the map of
 * exact duplicate rows `_dups_<n>(row, first)` among the value-valid rows (a later row identical to an earlier
 * one). CSV: the parsed rows stay in temp table `_chk_<n>` (canonical columns, `_raw_<c>` of reported dates,
 * `_h` the hash of the source values, `_f1` the value-stage failure as firstFailureText; rowid + 1 is the data row).
 */
export async function checkFile(c: FileCtx, log: (what: string) => void): Promise<CheckResult> {
  const { db, def, file } = c;
  const csv = c.config.data.csv;
  const t = tempNames(c.n);
  const rules = rulesOf(c);
  const hash = typedHash(def);
  const raw = sourceRaw(c.shape.cols);
  let rows: number;
  let stats: Record<string, unknown> | undefined;

  if (file.format === "csv") {
    log("reading and checking values (pass 1 of 2)");
    const p = new Params();
    const f1 = firstFailureText(renderRules(rules.filter((r) => r.stage === "value"), { asOf: "NULL", raw }));
    await db.run(`DROP TABLE IF EXISTS ${t.chk}`);
    await scanning(file, csv, () =>
      db.run(
        `CREATE TEMP TABLE ${t.chk} AS
         SELECT ${keptColumns(c, p).join(", ")}, ${hash} AS _h, ${f1} AS _f1
         FROM (SELECT ${typedSelect(c.shape.cols, null, csv, p)} FROM ${readCsv(file, csv, c.shape.delimiter, p, c.shape.dialect)}) t`,
        p.values,
      ),
    );
    rows = Number((await db.one(`SELECT count(*) AS n FROM ${t.chk}`))?.["n"] ?? 0);
    const p2 = new Params();
    const f2 = firstFailure(renderRules(rules.filter((r) => r.stage === "reference"), { asOf: `CAST(${p2.add(c.asOf)} AS DATE)`, raw: keptRaw(c, p2) }));
    await db.run(insertRejects(c, `SELECT t._row, coalesce(${failureOfText("t._f1")}, ${f2}) AS f FROM (SELECT rowid + 1 AS _row, * FROM ${t.chk}) t ${subscriberJoin(def)}`), p2.values);
    stats = await db.one(`SELECT ${statsSelect(c)} FROM ${t.chk} t WHERE _f1 IS NULL`);
    log("looking for duplicate rows (pass 2 of 2)");
    await db.run(`CREATE OR REPLACE TEMP TABLE _duph AS ${repeatedHashes(`SELECT _h AS h FROM ${t.chk} WHERE _f1 IS NULL`)}`);
  } else {
    rows = await parquetRows(c);
    log("checking values (pass 1 of 2)");
    const p = new Params();
    const from = parsedSource(c, p);
    await scanning(file, csv, () => db.run(insertRejects(c, `SELECT t._row, ${firstFailure(renderRules(rules, { asOf: `CAST(${p.add(c.asOf)} AS DATE)`, raw }))} AS f FROM ${from} t ${subscriberJoin(def)}`), p.values));
    log("looking for duplicate rows (pass 2 of 2)");
    // the dates of every row (a wider range only makes later runs compare more partitions): one narrow scan
    const p3 = new Params();
    stats = await scanning(file, csv, () => db.one(`SELECT ${statsSelect(c)} FROM ${parsedSource(c, p3)} t`, p3.values));
    await parquetRepeatedHashes(c);
  }
  await dupMap(c);
  return { rows, refMax: isoOrNull(stats?.["refmax"]), eventMin: isoOrNull(stats?.["emin"]), eventMax: isoOrNull(stats?.["emax"]) };
}

/** Data rows of a Parquet file (from its metadata). */
const parquetRows = async (c: FileCtx) =>
  Number((await scanning(c.file, c.config.data.csv, () => c.db.one("SELECT count(*) AS n FROM read_parquet($1)", [c.file.path])))?.["n"] ?? 0);

/** `_duph`: the repeated hashes of a Parquet file, for dupMap. */
async function parquetRepeatedHashes(c: FileCtx): Promise<void> {
  // identical rows pass or fail the rules alike: hashes are grouped over all rows, nothing to filter
  const p = new Params();
  await scanning(c.file, c.config.data.csv, () => c.db.run(`CREATE OR REPLACE TEMP TABLE _duph AS ${repeatedHashes(`SELECT ${typedHash(c.def)} AS h FROM ${parsedSource(c, p)} t`)}`, p.values));
}

/** The parsed rows of several Parquet files of one shape, with `_file` (the path) and `_row`. */
const parquetFilesSource = (cs: FileCtx[], p: Params) =>
  `(SELECT _churn_file AS _file, ${typedSelect(cs[0]!.shape.cols, "file_row_number + 1", cs[0]!.config.data.csv, p)}
    FROM read_parquet([${cs.map((c) => quoteLiteral(c.file.path)).join(", ")}], filename = '_churn_file', file_row_number = true))`;

/** Files whose shapes are equal (same source columns, same types) can be read as one relation. */
export const shapeKey = (shape: FileShape) => JSON.stringify(shape.cols.map((x) => [x.def.name, x.source, x.sourceType]));

/**
 * The check pass of several new Parquet files of one table with the same shape (daily partitions), in one
 * scan: the reference join to the subscribers is built once instead of once per file (90 daily usage files of
 * a 1M-subscriber world: 3.7 s against 24 s). Rejects, stats and duplicate maps are per file, the same as
 * `checkFile` gives each of them. A read error sends each file through `checkFile`, which names the file.
 */
export async function checkParquetFiles(cs: FileCtx[], log: (what: string) => void): Promise<CheckResult[]> {
  const c0 = cs[0];
  if (c0 === undefined) return [];
  if (cs.length === 1) return [await checkFile(c0, log)];
  const { db, def } = c0;
  const rows: number[] = [];
  for (const c of cs) rows.push(await parquetRows(c));
  log(`checking values of ${cs.length} files in one scan (pass 1 of 2)`);
  const p = new Params();
  const f = firstFailure(renderRules(rulesOf(c0), { asOf: `CAST(${p.add(c0.asOf)} AS DATE)`, raw: sourceRaw(c0.shape.cols) }));
  let stats: Record<string, unknown>[];
  try {
    await db.run(
      `INSERT INTO rejects SELECT ${quoteLiteral(def.name)}, _file, _row, f.column_name, f.value, f.reason, f.detail
       FROM (SELECT t._file, t._row, ${f} AS f FROM ${parquetFilesSource(cs, p)} t ${subscriberJoin(def)}) WHERE f IS NOT NULL`,
      p.values,
    );
    const p3 = new Params();
    stats = await db.all(`SELECT t._file, ${statsSelect(c0)} FROM ${parquetFilesSource(cs, p3)} t GROUP BY t._file`, p3.values);
  } catch (e) {
    if (e instanceof ChurnError) throw e;
    // one statement: nothing was inserted; file by file, the unreadable one is named
    await db.run(`DELETE FROM rejects WHERE table_name = ${quoteLiteral(def.name)} AND file IN (${cs.map((c) => quoteLiteral(c.file.path)).join(", ")})`);
    const out: CheckResult[] = [];
    for (const c of cs) out.push(await checkFile(c, log));
    return out;
  }
  const byFile = new Map(stats.map((r) => [String(r["_file"]), r]));
  log(`looking for duplicate rows in ${cs.length} files (pass 2 of 2)`);
  const out: CheckResult[] = [];
  for (const [i, c] of cs.entries()) {
    await parquetRepeatedHashes(c);
    await dupMap(c);
    const st = byFile.get(c.file.path);
    out.push({ rows: rows[i] ?? 0, refMax: isoOrNull(st?.["refmax"]), eventMin: isoOrNull(st?.["emin"]), eventMax: isoOrNull(st?.["emax"]) });
  }
  return out;
}

/**
 * The hashes `h` that occur more than once in `rows` (a query with a column `h`), each once. By sorting and
 * comparing neighbours: on millions of distinct hashes, DuckDB's sort costs about a third of the CPU of a
 * hash aggregation (GROUP BY h HAVING count(*) > 1) and holds the hashes alone, not a hash table of them.
 */
export function repeatedHashes(rows: string): string {
  return `SELECT DISTINCT h FROM (SELECT h, lag(h) OVER (ORDER BY h) AS _prev FROM (${rows})) WHERE _prev = h`;
}

/**
 * `_dups_<n>(row, first)`: value-valid rows whose source values equal an earlier row's, from the repeated
 * hashes in `_duph`. Only those rows are read again (their source text) and compared exactly.
 */
async function dupMap(c: FileCtx): Promise<void> {
  const { db } = c;
  const t = tempNames(c.n);
  await db.run(`DROP TABLE IF EXISTS ${t.dups}`);
  const candidates = Number((await db.one("SELECT count(*) AS n FROM _duph"))?.["n"] ?? 0);
  if (candidates === 0) {
    await db.run(`CREATE TEMP TABLE ${t.dups} (row BIGINT, first BIGINT)`);
    return;
  }
  const raws = rawCols(c.shape);
  const hash = typedHash(c.def);
  const p = new Params();
  const valueRejected = rejectedRows(c, { notIn: REFERENCE_SQL });
  const pick =
    c.file.format === "csv"
      ? `SEMI JOIN (SELECT rowid + 1 AS _row FROM ${t.chk} WHERE _f1 IS NULL AND _h IN (SELECT h FROM _duph)) k ON k._row = t._row`
      : `SEMI JOIN _duph d ON d.h = ${hash} ANTI JOIN ${valueRejected} b ON b.row = t._row`;
  await scanning(c.file, c.config.data.csv, () =>
    db.run(`CREATE OR REPLACE TEMP TABLE _dupraw AS SELECT t._row, ${rawSelect(c.shape).join(", ")} FROM ${parsedSource(c, p)} t ${pick}`, p.values),
  );
  const on = raws.map((x) => `d.${x} IS NOT DISTINCT FROM g.${x}`).join(" AND ");
  await db.run(
    `CREATE TEMP TABLE ${t.dups} AS
     SELECT g._row AS row, d.first FROM _dupraw g
     JOIN (SELECT ${raws.join(", ")}, min(_row) AS first FROM _dupraw GROUP BY ALL HAVING count(*) > 1) d ON ${on}
     WHERE g._row > d.first`,
  );
  await db.run("DROP TABLE IF EXISTS _dupraw");
}

/** The value-valid parsed rows of a file, as relation `t` with `_row`, for the reference stage and the final table. */
export type KeptRows =
  /** CSV just checked: temp table _chk_<n> */
  | { kind: "memory" }
  /** CSV just checked with `checksOnly`: temp table _chk_<n> without the columns no check reads (the good rows are the file parsed again) */
  | { kind: "checks" }
  /** CSV checked earlier: rows.parquet of its cache entry (value-valid rows only) */
  | { kind: "parquet"; path: string }
  /** Parquet: the file itself, parsed again on each read */
  | { kind: "source" };

/** SQL relation of the kept rows with `_row`, the canonical columns (and `_raw_<c>` of reported dates). */
export function keptRelation(c: FileCtx, kept: KeptRows, p: Params): string {
  if (kept.kind === "memory" || kept.kind === "checks") return `(SELECT rowid + 1 AS _row, * FROM ${tempNames(c.n).chk} WHERE _f1 IS NULL)`;
  if (kept.kind === "parquet") return `read_parquet(${p.add(kept.path)})`;
  return `(SELECT t.* FROM ${parsedSource(c, p)} t ANTI JOIN ${rejectedRows(c, { notIn: REFERENCE_SQL })} b ON b.row = t._row)`;
}

/** The reference stage alone, on kept rows (their value stage came from an earlier run). */
export async function recheckFile(c: FileCtx, kept: KeptRows): Promise<void> {
  const p = new Params();
  const rules = rulesOf(c).filter((r) => r.stage === "reference");
  if (rules.length === 0) return;
  const raw = kept.kind === "source" ? sourceRaw(c.shape.cols) : keptRaw(c, p);
  const f2 = firstFailure(renderRules(rules, { asOf: `CAST(${p.add(c.asOf)} AS DATE)`, raw }));
  const from = keptRelation(c, kept, p);
  await scanning(c.file, c.config.data.csv, () => c.db.run(insertRejects(c, `SELECT t._row, ${f2} AS f FROM ${from} t ${subscriberJoin(c.def)}`), p.values));
}

/**
 * The reference stage alone for several Parquet files of one shape whose value stage came from an earlier run,
 * in one scan (as checkParquetFiles; a read error sends each file through recheckFile, which names it).
 */
export async function recheckParquetFiles(cs: FileCtx[]): Promise<void> {
  const c0 = cs[0];
  if (c0 === undefined) return;
  if (cs.length === 1) return recheckFile(c0, { kind: "source" });
  const rules = rulesOf(c0).filter((r) => r.stage === "reference");
  if (rules.length === 0) return;
  const { db, def } = c0;
  const p = new Params();
  const f = firstFailure(renderRules(rules, { asOf: `CAST(${p.add(c0.asOf)} AS DATE)`, raw: sourceRaw(c0.shape.cols) }));
  const files = cs.map((c) => quoteLiteral(c.file.path)).join(", ");
  const valueRejected = `(SELECT file, row FROM rejects WHERE table_name = ${quoteLiteral(def.name)} AND file IN (${files}) AND reason NOT IN (${REFERENCE_SQL}))`;
  try {
    await db.run(
      `INSERT INTO rejects SELECT ${quoteLiteral(def.name)}, _file, _row, f.column_name, f.value, f.reason, f.detail
       FROM (SELECT t._file, t._row, ${f} AS f FROM ${parquetFilesSource(cs, p)} t ANTI JOIN ${valueRejected} b ON b.file = t._file AND b.row = t._row
             ${subscriberJoin(def)}) WHERE f IS NOT NULL`,
      p.values,
    );
  } catch (e) {
    if (e instanceof ChurnError) throw e;
    for (const c of cs) await recheckFile(c, { kind: "source" });
  }
}

/** Write the kept rows of a just-checked CSV (value-valid, in file order) with their hash, for reuse. */
export async function copyKeptRows(c: FileCtx, path: string): Promise<void> {
  await c.db.run(`COPY (SELECT rowid + 1 AS _row, * EXCLUDE (_f1) FROM ${tempNames(c.n).chk} WHERE _f1 IS NULL) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd)`);
}

/** Drop a file's temp tables (its parsed rows too, unless the canonical table is a view over them). */
export async function dropTemps(c: Pick<FileCtx, "db" | "n">, keepRows: boolean): Promise<void> {
  const t = tempNames(c.n);
  for (const x of keepRows ? [t.dups, t.rej] : [t.chk, t.dups, t.rej]) await c.db.run(`DROP TABLE IF EXISTS ${x}`);
  await c.db.run("DROP TABLE IF EXISTS _duph");
}

/** The canonical columns of the file's good rows (kept rows minus every reject of the file). */
export function goodRows(c: FileCtx, kept: KeptRows, p: Params, clean = false): string {
  const cols = canonCols(c.def).map((x) => `t.${x}`).join(", ");
  // a file without rejected rows needs no ANTI JOIN: against an empty reject list it made DuckDB read the file
  // on one thread (a full read of 85M usage rows: 4.7 s wall on 1 core, 2.3 s on 2 without it)
  // rows with every canonical column: the file parsed again where only the checked columns were kept (and, without
  // rejects to drop, where nothing was kept), else the kept rows
  const from = kept.kind === "checks" || (clean && kept.kind === "source") ? parsedSource(c, p) : keptRelation(c, kept, p);
  if (clean) return `SELECT ${cols} FROM ${from} t`;
  return `SELECT ${cols} FROM ${from} t ANTI JOIN ${rejectedRows(c)} b ON b.row = t._row`;
}

/**
 * The canonical columns of several Parquet files of one shape (shapeKey) that have no rejected row: one read_parquet
 * over the list instead of a UNION ALL of one scan per file (row order not promised across the files). Daily usage
 * partitions (91 files, 85M rows): copying the union took 32 s, the one scan 20 s.
 */
export function cleanParquetRows(cs: FileCtx[], p: Params): string {
  const c0 = cs[0]!;
  const cols = canonCols(c0.def).map((x) => `t.${x}`).join(", ");
  return `SELECT ${cols} FROM (SELECT ${typedSelect(c0.shape.cols, null, c0.config.data.csv, p)} FROM read_parquet([${cs.map((c) => p.add(c.file.path)).join(", ")}])) t`;
}

/** Hash of the source values of good rows (for duplicates across partitions): `_row`, `_h`. */
export function goodHashes(c: FileCtx, kept: KeptRows, p: Params): string {
  if (kept.kind === "source") {
    return `SELECT t._row, ${typedHash(c.def)} AS _h FROM ${parsedSource(c, p)} t ANTI JOIN ${rejectedRows(c)} b ON b.row = t._row`;
  }
  return `SELECT t._row, t._h FROM ${keptRelation(c, kept, p)} t ANTI JOIN ${rejectedRows(c)} b ON b.row = t._row`;
}

/** Source text of some rows of the file (relation `pick` with `_row`), for exact comparisons. */
export function rawRowsOf(c: FileCtx, pick: string, p: Params): string {
  return `SELECT t._row, ${rawSelect(c.shape).join(", ")} FROM ${parsedSource(c, p)} t SEMI JOIN ${pick} k ON k._row = t._row`;
}

export { canonCols, rawCols };
