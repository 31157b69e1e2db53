/**
 * loadData with the validated-table cache: each file is validated once; a changed file, a changed setting, a
 * changed subscribers table or a later as-of date redo exactly what they change, and every load gives what a
 * load without the cache gives.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type ConfigInput, configSchema } from "../../src/config/schema.js";
import { type LoadResult, loadData } from "../../src/contract/load.js";
import { TABLE_NAMES } from "../../src/contract/tables.js";
import { ValidationCache } from "../../src/io/cache.js";
import { withDb } from "../../src/io/duckdb.js";
import { tempDir } from "./helpers.js";

const SUBS = [
  "subscriber_id,activation_date,deactivation_date,plan,contract_type,contract_end_date,monthly_fee,region,preferred_channel",
  "S1,2024-01-10,,basic,prepaid,,10.5,north,sms",
  "S2,2024-02-01,2025-06-30,plus,fixed_12m,2025-02-01,20,south,email",
  "S3,2023-05-05,,max,month_to_month,,30,east,",
].join("\n");
const USAGE_HEADER = "subscriber_id,date,voice_minutes,data_mb,sms,sessions";
const usage = (rows: string[]) => `${[USAGE_HEADER, ...rows].join("\n")}\n`;
const AS_OF = new Date(Date.UTC(2026, 0, 1));

interface Loaded {
  result: LoadResult;
  rejects: unknown[];
  rows: Record<string, unknown[]>;
}

async function load(dir: string, cache?: ValidationCache, cfg: ConfigInput = {}, asOf = AS_OF): Promise<Loaded> {
  return withDb(async (db) => {
    const result = await loadData(db, { dir, config: configSchema.parse(cfg), asOf, cache });
    const rejects = await db.all("SELECT * FROM rejects ORDER BY ALL");
    const rows: Record<string, unknown[]> = {};
    for (const t of TABLE_NAMES) if (result.tables[t].present) rows[t] = await db.all(`SELECT * FROM "${t}" ORDER BY ALL`);
    return { result, rejects, rows };
  });
}

/** What a user sees of a load, without the cache's own report. */
// storage apart: a table taken from the cache is a view over the cache's Parquet, a table read from the input a copy
const seen = (l: Loaded) => ({ rejects: l.rejects, rows: l.rows, tables: Object.values(l.result.tables).map(({ reused: _r, storage: _s, ...t }) => t), byReason: l.result.rejectsByReason });

function world(): string {
  const dir = tempDir();
  writeFileSync(join(dir, "subscribers.csv"), SUBS);
  writeFileSync(join(dir, "usage.csv"), usage(["S1,2025-01-01,1.5,100,2,1", "S2,2025-03-01,0,50,0,0", "S3,2025-02-01,1,1,1,1", "S3,2025-02-01,1,1,1,1"]));
  writeFileSync(join(dir, "billing.csv"), "subscriber_id,month,amount_billed\nS1,2025-01-01,10\nS3,2025-02-01,-1\n");
  return dir;
}

describe("loadData with the validated-table cache", () => {
  it("validates each file once: the second load reads no file again and gives the same", async () => {
    const dir = world();
    const cacheDir = join(dir, ".cache");
    const first = await load(dir, new ValidationCache(cacheDir));
    expect(first.result.cache).toMatchObject({ files: 3, reused: 0, rechecked: 0 });
    const second = await load(dir, new ValidationCache(cacheDir));
    expect(second.result.cache).toMatchObject({ files: 3, reused: 3, rechecked: 0 });
    expect(seen(second)).toEqual(seen(first));
    expect(seen(second)).toEqual(seen(await load(dir)));
    expect(second.rejects.length).toBe(2); // the negative bill and the duplicate usage row
    // the second load copies nothing: every present table is a view over the rows the first one checked
    expect(Object.values(second.result.tables).filter((t) => t.present).map((t) => t.storage)).toEqual(["view", "view", "view"]);
  });

  it("validates a changed file again, and only that file", async () => {
    const dir = world();
    const cacheDir = join(dir, ".cache");
    await load(dir, new ValidationCache(cacheDir));
    appendFileSync(join(dir, "billing.csv"), "S9,2025-01-01,5\n");
    const again = await load(dir, new ValidationCache(cacheDir));
    expect(again.result.cache).toMatchObject({ files: 3, reused: 2 });
    expect(again.result.tables.billing.reused).toBe(0);
    expect(seen(again)).toEqual(seen(await load(dir)));
    expect(again.rejects.some((r) => (r as { reason: string }).reason === "unknown_subscriber")).toBe(true);
  });

  it("validates again when a setting that shapes validation changes, not for one that does not", async () => {
    const dir = world();
    const cacheDir = join(dir, ".cache");
    await load(dir, new ValidationCache(cacheDir));
    const gate = await load(dir, new ValidationCache(cacheDir), { validation: { maxRejectShare: 0.5 } });
    expect(gate.result.cache?.reused).toBe(3);
    const decimal = await load(dir, new ValidationCache(cacheDir), { data: { csv: { delimiter: "," } } });
    expect(decimal.result.cache?.reused).toBe(0);
    expect(seen(decimal)).toEqual(seen(await load(dir, undefined, { data: { csv: { delimiter: "," } } })));
  });

  it("re-checks only the reference stage of event files when the subscribers change", async () => {
    const dir = world();
    const cacheDir = join(dir, ".cache");
    await load(dir, new ValidationCache(cacheDir));
    // S1 leaves the export: its usage and bills become unknown subscribers
    writeFileSync(join(dir, "subscribers.csv"), SUBS.split("\n").filter((l) => !l.startsWith("S1,")).join("\n"));
    const again = await load(dir, new ValidationCache(cacheDir));
    expect(again.result.cache).toMatchObject({ reused: 2, rechecked: 2 });
    expect(seen(again)).toEqual(seen(await load(dir)));
    expect(again.rejects.filter((r) => (r as { reason: string }).reason === "unknown_subscriber")).toHaveLength(2);
  });

  it("re-checks a file against a new as-of date only when one of its dates lies after the earlier one", async () => {
    const dir = world();
    appendFileSync(join(dir, "usage.csv"), "S3,2025-09-01,1,1,1,1\n");
    const cacheDir = join(dir, ".cache");
    const early = new Date(Date.UTC(2025, 7, 1));
    const later = new Date(Date.UTC(2025, 10, 1));
    await load(dir, new ValidationCache(cacheDir), {}, early);
    // usage has a date after 2025-08-01 (a future row then, not on 2025-11-01); billing's dates are all earlier
    const again = await load(dir, new ValidationCache(cacheDir), {}, later);
    expect(again.result.cache).toMatchObject({ reused: 3, rechecked: 1 });
    expect(seen(again)).toEqual(seen(await load(dir, undefined, {}, later)));
  });

  it("a partitioned table: a new partition is validated, the others are reused", async () => {
    const dir = world();
    rmSync(join(dir, "usage.csv"));
    mkdirSync(join(dir, "usage"));
    writeFileSync(join(dir, "usage", "2025-01.csv"), usage(["S1,2025-01-01,1.5,100,2,1", "S1,2025-01-02,1,1,1,1"]));
    writeFileSync(join(dir, "usage", "2025-02.csv"), usage(["S3,2025-02-01,1,1,1,1", "S3,2025-02-01,1,1,1,1"]));
    const cacheDir = join(dir, ".cache");
    const first = await load(dir, new ValidationCache(cacheDir));
    expect(first.result.tables.usage).toMatchObject({ file: join(dir, "usage"), files: 2, rows: 4, loaded: 3, rejected: 1 });
    writeFileSync(join(dir, "usage", "2025-03.csv"), usage(["S2,2025-03-01,0,50,0,0", "S2,2025-07-05,1,1,1,1"]));
    const second = await load(dir, new ValidationCache(cacheDir));
    expect(second.result.tables.usage).toMatchObject({ files: 3, reused: 2, rows: 6, loaded: 4, rejected: 2 });
    expect(seen(second)).toEqual(seen(await load(dir)));
  });

  it("Parquet partitions: new ones checked in one scan, and re-checked together when the subscribers change", async () => {
    const dir = world();
    rmSync(join(dir, "usage.csv"));
    mkdirSync(join(dir, "usage"));
    const parts: Record<string, string[]> = {
      "2025-01": ["S1,2025-01-01,1.5,100,2,1", "S1,2025-01-02,1,1,1,1", "S9,2025-01-03,1,1,1,1", "S2,2023-01-01,1,1,1,1"],
      "2025-02": ["S3,2025-02-01,1,1,1,1", "S3,2025-02-01,1,1,1,1", "S1,2025-02-01,-4,1,1,1", "S2,2025-07-05,1,1,1,1"],
      "2025-03": ["S2,2025-03-01,0,50,0,0", "S1,2026-03-01,1,1,1,1", "S3,2025-03-02,1,1,1,1"],
    };
    await withDb(async (db) => {
      for (const [name, rows] of Object.entries(parts)) {
        const csv = join(dir, `${name}.tmp.csv`);
        writeFileSync(csv, usage(rows));
        await db.run(`COPY (SELECT * FROM read_csv('${csv}', all_varchar = true)) TO '${join(dir, "usage", `${name}.parquet`)}' (FORMAT parquet)`);
        rmSync(csv);
      }
    });
    const cacheDir = join(dir, ".cache");
    const first = await load(dir, new ValidationCache(cacheDir));
    expect(first.result.tables.usage).toMatchObject({ files: 3, rows: 11, reused: 0 });
    // unknown subscriber, before activation, after deactivation, negative, duplicate, future: one of each at least
    expect(new Set(first.rejects.map((r) => (r as { reason: string }).reason))).toEqual(
      new Set(["unknown_subscriber", "before_activation", "after_deactivation", "negative", "duplicate_row", "future_date"]),
    );
    expect(seen(first)).toEqual(seen(await load(dir)));
    // S3 leaves the subscribers table and S9 joins it: every partition's kept rows are checked again, together
    writeFileSync(join(dir, "subscribers.csv"), SUBS.replace("S3,2023-05-05", "S9,2023-05-05"));
    const second = await load(dir, new ValidationCache(cacheDir));
    expect(second.result.cache).toMatchObject({ rechecked: 4 });
    expect(seen(second)).toEqual(seen(await load(dir)));
    expect(second.rejects).not.toEqual(first.rejects);
  });

  it("two loads at once on one cache both succeed and agree; nothing half-written is left", async () => {
    const dir = world();
    const cacheDir = join(dir, ".cache");
    const [a, b] = await Promise.all([load(dir, new ValidationCache(cacheDir)), load(dir, new ValidationCache(cacheDir))]);
    expect(seen(a)).toEqual(seen(b));
    expect(readdirSync(join(cacheDir, "v1", "tmp"))).toEqual([]);
    expect((await load(dir, new ValidationCache(cacheDir))).result.cache?.reused).toBe(3);
  });

  it("a damaged cache file is validated again, not trusted", async () => {
    const dir = world();
    const cacheDir = join(dir, ".cache");
    await load(dir, new ValidationCache(cacheDir));
    const parts = join(cacheDir, "v1", "part");
    for (const shard of readdirSync(parts)) for (const key of readdirSync(join(parts, shard))) writeFileSync(join(parts, shard, key, "rejects.parquet"), "not parquet");
    const again = await load(dir, new ValidationCache(cacheDir));
    expect(seen(again)).toEqual(seen(await load(dir)));
    expect(readFileSync(join(dir, "usage.csv"), "utf8")).toContain("S3,2025-02-01");
  });
});
