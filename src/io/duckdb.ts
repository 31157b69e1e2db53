/**
 * The one place that opens DuckDB. Every connection is locked down before any user-influenced SQL runs:
 * no extension is installed or loaded from the network, community extensions are refused, and the
 * configuration is locked so a later statement cannot undo that.
 *
 * Identifiers that come from config or input headers go through `quoteIdent`; values are bound as
 * parameters (`$1`, `$2`, ...), never spliced into SQL text.
 */
import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from "@duckdb/node-api";
import { ConfigError } from "../errors.js";
import { msg } from "../messages.js";
import { processAlive, removePath } from "./files.js";

export type Row = Record<string, unknown>;
export type Param = DuckDBValue;

export interface DbOptions {
  /** Worker threads; defaults to the number of cores. */
  threads?: number;
  /** e.g. "3GB". DuckDB spills to its temp directory beyond it. */
  memoryLimit?: string;
  /**
   * Where DuckDB may spill. Default: a folder of this connection's own under the OS temp dir (TMPDIR), removed at
   * close. DuckDB's own default, `.tmp` in the working directory, is shared by every process started there: two
   * workers spilling at once overwrote each other's temp files ("Could not read enough bytes from file
   * .tmp/duckdb_temp_storage_...") and it leaves a `.tmp` folder in the user's directory.
   */
  tempDirectory?: string;
}

let sweptSpills = false;

/**
 * A spill folder for one connection: TMPDIR/churn-duckdb-<uid>/<pid>-XXXXXX (a parent per user, so nothing else
 * in TMPDIR is listed). Once per process, the folders of dead pids (runs that were killed) are removed.
 */
function spillDir(): string {
  const root = join(tmpdir(), `churn-duckdb-${process.getuid?.() ?? "user"}`);
  mkdirSync(root, { recursive: true, mode: 0o700 });
  if (!sweptSpills) {
    sweptSpills = true;
    for (const name of readdirSync(root)) {
      const pid = Number(name.split("-")[0]);
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !processAlive(pid)) removePath(join(root, name));
    }
  }
  return mkdtempSync(join(root, `${process.pid}-`));
}

/**
 * A statement that failed because DuckDB could not write its spill files (a full or unwritable temp folder, `spillTo`)
 * is the machine's or the config's problem, never the input's nor a bug in churn: exit 2 naming the folder. So is a
 * step that needed more than the memory limit and could not spill. Other errors are returned as they are.
 */
export function duckResourceError(e: unknown, spillTo: string, memoryLimit: string | null): unknown {
  const text = (e as Error)?.message ?? "";
  if (text.includes(spillTo) || /duckdb_temp_storage|temp_directory|No space left on device/i.test(text)) {
    return new ConfigError(msg.spillFailed(spillTo, duckDetail(e)));
  }
  // a step that cannot spill needed more than the limit: the limit is the config's to raise, not a bug (also when
  // it surfaces as a FATAL error: "Failed to create checkpoint ... failed to pin block of size ...")
  if (/Out of Memory Error|failed to pin block/i.test(text)) return new ConfigError(msg.duckOutOfMemory(memoryLimit, text.split("\n")[0] ?? text));
  return e;
}

export { SAFE_IDENT, SAFE_IDENT_HINT } from "../identifiers.js";
import { SAFE_IDENT } from "../identifiers.js";

/** Validate and double-quote an identifier. `where` names the config path or file for the message. */
export function quoteIdent(name: string, where = "identifier"): string {
  if (!SAFE_IDENT.test(name)) throw new ConfigError(msg.unsafeIdentifier(where, name));
  return `"${name.replaceAll('"', '""')}"`;
}

/** Is this a safe identifier (same rule as quoteIdent), without throwing. */
export function isSafeIdent(name: string): boolean {
  return SAFE_IDENT.test(name);
}

/** A SQL string literal for values that DuckDB cannot take as a bound parameter (e.g. COPY targets). */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new ConfigError(msg.unsafeIdentifier("value", value));
  return `'${value.replaceAll("'", "''")}'`;
}

function toPlain(v: unknown): unknown {
  if (typeof v === "bigint") return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  return v;
}

/** The first lines of a DuckDB error, kept short. */
export function duckDetail(e: unknown): string {
  const text = (e as Error)?.message ?? String(e);
  return text.split("\n").slice(0, 3).join(" ").slice(0, 400);
}

export class Db {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly conn: DuckDBConnection,
    /** The spill folder this connection made (removed at close); undefined when the caller gave one. */
    private readonly ownSpill: string | undefined,
    /** Where this connection spills (its own folder or the caller's). */
    private readonly spillTo: string,
    /** The memory limit it was opened with (null: DuckDB's default), for the out-of-memory message. */
    private readonly memoryLimit: string | null = null,
  ) {}

  /** The folder this connection spills to (scratch files of its own go in subfolders of it). */
  get spillDirectory(): string {
    return this.spillTo;
  }

  /** The memory limit in bytes; DuckDB's default (80% of the machine's memory) when none was set. */
  get memoryLimitBytes(): number {
    const m = /^(\d+(?:\.\d+)?)\s*(MB|GB|MiB|GiB)$/.exec(this.memoryLimit ?? "");
    if (!m) return Math.floor(totalmem() * 0.8);
    const unit = { MB: 1e6, GB: 1e9, MiB: 2 ** 20, GiB: 2 ** 30 }[m[2] as "MB" | "GB" | "MiB" | "GiB"];
    return Math.floor(Number(m[1]) * unit);
  }

  private resourceError(e: unknown): unknown {
    return duckResourceError(e, this.spillTo, this.memoryLimit);
  }

  static async open(opts: DbOptions = {}): Promise<Db> {
    const config: Record<string, string> = {
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      allow_community_extensions: "false",
      allow_unsigned_extensions: "false",
      // An explicit INSTALL would otherwise try the network; point it at a path that cannot exist.
      custom_extension_repository: "/nonexistent/churn-installs-no-extensions",
      autoinstall_extension_repository: "/nonexistent/churn-installs-no-extensions",
      threads: String(opts.threads ?? 2),
    };
    if (opts.memoryLimit) config["memory_limit"] = opts.memoryLimit;
    const ownSpill = opts.tempDirectory ? undefined : spillDir();
    config["temp_directory"] = opts.tempDirectory ?? ownSpill!;
    try {
      const instance = await DuckDBInstance.create(":memory:", config);
      const conn = await instance.connect();
      await conn.run("SET TimeZone = 'UTC'");
      await conn.run("SET lock_configuration = true");
      return new Db(instance, conn, ownSpill, opts.tempDirectory ?? ownSpill!, opts.memoryLimit ?? null);
    } catch (e) {
      if (ownSpill) removePath(ownSpill);
      throw e;
    }
  }

  /** Run a statement for its effect. */
  async run(sql: string, params: Param[] = []): Promise<void> {
    try {
      if (params.length) await this.conn.run(sql, params);
      else await this.conn.run(sql);
    } catch (e) {
      throw this.resourceError(e);
    }
  }

  /** All rows as plain objects; BIGINTs become numbers when safe, DATE/TIMESTAMP become JS Dates (UTC). */
  async all(sql: string, params: Param[] = []): Promise<Row[]> {
    let reader: Awaited<ReturnType<DuckDBConnection["runAndReadAll"]>>;
    try {
      reader = params.length ? await this.conn.runAndReadAll(sql, params) : await this.conn.runAndReadAll(sql);
    } catch (e) {
      throw this.resourceError(e);
    }
    const rows = reader.getRowObjectsJS() as Row[];
    for (const r of rows) for (const k of Object.keys(r)) r[k] = toPlain(r[k]);
    return rows;
  }

  /** First row, or undefined. */
  async one(sql: string, params: Param[] = []): Promise<Row | undefined> {
    return (await this.all(sql, params))[0];
  }

  /** Column names and DuckDB types of a query's result, without reading its rows. */
  async describe(sql: string, params: Param[] = []): Promise<{ name: string; type: string }[]> {
    const rows = await this.all(`DESCRIBE ${sql}`, params);
    return rows.map((r) => ({ name: String(r["column_name"]), type: String(r["column_type"]) }));
  }

  close(): void {
    try {
      this.conn.closeSync();
      this.instance.closeSync();
    } finally {
      if (this.ownSpill) removePath(this.ownSpill);
    }
  }
}

/** Open a database, run `fn`, always close it. */
export async function withDb<T>(fn: (db: Db) => Promise<T>, opts: DbOptions = {}): Promise<T> {
  const db = await Db.open(opts);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}
