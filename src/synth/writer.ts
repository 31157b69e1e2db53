/**
 * Staging tables -> the canonical tables (columns, types and order from src/contract/tables.ts) as CSV or
 * Parquet, each produced atomically and in a fixed row order so the same seed gives the same bytes.
 */
import { DUCKDB_TYPE, TABLES, type TableName } from "../contract/tables.js";
import { type Db, quoteIdent, quoteLiteral } from "../io/duckdb.js";
import { produceAtomic } from "../io/files.js";
import { usageSql } from "./usage.js";
import type { World } from "./world.js";

export type Format = "csv" | "parquet";


/** Width of the zero-padded number in subscriber ids (S0000001). */
export function idWidth(n: number): number {
  return Math.max(7, String(n).length);
}
export const idSql = (col: string, n: number) => `('S' || lpad(CAST(${col} + 1 AS VARCHAR), ${idWidth(n)}, '0'))`;
export const dateSql = (col: string) => `(DATE '1970-01-01' + CAST(${col} AS INTEGER))`;

/** Per table: the staging source and an expression per canonical column. */
function sources(w: World): Record<TableName, { from: string; orderBy?: string; cols: Record<string, string> }> {
  const id = idSql("sid", w.subscribers);
  return {
    subscribers: {
      from: "st_subscribers",
      orderBy: "sid",
      cols: {
        subscriber_id: id,
        activation_date: dateSql("activation"),
        deactivation_date: dateSql("deact"),
        plan: "plan",
        contract_type: "contract",
        contract_end_date: dateSql("contract_end"),
        monthly_fee: "fee",
        region: "region",
        preferred_channel: "channel",
      },
    },
    // Usage is streamed in parameter-table order (sid, then day): no sort of 180M rows.
    usage: {
      from: `(${usageSql(w, w.seed)})`,
      cols: {
        subscriber_id: "id",
        date: dateSql("day"),
        voice_minutes: "voice_minutes",
        data_mb: "data_mb",
        sms: "sms",
        sessions: "sessions",
        dropped_calls: "dropped_calls",
      },
    },
    billing: {
      from: "st_billing",
      orderBy: "sid, month",
      cols: { subscriber_id: id, month: dateSql("month"), amount_billed: "amount", discount: "discount", paid_late: "late" },
    },
    complaints: {
      from: "st_complaints",
      orderBy: "sid, seq",
      cols: { subscriber_id: id, opened_at: dateSql("opened"), category: "category", resolved_at: dateSql("resolved") },
    },
    products: {
      from: "st_products",
      orderBy: "sid, seq",
      cols: { subscriber_id: id, product: "product", start_date: dateSql("start"), end_date: dateSql("stop") },
    },
    surveys: { from: "st_surveys", orderBy: "sid, seq", cols: { subscriber_id: id, date: dateSql("day"), nps: "nps" } },
    campaigns: {
      from: "st_campaigns",
      orderBy: "sid, day",
      cols: { subscriber_id: id, date: dateSql("day"), action: "action", group: "grp" },
    },
  };
}

/** The SELECT producing table `name` with exactly the contract's columns, types and order. */
export function tableSql(w: World, name: TableName): string {
  const src = sources(w)[name];
  const cols = TABLES[name].columns.map((c) => {
    const expr = src.cols[c.name];
    if (expr === undefined) throw new Error(`synth writer: no source for ${name}.${c.name}`);
    return `CAST(${expr} AS ${DUCKDB_TYPE[c.type]}) AS ${quoteIdent(c.name)}`;
  });
  return `SELECT ${cols.join(", ")} FROM ${src.from}${src.orderBy ? ` ORDER BY ${src.orderBy}` : ""}`;
}

export function copyOptions(format: Format): string {
  return format === "parquet" ? "FORMAT parquet" : "FORMAT csv, HEADER true, DATEFORMAT '%Y-%m-%d'";
}

/** COPY a query to `path` atomically. */
export async function copyTo(db: Db, sql: string, path: string, format: Format): Promise<void> {
  await produceAtomic(path, (tmp) => db.run(`COPY (${sql}) TO ${quoteLiteral(tmp)} (${copyOptions(format)})`));
}

/** Subscribers per row group of the usage parameter file: one order-preserving batch of usage rows. */
export const USAGE_BATCH = 2048;

/**
 * Prepare the usage parameters (sorted by subscriber) as a Parquet file with
 * small row groups. DuckDB preserves row order by source batch; small source batches (2,048 subscribers,
 * ~370k usage rows) keep the order-preserving COPY streaming in little memory.
 */
export async function prepareUsage(db: Db, paramsPath: string, n: number): Promise<void> {
  await db.run(`COPY (SELECT sid, ${idSql("sid", n)} AS id, u0, u1, bv, bd, bs, bss, ap, onset, recovered, reg
    FROM st_subscribers WHERE u1 >= u0 ORDER BY sid)
    TO ${quoteLiteral(paramsPath)} (FORMAT parquet, ROW_GROUP_SIZE ${USAGE_BATCH})`);
  await db.run(`CREATE OR REPLACE VIEW st_usage_params AS SELECT * FROM read_parquet(${quoteLiteral(paramsPath)})`);
}
