/**
 * The new loader against the old one (test/contract/legacy/, main before issue 18) on generated worlds with
 * bad rows of every kind: the same rejects file (bytes), counts, rejects by reason, loaded rows and
 * features; also from the validated-file cache (cold, then warm), and for partitioned inputs (the same
 * rows loaded and the same rejects by reason as the concatenated file).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Config, configSchema } from "../../src/config/schema.js";
import { type LoadResult, loadData, writeRejects } from "../../src/contract/load.js";
import { TABLE_NAMES } from "../../src/contract/tables.js";
import { usableColumns } from "../../src/features/build.js";
import { parsePeriod } from "../../src/features/periods.js";
import { computeFeatures } from "../../src/features/runner.js";
import { ValidationCache } from "../../src/io/cache.js";
import { type Db, withDb } from "../../src/io/duckdb.js";
import { generateWorld } from "../../src/synth/generate.js";
import { injectBadRows } from "./inject.js";
import { tempDir } from "./helpers.js";
import * as legacy from "./legacy/load.js";

const AS_OF = new Date(Date.UTC(2026, 5, 30));
const config: Config = configSchema.parse({});

interface Snapshot {
  rejectsCsv: string;
  tables: Record<string, unknown>;
  byReason: unknown;
  rows: Record<string, unknown[]>;
  features: unknown[];
}

/** Everything a load leaves that a user sees, with the files' folder written as DIR. */
async function snapshot(
  db: Db,
  result: LoadResult | legacy.LoadResult,
  dir: string,
  rejectsPath: string,
  write: (db: Db, path: string) => Promise<void>,
  withFeatures: boolean,
): Promise<Snapshot> {
  await write(db, rejectsPath);
  const tables: Record<string, unknown> = {};
  const rows: Record<string, unknown[]> = {};
  for (const t of TABLE_NAMES) {
    const l = result.tables[t];
    tables[t] = { present: l.present, file: l.file, format: l.format, rows: l.rows, loaded: l.loaded, rejected: l.rejected, minDate: l.minDate, maxDate: l.maxDate, sha256: l.sha256, columns: l.columns };
    if (l.present) rows[t] = await db.all(`SELECT * FROM "${t}" ORDER BY ALL`);
  }
  const features: unknown[] = [];
  if (withFeatures)
    await computeFeatures(
    db,
    { asOf: [new Date(Date.UTC(2026, 2, 31)), new Date(Date.UTC(2026, 4, 31))], horizon: parsePeriod("30d", "horizon"), columns: usableColumns(result as LoadResult) },
    async (select) => {
      features.push(...(await db.all(select)));
    },
  );
  return { rejectsCsv: readFileSync(rejectsPath, "utf8").replaceAll(dir, "DIR"), tables: JSON.parse(JSON.stringify(tables).replaceAll(dir, "DIR")), byReason: result.rejectsByReason, rows, features };
}

const loadLegacy = (dir: string, out: string, features = false) =>
  withDb(async (db) => snapshot(db, await legacy.loadData(db, { dir, config, asOf: AS_OF }), dir, join(out, "legacy.csv"), legacy.writeRejects, features));

const loadNew = (dir: string, out: string, cache?: ValidationCache, features = false) =>
  withDb(async (db) => snapshot(db, await loadData(db, { dir, config, asOf: AS_OF, cache }), dir, join(out, "new.csv"), writeRejects, features));

/** As `churn validate` loads (no copies; without a cache the parsed CSV rows keep only what the checks read). */
const loadForValidate = (dir: string, out: string) =>
  withDb(async (db) => snapshot(db, await loadData(db, { dir, config, asOf: AS_OF, materialize: false }), dir, join(out, "validate.csv"), writeRejects, true));

describe("the one-pass loader gives what the old loader gave", () => {
  let root: string;
  let csvDir: string;
  let pqDir: string;
  let textPqDir: string;
  let expected: Snapshot;
  beforeAll(async () => {
    root = tempDir();
    csvDir = join(root, "csv");
    await generateWorld({ subscribers: 150, months: 3, seed: 18, format: "csv", out: csvDir });
    const added = injectBadRows(csvDir);
    expect(Object.keys(added).length).toBe(7);
    // the same world as Parquet files whose columns are all text (an export that types nothing), and as a
    // typed Parquet world with the bad rows a typed file can hold
    textPqDir = join(root, "text-parquet");
    pqDir = join(root, "parquet");
    mkdirSync(textPqDir);
    await generateWorld({ subscribers: 150, months: 3, seed: 18, format: "parquet", out: pqDir });
    await withDb(async (db) => {
      for (const t of TABLE_NAMES) {
        await db.run(`COPY (SELECT * FROM read_csv('${join(csvDir, `${t}.csv`)}', all_varchar = true)) TO '${join(textPqDir, `${t}.parquet`)}' (FORMAT parquet)`);
      }
      const u = join(pqDir, "usage.parquet");
      await db.run(`CREATE TABLE u AS SELECT * FROM read_parquet('${u}')`);
      await db.run(`INSERT INTO u SELECT 'NOBODY', date, voice_minutes, data_mb, sms, sessions, dropped_calls FROM u USING SAMPLE 3 ROWS (reservoir, 1)`);
      await db.run(`INSERT INTO u SELECT subscriber_id, DATE '2031-01-01', voice_minutes, data_mb, sms, sessions, dropped_calls FROM u USING SAMPLE 3 ROWS (reservoir, 2)`);
      await db.run(`INSERT INTO u SELECT subscriber_id, date, -1, data_mb, sms, sessions, dropped_calls FROM u USING SAMPLE 3 ROWS (reservoir, 3)`);
      await db.run(`INSERT INTO u SELECT * FROM u USING SAMPLE 5 ROWS (reservoir, 4)`);
      await db.run(`INSERT INTO u SELECT subscriber_id, DATE '2019-06-01', voice_minutes, data_mb, sms, sessions, dropped_calls FROM u USING SAMPLE 3 ROWS (reservoir, 5)`);
      await db.run(`COPY u TO '${u}' (FORMAT parquet)`);
    });
    expected = await loadLegacy(csvDir, root, true);
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("rejects every kind of bad row, as before", () => {
    expect(expected.rejectsCsv.split("\n").length).toBeGreaterThan(100);
    const reasons = new Set((expected.byReason as { reason: string }[]).map((g) => g.reason));
    for (const r of ["empty_id", "missing_value", "bad_date", "bad_number", "bad_integer", "bad_boolean", "bad_enum", "negative", "out_of_range", "date_order", "future_date", "unknown_subscriber", "before_activation", "duplicate_row", "duplicate_id"]) {
      expect(reasons, r).toContain(r);
    }
  });

  /** Everything a user sees of the load: the rejects file (bytes), counts, rejects by reason, loaded rows and features. */
  const expectAsBefore = (got: Snapshot) => {
    expect(got.rejectsCsv).toBe(expected.rejectsCsv);
    expect(got.tables).toEqual(expected.tables);
    expect(got.byReason).toEqual(expected.byReason);
    expect(got.rows).toEqual(expected.rows);
    expect(got.features).toEqual(expected.features);
  };

  it("CSV: the same rejects file, counts, rows and features", async () => {
    expectAsBefore(await loadNew(csvDir, root, undefined, true));
  }, 60_000);

  it("CSV validated alone (only the checked columns kept): the same rejects file, counts and rows", async () => {
    // the tables are views over the files: what they read is what a full load keeps
    expectAsBefore(await loadForValidate(csvDir, root));
  }, 60_000);

  it("CSV through the cache, cold then warm: the same again", async () => {
    const cache = new ValidationCache(join(root, "cache"));
    const cold = await loadNew(csvDir, root, cache, true);
    const warmCache = new ValidationCache(join(root, "cache"));
    const warm = await loadNew(csvDir, root, warmCache, true);
    for (const got of [cold, warm]) expectAsBefore(got);
  }, 60_000);

  it("Parquet, all-text and typed: the same as the old loader on the same files", async () => {
    for (const dir of [textPqDir, pqDir]) {
      const want = await loadLegacy(dir, root);
      const got = await loadNew(dir, root);
      expect(got.rejectsCsv).toBe(want.rejectsCsv);
      expect(got.tables).toEqual(want.tables);
      expect(got.byReason).toEqual(want.byReason);
      expect(got.rows).toEqual(want.rows);
    }
    const want = await loadLegacy(pqDir, root);
    const cache = join(root, "cache-parquet");
    for (const c of [new ValidationCache(cache), new ValidationCache(cache)]) {
      const cached = await loadNew(pqDir, root, c);
      expect(cached.rejectsCsv).toBe(want.rejectsCsv);
      expect(cached.tables).toEqual(want.tables);
      expect(cached.rows).toEqual(want.rows);
    }
  }, 90_000);

  it("usage split into partitions (rows dealt round-robin, so every file overlaps): the same rows and rejects by reason", async () => {
    const dir = join(root, "partitioned");
    mkdirSync(join(dir, "usage"), { recursive: true });
    for (const t of TABLE_NAMES) if (t !== "usage") writeFileSync(join(dir, `${t}.csv`), readFileSync(join(csvDir, `${t}.csv`)));
    const [header, ...lines] = readFileSync(join(csvDir, "usage.csv"), "utf8").replace(/\n$/, "").split("\n");
    for (let k = 0; k < 3; k++) writeFileSync(join(dir, "usage", `part-${k}.csv`), `${[header, ...lines.filter((_, i) => i % 3 === k)].join("\n")}\n`);
    const got = await loadNew(dir, root, undefined, true);
    expect(got.rows).toEqual(expected.rows);
    expect(got.features).toEqual(expected.features);
    const count = (s: Snapshot) => Object.fromEntries((s.byReason as { table: string; reason: string; count: number }[]).map((g) => [`${g.table}.${g.reason}`, g.count]));
    expect(count(got)).toEqual(count(expected));
    expect(got.rejectsCsv).toMatch(/same as row \d+ of part-\d\.csv/);
    const alone = await loadForValidate(dir, root);
    expect(alone.rejectsCsv).toBe(got.rejectsCsv);
    expect(alone.tables).toEqual(got.tables);
    expect(alone.rows).toEqual(got.rows);

    // the same partitions as Parquet (text columns, so every bad value survives): checked in one scan, with
    // the same rejects, row for row, as the CSV partitions checked file by file
    const pq = join(root, "partitioned-parquet");
    mkdirSync(join(pq, "usage"), { recursive: true });
    for (const t of TABLE_NAMES) if (t !== "usage") writeFileSync(join(pq, `${t}.csv`), readFileSync(join(csvDir, `${t}.csv`)));
    await withDb(async (db) => {
      for (let k = 0; k < 3; k++) {
        await db.run(`COPY (SELECT * FROM read_csv('${join(dir, "usage", `part-${k}.csv`)}', all_varchar = true)) TO '${join(pq, "usage", `part-${k}.parquet`)}' (FORMAT parquet)`);
      }
    });
    // (three new Parquet files of one shape always take the one-scan path; subscribers stay a view here)
    const viaParquet = await withDb(async (db) =>
      snapshot(db, await loadData(db, { dir: pq, config, asOf: AS_OF, materializeMaxRows: 0 }), pq, join(pq, "new.csv"), writeRejects, true),
    );
    expect(viaParquet.rows).toEqual(expected.rows);
    expect(viaParquet.features).toEqual(expected.features);
    expect(viaParquet.rejectsCsv.replaceAll(".parquet", ".csv")).toBe(got.rejectsCsv);
  }, 60_000);
});
