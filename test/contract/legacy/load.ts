/**
 * The loader as it was before issue 18 (main at 737c114), kept verbatim as the reference the new one is
 * compared with: same rejects (bytes), counts and loaded rows on worlds with bad rows of every kind
 * (test/contract/equivalence.test.ts). Not used by the product; only imports changed.
 */
/**
 * Loading and validating the input tables through DuckDB, as a few set-based SQL passes per table:
 *
 *   find file ─► read header ─► map columns ─► (CSV: read all as text into a temp table, file order kept)
 *     ─► pass 1: parse every column and run the row checks (+ join to subscribers)  → rejects
 *     ─► pass 2: exact duplicate rows among the rest (subscribers: then duplicate ids) → rejects
 *     ─► pass 3: the remaining rows, typed, into the canonical table
 *
 * Every input row ends up either in its canonical table or in `rejects` (one line per rejected row: the
 * first problem found, in the order of the checks); loaded + rejected = rows is asserted.
 *
 * `row` in rejects is the 1-based data row of the file: the header is not counted, so for a CSV without
 * line breaks inside quoted fields it is the line number minus one; for Parquet it is the file's row
 * number plus one.
 *
 * Duplicates: of identical rows (same values after parsing), the first in file order is kept and the
 * others rejected as `duplicate_row` ("same as row N"). For subscribers, of several valid rows with the
 * same subscriber_id, the first is kept and the others rejected as `duplicate_id` ("first row N kept").
 */
import type { Config } from "../../../src/config/schema.js";
import { ConfigError, InputDataError } from "../../../src/errors.js";
import { type Db, quoteIdent, quoteLiteral } from "../../../src/io/duckdb.js";
import { diagnoseCsv, readHeaderLine } from "../../../src/io/csv-diagnose.js";
import { produceAtomic, sha256File } from "../../../src/io/files.js";
import { findTableFiles, type TableFile, type TableFormat } from "./tables.js";
import { type Logger, silentLogger } from "../../../src/log.js";
import { msg } from "../../../src/messages.js";
import { fileIdent, firstFailure, Params, type ResolvedColumn, rawName, rowChecks, typedSelect } from "./sql.js";
import { TABLE_NAMES, TABLES, type TableDef, type TableName } from "../../../src/contract/tables.js";

export interface TableLoad {
  table: TableName;
  present: boolean;
  file: string | null;
  format: TableFormat | null;
  /** Data rows in the file (header not counted). */
  rows: number;
  loaded: number;
  rejected: number;
  /** Range of the table's event date (subscribers: activation_date to the latest activation/deactivation). */
  minDate: Date | null;
  maxDate: Date | null;
  sha256: string | null;
  /** How the canonical relation is kept: a table in memory, or (large Parquet files) a view over the file. */
  storage: "table" | "view" | null;
  /** canonical column -> the file's column (null when an optional column is absent). */
  columns: Record<string, string | null>;
}

export interface RejectExample {
  row: number;
  column: string | null;
  value: string | null;
  detail: string | null;
}

export interface RejectGroup {
  table: TableName;
  reason: string;
  count: number;
  /** The first few rejected rows for this reason, in file order. */
  examples: RejectExample[];
}

export interface LoadResult {
  asOf: Date;
  tables: Record<TableName, TableLoad>;
  rejectsByReason: RejectGroup[];
}

export interface LoadOptions {
  /** Directory holding subscribers.csv|parquet, usage..., default config.data.dir. */
  dir?: string | undefined;
  /** Explicit file per table; wins over config.data.tables and the directory. */
  tables?: Record<string, string> | undefined;
  config: Config;
  log?: Logger | undefined;
  /** Dates after this day are future; default config.validation.asOf, else today (UTC). */
  asOf?: Date | undefined;
  /** Parquet files with more rows stay a VIEW over the file instead of a table in memory (default 10M). */
  materializeMaxRows?: number | undefined;
  /** Examples kept per reason in `rejectsByReason` (default 3). */
  examples?: number | undefined;
}

/**
 * Load every present input table into `db`, validated.
 *
 * Leaves in the connection:
 * - one table per present input, named exactly as the canonical table (`subscribers`, `usage`, `billing`,
 *   `complaints`, `products`, `surveys`, `campaigns`), with the canonical column names and types
 *   (DATE, DOUBLE, BIGINT, BOOLEAN, VARCHAR; `subscriber_id` VARCHAR; enums lower-case), holding only valid
 *   rows. Absent optional tables are not created (`present: false`); absent optional columns are NULL.
 *   A Parquet file of more than `materializeMaxRows` rows (default 10M) is left as a VIEW of the same name
 *   over the file, minus the rejected rows (`storage: "view"`): 180M usage rows would take ~16 GB as a
 *   table; as a view they cost nothing until queried. Do not drop `rejects` while such a view is in use.
 * - `rejects(table_name, file, row, column_name, value, reason, detail)`: one line per rejected row.
 *
 * Throws InputDataError (exit 3) for a missing required file or column, an unreadable or empty file;
 * ConfigError (exit 2) for a mapping key or table name outside the contract. The reject-share gate is
 * separate (`checkRejectShare`), so callers decide.
 *
 * @example
 *   const result = await withDb((db) => loadData(db, { dir: "data/sample", config }));
 *   // db now has subscribers, usage, ... and rejects; result.tables.usage.loaded === rows in `usage`
 */
export async function loadData(db: Db, opts: LoadOptions): Promise<LoadResult> {
  const config = opts.config;
  const log = opts.log ?? silentLogger;
  const asOf = opts.asOf ?? parseAsOf(config.validation.asOf) ?? todayUtc();
  const files = findTableFiles({
    dir: opts.dir ?? config.data.dir,
    tables: { ...config.data.tables, ...(opts.tables ?? {}) },
  });
  for (const [table, mapping] of Object.entries(config.data.columns)) {
    if (!(table in TABLES)) continue; // the flat-table mapping (data.columns.table) is not a raw table
    const names = TABLES[table as TableName].columns.map((c) => c.name);
    for (const key of Object.keys(mapping)) {
      if (!names.includes(key)) throw new ConfigError(msg.unknownMappingKey(table, key, names));
    }
  }

  await db.run("DROP TABLE IF EXISTS rejects");
  await db.run(
    "CREATE TABLE rejects (table_name VARCHAR, file VARCHAR, row BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)",
  );
  const tables = {} as Record<TableName, TableLoad>;
  // subscribers first: event tables are checked against the loaded subscribers.
  for (const name of TABLE_NAMES) {
    const file = files[name];
    await db.run(`DROP TABLE IF EXISTS ${quoteIdent(name)}`);
    if (file === undefined) {
      tables[name] = absent(name);
      continue;
    }
    const started = Date.now();
    tables[name] = await loadTable(db, TABLES[name], file, config, asOf, log, opts.materializeMaxRows ?? 10_000_000);
    const t = tables[name];
    log.info(`${name}: ${t.rows} rows, ${t.loaded} loaded, ${t.rejected} rejected (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
  return { asOf, tables, rejectsByReason: await rejectsByReason(db, opts.examples ?? 3) };
}

function absent(table: TableName): TableLoad {
  return { table, present: false, file: null, format: null, rows: 0, loaded: 0, rejected: 0, minDate: null, maxDate: null, sha256: null, storage: null, columns: {} };
}

/** A Date at UTC midnight from YYYY-MM-DD, undefined for no value; ConfigError when malformed. */
export function parseAsOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== value) throw new ConfigError(msg.badAsOf(value));
  return d;
}

function todayUtc(): Date {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** The first line of a DuckDB error, without its "Invalid Input Error:"-style prefix noise kept short. */
function duckDetail(e: unknown): string {
  const text = (e as Error)?.message ?? String(e);
  return text.split("\n").slice(0, 3).join(" ").slice(0, 400);
}

/** Map a DuckDB read error to a typed InputDataError; for CSV, name the first bad line when it can be found. */
function readError(e: unknown, file: TableFile, csv?: Config["data"]["csv"]): InputDataError {
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

async function loadTable(
  db: Db,
  def: TableDef,
  file: TableFile,
  config: Config,
  asOf: Date,
  log: Logger,
  materializeMaxRows: number,
): Promise<TableLoad> {
  const csv = config.data.csv;
  if (file.bytes === 0) throw new InputDataError(msg.emptyFile(file.path, def.name));
  const name = def.name;
  const target = quoteIdent(name);
  const raw = quoteIdent(`_raw_${name}`);
  const dupHash = quoteIdent(`_duphash_${name}`);
  const dupRows = quoteIdent(`_duprows_${name}`);
  let view = false;

  // 1. The file's columns and their types.
  let delimiter = csv.delimiter;
  const readCsv = (p: Params) => {
    const opts = [`${p.add(file.path)}`, "header = true", "skip = 0", "all_varchar = true", `encoding = ${p.add(csv.encoding)}`];
    if (delimiter !== undefined) opts.push(`delim = ${p.add(delimiter)}`);
    return `read_csv(${opts.join(", ")})`;
  };
  let header: { name: string; type: string }[];
  try {
    if (file.format === "csv") {
      const p = new Params();
      header = await db.describe(`SELECT * FROM ${readCsv(p)}`, p.values);
      // The sniffer falls back to one column when a line is malformed; the header shows the real delimiter,
      // and reading with it reports the bad line instead.
      const only = header.length === 1 ? (header[0]?.name ?? "") : "";
      const guess = delimiter === undefined ? [",", ";", "\t", "|"].find((d) => only.includes(d)) : undefined;
      if (guess !== undefined) {
        delimiter = guess;
        const p2 = new Params();
        header = await db.describe(`SELECT * FROM ${readCsv(p2)}`, p2.values);
      }
    } else {
      header = await db.describe("SELECT * FROM read_parquet($1)", [file.path]);
    }
  } catch (e) {
    throw readError(e, file, csv);
  }

  // 2. Map canonical columns to the file's columns. DuckDB renames a repeated header name (x, x_1): refuse
  //    when a name we read is repeated in the file's own header line, rather than pick one silently.
  if (file.format === "csv") checkDuplicateHeader(file, def, config, readHeaderLine(file.path, delimiter));
  const found = header.map((h) => h.name);
  const mapping = config.data.columns[name] as Record<string, string>;
  const needed = def.columns.filter((c) => c.required).length;
  if (file.format === "csv" && found.length === 1 && needed > 1) {
    throw new InputDataError(msg.oneColumnFound(file.path, found[0] ?? "", csv.delimiter));
  }
  const cols: ResolvedColumn[] = def.columns.map((c) => {
    const wanted = mapping[c.name];
    const match = (n: string) => header.find((h) => h.name === n) ?? header.find((h) => h.name.trim().toLowerCase() === n.toLowerCase());
    if (wanted !== undefined) {
      const h = match(wanted);
      if (!h) throw new InputDataError(msg.mappedColumnMissing(file.path, name, c.name, wanted, found));
      return { def: c, source: h.name, sourceType: h.type };
    }
    const h = match(c.name);
    if (!h) {
      if (c.required) throw new InputDataError(msg.missingColumn(file.path, name, c.name, found));
      return { def: c, source: null, sourceType: "VARCHAR" };
    }
    return { def: c, source: h.name, sourceType: h.type };
  });

  // 3. The source relation. CSV: read once as text into a temp table (file order kept, so rowid + 1 is the
  //    data row). Parquet: scanned in place on each pass; file_row_number + 1 is the data row.
  const rowExpr = file.format === "csv" ? "rowid + 1" : "file_row_number + 1";
  const source = (p: Params) => (file.format === "csv" ? raw : `read_parquet(${p.add(file.path)}, file_row_number = true)`);
  if (file.format === "csv") {
    try {
      const p = new Params();
      const used = [...new Set(cols.filter((c) => c.source !== null).map((c) => fileIdent(c.source as string)))];
      await db.run(`DROP TABLE IF EXISTS ${raw}`);
      await db.run(`CREATE TEMP TABLE ${raw} AS SELECT ${used.join(", ")} FROM ${readCsv(p)}`, p.values);
    } catch (e) {
      throw readError(e, file, csv);
    }
  }
  const rowsSql = (p: Params) => `SELECT count(*) AS n FROM ${source(p)}`;
  const pc = new Params();
  const rows = Number((await db.one(rowsSql(pc), pc.values))?.["n"] ?? 0);
  if (rows === 0) {
    if (def.required) throw new InputDataError(msg.noDataRows(file.path, name));
    log.warn(msg.noDataRowsWarning(file.path, name));
  }

  // The typed relation `t` (a subquery); each use binds its own parameters.
  const typed = (p: Params) => {
    const from = source(p);
    return `(SELECT ${typedSelect(cols, rowExpr, csv, p)} FROM ${from})`;
  };
  const canon = def.columns.map((c) => quoteIdent(c.name));
  const rawCols = cols.filter((c) => c.source !== null).map((c) => rawName(c.def.name));
  const tName = quoteLiteral(name);
  const fName = quoteLiteral(file.path);

  try {
    // Large tables take a while per pass: say which one runs (stderr).
    const step = (what: string) => {
      if (rows >= 1_000_000) log.info(`${name}: ${rows} rows: ${what}`);
    };
    // Pass 1: row checks (+ the subscriber's active period for event tables).
    step("checking values (pass 1 of 3)");
    {
      const p = new Params();
      const from = typed(p);
      const asOfParam = `CAST(${p.add(iso(asOf))} AS DATE)`;
      const checks = rowChecks(def, cols, asOfParam);
      const join = def.referencesSubscribers
        ? "LEFT JOIN subscribers s ON s.subscriber_id = t.subscriber_id"
        : "";
      await db.run(
        `INSERT INTO rejects
         SELECT ${tName}, ${fName}, _row, f.column_name, f.value, f.reason, f.detail
         FROM (SELECT t._row, ${firstFailure(checks)} AS f FROM ${from} t ${join})
         WHERE f IS NOT NULL`,
        p.values,
      );
    }
    const good = (p: Params) =>
      `(SELECT t.* FROM ${typed(p)} t ANTI JOIN (SELECT row FROM rejects WHERE table_name = ${tName}) b ON b.row = t._row)`;

    // Pass 2: exact duplicates (identical source values), the first in file order kept. Identical rows pass
    // or fail the row checks alike, so duplicates are grouped over all rows by a 64-bit hash of the source
    // values (one cheap key, nothing parsed); only rows whose hash repeats are then compared exactly.
    step("looking for duplicates (pass 2 of 3)");
    {
      const p = new Params();
      const hash = `hash(${rawCols.map((c) => `t.${c}`).join(", ")})`;
      await db.run(`DROP TABLE IF EXISTS ${dupHash}`);
      await db.run(
        `CREATE TEMP TABLE ${dupHash} AS SELECT h FROM (SELECT ${hash} AS h FROM ${typed(p)} t) GROUP BY h HAVING count(*) > 1`,
        p.values,
      );
    }
    if (Number((await db.one(`SELECT count(*) AS n FROM ${dupHash}`))?.["n"] ?? 0) > 0) {
      const p = new Params();
      const hash = `hash(${rawCols.map((c) => `t.${c}`).join(", ")})`;
      await db.run(`DROP TABLE IF EXISTS ${dupRows}`);
      await db.run(`CREATE TEMP TABLE ${dupRows} AS SELECT t.* FROM ${good(p)} t SEMI JOIN ${dupHash} d ON d.h = ${hash}`, p.values);
      const on = rawCols.map((c) => `d.${c} IS NOT DISTINCT FROM g.${c}`).join(" AND ");
      await db.run(
        `INSERT INTO rejects
         SELECT ${tName}, ${fName}, g._row, NULL, NULL, 'duplicate_row', 'same as row ' || CAST(d.first AS VARCHAR)
         FROM ${dupRows} g
         JOIN (SELECT ${rawCols.join(", ")}, min(_row) AS first FROM ${dupRows} GROUP BY ALL HAVING count(*) > 1) d ON ${on}
         WHERE g._row > d.first`,
      );
    }
    await db.run(`DROP TABLE IF EXISTS ${dupHash}`);
    await db.run(`DROP TABLE IF EXISTS ${dupRows}`);
    if (name === "subscribers") {
      const p = new Params();
      const g1 = good(p);
      const g2 = good(p);
      await db.run(
        `INSERT INTO rejects
         SELECT ${tName}, ${fName}, g._row, 'subscriber_id', g.subscriber_id, 'duplicate_id', 'first row ' || CAST(d.first AS VARCHAR) || ' kept'
         FROM ${g1} g
         JOIN (SELECT subscriber_id, min(_row) AS first FROM ${g2} GROUP BY subscriber_id HAVING count(*) > 1) d
           ON d.subscriber_id = g.subscriber_id
         WHERE g._row > d.first`,
        p.values,
      );
    }

    // Pass 3: the valid rows, typed, under the canonical name. A large Parquet file stays where it is, as a
    // VIEW that filters out the rejected rows (same name, columns and types), so it costs no memory.
    step("keeping the valid rows (pass 3 of 3)");
    if (file.format === "parquet" && rows > materializeMaxRows) {
      view = true;
      await db.run(`CREATE VIEW ${target} AS SELECT ${canon.join(", ")} FROM ${good(new Params(true))}`);
    } else {
      const p = new Params();
      await db.run(`CREATE TABLE ${target} AS SELECT ${canon.join(", ")} FROM ${good(p)}`, p.values);
    }
  } catch (e) {
    // A file problem found while scanning (Parquet or CSV content) is the user's; anything else is a bug.
    if (/invalid unicode|CSV Error|parquet|IO Error/i.test((e as Error)?.message ?? "")) throw readError(e, file, csv);
    throw e;
  } finally {
    if (file.format === "csv") await db.run(`DROP TABLE IF EXISTS ${raw}`);
  }

  const loaded = Number((await db.one(`SELECT count(*) AS n FROM ${target}`))?.["n"] ?? 0);
  const rejected = Number((await db.one("SELECT count(*) AS n FROM rejects WHERE table_name = $1", [name]))?.["n"] ?? 0);
  if (loaded + rejected !== rows) {
    throw new Error(`${name}: ${rows} rows in ${file.path} but ${loaded} loaded + ${rejected} rejected`);
  }
  const range = await dateRange(db, def);
  return {
    table: name,
    present: true,
    file: file.path,
    format: file.format,
    rows,
    loaded,
    rejected,
    minDate: range.min,
    maxDate: range.max,
    sha256: await sha256File(file.path),
    storage: view ? "view" : "table",
    columns: Object.fromEntries(cols.map((c) => [c.def.name, c.source])),
  };
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

async function dateRange(db: Db, def: TableDef): Promise<{ min: Date | null; max: Date | null }> {
  const t = quoteIdent(def.name);
  const sql =
    def.name === "subscribers"
      ? `SELECT min(activation_date) AS lo, greatest(max(activation_date), max(deactivation_date)) AS hi FROM ${t}`
      : def.eventDate !== undefined
        ? `SELECT min(${quoteIdent(def.eventDate)}) AS lo, max(${quoteIdent(def.eventDate)}) AS hi FROM ${t}`
        : undefined;
  if (sql === undefined) return { min: null, max: null };
  const r = await db.one(sql);
  const d = (v: unknown) => (v instanceof Date ? v : null);
  return { min: d(r?.["lo"]), max: d(r?.["hi"]) };
}

async function rejectsByReason(db: Db, examples: number): Promise<RejectGroup[]> {
  const counts = await db.all("SELECT table_name, reason, count(*) AS n FROM rejects GROUP BY ALL");
  const ex = await db.all(
    `SELECT table_name, reason, row, column_name, value, detail FROM (
       SELECT *, row_number() OVER (PARTITION BY table_name, reason ORDER BY row) AS k FROM rejects
     ) WHERE k <= $1 ORDER BY table_name, reason, row`,
    [examples],
  );
  const order = (t: unknown) => TABLE_NAMES.indexOf(t as TableName);
  counts.sort((a, b) => order(a["table_name"]) - order(b["table_name"]) || Number(b["n"]) - Number(a["n"]) || String(a["reason"]).localeCompare(String(b["reason"])));
  return counts.map((c) => ({
    table: c["table_name"] as TableName,
    reason: String(c["reason"]),
    count: Number(c["n"]),
    examples: ex
      .filter((e) => e["table_name"] === c["table_name"] && e["reason"] === c["reason"])
      .map((e) => ({
        row: Number(e["row"]),
        column: (e["column_name"] as string | null) ?? null,
        value: (e["value"] as string | null) ?? null,
        detail: (e["detail"] as string | null) ?? null,
      })),
  }));
}

/** " First rejected: row N, column `c` = 'v' (reason)." for a table's earliest example, "" when none. */
export function firstRejectText(groups: readonly { table: string; reason: string; examples: readonly RejectExample[] }[], table: string, all: boolean): string {
  let best: { e: RejectExample; reason: string } | undefined;
  for (const g of groups) {
    if (g.table !== table) continue;
    for (const e of g.examples) if (best === undefined || e.row < best.e.row) best = { e, reason: g.reason };
  }
  return best ? msg.tooManyRejectsExample(best.e.row, best.e.column, best.e.value, best.reason, all) : "";
}

/** Throw InputDataError (exit 3) naming the first table whose rejected share exceeds `maxShare`. */
export function checkRejectShare(result: LoadResult, maxShare: number): void {
  for (const t of Object.values(result.tables)) {
    if (t.present && t.rows > 0 && t.rejected / t.rows > maxShare) {
      throw new InputDataError(msg.tooManyRejects(t.table, t.file ?? t.table, t.rejected, t.rows, maxShare, firstRejectText(result.rejectsByReason, t.table, t.rejected === t.rows)));
    }
  }
}

/**
 * Write the `rejects` table as CSV (columns: table, file, row, column, value, reason, detail), ordered by
 * table and row, atomically (temp file, then rename).
 */
const tableOrder = `CASE table_name ${TABLE_NAMES.map((t, i) => `WHEN ${quoteLiteral(t)} THEN ${i}`).join(" ")} END`;

export async function writeRejects(db: Db, path: string): Promise<void> {
  await produceAtomic(path, async (tmp) => {
    await db.run(
      `COPY (SELECT table_name AS "table", file, row, column_name AS "column", value, reason, detail FROM rejects
             ORDER BY ${tableOrder}, row)
       TO ${quoteLiteral(tmp)} (FORMAT csv, HEADER true)`,
    );
  });
}
