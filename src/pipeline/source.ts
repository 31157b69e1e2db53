/**
 * Where the rows to score come from, as one DuckDB relation `score_input` (subscriber_id + feature columns)
 * plus the subscriber accounting (in / rejected with reasons) and the feature metadata for reasons:
 *
 *   --data DIR --as-of D   load + validate the raw tables (rejects from the loader), compute the features of
 *                          the subscribers active at D into table score_input. Subscribers loaded but not
 *                          active at D count as input and are rejected with reason not_active_at_as_of
 *                          (activated after D, or deactivated on or before D): every row of
 *                          subscribers.* is then scored or rejected.
 *   --features FILE        a feature table of `churn features`: the rows of one as_of (--as-of, default the
 *                          latest), as a VIEW over the file (10M rows are never copied into memory). Rows with
 *                          an empty id are rejected (missing_id), repeated ids after the first (duplicate_id).
 *   --table FILE           a flat table, one row per customer: the same, with --id as the id column.
 * Rejected rows go to the `rejects` table (the loader's schema) so rejects.csv has one format.
 */
import { checkRejectShare, type LoadResult, loadData, parseAsOf } from "../contract/load.js";
import type { Config } from "../config/schema.js";
import { InputDataError } from "../errors.js";
import { usableColumns } from "../features/build.js";
import { computeFeatures, type FeatureColumn } from "../features/runner.js";
import type { Period } from "../features/periods.js";
import type { ValidationCache } from "../io/cache.js";
import { type Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { fileExists, sha256File } from "../io/files.js";
import { type CsvDialect, flatSourceSql } from "../io/flat-table.js";
import { readJsonFile } from "../io/json.js";
import { featureSidecarSchema } from "../io/run-schemas.js";
import type { Logger } from "../log.js";
import { msg } from "../messages.js";
import { looksLikeIdName } from "../raw-table.js";
import type { ReasonFeature } from "../retention/reasons.js";
import { closestColumn } from "../identifiers.js";

export interface SourceInput {
  name: string;
  path: string;
  sha256: string | null;
  rows: number;
}

export interface ScoreSource {
  kind: "data" | "features" | "table";
  /** SQL relation with `subscriber_id` and the feature columns. */
  relation: string;
  /** Column holding the subscriber id in the relation. */
  idColumn: string;
  /** A flat table without an id column: the ids are the data row numbers (ROW_ID). */
  idByRow?: boolean;
  asOf: string | null;
  /** Rows in the relation (before duplicate ids are dropped). */
  rows: number;
  /** Ids that occur more than once: the last row in the file is scored (the relation holds only it), earlier ones rejected. */
  duplicateIds: Set<string>;
  features: ReasonFeature[];
  inputs: SourceInput[];
  /** Subscriber accounting: rows of the input, and rejected ones by reason (scored = in - rejected). */
  subscribersIn: number;
  rejectedByReason: Record<string, number>;
  load?: LoadResult;
  /** Per raw table rows, loaded, rejected, when there is no LoadResult (a merge of shards, a cluster). */
  tableCounts?: Record<string, { rows: number; loaded: number; rejected: number }>;
  /** Columns of the relation. */
  columns: string[];
  horizon: string | null;
  /**
   * The latest date in the data the features were computed from (the export's end), when known: the raw tables', or
   * the feature table's sidecar `label.data_end`; null for a flat table. Later runs read it from the manifest to
   * tell whether this run saw the contracts as they were at its as-of (renewals, monitoring/changes.ts).
   */
  dataEnd: string | null;
}

export async function createRejectsTable(db: Db): Promise<void> {
  await db.run(
    "CREATE TABLE IF NOT EXISTS rejects (table_name VARCHAR, file VARCHAR, row BIGINT, column_name VARCHAR, value VARCHAR, reason VARCHAR, detail VARCHAR)",
  );
}

/** Load and validate the raw tables (rejects into the `rejects` table); too many rejects fail (exit 3). */
export async function loadRawTables(db: Db, o: { dir: string; config: Config; log: Logger; cache?: ValidationCache | undefined }): Promise<LoadResult> {
  // the loader's "future" check uses its own as-of (config validation.asOf, else today): data after the scoring
  // day is valid data, the features simply do not read it
  const loaded = await loadData(db, { dir: o.dir, config: o.config, log: o.log, cache: o.cache });
  checkRejectShare(loaded, o.config.validation.maxRejectShare);
  return loaded;
}

/**
 * Features at as-of of the loaded raw tables into table score_input; subscribers loaded but not active at
 * as-of are rejected (not_active_at_as_of), so every row of subscribers.* is scored or rejected. With `only` (a table
 * of subscriber_id, a shard's), both for those subscribers only.
 */
export async function sourceFromRawTables(
  db: Db,
  loaded: LoadResult,
  o: { asOf: string; horizon: Period; log: Logger; only?: string | undefined; /** subscriber passes (tests; default: from the memory limit) */ passes?: number | undefined },
): Promise<ScoreSource> {
  const asOfDate = parseAsOf(o.asOf)!;
  const columns = usableColumns(loaded);
  const computed = await computeFeatures(db, { asOf: [asOfDate], horizon: o.horizon, columns, log: o.log, only: o.only, passes: o.passes }, async (select) => {
    await db.run(`CREATE OR REPLACE TABLE score_input AS ${select}`);
  });
  const subs = loaded.tables.subscribers;
  // subscribers loaded but not in the snapshot: not active at as-of
  await db.run(
    `INSERT INTO rejects
     SELECT 'subscribers', $1, NULL, 'subscriber_id', s.subscriber_id, 'not_active_at_as_of',
       CASE WHEN s.activation_date > CAST($2 AS DATE) THEN 'activated ' || CAST(s.activation_date AS VARCHAR) || ', after as-of ' || $2
            ELSE 'deactivated ' || CAST(s.deactivation_date AS VARCHAR) || ', on or before as-of ' || $2 END
     FROM subscribers s ANTI JOIN score_input f ON f.subscriber_id = s.subscriber_id${o.only ? ` SEMI JOIN ${o.only} k ON k.subscriber_id = s.subscriber_id` : ""}
     ORDER BY s.subscriber_id`,
    [subs.file ?? "subscribers", o.asOf],
  );
  const rejected = await db.all("SELECT reason, count(*) AS n FROM rejects WHERE table_name = 'subscribers' GROUP BY reason ORDER BY reason");
  const rows = Number((await db.one("SELECT count(*) AS n FROM score_input"))?.["n"] ?? 0);
  const inputs: SourceInput[] = Object.values(loaded.tables)
    .filter((t) => t.present)
    .map((t) => ({ name: t.table, path: t.file ?? "", sha256: t.sha256, rows: t.rows }));
  return {
    kind: "data",
    relation: "score_input",
    idColumn: "subscriber_id",
    asOf: o.asOf,
    rows,
    duplicateIds: new Set(),
    features: reasonFeaturesOf(computed.columns),
    inputs,
    subscribersIn: subs.rows,
    rejectedByReason: Object.fromEntries(rejected.map((r) => [String(r["reason"]), Number(r["n"])])),
    load: loaded,
    columns: (await db.describe("SELECT * FROM score_input")).map((c) => c.name),
    horizon: computed.horizon,
    dataEnd: computed.dataEnd,
  };
}

function fileRelation(path: string, csv?: CsvDialect): string {
  if (!fileExists(path)) throw new InputDataError(msg.tableNotFound(path));
  return flatSourceSql(path, csv);
}

/** The sidecar of `churn features` (FILE.json), when present: feature metadata and horizon. */
/** What reasons need of the computed feature columns. */
export function reasonFeaturesOf(columns: readonly FeatureColumn[]): ReasonFeature[] {
  return columns.map((c) => ({
    name: c.name,
    unit: c.unit,
    description: c.description,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.appliesIf ? { appliesIf: c.appliesIf } : {}),
    ...(c.structural ? { structural: true } : {}),
  }));
}

function readSidecar(path: string): { features: ReasonFeature[]; horizon: string | null; dataEnd: string | null } {
  // absent or unreadable: scoring goes on with generic reasons and the model's horizon
  const r = readJsonFile(`${path}.json`, featureSidecarSchema);
  if (!r.ok) return { features: [], horizon: null, dataEnd: null };
  const features = (r.value.columns ?? [])
    .filter((c) => c.family)
    .map((c) => ({
      name: c.name,
      ...(c.unit ? { unit: c.unit } : {}),
      ...(c.description ? { description: c.description } : {}),
      ...(c.reason ? { reason: c.reason } : {}),
      ...(typeof c.applies_if === "string" ? { appliesIf: c.applies_if } : {}),
      ...(c.structural === true ? { structural: true } : {}),
    }));
  const de = r.value.label?.data_end;
  const dataEnd = typeof de === "string" && /^\d{4}-\d{2}-\d{2}$/.test(de) ? de : null;
  return { features, horizon: r.value.label?.horizon ?? null, dataEnd };
}

/** The id of a flat table that has none: its data row number (1 = the first row after the header). */
export const ROW_ID = "__row";

/** A feature table (--features) or flat table (--table) as a view; ids checked for missing and duplicates. */
export async function sourceFromFile(
  db: Db,
  o: {
    path: string;
    kind: "features" | "table";
    asOf?: string | undefined;
    id?: string | undefined;
    /** Columns the model reads: each must be in the file (or mapped to one of its columns by `rename`). */
    required?: readonly string[] | undefined;
    /** The model's column name -> the file's (data.columns.table). */
    rename?: Readonly<Record<string, string>> | undefined;
    /** The config's CSV dialect (data.csv), for a CSV file. */
    csv?: CsvDialect | undefined;
  },
): Promise<ScoreSource> {
  let rel = fileRelation(o.path, o.csv);
  let cols: string[];
  try {
    cols = (await db.describe(`SELECT * FROM ${rel}`)).map((c) => c.name);
  } catch (e) {
    throw new InputDataError(msg.tableUnreadable(o.path, (e as Error).message.split("\n")[0] ?? ""));
  }
  // a column renamed in the export, mapped back to the name the model knows
  const renames = Object.entries(o.rename ?? {}).filter(([model, yours]) => !cols.includes(model) && cols.includes(yours));
  if (renames.length) {
    rel = `(SELECT *, ${renames.map(([model, yours]) => `${quoteIdent(yours, "data.columns.table")} AS ${quoteIdent(model, "data.columns.table")}`).join(", ")} FROM ${rel})`;
    cols = [...cols, ...renames.map(([model]) => model)];
  }
  const missing = (o.required ?? []).filter((c) => !cols.includes(c));
  if (missing.length) throw new InputDataError(msg.scoreMissingColumns(o.path, missing, cols, missing.map((m) => closestColumn(m, cols))));
  // a flat table with no id column at all (a public sample): each row is named by its data row number
  const byRow = o.id === undefined && o.kind === "table" && !cols.includes("subscriber_id") && !cols.some(looksLikeIdName);
  const idColumn = byRow ? ROW_ID : (o.id ?? "subscriber_id");
  if (!byRow && !cols.includes(idColumn)) throw new InputDataError(msg.scoreIdColumn(o.path, idColumn, cols, cols.filter(looksLikeIdName)));
  const id = quoteIdent(idColumn, "--id");
  let asOf: string | null = o.asOf ?? null;
  const filters: string[] = [];
  if (o.kind === "features" && cols.includes("as_of")) {
    const dates = (await db.all(`SELECT DISTINCT CAST(CAST(as_of AS DATE) AS VARCHAR) AS d FROM ${rel} ORDER BY d`)).map((r) => String(r["d"]));
    if (asOf === null) asOf = dates[dates.length - 1] ?? null;
    else if (!dates.includes(asOf)) throw new InputDataError(msg.scoreAsOfMissing(o.path, asOf, dates));
    if (asOf !== null) filters.push(`CAST(as_of AS DATE) = CAST(${quoteLiteral(asOf)} AS DATE)`);
  }
  const where = (extra: string) => `WHERE ${[...filters, extra].join(" AND ")}`;
  // __row is the file's data row (1-based), for rejects
  // (a window over a Parquet file would buffer it all: use its own row number there)
  const parquet = /\.parquet$/i.test(o.path);
  const renamed = renames.map(([model, yours]) => `, ${quoteIdent(yours, "data.columns.table")} AS ${quoteIdent(model, "data.columns.table")}`).join("");
  const numbered = parquet
    ? `SELECT * EXCLUDE (file_row_number)${renamed}, file_row_number + 1 AS __row FROM read_parquet(${quoteLiteral(o.path)}, file_row_number = true)`
    : `SELECT *, row_number() OVER () AS __row FROM ${rel}`;
  await db.run(`CREATE OR REPLACE VIEW score_file AS ${numbered}`);
  const relation = "score_input";
  // every row with an id; score_input is the same unless an id repeats (then only its last row, below)
  await db.run(`CREATE OR REPLACE VIEW score_ids AS SELECT * FROM score_file ${where(`${id} IS NOT NULL`)}`);
  await db.run("CREATE OR REPLACE VIEW score_input AS SELECT * FROM score_ids");
  const total = Number((await db.one(`SELECT count(*) AS n FROM score_file ${where("true")}`))?.["n"] ?? 0);
  await db.run(
    `INSERT INTO rejects SELECT $1, $2, __row, $3, NULL, 'missing_id', 'the id column is empty' FROM score_file ${where(`${id} IS NULL`)}`,
    [o.kind, o.path, idColumn],
  );
  // an id with several rows (a customer's monthly rows, appended in time order): its last row in the file is scored,
  // the earlier ones are rejected as duplicate_id (countFileRejects)
  await db.run(
    `CREATE OR REPLACE TEMP TABLE score_earlier AS
     SELECT t.__row, d.id, d.last
     FROM score_ids t JOIN (SELECT CAST(${id} AS VARCHAR) AS id, max(__row) AS last FROM score_ids GROUP BY 1 HAVING count(*) > 1) d
       ON CAST(t.${id} AS VARCHAR) = d.id
     WHERE t.__row < d.last`,
  );
  const dups = await db.all("SELECT DISTINCT id FROM score_earlier");
  const duplicateIds = new Set(dups.map((r) => String(r["id"])));
  const rows = Number((await db.one("SELECT count(*) AS n FROM score_ids"))?.["n"] ?? 0);
  if (duplicateIds.size) await db.run("CREATE OR REPLACE VIEW score_input AS SELECT t.* FROM score_ids t ANTI JOIN score_earlier e ON e.__row = t.__row");
  const side = o.kind === "features" ? readSidecar(o.path) : { features: [], horizon: null, dataEnd: null };
  return {
    ...(byRow ? { idByRow: true } : {}),
    kind: o.kind,
    relation,
    idColumn,
    asOf,
    rows,
    duplicateIds,
    features: side.features,
    inputs: [{ name: o.kind, path: o.path, sha256: await sha256File(o.path), rows: total }],
    subscribersIn: total,
    rejectedByReason: {},
    columns: cols.filter((c) => c !== "label"),
    horizon: side.horizon,
    dataEnd: side.dataEnd,
  };
}

/** Reject the earlier rows of repeated ids of a file source (the last row in file order is kept) and count the rejects. */
export async function countFileRejects(db: Db, src: ScoreSource, path: string): Promise<void> {
  if (src.kind === "data") return;
  if (src.duplicateIds.size) {
    await db.run(
      `INSERT INTO rejects SELECT $1, $2, __row, $3, id, 'duplicate_id', 'row ' || CAST(last AS VARCHAR) || ' of this id is scored (its last row)'
       FROM score_earlier ORDER BY __row`,
      [src.kind, path, src.idColumn],
    );
  }
  const rows = await db.all("SELECT reason, count(*) AS n FROM rejects GROUP BY reason ORDER BY reason");
  src.rejectedByReason = Object.fromEntries(rows.map((r) => [String(r["reason"]), Number(r["n"])]));
}
