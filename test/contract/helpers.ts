import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ConfigInput, configSchema } from "../../src/config/schema.js";
import { type LoadResult, loadData } from "../../src/contract/load.js";
import { type Row, withDb } from "../../src/io/duckdb.js";

export const SUB_HEADER =
  "subscriber_id,activation_date,deactivation_date,plan,contract_type,contract_end_date,monthly_fee,region,preferred_channel";
export const SUBS = [
  SUB_HEADER,
  "S1,2024-01-10,,basic,prepaid,,10.5,north,sms",
  "S2,2024-02-01,2025-06-30,plus,fixed_12m,2025-02-01,20,south,email",
  "S3,2023-05-05,,max,month_to_month,,30,east,",
].join("\n");
export const USAGE_HEADER = "subscriber_id,date,voice_minutes,data_mb,sms,sessions";
export const USAGE = [USAGE_HEADER, "S1,2025-01-01,1.5,100,2,1", "S2,2025-03-01,0,50,0,0"].join("\n");
export const AS_OF = new Date(Date.UTC(2026, 0, 1));

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "churn-contract-"));
}

/** Write files into a fresh temp dir. */
export function writeDir(files: Record<string, string | Uint8Array>): string {
  const dir = tempDir();
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

export interface Loaded {
  dir: string;
  result: LoadResult;
  rejects: Row[];
  tables: Record<string, Row[]>;
}

/** Load a directory of files and return the result, the rejects and the loaded tables' rows. */
export async function loadFiles(files: Record<string, string | Uint8Array>, cfg: ConfigInput = {}): Promise<Loaded> {
  const dir = writeDir(files);
  const config = configSchema.parse(cfg);
  return withDb(async (db) => {
    const result = await loadData(db, { dir, config, asOf: AS_OF });
    const rejects = await db.all("SELECT * FROM rejects ORDER BY table_name, row");
    const tables: Record<string, Row[]> = {};
    for (const t of Object.values(result.tables)) if (t.present) tables[t.table] = await db.all(`SELECT * FROM "${t.table}"`);
    return { dir, result, rejects, tables };
  });
}

/** The error thrown by loading these files (fails the test when nothing is thrown). */
export async function loadError(files: Record<string, string | Uint8Array>, cfg: ConfigInput = {}): Promise<{ error: Error; dir: string }> {
  const dir = writeDir(files);
  const config = configSchema.parse(cfg);
  try {
    await withDb((db) => loadData(db, { dir, config, asOf: AS_OF }));
  } catch (error) {
    return { error: error as Error, dir };
  }
  throw new Error("expected loading to fail");
}
