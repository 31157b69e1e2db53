/**
 * The input-integrity gate on a generated world: every month-end inside the model's training window and up to
 * three months after it passes (a continued world), and broken exports of the last month stop it.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { buildFeatureTable } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { withDb } from "../../src/io/duckdb.js";
import { readFlatTable } from "../../src/io/flat-table.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import type { ReferenceDistributions } from "../../src/model/reference-bins.js";
import { trainAndRegister } from "../../src/model/train.js";
import { IntegrityCounter } from "../../src/monitoring/integrity.js";
import type { RawTable } from "../../src/raw-table.js";
import { continueWorld } from "../../src/synth/continue.js";
import { generateWorld } from "../../src/synth/index.js";


let dir: string;
let world: string;
let ref: ReferenceDistributions;
let reads: Set<string>;

const config = defaultConfig();
const horizon = parsePeriod("30d", "--horizon");

/** The integrity failures of each as-of date of a feature table, against the model's reference. */
async function failuresByAsOf(path: string): Promise<Map<string, string[]>> {
  const kinds = Object.fromEntries(ref.features.map((f) => [f.name, f.kind]));
  const flat = await readFlatTable(path, { kinds, raw: ["subscriber_id", "as_of", "label"] });
  const names = new Set(ref.features.map((f) => f.name));
  const asOf = flat.raw["as_of"]!.map((d) => String(d).slice(0, 10));
  const levels = new Map(ref.features.flatMap((f) => (f.kind === "categorical" ? [[f.name, f.levels] as const] : [])));
  const out = new Map<string, string[]>();
  for (const d of [...new Set(asOf)].sort()) {
    const rows = asOf.flatMap((x, i) => (x === d ? [i] : []));
    const table: RawTable = {
      rows: rows.length,
      columns: flat.table.columns
        .filter((c) => names.has(c.name))
        .map((c) => (c.kind === "numeric" ? { ...c, values: Float64Array.from(rows, (i) => c.values[i]!) } : { ...c, values: rows.map((i) => c.values[i] ?? null) })),
    };
    const counter = new IntegrityCounter(ref.snapshots!, levels, reads);
    counter.add(table);
    out.set(
      d,
      counter.failures().map((f) => `${f.column}:${f.kind}`),
    );
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "churn-integrity-world-"));
  world = join(dir, "world");
  await generateWorld({ subscribers: 800, months: 12, seed: 5, format: "parquet", out: world });
  const train = join(dir, "train.parquet");
  await buildFeatureTable({ config, dir: world, asOf: parseAsOf({ range: "2025-08-31..2026-05-31", every: "1mo" }), horizon, out: train });
  await trainAndRegister(await featureTrainingInput(train, "30d"), { model: "logistic", seed: 1, calibration: "none", modelsDir: join(dir, "models"), id: "lr" });
  ref = JSON.parse(readFileSync(join(dir, "models", "lr", "training.json"), "utf8")).reference;
  // the columns the model reads (as the scoring run gives them to the gate)
  reads = new Set((JSON.parse(readFileSync(join(dir, "models", "lr", "preprocessing.json"), "utf8")).columns as { name: string }[]).map((x) => x.name));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("input-integrity gate on a generated world", () => {
  it("passes every month-end of the training window (2025-08-31 to 2026-05-31) and the next four (to three months after its last label)", async () => {
    const later = join(dir, "later");
    cpSync(world, later, { recursive: true });
    await continueWorld({ world: later, months: 3 });
    const all = join(dir, "all.parquet");
    await buildFeatureTable({ config, dir: later, asOf: parseAsOf({ range: "2025-08-31..2026-09-30", every: "1mo" }), horizon, out: all });
    const failures = await failuresByAsOf(all);
    expect([...failures.keys()]).toHaveLength(14);
    for (const [asOf, f] of failures) expect(f, asOf).toEqual([]);
  }, 300_000);

  it("stops a broken export of the last month: units x 1000, two columns swapped, a column all 0, a table missing", async () => {
    const cases: [string, string, (f: string[]) => void][] = [
      ["data_mb * 1000 AS data_mb", "units", (f) => expect(f).toContain("data_mb_per_day_30d:scale")],
      ["CAST(data_mb AS DOUBLE) AS voice_minutes, CAST(voice_minutes AS DOUBLE) AS data_mb", "swap", (f) => expect(f.some((x) => x.endsWith(":swapped"))).toBe(true)],
      ["CAST(0 AS DOUBLE) AS data_mb", "zero", (f) => expect(f).toContain("data_mb_per_day_30d:all_zero")],
      ["", "no usage", (f) => expect(f).toContain("voice_min_per_day_30d:all_missing")],
    ];
    for (const [replace, name, check] of cases) {
      const broken = join(dir, `broken-${name.replace(" ", "-")}`);
      cpSync(world, broken, { recursive: true });
      if (replace) await withDb((db) => db.run(`COPY (SELECT * REPLACE (${replace}) FROM '${world}/usage.parquet') TO '${broken}/usage.parquet' (FORMAT parquet)`));
      else rmSync(join(broken, "usage.parquet"));
      const f = join(dir, `${name.replace(" ", "-")}.parquet`);
      await buildFeatureTable({ config, dir: broken, asOf: parseAsOf({ asOf: "2026-06-30" }), horizon, out: f });
      check((await failuresByAsOf(f)).get("2026-06-30") ?? []);
    }
  }, 300_000);
});
