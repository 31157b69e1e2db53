import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { buildFeatureTable, sidecarPath } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { withDb } from "../../src/io/duckdb.js";

const dir = mkdtempSync(join(tmpdir(), "churn-features-"));
const data = join(dir, "data");

beforeAll(() => {
  mkdirSync(data, { recursive: true });
  writeFileSync(
    join(data, "subscribers.csv"),
    [
      "subscriber_id,activation_date,deactivation_date,plan,contract_type,contract_end_date,monthly_fee,region,preferred_channel",
      "A,2025-01-01,,basic,month_to_month,,30,north,sms",
      "B,2025-02-01,2026-04-20,plus,fixed_12m,2026-02-01,45,south,email",
      "C,2026-04-10,,basic,prepaid,,10,north,",
    ].join("\n"),
  );
  writeFileSync(
    join(data, "usage.csv"),
    ["subscriber_id,date,voice_minutes,data_mb,sms,sessions", "A,2026-03-30,5,100,1,1", "A,2026-03-31,5,100,1,1", "B,2026-03-31,1,10,0,0", "A,2026-05-31,1,1,1,1"].join("\n"),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string) => createHash("sha256").update(readFileSync(p)).digest("hex");

test("writes a Parquet feature table and its sidecar; absent tables skip their families", async () => {
  const out = join(dir, "out", "features.parquet");
  const r = await buildFeatureTable({
    config: defaultConfig(),
    dir: data,
    asOf: parseAsOf({ asOf: "2026-03-31,2026-05-15" }),
    horizon: parsePeriod("30d", "--horizon"),
    out,
  });
  expect(r.format).toBe("parquet");
  expect(r.rows).toBe(4); // 2026-03-31: A, B; 2026-05-15: A, C (B left on 2026-04-20)
  expect(readdirSync(join(dir, "out")).sort()).toEqual(["features.parquet", "features.parquet.json"]); // no temp parts left

  const rows = await withDb((db) => db.all(`SELECT subscriber_id, strftime(as_of, '%Y-%m-%d') AS d, label, active_days_7d FROM read_parquet('${out}')`));
  expect(rows).toEqual([
    { subscriber_id: "A", d: "2026-03-31", label: 0, active_days_7d: 2 },
    { subscriber_id: "B", d: "2026-03-31", label: 1, active_days_7d: 1 },
    // data ends 2026-05-31 (latest usage date); 2026-05-15 + 30d = 2026-06-14 is after it: unknown
    { subscriber_id: "A", d: "2026-05-15", label: null, active_days_7d: 0 },
    { subscriber_id: "C", d: "2026-05-15", label: null, active_days_7d: 0 },
  ]);

  const side = JSON.parse(readFileSync(sidecarPath(out), "utf8"));
  expect(side.rows).toBe(4);
  expect(side.label.horizon).toBe("30d");
  expect(side.label.data_end).toBe("2026-05-31");
  expect(side.as_of_dates).toEqual(["2026-03-31", "2026-05-15"]);
  expect(side.inputs.subscribers).toMatchObject({ present: true, file: "subscribers.csv", sha256: sha(join(data, "subscribers.csv")), rows: 3 });
  expect(side.inputs.billing).toEqual({ present: false });
  const skipped = side.families.filter((f: { status: string }) => f.status === "skipped").map((f: { id: string }) => f.id);
  expect(skipped).toEqual(["network", "complaints", "products", "contacts"]);
  // usage.csv has no dropped_calls column (the loader adds it as NULL): network is skipped with that reason
  expect(side.families.find((f: { id: string }) => f.id === "network").reason).toContain("dropped_calls");
  const names = side.columns.map((c: { name: string }) => c.name);
  expect(names[0]).toBe("subscriber_id");
  expect(names.at(-1)).toBe("label");
  const tenure = side.columns.find((c: { name: string }) => c.name === "tenure_days");
  expect(tenure).toMatchObject({ family: "tenure", type: "integer", sql_type: "BIGINT", unit: "days" });
  expect(side.skipped_features.map((s: { feature: string }) => s.feature)).toContain("plan_changed_90d");
});

test("writes CSV when the file ends in .csv, with an empty label when unknown; same inputs give the same bytes", async () => {
  const out = join(dir, "features.csv");
  const opts = { config: defaultConfig(), dir: data, asOf: parseAsOf({ asOf: "2026-05-15" }), horizon: parsePeriod("1mo", "--horizon"), out };
  await buildFeatureTable(opts);
  const first = readFileSync(out, "utf8");
  const lines = first.trim().split("\n");
  expect(lines[0]?.startsWith("subscriber_id,as_of,tenure_days,")).toBe(true);
  expect(lines[0]?.endsWith(",label")).toBe(true);
  expect(lines[1]?.startsWith("A,2026-05-15,499,")).toBe(true); // 2025-01-01 -> 2026-05-15 = 499 days
  expect(lines[1]?.endsWith(",")).toBe(true); // label empty
  const side = readFileSync(sidecarPath(out), "utf8");
  await buildFeatureTable(opts);
  expect(readFileSync(out, "utf8")).toBe(first);
  expect(readFileSync(sidecarPath(out), "utf8")).toBe(side);
  expect(existsSync(`${out}.json`)).toBe(true);
});
