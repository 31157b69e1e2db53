/**
 * The feature table computed inside a 2-shard ClickHouse cluster equals the DuckDB one, value for value, on a
 * generated world with bad rows of every kind added; the reject counts by reason agree (ClickHouse's plus the
 * rows `churn load` could not type). Needs clickhouse-server (see test/servers.ts).
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/run.js";
import { ClickHouse } from "../../src/io/clickhouse.js";
import { withDb } from "../../src/io/duckdb.js";
import { generateWorld } from "../../src/synth/index.js";
import { needsClickHouse, type Server, startClickHouse, uniqueDatabase } from "../servers.js";

const need = needsClickHouse();
const AS_OF = "2026-05-31,2026-06-30";
let dir: string;
let world: string;
let cluster: Server;
let configFile: string;
const database = uniqueDatabase("churn_features");

/** Lines of a CSV file (header first). */
const lines = (file: string) => readFileSync(file, "utf8").trimEnd().split("\n");

/** Append bad rows of every kind to the world's CSV files (and duplicates of good rows). */
function spoil(w: string): void {
  const subs = lines(join(w, "subscribers.csv"));
  const first = subs[1] ?? "";
  const [id1, act1] = first.split(",");
  const second = (subs[2] ?? "").split(",");
  second[7] = "zzz_region"; // same id, other values: duplicate_id (the first row is kept by both engines)
  const usage = lines(join(w, "usage.csv"));
  const day = (iso: string, delta: number) => new Date(Date.parse(`${iso}T00:00:00Z`) + delta * 86_400_000).toISOString().slice(0, 10);
  appendFileSync(
    join(w, "subscribers.csv"),
    [
      ",2025-01-01,,basic,prepaid,,10.0,north,sms", // empty_id
      "X_ENUM,2025-01-01,,basic,weekly,,10.0,north,sms", // bad_enum
      "X_NEG,2025-01-01,,basic,prepaid,,-5,north,sms", // negative
      "X_ORDER,2025-03-01,2025-01-01,basic,prepaid,,10,north,sms", // date_order
      "X_FUTURE,2027-01-01,,basic,prepaid,,10,north,sms", // future_date
      "X_DATE,2025-13-01,,basic,prepaid,,10,north,sms", // bad_date: churn load leaves it out
      "X_NUMBER,2025-01-01,,basic,prepaid,,ten,north,sms", // bad_number: churn load leaves it out
      "X_MISSING,2025-01-01,,,prepaid,,10,north,sms", // missing_value
      first, // duplicate_row
      second.join(","), // duplicate_id
      "",
    ].join("\n"),
  );
  appendFileSync(
    join(w, "usage.csv"),
    [
      "S9999999,2026-03-01,1,1,1,1,0", // unknown_subscriber
      `${id1},${day(act1 ?? "2025-01-01", -1)},1,1,1,1,0`, // before_activation
      `${id1},2026-03-01,-1,1,1,1,0`, // negative
      `${id1},2026-03-02,abc,1,1,1,0`, // bad_number
      `${id1},,1,1,1,1,0`, // missing_value
      `${id1},2027-01-01,1,1,1,1,0`, // future_date
      usage.at(-1), // duplicate_row, within the last 90 days
      usage.at(-2),
      "",
    ].join("\n"),
  );
  appendFileSync(join(w, "billing.csv"), [`${id1},2026-03-01,-10,0,`, `${id1},2026-04-01,10,0,maybe`, ""].join("\n")); // negative, bad_boolean
  appendFileSync(join(w, "complaints.csv"), [`${id1},2026-03-01,weird,`, `${id1},2026-03-05,network,2026-03-01`, ""].join("\n")); // bad_enum, date_order
  appendFileSync(join(w, "surveys.csv"), [`${id1},2026-03-01,11`, ""].join("\n")); // out_of_range
  appendFileSync(join(w, "campaigns.csv"), [`${id1},2026-03-01,care_call,other`, ""].join("\n")); // bad_enum
}

describe.skipIf(!need.ok)(`features inside ClickHouse (${need.ok ? "2-shard cluster" : need.why})`, () => {
  beforeAll(async () => {
    cluster = startClickHouse();
    dir = mkdtempSync(join(tmpdir(), "churn-chfeat-"));
    world = join(dir, "world");
    // 13 months: the own-past comparison (months 4-9 before as-of, a 12-month trend) and the contact history have data
    await generateWorld({ subscribers: 400, months: 13, seed: 11, format: "csv", out: world });
    spoil(world);
    configFile = join(dir, "churn.config.json");
    writeFileSync(
      configFile,
      JSON.stringify({ clickhouse: { database }, validation: { asOf: "2026-07-15", maxRejectShare: 0.1 } }),
    );
  }, 120_000);

  afterAll(async () => {
    if (cluster) {
      const ch = ClickHouse.open({ url: cluster.url });
      await ch.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await ch.close();
      cluster.stop();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("churn load, then churn features --clickhouse gives the DuckDB feature table value for value, and the same rejects", async () => {
    const quiet = ["--quiet", "--config", configFile];
    const load = await stdoutOf(() => run(["load", "--data", world, "--clickhouse", cluster.url, "--json", ...quiet]));
    expect(load.code).toBe(0);
    const loaded = Object.fromEntries(
      (JSON.parse(load.text) as { tables: { table: string; skipped_by_reason: Record<string, number> }[] }).tables.map((t) => [t.table, t.skipped_by_reason]),
    );
    const fromFiles = join(dir, "duck.csv");
    const fromCluster = join(dir, "ch.csv");
    const viaFiles = await stdoutOf(() => run(["features", "--data", world, "--as-of", AS_OF, "--horizon", "30d", "--out", fromFiles, "--no-cache", ...quiet]));
    expect(viaFiles.code).toBe(0);
    const viaCluster = await stdoutOf(() => run(["features", "--clickhouse", cluster.url, "--as-of", AS_OF, "--horizon", "30d", "--out", fromCluster, ...quiet]));
    expect(viaCluster.code).toBe(0);
    const width = (t: string) => /wrote \d+ rows x (\d+) features/.exec(t)?.[1];
    expect(Number(width(viaFiles.text))).toBeGreaterThan(80);
    expect(width(viaCluster.text)).toBe(width(viaFiles.text));

    await withDb(async (db) => {
      await db.run(`CREATE TABLE a AS SELECT * FROM read_csv('${fromFiles}', header = true)`);
      await db.run(`CREATE TABLE b AS SELECT * FROM read_csv('${fromCluster}', header = true)`);
      const n = await db.one("SELECT (SELECT count(*) FROM a) AS a, (SELECT count(*) FROM b) AS b, (SELECT count(*) FROM a JOIN b USING (subscriber_id, as_of)) AS both");
      expect(Number(n?.["a"])).toBeGreaterThan(500);
      expect(n?.["b"]).toBe(n?.["a"]);
      expect(n?.["both"]).toBe(n?.["a"]);
      const cols = await db.describe("SELECT * FROM a");
      expect((await db.describe("SELECT * FROM b")).map((c) => c.name)).toEqual(cols.map((c) => c.name));
      const differ: string[] = [];
      for (const c of cols) {
        if (c.name === "subscriber_id" || c.name === "as_of") continue;
        const x = `a."${c.name}"`;
        const y = `b."${c.name}"`;
        // integers, flags and categories exactly; numbers to 1e-9 (relative above 1)
        const cond = c.type === "DOUBLE" ? `(${x} IS NULL) <> (${y} IS NULL) OR abs(${x} - ${y}) > 1e-9 * greatest(1, abs(${x}))` : `${x} IS DISTINCT FROM ${y}`;
        const r = await db.one(`SELECT count(*) AS n, min(a.subscriber_id) AS id FROM a JOIN b USING (subscriber_id, as_of) WHERE ${cond}`);
        if (Number(r?.["n"]) > 0) differ.push(`${c.name}: ${r?.["n"]} rows, e.g. ${r?.["id"]}`);
      }
      expect(differ).toEqual([]);
      // the spoiled rows really reached the features: the duplicated usage rows count once in both
      expect(Number((await db.one("SELECT count(*) AS n FROM a WHERE data_mb_per_day_7d > 0"))?.["n"])).toBeGreaterThan(100);
      // the families that read far back were compared on real values: own past, 12-month trends, contact history
      const far = await db.one(
        "SELECT count(data_mb_60d_vs_own_past_pct) AS past, count(data_mb_trend_12m_pct) AS trend, count(arpu_vs_own_past_pct) AS arpu, count(*) FILTER (WHERE contacts_365d > 0) AS contacted FROM a",
      );
      expect(Number(far?.["past"])).toBeGreaterThan(100);
      expect(Number(far?.["trend"])).toBeGreaterThan(100);
      expect(Number(far?.["arpu"])).toBeGreaterThan(100);
      expect(Number(far?.["contacted"])).toBeGreaterThan(10);
    });

    const sideFiles = JSON.parse(readFileSync(`${fromFiles}.json`, "utf8"));
    const sideCluster = JSON.parse(readFileSync(`${fromCluster}.json`, "utf8"));
    expect(sideCluster.columns).toEqual(sideFiles.columns);
    expect(sideCluster.as_of).toEqual(sideFiles.as_of);
    // rejects by reason: DuckDB's = ClickHouse's + what churn load could not type
    for (const t of ["subscribers", "usage", "billing", "complaints", "products", "surveys", "campaigns"]) {
      const files = sideFiles.inputs[t].rejected_by_reason as Record<string, number>;
      const cluster = { ...(sideCluster.inputs[t].rejected_by_reason as Record<string, number>) };
      for (const [k, v] of Object.entries(loaded[t] ?? {})) cluster[k] = (cluster[k] ?? 0) + v;
      expect({ table: t, reasons: cluster }).toEqual({ table: t, reasons: files });
      expect(sideCluster.inputs[t].rows + Object.values(loaded[t] ?? {}).reduce((a, b) => a + b, 0)).toBe(sideFiles.inputs[t].rows);
    }
    expect(sideFiles.inputs.usage.rejected_by_reason).toMatchObject({ duplicate_row: 2, unknown_subscriber: 1, before_activation: 1, bad_number: 1 });
    expect(sideFiles.inputs.subscribers.rejected_by_reason).toMatchObject({ duplicate_row: 1, duplicate_id: 1, empty_id: 1, bad_date: 1 });
  }, 300_000);
});

/** Run `fn` with stdout captured. */
async function stdoutOf(fn: () => Promise<number>): Promise<{ code: number; text: string }> {
  let text = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    text += String(chunk);
    return true;
  });
  try {
    return { code: await fn(), text };
  } finally {
    spy.mockRestore();
  }
}
