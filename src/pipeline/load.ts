/**
 * `churn load --data DIR --clickhouse URL`: put a folder of raw tables (a generated world, an export) into a
 * ClickHouse cluster the way an operator's warehouse holds them, for tests and trials. Stages:
 *
 *   1. find the files; find the cluster's nodes (system.clusters) and check each answers
 *   2. on every node: the database, and per table a MergeTree `<name>_local` and a Distributed `<name>`
 *      over it sharded by sipHash64(subscriber_id) (tables already there are replaced)
 *   3. per table: DuckDB reads the file and types every column as the contract says; rows with a value that
 *      cannot be typed (bad_date, bad_number, bad_integer, bad_boolean) cannot exist in a typed warehouse
 *      column, so they are counted by reason and left out; every other row is inserted through the
 *      Distributed table, which sends it to its shard; the row counts are checked
 *
 * Nothing else is validated here: the cluster keeps every other bad row (a negative amount, an unknown
 * subscriber, a duplicate), as an operator's tables would, and `churn features --clickhouse` validates
 * them there. Column types: subscriber_id String (empty when missing), others Nullable.
 */
import { join } from "node:path";
import type { Config } from "../config/schema.js";
import { readCsv, readShape } from "../contract/pass.js";
import { Params, rawExpr, typedSelect } from "../contract/sql.js";
import { TABLE_NAMES, TABLES, type TableName } from "../contract/tables.js";
import { InputDataError } from "../errors.js";
import { ClickHouse, type ChNode, chIdent, chLiteral, clusterNodes } from "../io/clickhouse.js";
import { Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { makeTempDir, removePath } from "../io/files.js";
import { findTableFiles } from "../io/tables.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";

export interface LoadClusterOptions {
  dir?: string | undefined;
  tables?: Record<string, string> | undefined;
  url: string;
  config: Config;
  log?: Logger | undefined;
}

export interface LoadedTable {
  table: TableName;
  name: string;
  file: string;
  rows: number;
  loaded: number;
  skipped: number;
  skipped_by_reason: Record<string, number>;
  seconds: number;
}

export interface LoadClusterResult {
  url: string;
  database: string;
  cluster: string;
  nodes: ChNode[];
  tables: LoadedTable[];
  seconds: number;
}

/** The ClickHouse column type a canonical column is stored as. */
const CH_TYPE = { id: "String", date: "Nullable(Date)", number: "Nullable(Float64)", integer: "Nullable(Int64)", boolean: "Nullable(UInt8)", enum: "Nullable(String)", text: "Nullable(String)" } as const;
/** The reject reason of a value that cannot be typed, per column type. */
const PARSE_REASON: Partial<Record<keyof typeof CH_TYPE, string>> = { date: "bad_date", number: "bad_number", integer: "bad_integer", boolean: "bad_boolean" };

/** The Distributed table of `table` (config.clickhouse.tables, default its canonical name) and its local table. */
export function clusterTableNames(config: Config, table: TableName): { dist: string; local: string } {
  const name = config.clickhouse.tables[table] ?? table;
  return { dist: name, local: `${name}_local` };
}

export async function loadIntoCluster(o: LoadClusterOptions): Promise<LoadClusterResult> {
  const t0 = performance.now();
  const log = o.log ?? silentLogger;
  const { config } = o;
  const cfg = config.clickhouse;
  const db = chIdent(cfg.database, "clickhouse.database");
  const cluster = cfg.cluster;

  // 1.
  const files = findTableFiles({ dir: o.dir ?? config.data.dir, tables: { ...config.data.tables, ...(o.tables ?? {}) } });
  const ch = ClickHouse.open({ url: o.url, timeoutSeconds: cfg.timeoutSeconds });
  const opened: ClickHouse[] = [ch];
  const duck = await Db.open({ memoryLimit: config.features.memoryLimit });
  const tmp = makeTempDir("churn-load-");
  try {
    const nodes = await clusterNodes(ch, cluster, cfg.shards);
    const conns = nodes.map((n) => {
      const c = n.url === ch.url ? ch : ClickHouse.open({ url: n.url, timeoutSeconds: cfg.timeoutSeconds });
      if (c !== ch) opened.push(c);
      return { node: n, ch: c };
    });
    for (const { node, ch: c } of conns) {
      await c.version().catch((e) => {
        throw new InputDataError(msg.chShardUnreachable(node.shard, node.url, (e as Error).message.split("\n")[0] ?? ""));
      });
    }
    log.info(`cluster ${cluster}: ${nodes.length} node(s) at ${nodes.map((n) => n.url).join(", ")}`);

    // 2.
    for (const { ch: c } of conns) await c.command(`CREATE DATABASE IF NOT EXISTS ${db}`);
    const out: LoadedTable[] = [];
    for (const table of TABLE_NAMES) {
      const source = files[table];
      if (!source) continue;
      const started = performance.now();
      const def = TABLES[table];
      // every part's header mapped to the contract; the table has the columns any part has
      const shapes = [];
      for (const file of source.parts) shapes.push({ file, shape: await readShape(duck, def, file, config) });
      const has = new Set(shapes.flatMap((x) => x.shape.cols.filter((c) => c.source !== null).map((c) => c.def.name)));
      const present = def.columns.filter((c) => has.has(c.name));
      const names = clusterTableNames(config, table);
      const local = `${db}.${chIdent(names.local, `clickhouse.tables.${table}`)}`;
      const dist = `${db}.${chIdent(names.dist, `clickhouse.tables.${table}`)}`;
      const columns = present.map((c) => `${chIdent(c.name)} ${CH_TYPE[c.type]}`).join(", ");
      for (const { ch: c } of conns) {
        await c.command(`DROP TABLE IF EXISTS ${dist}`);
        await c.command(`DROP TABLE IF EXISTS ${local}`);
        await c.command(`CREATE TABLE ${local} (${columns}) ENGINE = MergeTree ORDER BY subscriber_id`);
        await c.command(
          `CREATE TABLE ${dist} AS ${local} ENGINE = Distributed(${chLiteral(cluster)}, ${chLiteral(cfg.database)}, ${chLiteral(names.local)}, sipHash64(subscriber_id))`,
        );
      }

      // 3. per part: typed rows into a temp table, with the reason a value cannot be typed (NULL when all can)
      let rows = 0;
      let loaded = 0;
      const skippedBy: Record<string, number> = {};
      for (const { file, shape } of shapes) {
        const p = new Params();
        const from = file.format === "csv" ? readCsv(file, config.data.csv, shape.delimiter, p, shape.dialect) : `read_parquet(${p.add(file.path)})`;
        const parse = shape.cols
          .filter((c) => c.source !== null && PARSE_REASON[c.def.type] !== undefined)
          .map((c) => `WHEN ${rawExpr(c)} IS NOT NULL AND t.${quoteIdent(c.def.name)} IS NULL THEN ${quoteLiteral(PARSE_REASON[c.def.type] ?? "")}`);
        const reason = parse.length ? `CASE ${parse.join(" ")} END` : "CAST(NULL AS VARCHAR)";
        const outCols = present.map((c) => {
          const x = `t.${quoteIdent(c.name)}`;
          if (c.type === "id") return `coalesce(${x}, '') AS ${quoteIdent(c.name)}`;
          if (c.type === "boolean") return `CAST(${x} AS INTEGER) AS ${quoteIdent(c.name)}`;
          return `${x} AS ${quoteIdent(c.name)}`;
        });
        await duck.run("DROP TABLE IF EXISTS load_typed");
        await duck.run(
          `CREATE TEMP TABLE load_typed AS SELECT ${outCols.join(", ")}, ${reason} AS _reason FROM (SELECT ${typedSelect(shape.cols, "0", config.data.csv, p)} FROM ${from}) t`,
          p.values,
        );
        const counts = await duck.all("SELECT _reason AS r, count(*) AS n FROM load_typed GROUP BY ALL");
        const partRows = counts.reduce((a, r) => a + Number(r["n"]), 0);
        for (const r of counts) if (r["r"] !== null) skippedBy[String(r["r"])] = (skippedBy[String(r["r"])] ?? 0) + Number(r["n"]);
        const partSkipped = counts.filter((r) => r["r"] !== null).reduce((a, r) => a + Number(r["n"]), 0);
        const csv = join(tmp, `${table}.csv`);
        const keep = present.map((c) => quoteIdent(c.name)).join(", ");
        await duck.run(`COPY (SELECT ${keep} FROM load_typed WHERE _reason IS NULL) TO ${quoteLiteral(csv)} (FORMAT csv, HEADER false, NULLSTR '\\N')`);
        await duck.run("DROP TABLE load_typed");
        await ch.insertFile(dist, csv, "CSV", { insert_distributed_sync: 1 });
        removePath(csv);
        rows += partRows;
        loaded += partRows - partSkipped;
      }
      const inCluster = Number((await ch.rows(`SELECT count() AS n FROM ${dist}`))[0]?.["n"] ?? -1);
      if (inCluster !== loaded) throw new Error(`${table}: inserted ${loaded} rows into ${dist} but it holds ${inCluster}`);
      const seconds = (performance.now() - started) / 1000;
      const skipped = rows - loaded;
      log.info(
        `${table}: ${loaded} of ${rows} rows loaded into ${cfg.database}.${names.dist} in ${seconds.toFixed(1)} s${skipped ? `; ${skipped} left out (${Object.entries(skippedBy).map(([k, v]) => `${k} ${v}`).join(", ")})` : ""}`,
      );
      out.push({ table, name: `${cfg.database}.${names.dist}`, file: source.path, rows, loaded, skipped, skipped_by_reason: skippedBy, seconds });
    }
    return { url: ch.url, database: cfg.database, cluster, nodes, tables: out, seconds: (performance.now() - t0) / 1000 };
  } finally {
    removePath(tmp);
    duck.close();
    for (const c of opened) await c.close();
  }
}
