/**
 * The one place that talks to ClickHouse (HTTP, through @clickhouse/client). Works with Debian's
 * clickhouse-server 18.16 and current releases: no query parameters (18.16 has none), so every value that
 * enters SQL is literal-quoted by `chLiteral` and identifiers by `chIdent` (both below).
 *
 * Credentials come from the environment only (CHURN_CLICKHOUSE_USER, CHURN_CLICKHOUSE_PASSWORD): a URL with
 * a user or password in it is refused, so none ends up in a config file, a log or a run manifest.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from "@clickhouse/client";
import { ConfigError, InputDataError } from "../errors.js";
import { SAFE_IDENT } from "../identifiers.js";
import { msg } from "../messages.js";

export type ChRow = Record<string, unknown>;

/** Settings every query runs with: SQL NULLs for unmatched LEFT JOIN rows, room for the feature query. */
export const CH_SETTINGS = {
  join_use_nulls: 1,
  max_query_size: String(16 * 1024 * 1024),
  output_format_json_quote_64bit_integers: 0,
} as const;

/** A ClickHouse string literal: backslash and quote escaped (ClickHouse reads backslash escapes in literals). */
export function chLiteral(s: string): string {
  return `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'").replaceAll("\0", "\\0")}'`;
}

/** Validate and quote an identifier (database, table or column name) for ClickHouse. */
export function chIdent(name: string, where = "identifier"): string {
  if (!SAFE_IDENT.test(name)) throw new ConfigError(msg.unsafeIdentifier(where, name));
  return `\`${name.replaceAll("\\", "\\\\").replaceAll("`", "\\`")}\``;
}

/** Check a URL: http(s), no credentials in it. Returns it without a trailing slash. */
export function checkChUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(msg.chBadUrl(url));
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new ConfigError(msg.chBadUrl(url));
  if (u.username || u.password) throw new ConfigError(msg.chCredentialsInUrl());
  return url.replace(/\/+$/, "");
}

export interface ChOptions {
  url: string;
  /** Seconds a query may take before the client gives up (default 3600). */
  timeoutSeconds?: number | undefined;
  /**
   * Run every query in one HTTP session, so temporary tables live from one query to the next (until
   * close); a session takes one query at a time.
   */
  session?: boolean | undefined;
}

let sessions = 0;

/** A connection to one ClickHouse node. */
export class ClickHouse {
  private constructor(
    readonly url: string,
    private readonly client: ClickHouseClient,
  ) {}

  static open(opts: ChOptions): ClickHouse {
    const url = checkChUrl(opts.url);
    const timeout = opts.timeoutSeconds ?? 3600;
    const client = createClient({
      url,
      username: process.env["CHURN_CLICKHOUSE_USER"] ?? "default",
      password: process.env["CHURN_CLICKHOUSE_PASSWORD"] ?? "",
      request_timeout: timeout * 1000,
      ...(opts.session ? { session_id: `churn-${process.pid}-${Date.now()}-${++sessions}` } : {}),
      // a session outlives the pauses between its queries (the server caps it at max_session_timeout)
      clickhouse_settings: opts.session ? { ...CH_SETTINGS, session_timeout: String(Math.min(timeout, 3600)) } : CH_SETTINGS,
      application: "churn",
      log: { level: ClickHouseLogLevel.OFF },
    });
    return new ClickHouse(url, client);
  }

  /** Rows of a SELECT as plain objects (64-bit integers as numbers, dates as YYYY-MM-DD strings). */
  async rows(sql: string): Promise<ChRow[]> {
    return this.wrap(sql, async () => {
      const rs = await this.client.query({ query: sql, format: "JSONEachRow" });
      return (await rs.json()) as ChRow[];
    });
  }

  /** Run a statement (DDL, INSERT ... SELECT) for its effect. */
  async command(sql: string, settings: Record<string, string | number> = {}): Promise<void> {
    await this.wrap(sql, () => this.client.command({ query: sql, clickhouse_settings: settings }));
  }

  /** Stream a SELECT's result into a file in `format` (e.g. CSVWithNames); returns when the file is complete. */
  async toFile(sql: string, path: string, format: string): Promise<void> {
    await this.wrap(sql, async () => {
      const res = await this.client.exec({ query: `${sql}\nFORMAT ${format}` });
      await pipeline(res.stream, createWriteStream(path));
    });
  }

  /** Insert a file (`format`, e.g. CSV) into a table. */
  async insertFile(table: string, path: string, format: string, settings: Record<string, string | number> = {}): Promise<void> {
    const sql = `INSERT INTO ${table} FORMAT ${format}`;
    await this.wrap(sql, () => this.client.exec({ query: sql, values: createReadStream(path), clickhouse_settings: settings }).then((r) => r.stream.resume()));
  }

  /**
   * Insert rows (objects keyed by column name) into a table, streamed as JSONEachRow: the values never enter the
   * SQL text. Dates as YYYY-MM-DD strings.
   */
  async insertRows(table: string, rows: Iterable<Record<string, string | number | null>>): Promise<void> {
    const sql = `INSERT INTO ${table} FORMAT JSONEachRow`;
    const lines = function* () {
      for (const r of rows) yield `${JSON.stringify(r)}\n`;
    };
    await this.wrap(sql, () => this.client.exec({ query: sql, values: Readable.from(lines()) }).then((r) => r.stream.resume()));
  }

  /** The server's version, e.g. "18.16.1". */
  async version(): Promise<string> {
    return String((await this.rows("SELECT version() AS v"))[0]?.["v"] ?? "");
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Map transport errors to a message naming the URL; server errors keep ClickHouse's own text. */
  private async wrap<T>(sql: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { type?: string };
      if (err?.code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|EAI_AGAIN|EPIPE)$/.test(err.code)) {
        throw new ConfigError(msg.chUnreachable(this.url, err.code));
      }
      const text = (err?.message ?? String(e)).split("\n")[0] ?? "";
      if (/Authentication failed|password is incorrect|Code: (192|193|516)\b/.test(text)) throw new ConfigError(msg.chAuth(this.url, text));
      if (/Timeout error|timeout/i.test(text) && !/Code: \d+/.test(text)) throw new ConfigError(msg.chTimeout(this.url));
      throw new ClickHouseError(text, sql);
    }
  }
}

/** An error ClickHouse returned for a query (its code and text, and the query's start for CHURN_DEBUG). */
export class ClickHouseError extends Error {
  readonly code: number | null;
  constructor(
    readonly serverText: string,
    readonly sql: string,
  ) {
    super(`ClickHouse: ${serverText}`);
    this.code = Number(/Code: (\d+)/.exec(serverText)?.[1] ?? Number.NaN) || null;
  }
}

/** An InputDataError for a ClickHouse error caused by the operator's tables (a missing table or column). */
export function chInputError(e: unknown, where: string): Error {
  if (e instanceof ClickHouseError && (e.code === 60 || e.code === 81 || e.code === 47 || e.code === 16)) {
    return new InputDataError(msg.chTableError(where, e.serverText));
  }
  return e as Error;
}

/** One node of a cluster: its shard (1-based), and the HTTP URL churn reaches it at. */
export interface ChNode {
  shard: number;
  replica: number;
  url: string;
}

/**
 * The nodes of `cluster` from system.clusters, each at its host on the query URL's port (the usual layout:
 * every node serves HTTP on the same port), or at `shards[shard - 1]` when the config lists them.
 */
export async function clusterNodes(ch: ClickHouse, cluster: string, shards?: readonly string[]): Promise<ChNode[]> {
  const rows = await ch.rows(`SELECT shard_num, replica_num, host_address, host_name FROM system.clusters WHERE cluster = ${chLiteral(cluster)} ORDER BY shard_num, replica_num`);
  if (!rows.length) {
    const all = await ch.rows("SELECT DISTINCT cluster FROM system.clusters ORDER BY cluster");
    throw new ConfigError(msg.chNoCluster(cluster, all.map((r) => String(r["cluster"]))));
  }
  const q = new URL(ch.url);
  return rows.map((r) => {
    const shard = Number(r["shard_num"]);
    const given = shards?.[shard - 1];
    const host = String(r["host_address"] || r["host_name"]);
    const url = given !== undefined ? checkChUrl(given) : `${q.protocol}//${host.includes(":") ? `[${host}]` : host}:${q.port || (q.protocol === "https:" ? 443 : 8123)}`;
    return { shard, replica: Number(r["replica_num"]), url };
  });
}
