/**
 * The data contract on ClickHouse: the operator's tables as canonical relations of valid rows, and the
 * validation counts, in SQL that runs shard-local (every subscriber's rows sit on one shard, sharded by
 * a hash of subscriber_id), in the subset of ClickHouse that 18.16 and current releases accept.
 *
 *   system.tables / system.columns ─► ChTable (Distributed table, its local table, cluster, shard key, columns)
 *   typed select: each canonical column from its source column (trimmed text, lower-case enums, dates, numbers)
 *   row checks: the same ordered checks as DuckDB (contract/sql.ts rowChecks), first failure wins
 *   valid rows: no failing check; identical rows once; subscribers: one row per subscriber_id
 *
 * Differences from loading files (DuckDB), because a warehouse table is typed and has no row order: values
 * that cannot be typed (bad_date, bad_number, ...) cannot exist in a typed column (`churn load` reports them
 * instead); of several subscribers rows with the same id, the smallest by its values is kept (DuckDB keeps
 * the first in the file); a rejected row is named by its subscriber_id (there is no row number).
 */
import { ConfigError, InputDataError } from "../errors.js";
import { ClickHouse, chIdent, chInputError, chLiteral, clusterNodes } from "../io/clickhouse.js";
import { quoteIdent } from "../io/duckdb.js";
import { msg } from "../messages.js";
import { type Check, type CheckSql, type ResolvedColumn, rawName, rowChecks } from "./sql.js";
import { TABLE_NAMES, TABLES, type TableDef, type TableName } from "./tables.js";

/** One canonical table in the cluster. */
export interface ChTable {
  table: TableName;
  /** `db`.`name` the operator named (a Distributed table, or a plain table on a single node). */
  name: string;
  /** `db`.`local`: what runs shard-local (the Distributed table's underlying table, or `name` itself). */
  local: string;
  /** The Distributed table's cluster, or null for a plain table. */
  cluster: string | null;
  /** The sharding key expression, e.g. "sipHash64(subscriber_id)", or null. */
  shardKey: string | null;
  /** Canonical columns resolved to the table's columns (source null: absent optional column). */
  columns: ResolvedColumn[];
}

/** The tables of one ClickHouse source: present ones only, plus how to run a query on every shard. */
export interface ChSource {
  database: string;
  tables: Partial<Record<TableName, ChTable>>;
  /** The cluster every table is distributed over (null: a single node). */
  cluster: string | null;
  /** The sharding key shared by every table (null: a single node). */
  shardKey: ShardKey | null;
  /**
   * churn's own contacts (the runs folder's contacts log, `churn score`), read as campaigns rows together with
   * the operator's (readRel): `table` is a temporary table of every shard session holding the log rows the
   * session's queries need; `dates` are the days of every row of the log, which the end of the data and the
   * contact waves see as the one-box path does.
   */
  contactsLog?: { table: string; dates: readonly string[] } | undefined;
}

/** The sharding keys a worker can compute in TypeScript the way ClickHouse does (cluster/hash.ts). */
export type ShardKey = "sipHash64" | "intHash64";

/** Parse `Distributed(cluster, db, table[, key])` (names quoted or not). */
export function parseDistributed(engineFull: string): { cluster: string; database: string; table: string; key: string | null } | null {
  const m = /^Distributed\((.*)\)\s*(SETTINGS.*)?$/s.exec(engineFull.trim());
  if (!m) return null;
  const args: string[] = [];
  let depth = 0;
  let cur = "";
  let quote: string | null = null;
  for (const ch of m[1] ?? "") {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
      continue;
    }
    if (ch === "'" || ch === "`" || ch === '"') {
      quote = ch;
      continue;
    }
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      args.push(cur.trim());
      cur = "";
      continue;
    }
    cur += ch;
  }
  args.push(cur.trim());
  if (args.length < 3) return null;
  return { cluster: args[0] ?? "", database: args[1] ?? "", table: args[2] ?? "", key: args[3] ? args[3].replace(/\s+/g, "") : null };
}

/** Which of the supported sharding keys `key` is, or null. */
export function shardKeyOf(key: string | null): ShardKey | null {
  if (key === "sipHash64(subscriber_id)") return "sipHash64";
  if (key === "intHash64(subscriber_id)" || key === "intHash64(toUInt64(subscriber_id))") return "intHash64";
  return null;
}

const base = (type: string) => type.replace(/^LowCardinality\((.*)\)$/, "$1").replace(/^Nullable\((.*)\)$/, "$1");
const isString = (t: string) => /^(String|FixedString\(\d+\))$/.test(base(t));
const isInt = (t: string) => /^U?Int(8|16|32|64|128|256)$/.test(base(t));
const isFloat = (t: string) => /^(Float32|Float64|Decimal(32|64|128|256)?\(.*\))$/.test(base(t));
const isDate = (t: string) => /^(Date|Date32|DateTime(\(.*\))?|DateTime64\(.*\))$/.test(base(t));

/** The ClickHouse types each canonical column type may come from. */
function accepts(type: ResolvedColumn["def"]["type"], t: string): boolean {
  switch (type) {
    case "id":
      return isString(t) || isInt(t);
    case "text":
    case "enum":
      return isString(t);
    case "date":
      return isDate(t);
    case "number":
    case "integer":
      return isInt(t) || isFloat(t);
    case "boolean":
      return isInt(t) || isString(t) || base(t) === "Bool";
  }
}

const EXPECTED: Record<ResolvedColumn["def"]["type"], string> = {
  id: "a String (or integer) id",
  text: "String",
  enum: "String",
  date: "Date or DateTime",
  number: "a number (Int, UInt, Float or Decimal)",
  integer: "a number (Int, UInt, Float or Decimal)",
  boolean: "UInt8 (0/1), Bool or String (true/false)",
};

/** Resolve the canonical columns of `def` against the table's columns, with the config's column mapping. */
export function resolveChColumns(def: TableDef, name: string, found: { name: string; type: string }[], mapping: Record<string, string>): ResolvedColumn[] {
  return def.columns.map((c) => {
    const wanted = mapping[c.name] ?? c.name;
    const h = found.find((f) => f.name === wanted) ?? found.find((f) => f.name.toLowerCase() === wanted.toLowerCase());
    if (!h) {
      if (c.required || mapping[c.name] !== undefined)
        throw new InputDataError(
          msg.chMissingColumn(
            name,
            c.name,
            wanted,
            found.map((f) => f.name),
          ),
        );
      return { def: c, source: null, sourceType: "Nullable(String)" };
    }
    if (!accepts(c.type, h.type)) throw new ConfigError(msg.chColumnType(name, h.name, h.type, EXPECTED[c.type]));
    return { def: c, source: h.name, sourceType: h.type };
  });
}

const NULLABLE: Record<ResolvedColumn["def"]["type"], string> = {
  id: "Nullable(String)",
  text: "Nullable(String)",
  enum: "Nullable(String)",
  date: "Nullable(Date)",
  number: "Nullable(Float64)",
  integer: "Nullable(Int64)",
  boolean: "Nullable(UInt8)",
};

/** DuckDB trims spaces (not tabs) and reads an empty text as missing: the same here. */
const trimmed = (x: string) => `nullIf(replaceRegexpAll(toString(${x}), '^ +| +$', ''), '')`;

/**
 * The SELECT list of the typed relation: for each canonical column `_raw_<c>` (the source value, for the
 * checks) and `<c>` (typed, NULL when it cannot be read), as typedSelect does for files.
 */
export function chTypedSelect(cols: ResolvedColumn[]): string {
  const parts: string[] = [];
  for (const rc of cols) {
    const c = rc.def;
    const out = quoteIdent(c.name);
    if (rc.source === null) {
      parts.push(`CAST(NULL AS Nullable(String)) AS ${rawName(c.name)}`, `CAST(NULL AS ${NULLABLE[c.type]}) AS ${out}`);
      continue;
    }
    const src = chIdent(rc.source, `column of ${c.name}`);
    const t = rc.sourceType;
    const raw = isString(t) ? trimmed(src) : src;
    let typed: string;
    switch (c.type) {
      case "id":
      case "text":
        typed = isString(t) ? raw : `toString(${src})`;
        break;
      case "enum":
        typed = `lower(${raw})`;
        break;
      case "date":
        typed = base(t).startsWith("DateTime") ? `toDate(${src})` : src;
        break;
      case "number":
        typed = isInt(t) ? `toFloat64(${src})` : `if(isFinite(toFloat64(${src})), toFloat64(${src}), NULL)`;
        break;
      case "integer":
        typed = isInt(t)
          ? `toInt64(${src})`
          : `if(isFinite(toFloat64(${src})) AND toFloat64(${src}) = floor(toFloat64(${src})) AND abs(toFloat64(${src})) < 9e15, toInt64(toFloat64(${src})), NULL)`;
        break;
      case "boolean":
        typed = isString(t)
          ? `multiIf(lower(${raw}) IN ('true','t','yes','y','1'), 1, lower(${raw}) IN ('false','f','no','n','0'), 0, NULL)`
          : `toUInt8(${src} != 0)`;
        break;
    }
    parts.push(`${raw} AS ${rawName(c.name)}`, `CAST(${typed} AS ${NULLABLE[c.type]}) AS ${out}`);
  }
  return parts.join(",\n  ");
}

/** The row checks in ClickHouse spelling; the subscriber row is `s` with columns __sid, __act, __deact, __found. */
export const CH_CHECKS: CheckSql = {
  str: (x) => `toString(${x})`,
  monthStart: (x) => `toStartOfMonth(${x})`,
  nullStr: "CAST(NULL AS Nullable(String))",
  literal: chLiteral,
  subMissing: "s.__found IS NULL",
  sub: (c) => (c === "activation_date" ? "s.__act" : c === "deactivation_date" ? "s.__deact" : `s.${quoteIdent(c)}`),
};

/** The reason of the first failing check ('' for a good row), and the failing column, value and detail. */
function firstFailureCh(checks: Check[]): { reason: string; column: string; value: string; detail: string } {
  const none = "CAST(NULL AS Nullable(String))";
  const pick = (f: (c: Check) => string, otherwise: string) =>
    checks.length ? `multiIf(${checks.map((c) => `${c.cond}, ${f(c)}`).join(", ")}, ${otherwise})` : otherwise;
  return {
    reason: pick((c) => chLiteral(c.reason), "''"),
    column: pick((c) => (c.column === null ? none : `toNullable(${chLiteral(c.column)})`), none),
    value: pick((c) => `toNullable(toString(${c.value}))`, none),
    detail: pick((c) => `toNullable(toString(${c.detail}))`, none),
  };
}

/** A key unique to a row's canonical values (NULLs distinct from any text), for duplicates. */
export function rowKey(cols: ResolvedColumn[], alias = ""): string {
  return `concat(${cols.map((c) => `ifNull(toString(${alias}${quoteIdent(c.def.name)}), '\\\\N')`).join(", '\\x01', ")})`;
}

/** Options of the relations: the day after which dates are future, and row filters applied first. */
export interface RelOptions {
  asOf: string;
  /** A table of the shard's valid subscribers (VALID_SUBSCRIBERS) to check rows against, instead of computing them again. */
  subscribers?: string | undefined;
  /** Extra conditions on the typed row `t` (e.g. a date window), applied before the checks (cheaper, same result). */
  where?: readonly string[] | undefined;
  /** Tables where identical rows exist (from the validation counts): only those pay for removing them. */
  duplicates: ReadonlySet<TableName>;
}

const typedFrom = (t: ChTable) => `(SELECT ${chTypedSelect(t.columns)} FROM ${t.local})`;

/** The subscriber columns a referencing table's checks read, from the valid subscribers relation. */
const subsRef = (src: ChSource, o: RelOptions) =>
  `(SELECT subscriber_id AS __sid, activation_date AS __act, deactivation_date AS __deact, 1 AS __found FROM ${
    o.subscribers ?? `(${validRel(src, "subscribers", { ...o, where: [] })})`
  })`;

/** The name of the temporary table of a shard session that holds its valid subscribers. */
export const VALID_SUBSCRIBERS = "churn_valid_subscribers";

/**
 * Every typed row of a table with its first failing check (reason '' when good), shard-local, for counting
 * rejects and for the valid relation. Columns: the canonical columns, __reason, __column, __value, __detail.
 */
export function checkedRel(src: ChSource, table: TableName, o: RelOptions): string {
  const t = src.tables[table];
  if (!t) throw new Error(`no ClickHouse table for ${table}`);
  const def = TABLES[table];
  const checks = rowChecks(def, t.columns, `toDate(${chLiteral(o.asOf)})`, CH_CHECKS, (c) => `t.${rawName(c)}`);
  const f = firstFailureCh(checks);
  const cols = t.columns.map((c) => `t.${quoteIdent(c.def.name)} AS ${quoteIdent(c.def.name)}`);
  const join = def.referencesSubscribers ? ` LEFT JOIN ${subsRef(src, o)} s ON s.__sid = t.subscriber_id` : "";
  const where = o.where?.length ? `\nWHERE ${o.where.map((w) => `(${w})`).join(" AND ")}` : "";
  return `SELECT ${cols.join(", ")}, ${f.reason} AS __reason, ${f.column} AS __column, ${f.value} AS __value, ${f.detail} AS __detail
FROM ${typedFrom(t)} t${join}${where}`;
}

/**
 * The valid rows of a table with the canonical columns (shard-local): no failing check, identical rows once
 * (only where the validation found some), and for subscribers one row per id.
 */
export function validRel(src: ChSource, table: TableName, o: RelOptions): string {
  const t = src.tables[table];
  if (!t) throw new Error(`no ClickHouse table for ${table}`);
  const names = t.columns.map((c) => quoteIdent(c.def.name));
  const good = `SELECT ${names.join(", ")} FROM (${checkedRel(src, table, o)}) WHERE __reason = ''`;
  const dedup = o.duplicates.has(table) ? `SELECT ${names.join(", ")} FROM (${good}) GROUP BY ${names.join(", ")}` : good;
  if (table !== "subscribers") return dedup;
  // one row per subscriber_id: of differing rows, the one whose values sort first (deterministic)
  const others = names.filter((n) => n !== quoteIdent("subscriber_id"));
  return `SELECT subscriber_id, ${others.map((n, i) => `__kept.${i + 1} AS ${n}`).join(", ")}
FROM (SELECT subscriber_id, argMin(tuple(${others.join(", ")}), ${rowKey(t.columns)}) AS __kept FROM (${dedup}) GROUP BY subscriber_id)`;
}

/** The columns of campaigns rows, in the order of the contract (the contacts log's rows have the same). */
const CAMPAIGN_COLUMNS = TABLES.campaigns.columns.map((c) => c.name);

/** The name of the temporary table of a shard session that holds rows of churn's contacts log. */
export const CONTACTS_LOG = "churn_contacts_log";

/** The contacts log's temporary table: the types of the valid campaigns relation, so the two unite. */
export const CONTACTS_LOG_COLUMNS = CAMPAIGN_COLUMNS.map((c) => `${quoteIdent(c)} ${NULLABLE[TABLES.campaigns.columns.find((d) => d.name === c)!.type]}`).join(", ");

/** Whether the features can read `table`: the operator has it, or (campaigns) churn's contacts log is in the sessions. */
export function hasTable(src: ChSource, table: TableName): boolean {
  return src.tables[table] !== undefined || (table === "campaigns" && src.contactsLog !== undefined);
}

/**
 * The rows the features read of a table (shard-local): its valid rows (validRel); for campaigns with churn's
 * contacts log in the session (src.contactsLog), the log's rows too, as the one-box path adds them
 * (pipeline/operation.ts mergeContactsIntoCampaigns): with the operator's campaigns each (subscriber_id, date,
 * action, group) once (its UNION; ClickHouse 18.16 has only UNION ALL, so GROUP BY), alone the log's rows as
 * they are. `o.where` (conditions on the row `t`) filters both.
 */
export function readRel(src: ChSource, table: TableName, o: RelOptions): string {
  const log = src.contactsLog;
  if (table !== "campaigns" || log === undefined) return validRel(src, table, o);
  const cols = CAMPAIGN_COLUMNS.map((c) => quoteIdent(c)).join(", ");
  const where = o.where?.length ? ` WHERE ${o.where.map((w) => `(${w})`).join(" AND ")}` : "";
  const own = `SELECT ${cols} FROM ${log.table} t${where}`;
  if (!src.tables.campaigns) return own;
  return `SELECT ${cols} FROM (SELECT ${cols} FROM (${validRel(src, table, o)}) UNION ALL ${own}) GROUP BY ${cols}`;
}

/** The canonical tables present in ClickHouse, resolved (throws for a missing subscribers table or bad columns). */
export async function describeChSource(
  ch: ClickHouse,
  opts: { database: string; tables: Partial<Record<TableName, string | undefined>>; mapping: Record<TableName, Record<string, string>> },
): Promise<ChSource> {
  const db = opts.database;
  const names = TABLE_NAMES.map((t) => opts.tables[t] ?? t);
  const rows = await ch.rows(
    `SELECT name, engine, engine_full FROM system.tables WHERE database = ${chLiteral(db)} AND name IN (${names.map(chLiteral).join(", ")})`,
  );
  const src: ChSource = { database: db, tables: {}, cluster: null, shardKey: null };
  const clusters = new Set<string>();
  const keys = new Set<string>();
  for (const table of TABLE_NAMES) {
    const name = opts.tables[table] ?? table;
    const row = rows.find((r) => r["name"] === name);
    const full = `${db}.${name}`;
    if (!row) {
      if (table === "subscribers") throw new InputDataError(msg.chNoSubscribers(full));
      continue;
    }
    const engine = String(row["engine"]);
    let local = `${chIdent(db)}.${chIdent(name)}`;
    let cluster: string | null = null;
    let key: string | null = null;
    if (engine === "Distributed") {
      const d = parseDistributed(String(row["engine_full"]));
      if (!d) throw new ConfigError(msg.chNotSharded(full, String(row["engine_full"])));
      local = `${chIdent(d.database || db)}.${chIdent(d.table)}`;
      cluster = d.cluster;
      key = d.key;
      clusters.add(cluster);
      keys.add(key ?? "(none)");
    } else if (/^(View|MaterializedView)$/.test(engine) === false && !/MergeTree|Log|Memory/.test(engine)) {
      throw new ConfigError(msg.chNotSharded(full, engine));
    }
    const colRows = await ch.rows(
      `SELECT name, type FROM system.columns WHERE database = ${chLiteral(db)} AND table = ${chLiteral(name)}`,
    );
    const found = colRows.map((r) => ({ name: String(r["name"]), type: String(r["type"]) }));
    const columns = resolveChColumns(TABLES[table], full, found, opts.mapping[table] ?? {});
    src.tables[table] = { table, name: `${chIdent(db)}.${chIdent(name)}`, local, cluster, shardKey: key, columns };
  }
  const present = Object.values(src.tables);
  const distributed = present.filter((t) => t.cluster !== null);
  if (distributed.length && distributed.length !== present.length) {
    throw new ConfigError(msg.chMixedClusters(present.map((t) => `${t.table}: ${t.cluster ?? "not distributed"}`).join(", ")));
  }
  if (clusters.size > 1 || keys.size > 1) {
    throw new ConfigError(msg.chMixedClusters(present.map((t) => `${t.table}: ${t.cluster} by ${t.shardKey}`).join(", ")));
  }
  if (distributed.length) {
    src.cluster = [...clusters][0] ?? null;
    const key = [...keys][0] ?? null;
    src.shardKey = shardKeyOf(key === "(none)" ? null : key);
    if (src.shardKey === null) throw new ConfigError(msg.chShardKey(distributed[0]?.name ?? "", key ?? "(no key)"));
  }
  return src;
}

const SEP = "'\\x01'";

/** The validation of one table in ClickHouse: rows, rejects by reason (with one example each), duplicates. */
export interface ChTableCheck {
  table: TableName;
  name: string;
  rows: number;
  loaded: number;
  rejected: number;
  byReason: { reason: string; count: number; example: { subscriber_id: string; column: string | null; value: string | null; detail: string | null } }[];
}

export interface ChValidation {
  asOf: string;
  tables: ChTableCheck[];
  /** Tables holding identical rows: their valid relation removes them (costs a GROUP BY over all columns). */
  duplicates: Set<TableName>;
}

/**
 * Count every table's rows by the first check they fail, plus identical rows and (subscribers) repeated ids,
 * on each shard (a session per shard; identical rows and a subscriber's rows sit on one shard, so the counts
 * add up), with the same reasons as loading files (REJECT_REASONS), bar those of untyped text. Leaves the
 * temporary table VALID_SUBSCRIBERS in every session.
 */
export async function validateChSource(shards: readonly ClickHouse[], src: ChSource, asOf: string): Promise<ChValidation> {
  const out: ChValidation = { asOf, tables: [], duplicates: new Set() };
  const none = new Set<TableName>();
  await Promise.all(
    shards.map(async (sh) => {
      await sh.command(`DROP TABLE IF EXISTS ${VALID_SUBSCRIBERS}`);
      await sh.command(`CREATE TEMPORARY TABLE ${VALID_SUBSCRIBERS} AS ${validRel(src, "subscribers", { asOf, duplicates: none })}`);
    }),
  );
  for (const table of TABLE_NAMES) {
    const t = src.tables[table];
    if (!t) continue;
    const o: RelOptions = { asOf, duplicates: none, subscribers: VALID_SUBSCRIBERS };
    const row = t.columns.map((c) => quoteIdent(c.def.name)).join(", ");
    const sql = `SELECT __reason AS reason, count() AS n,
  min(concat(ifNull(subscriber_id, ''), ${SEP}, ifNull(__value, ''), ${SEP}, ifNull(__column, ''), ${SEP}, ifNull(__detail, ''))) AS example,
  uniqExactIf(tuple(${row}), __reason = '') AS distinct_rows, uniqExactIf(ifNull(subscriber_id, ''), __reason = '') AS ids
FROM (${checkedRel(src, table, o)}) GROUP BY __reason`;
    const perShard = await Promise.all(
      shards.map((sh) =>
        sh.rows(sql).catch((e) => {
          throw chInputError(e, t.name);
        }),
      ),
    );
    const check: ChTableCheck = { table, name: t.name, rows: 0, loaded: 0, rejected: 0, byReason: [] };
    let good = 0;
    let distinct = 0;
    let ids = 0;
    const byReason = new Map<string, ChTableCheck["byReason"][number]>();
    for (const r of perShard.flat()) {
      const n = Number(r["n"]);
      const reason = String(r["reason"]);
      check.rows += n;
      if (reason === "") {
        good += n;
        distinct += Number(r["distinct_rows"]);
        ids += Number(r["ids"]);
        continue;
      }
      // the example of the smallest subscriber_id over all shards
      const ex = String(r["example"] ?? "").split("\x01");
      const text = (v: string | undefined) => (v === "" || v === undefined ? null : v);
      const example = { subscriber_id: ex[0] ?? "", column: text(ex[2]), value: text(ex[1]), detail: text(ex[3]) };
      const prev = byReason.get(reason);
      if (!prev) byReason.set(reason, { reason, count: n, example });
      else {
        prev.count += n;
        if (example.subscriber_id < prev.example.subscriber_id) prev.example = example;
      }
    }
    check.byReason = [...byReason.values()];
    if (good > distinct) {
      out.duplicates.add(table);
      check.byReason.push({ reason: "duplicate_row", count: good - distinct, example: { subscriber_id: "", column: null, value: null, detail: null } });
    }
    if (table === "subscribers" && distinct > ids) {
      check.byReason.push({ reason: "duplicate_id", count: distinct - ids, example: { subscriber_id: "", column: "subscriber_id", value: null, detail: null } });
    }
    check.byReason.sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason));
    check.rejected = check.byReason.reduce((a, b) => a + b.count, 0);
    check.loaded = check.rows - check.rejected;
    out.tables.push(check);
  }
  return out;
}

/** Throw InputDataError (exit 3) naming the first table whose rejected share exceeds `maxShare`. */
export function checkChRejectShare(v: ChValidation, maxShare: number): void {
  for (const t of v.tables) {
    if (t.rows > 0 && t.rejected / t.rows > maxShare) {
      const first = t.byReason[0];
      const ex = first?.example;
      const example = ex?.subscriber_id ? msg.chRejectExample(ex.subscriber_id, ex.column, ex.value, first?.reason ?? "") : "";
      throw new InputDataError(msg.tooManyRejects(t.table, t.name, t.rejected, t.rows, maxShare, example));
    }
  }
}

/**
 * A session on one node of every shard (its first replica that answers), where the shard-local work runs;
 * one session on the query node itself when the tables are not distributed. Close them when done.
 */
export async function openShardSessions(ch: ClickHouse, src: ChSource, o: { shards?: readonly string[] | undefined; timeoutSeconds: number }): Promise<ClickHouse[]> {
  const open = (url: string) => ClickHouse.open({ url, timeoutSeconds: o.timeoutSeconds, session: true });
  if (src.cluster === null) return [open(ch.url)];
  const nodes = await clusterNodes(ch, src.cluster, o.shards);
  const out: ClickHouse[] = [];
  try {
    for (const shard of [...new Set(nodes.map((n) => n.shard))]) {
      let last = "";
      for (const node of nodes.filter((n) => n.shard === shard)) {
        const s = open(node.url);
        try {
          await s.version();
          out.push(s);
          last = "";
          break;
        } catch (e) {
          last = `${node.url}: ${(e as Error).message.split("\n")[0]}`;
          await s.close();
        }
      }
      if (last) throw new ConfigError(msg.chShardUnreachable(shard, last, "no replica answers"));
    }
    return out;
  } catch (e) {
    for (const s of out) await s.close();
    throw e;
  }
}

/** A rejected row read back from a shard: as DuckDB's `rejects` table has them (no row number in a warehouse). */
export interface ChRejectRow {
  table: TableName;
  file: string;
  column: string | null;
  value: string | null;
  reason: string;
  detail: string | null;
}

/**
 * Every rejected row of every table, read from the shards (the rows the validation counts, for rejects.csv):
 * rows failing a check, the extra copies of identical rows, and subscribers rows of a repeated id that were
 * not kept. A subscriber's rows are on one shard, so each row comes from one shard only. `value` names the row
 * (the failing value; for duplicates the subscriber_id).
 */
export async function rejectedRows(shards: readonly ClickHouse[], src: ChSource, asOf: string): Promise<ChRejectRow[]> {
  const out: ChRejectRow[] = [];
  const none = new Set<TableName>();
  for (const table of TABLE_NAMES) {
    const t = src.tables[table];
    if (!t) continue;
    const o: RelOptions = { asOf, duplicates: none, subscribers: VALID_SUBSCRIBERS };
    const names = t.columns.map((c) => quoteIdent(c.def.name));
    const failed = `SELECT __column AS column_name, __value AS value, __reason AS reason, __detail AS detail FROM (${checkedRel(src, table, o)}) WHERE __reason != ''`;
    // identical good rows: every copy after the first
    const copies = `SELECT 'subscriber_id' AS column_name, subscriber_id AS value, 'duplicate_row' AS reason, concat('same as another row, ', toString(n), ' copies') AS detail
FROM (SELECT subscriber_id, count() AS n FROM (${checkedRel(src, table, o)}) WHERE __reason = '' GROUP BY ${names.join(", ")}) ARRAY JOIN range(toUInt64(n - 1)) AS __copy`;
    const sqls = [failed, copies];
    if (table === "subscribers") {
      // of several different valid rows of one id, all but the kept one (validRel keeps the smallest)
      sqls.push(`SELECT 'subscriber_id' AS column_name, subscriber_id AS value, 'duplicate_id' AS reason, concat(toString(n), ' rows with this id; the one whose values sort first kept') AS detail
FROM (SELECT subscriber_id, uniqExact(tuple(${names.join(", ")})) AS n FROM (${checkedRel(src, table, o)}) WHERE __reason = '' GROUP BY subscriber_id HAVING n > 1)
ARRAY JOIN range(toUInt64(n - 1)) AS __other`);
    }
    for (const sql of sqls) {
      for (const r of (await Promise.all(shards.map((s) => s.rows(sql)))).flat()) {
        const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
        out.push({ table, file: t.name.replaceAll("`", ""), column: text(r["column_name"]), value: text(r["value"]), reason: String(r["reason"]), detail: text(r["detail"]) });
      }
    }
  }
  return out;
}
