import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { buildFeatureTable } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { loadData } from "../../src/contract/load.js";
import { usableColumns } from "../../src/features/build.js";
import { passesFor } from "../../src/features/runner.js";
import { run } from "./helpers.js";
import { Db } from "../../src/io/duckdb.js";
import { silentLogger } from "../../src/log.js";
import { sourceFromRawTables } from "../../src/pipeline/source.js";
import { generateWorld } from "../../src/synth/generate.js";

const dir = mkdtempSync(join(tmpdir(), "churn-features-passes-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// the sidecar names its own file; all else must match
const sidecarOf = (f: string) => readFileSync(f, "utf8").replaceAll(/(one|parted|filtered)\.parquet/g, "F.parquet");
const sha = (f: string) => createHash("sha256").update(readFileSync(f)).digest("hex");

// Features too large for the memory limit are computed in passes over subscribers split by ranges of the id, the
// large tables written once into one Parquet part per pass. Each subscriber's features must be exactly the
// ones of a single pass: same file, same bytes, same sidecar, whether the tables are partitioned or filtered.
test("features computed in subscriber passes are byte-identical to one pass", async () => {
  const data = join(dir, "world");
  await generateWorld({ subscribers: 2500, months: 8, seed: 11, end: "2026-06-30", format: "parquet", out: data });
  const build = (out: string, passes?: number, partitionMinRows?: number) =>
    buildFeatureTable({
      config: defaultConfig(),
      dir: data,
      asOf: parseAsOf({ range: "2026-03-31..2026-05-31", every: "1mo" }),
      horizon: parsePeriod("30d", "--horizon"),
      out: join(dir, out),
      passes,
      partitionMinRows,
    });
  const one = await build("one.parquet");
  // every table written into per-pass parts (all are above a threshold of 0 rows)
  const parted = await build("parted.parquet", 3, 0);
  // every table filtered by its pass's range in each pass
  const filtered = await build("filtered.parquet", 4, Number.MAX_SAFE_INTEGER);
  expect(one.rows).toBeGreaterThan(6000);
  for (const r of [parted, filtered]) {
    expect(r.rows).toBe(one.rows);
    expect(r.asOf).toEqual(one.asOf);
    expect(sha(r.out)).toBe(sha(one.out));
    expect(sidecarOf(r.sidecar)).toEqual(sidecarOf(one.sidecar));
  }
  expect(parted.timings.some((t) => t.stage === "split:usage")).toBe(true);
  expect(filtered.timings.some((t) => t.stage.startsWith("split:"))).toBe(false);
  // the per-pass parts are gone with the run
  expect(readdirSync(dir).sort()).toEqual(["filtered.parquet", "filtered.parquet.json", "one.parquet", "one.parquet.json", "parted.parquet", "parted.parquet.json", "world"]);
}, 180_000);

test("the number of passes follows the memory limit, the subscribers and the months of usage", async () => {
  const db = await Db.open({ memoryLimit: "10MB" });
  try {
    await db.run("CREATE TABLE subscribers AS SELECT 'S' || range AS subscriber_id FROM range(20000)");
    const end = new Date("2026-06-30T00:00:00Z");
    // 20,000 x (800 + 400 x 6 months) = 64 MB over 10 MB: 7 passes; no usage: 20,000 x 800 = 16 MB: 2
    expect(await passesFor(db, undefined, "2026-01-01", end)).toBe(7);
    expect(await passesFor(db, undefined, null, end)).toBe(2);
    await db.run("CREATE TABLE shard AS SELECT subscriber_id FROM subscribers LIMIT 3000");
    expect(await passesFor(db, "shard", "2026-01-01", end)).toBe(1);
  } finally {
    db.close();
  }
});

// A few subscribers' features (the contacted ones, whose features at each contact the effects step reads) come
// from temp copies of their rows: they must equal their rows in the features of everyone.
test("the features of a few subscribers are their rows in everyone's features", async () => {
  const data = join(dir, "world");
  const db = await Db.open();
  try {
    const loaded = await loadData(db, { dir: data, config: defaultConfig(), asOf: new Date("2026-06-30T00:00:00Z") });
    const columns = usableColumns(loaded);
    // a mid-month as-of too: the copies hold only the usage days the features of these dates read
    const asOf = ["2026-04-30", "2026-05-17", "2026-05-31"];
    const all = await run(db, asOf, { columns });
    await db.run("CREATE TABLE few AS SELECT subscriber_id FROM subscribers ORDER BY hash(subscriber_id) LIMIT 60");
    const few = await run(db, asOf, { columns, only: "few" });
    const ids = new Set((await db.all("SELECT subscriber_id FROM few")).map((r) => String(r["subscriber_id"])));
    const expected = all.rows.filter((r) => ids.has(String(r["subscriber_id"])));
    expect(few.rows.length).toBeGreaterThan(80);
    expect(few.rows).toEqual(expected);
    // the temp copies are gone
    expect(await db.all("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'feat_few_%'")).toEqual([]);
  } finally {
    db.close();
  }
}, 120_000);

// `churn score --data` in passes: score_input is filled from the passes' files read in pass order, without a sort:
// it must hold the rows, in the order, of the table one pass builds (the scores, plan and run folder follow from it).
test("score's features in passes are the rows, in the order, of one pass", async () => {
  const data = join(dir, "world");
  const read = async (passes: number | undefined) => {
    const db = await Db.open();
    try {
      const loaded = await loadData(db, { dir: data, config: defaultConfig(), asOf: new Date("2026-05-31T00:00:00Z") });
      const src = await sourceFromRawTables(db, loaded, { asOf: "2026-05-31", horizon: parsePeriod("30d", "--horizon"), log: silentLogger, passes });
      return { rows: await db.all(`SELECT * FROM ${src.relation}`), n: src.rows, rejected: await db.all("SELECT * FROM rejects ORDER BY ALL") };
    } finally {
      db.close();
    }
  };
  const one = await read(undefined);
  const three = await read(3);
  expect(one.n).toBeGreaterThan(2000);
  expect(three.n).toBe(one.n);
  expect(three.rows).toEqual(one.rows);
  expect(three.rejected).toEqual(one.rejected);
}, 120_000);
