/**
 * The loader as it was before issue 18 (main at 737c114), kept verbatim as the reference the new one is
 * compared with: same rejects (bytes), counts and loaded rows on worlds with bad rows of every kind
 * (test/contract/equivalence.test.ts). Not used by the product; only imports changed.
 */
/**
 * Finding the input files of the data contract: by name in a data directory (`subscribers.csv`,
 * `usage.parquet`, ...) or one by one (`data.tables.<table>: path`, which wins over the directory).
 */
import { statSync } from "node:fs";
import { basename, join } from "node:path";
import { TABLE_NAMES, TABLES, type TableName } from "../../../src/contract/tables.js";
import { ConfigError, InputDataError, UsageError } from "../../../src/errors.js";
import { msg } from "../../../src/messages.js";
import { fileExists, isDirectory, isRegularFile } from "../../../src/io/files.js";

export type TableFormat = "csv" | "parquet";

export interface TableFile {
  table: TableName;
  path: string;
  format: TableFormat;
  bytes: number;
}

/** File names tried in a data directory, in order. */
export const TABLE_EXTENSIONS = [".csv", ".parquet", ".csv.gz", ".tsv", ".txt"] as const;

export function formatOf(path: string): TableFormat {
  return /\.(parquet|pq)$/i.test(path) ? "parquet" : "csv";
}

function describeFile(table: TableName, path: string): TableFile {
  return { table, path, format: formatOf(path), bytes: statSync(path).size };
}

/**
 * Locate the file of each table. Explicit `tables` entries win; the rest are looked up in `dir`.
 * Throws InputDataError when the directory or a required table is missing, ConfigError for a table name
 * that is not in the contract.
 */
export function findTableFiles(opts: { dir?: string | undefined; tables?: Record<string, string> | undefined }): Partial<
  Record<TableName, TableFile>
> {
  const explicit = opts.tables ?? {};
  for (const key of Object.keys(explicit)) {
    if (!(TABLE_NAMES as readonly string[]).includes(key)) throw new ConfigError(msg.unknownTableKey("data.tables", key, TABLE_NAMES));
  }
  if (opts.dir === undefined && Object.keys(explicit).length === 0) throw new UsageError(msg.noDataSource());
  if (opts.dir !== undefined && !isDirectory(opts.dir)) throw new InputDataError(msg.dataDirMissing(opts.dir));

  const found: Partial<Record<TableName, TableFile>> = {};
  for (const table of TABLE_NAMES) {
    const given = explicit[table];
    if (given !== undefined) {
      // An explicit path is the operator's choice, but it must be an existing regular CSV/Parquet file.
      if (!/\.(csv|tsv|txt|csv\.gz|parquet|pq)$/i.test(given)) throw new ConfigError(msg.tableFileExtension(table, given, TABLE_EXTENSIONS));
      if (!fileExists(given)) throw new InputDataError(msg.tableFileNotFound(table, given));
      if (!isRegularFile(given)) throw new ConfigError(msg.tableFileNotRegular(table, given));
      found[table] = describeFile(table, given);
      continue;
    }
    if (opts.dir === undefined) continue;
    const candidates = TABLE_EXTENSIONS.map((ext) => join(opts.dir as string, `${table}${ext}`)).filter(
      (p) => fileExists(p) && !isDirectory(p),
    );
    if (candidates.length > 1) throw new InputDataError(msg.ambiguousTableFile(table, candidates));
    const path = candidates[0];
    // A pipe or device would block the read forever: refuse it.
    if (path !== undefined && !isRegularFile(path)) throw new InputDataError(msg.dataFileNotRegular(path, table));
    if (path !== undefined) found[table] = describeFile(table, path);
  }
  if (!found.subscribers && TABLES.subscribers.required) {
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
