/**
 * Finding the input files of the data contract: by name in a data directory (`subscribers.csv`,
 * `usage.parquet`, or a folder `usage/` of partition files), or one by one (`data.tables.<table>: path`,
 * which wins over the directory). A table's path may be a file, a folder (every CSV or Parquet file in it
 * and its subfolders, e.g. daily exports or `date=2026-06-01/part-0.parquet`) or a glob such as
 * `exports/usage/2026-06-*.parquet`. Partition files are read in byte order of their paths.
 */
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { ConfigError, InputDataError, UsageError } from "../errors.js";
import { TABLE_NAMES, type TableName } from "../ids.js";
import { msg } from "../messages.js";
import { fileExists, isDirectory, isRegularFile } from "./files.js";

export type TableFormat = "csv" | "parquet";

/** One file of a table. */
export interface TableFile {
  table: TableName;
  path: string;
  format: TableFormat;
  bytes: number;
}

/** A table's input: one file, or the partition files of a folder or glob (in byte order of their paths). */
export interface TableSource {
  table: TableName;
  /** What was given or found: the file, the folder or the glob pattern. */
  path: string;
  format: TableFormat;
  /** Bytes of all files. */
  bytes: number;
  /** The files, in order (one for a plain file). */
  parts: TableFile[];
  /** A folder or glob (even when it holds one file). */
  partitioned: boolean;
}

/** File names tried in a data directory, in order. */
export const TABLE_EXTENSIONS = [".csv", ".parquet", ".csv.gz", ".tsv", ".txt"] as const;
const TABLE_FILE = /\.(csv|tsv|txt|csv\.gz|parquet|pq)$/i;

export function formatOf(path: string): TableFormat {
  return /\.(parquet|pq)$/i.test(path) ? "parquet" : "csv";
}

function describeFile(table: TableName, path: string): TableFile {
  return { table, path, format: formatOf(path), bytes: statSync(path).size };
}

/** Byte order of UTF-8 paths: the order DuckDB sorts VARCHARs in, so rejects sort the same way. */
export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export const isGlob = (path: string): boolean => /[*?[]/.test(path);

/** The folder part of a glob before its first wildcard: `exports/usage/2026-*.parquet` -> `exports/usage`. */
export function globBase(pattern: string): string {
  const segs = pattern.split(/[\\/]+/);
  const i = segs.findIndex((s) => isGlob(s));
  const base = segs.slice(0, i < 0 ? segs.length - 1 : i).join("/");
  return base === "" ? (pattern.startsWith("/") ? "/" : ".") : base;
}

function single(table: TableName, path: string): TableSource {
  const f = describeFile(table, path);
  return { table, path, format: f.format, bytes: f.bytes, parts: [f], partitioned: false };
}

/** The table files of a folder or glob: regular files with a table extension, hidden names skipped. */
function partitioned(table: TableName, where: string, paths: string[]): TableSource {
  const files = paths.filter((p) => TABLE_FILE.test(p) && isRegularFile(p)).sort(byteOrder);
  if (files.length === 0) {
    throw new InputDataError(isGlob(where) ? msg.tableGlobNoMatch(table, where) : msg.tableFolderEmpty(table, where));
  }
  const parts = files.map((p) => describeFile(table, p));
  const csv = parts.find((p) => p.format === "csv");
  const parquet = parts.find((p) => p.format === "parquet");
  if (csv && parquet) throw new InputDataError(msg.tableMixedFormats(table, where, csv.path, parquet.path));
  return { table, path: where, format: parts[0]!.format, bytes: parts.reduce((a, p) => a + p.bytes, 0), parts, partitioned: true };
}

/** Every file under `dir` (recursive), hidden names (.x, _x) skipped. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".") || name.startsWith("_")) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

const segmentRe = (seg: string) =>
  new RegExp(
    `^${seg.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]").replace(/\[!/g, "[^")}$`,
  );

/** Paths matching a glob: `*`, `?` and `[...]` within one path segment, `**` for any number of folders. */
export function expandGlob(pattern: string): string[] {
  const absolute = pattern.startsWith(sep);
  const segs = pattern.split(/[\\/]+/).filter((s) => s !== "");
  let current = [absolute ? sep : "."];
  for (const [i, seg] of segs.entries()) {
    const last = i === segs.length - 1;
    const next: string[] = [];
    for (const base of current) {
      if (seg === "**") {
        next.push(base, ...allDirs(base));
        continue;
      }
      if (!isGlob(seg)) {
        const p = join(base, seg);
        if (fileExists(p) && (last || isDirectory(p))) next.push(p);
        continue;
      }
      const re = segmentRe(seg);
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names) {
        if (n.startsWith(".") || !re.test(n)) continue;
        const p = join(base, n);
        if (last || isDirectory(p)) next.push(p);
      }
    }
    current = [...new Set(next)];
  }
  return current.filter((p) => isRegularFile(p)).map((p) => (absolute || pattern.startsWith("./") ? p : relative(".", p) || p));
}

function allDirs(dir: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names.sort()) {
    if (n.startsWith(".")) continue;
    const p = join(dir, n);
    if (isDirectory(p)) out.push(p, ...allDirs(p));
  }
  return out;
}

/**
 * Locate the input of each table. Explicit `tables` entries win; the rest are looked up in `dir` (a file
 * `<table>.csv|parquet|...` or a folder `<table>/`). Throws InputDataError when the directory or a
 * required table is missing, ConfigError for a table name that is not in the contract.
 */
export function findTableFiles(opts: { dir?: string | undefined; tables?: Record<string, string> | undefined }): Partial<
  Record<TableName, TableSource>
> {
  const explicit = opts.tables ?? {};
  for (const key of Object.keys(explicit)) {
    if (!(TABLE_NAMES as readonly string[]).includes(key)) throw new ConfigError(msg.unknownTableKey("data.tables", key, TABLE_NAMES));
  }
  if (opts.dir === undefined && Object.keys(explicit).length === 0) throw new UsageError(msg.noDataSource());
  if (opts.dir !== undefined && !isDirectory(opts.dir)) throw new InputDataError(msg.dataDirMissing(opts.dir));

  const found: Partial<Record<TableName, TableSource>> = {};
  for (const table of TABLE_NAMES) {
    const given = explicit[table];
    if (given !== undefined) {
      // An explicit path is the operator's choice, but it must be a CSV/Parquet file, a folder of them or a glob.
      if (isGlob(given)) {
        found[table] = partitioned(table, given, expandGlob(given));
        continue;
      }
      if (isDirectory(given)) {
        found[table] = partitioned(table, given, walk(given));
        continue;
      }
      if (!TABLE_FILE.test(given)) throw new ConfigError(msg.tableFileExtension(table, given, TABLE_EXTENSIONS));
      if (!fileExists(given)) throw new InputDataError(msg.tableFileNotFound(table, given));
      if (!isRegularFile(given)) throw new ConfigError(msg.tableFileNotRegular(table, given));
      found[table] = single(table, given);
      continue;
    }
    if (opts.dir === undefined) continue;
    const candidates = TABLE_EXTENSIONS.map((ext) => join(opts.dir as string, `${table}${ext}`)).filter(
      (p) => fileExists(p) && !isDirectory(p),
    );
    const folder = join(opts.dir, table);
    if (isDirectory(folder)) candidates.push(folder);
    if (candidates.length > 1) throw new InputDataError(msg.ambiguousTableFile(table, candidates));
    const path = candidates[0];
    if (path === undefined) continue;
    if (path === folder) {
      found[table] = partitioned(table, folder, walk(folder));
      continue;
    }
    // A pipe or device would block the read forever: refuse it.
    if (!isRegularFile(path)) throw new InputDataError(msg.dataFileNotRegular(path, table));
    found[table] = single(table, path);
  }
  // subscribers is the one required table of the contract (src/contract/tables.ts)
  if (!found.subscribers) {
    throw new InputDataError(
      msg.requiredTableMissing("subscribers", opts.dir ?? "data.tables", TABLE_EXTENSIONS.map((e) => `subscribers${e}`)),
    );
  }
  return found;
}

/** The name shown in messages: the file's base name (the full path is in the load result). */
export function displayName(path: string): string {
  return basename(path);
}
