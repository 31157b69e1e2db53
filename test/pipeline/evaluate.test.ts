/**
 * churn evaluate on a hand-made run directory (following the run-directory contract) and hand-made data:
 * the realised churn by band, AUC and lift below are worked out by hand in the comments.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateFromArgs } from "../../src/cli/commands/evaluate.js";
import { configSchema } from "../../src/config/schema.js";
import { InputDataError, UsageError } from "../../src/errors.js";
import { quoteLiteral, withDb } from "../../src/io/duckdb.js";
import { sha256Text } from "../../src/io/files.js";
import { msg } from "../../src/messages.js";
import { evaluateRun, evaluationText } from "../../src/pipeline/evaluate.js";
import { SUB_HEADER, writeDir } from "../contract/helpers.js";
import { tempDir } from "../model/helpers.js";

// id, probability, band, selected, deactivation_date ("" = still active)
const SUBS: [string, number, string, boolean, string][] = [
  ["S01", 0.9, "critical", true, "2026-04-10"], // churned
  ["S02", 0.85, "critical", true, ""],
  ["S03", 0.7, "high", true, "2026-04-30"], // churned: the horizon end is inside the window
  ["S04", 0.65, "high", false, "2026-05-01"], // stayed: one day after the window
  ["S05", 0.6, "high", false, ""],
  ["S06", 0.4, "medium", false, "2026-03-31"], // gone on the as-of date itself: left out
  ["S07", 0.35, "medium", true, "2026-04-15"], // churned
  ["S08", 0.3, "medium", false, ""],
  ["S09", 0.25, "medium", false, ""],
  ["S10", 0.2, "low", false, "2026-04-01"], // churned
  ["S11", 0.15, "low", false, ""],
  ["S12", 0.1, "low", false, ""],
  ["S13", 0.05, "low", false, ""],
  ["S14", 0.02, "low", false, ""],
  ["S99", 0.01, "low", false, "not in data"],
];

const config = configSchema.parse({});

/** A run directory as `churn score` writes it (the files evaluate reads), manifest last with checksums. */
async function writeRun(dir: string, manifest: Record<string, unknown>): Promise<void> {
  const values = SUBS.map(([id, p, band]) => `(${quoteLiteral(id)}, DATE '2026-03-31', ${p}, ${quoteLiteral(band)}, ${p})`).join(", ");
  const risk = SUBS.map(([id, p, band, sel], i) => `(${i + 1}, ${quoteLiteral(id)}, ${p}, ${quoteLiteral(band)}, ${quoteLiteral(sel ? "yes" : "no")})`).join(", ");
  await withDb(async (db) => {
    await db.run(`COPY (SELECT * FROM (VALUES ${values}) t(subscriber_id, as_of, probability, band, raw_score)) TO ${quoteLiteral(join(dir, "scores.parquet"))} (FORMAT parquet)`);
    await db.run(`COPY (SELECT * FROM (VALUES ${risk}) t(rank, subscriber_id, probability, band, selected)) TO ${quoteLiteral(join(dir, "risk_list.parquet"))} (FORMAT parquet)`);
  });
  writeFileSync(join(dir, "summary.json"), "{}\n");
  const files: Record<string, string> = {};
  for (const f of ["scores.parquet", "risk_list.parquet", "summary.json"]) files[f] = sha256Text(readFileSync(join(dir, f)));
  const runManifest = {
    kind: "churn-run",
    version: 1,
    run_id: "run-0331",
    model: { id: "m1", kind: "logistic", reasons: "coefficients" },
    as_of: "2026-03-31",
    created_at: "2026-04-01T02:00:00.000Z",
    churn_version: "0.1.0",
    source: "data",
    inputs: [],
    counts: { in: SUBS.length, scored: SUBS.length, rejected: 0, rejected_by_reason: {}, per_band: {}, per_action: {}, reconciled: true },
    budget: null,
    budget_used: 0,
    expected_revenue_saved: 0,
    value_at_risk: 0,
    effects: { source: "prior", note: "" },
    drift: { checked: false, warn: 0.1, threshold: 0.25, score_psi: null, max_feature: null, alerts: [], warnings: [], allowed: false },
    durations: {},
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ ...runManifest, ...manifest, files }));
}

function dataDir(usageEnd: string): string {
  const subs = SUBS.filter(([, , , , d]) => d !== "not in data").map(([id, , , , d]) => `${id},2025-01-01,${d},basic,month_to_month,,10,north,sms`);
  return writeDir({ "subscribers.csv": [SUB_HEADER, ...subs].join("\n"), "usage.csv": `subscriber_id,date,voice_minutes,data_mb,sms,sessions\nS02,${usageEnd},1,1,1,1\n` });
}

let run = "";
let data = "";
beforeAll(async () => {
  run = join(tempDir("churn-eval-"), "run-0331");
  mkdirSync(run);
  await writeRun(run, { horizon: "30d" });
  data = dataDir("2026-05-10");
});

describe("churn evaluate", () => {
  it("computes realised churn by band, AUC, lift and who stayed, and writes evaluation.json", async () => {
    const manifestBefore = readFileSync(join(run, "manifest.json"));
    const e = await evaluateRun({ runDir: run, dataDir: data, config });
    expect(e).toMatchObject({ runId: "run-0331", modelId: "m1", asOf: "2026-03-31", horizon: "30d", horizonDays: 30, horizonEnd: "2026-04-30", dataEnd: "2026-05-10" });
    // 15 scored; S99 is not in the data, S06 left on the as-of date → 13 evaluated, 4 churned (S01, S03, S07, S10)
    expect(e).toMatchObject({ scored: 15, notInData: 1, inactiveAtAsOf: 1, evaluated: 13, churned: 4 });
    expect(e.byBand).toEqual([
      { band: "critical", subscribers: 2, churned: 1 },
      { band: "high", subscribers: 3, churned: 1 },
      { band: "medium", subscribers: 3, churned: 1 },
      { band: "low", subscribers: 5, churned: 1 },
    ]);
    // negatives below each churner: S01 9, S03 8, S07 6, S10 4 → 27 of 4 × 9 pairs
    expect(e.auc).toBeCloseTo(27 / 36, 12);
    // top ceil(1.3) = 2 rows (S01, S02) hold 1 churner: (1/2) / (4/13)
    expect(e.lift10).toBeCloseTo(0.5 / (4 / 13), 12);
    // selected S01, S02, S03, S07: only S02 stayed
    expect(e).toMatchObject({ selectionKnown: true, selected: 4, selectedStayed: 1 });
    // rank deciles floor(i·10/13): S01,S02 → 1; S03 → 2; S04 → 3; S05,S07 → 4. Non-selected in deciles with a
    // selection: S05 only (stayed), so at the selected customers' risk mix the stay rate is 1 (decile 4 weight 1)
    expect(e.contrast).toMatchObject({ comparable: 1, comparableStayed: 1, expectedStayRate: 1, selectedStayRate: 0.25 });
    expect(JSON.parse(readFileSync(join(run, "evaluation.json"), "utf8"))).toEqual(JSON.parse(JSON.stringify(e)));
    // the manifest stays as score wrote it
    expect(readFileSync(join(run, "manifest.json")).equals(manifestBefore)).toBe(true);
  });

  it("refuses (exit 2) while the horizon has not passed given the data's last date", async () => {
    const early = dataDir("2026-04-20");
    // S04's deactivation on 2026-05-01 is the latest date in that data
    const err = await evaluateFromArgs({ run, data: early, quiet: true, horizon: "60d" }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(msg.horizonNotPassed(run, "2026-03-31", "60d", "2026-05-30", "2026-05-01"));
  });

  it("takes the horizon from --horizon, else the model's training.json, else refuses; refuses a damaged run", async () => {
    const root = tempDir("churn-eval-");
    const dir = join(root, "r");
    const models = join(root, "models");
    mkdirSync(dir);
    await writeRun(dir, {});
    await expect(evaluateRun({ runDir: dir, dataDir: data, config, modelsDir: models })).rejects.toThrow(new UsageError(msg.runHorizonMissing(join(dir, "manifest.json"))));
    expect((await evaluateRun({ runDir: dir, dataDir: data, config, modelsDir: models, horizon: "30d" })).churned).toBe(4);
    mkdirSync(join(models, "m1"), { recursive: true });
    writeFileSync(join(models, "m1", "training.json"), JSON.stringify({ split: { method: "time-honest", horizon: "1mo" } }));
    // 1mo from 2026-03-31 is 2026-04-30 (clamped month end): the same window as 30d
    const e = await evaluateRun({ runDir: dir, dataDir: data, config, modelsDir: models });
    expect(e).toMatchObject({ horizon: "1mo", horizonEnd: "2026-04-30", churned: 4 });
    writeFileSync(join(dir, "scores.parquet"), "tampered");
    // a damaged run folder is an input-data error (exit 3) naming the file
    const damaged = await evaluateRun({ runDir: dir, dataDir: data, config, horizon: "30d" }).catch((x: unknown) => x);
    expect(damaged).toBeInstanceOf(InputDataError);
    expect(damaged).toMatchObject({ exitCode: 3, message: expect.stringContaining("scores.parquet") });
  });

  it("says when the run's as-of date is one of the model's own snapshots: training, calibration or validation", async () => {
    const root = tempDir("churn-eval-");
    const dir = join(root, "r");
    const models = join(root, "models");
    mkdirSync(dir);
    await writeRun(dir, { horizon: "30d" });
    mkdirSync(join(models, "m1"), { recursive: true });
    const split = (s: Record<string, string>) => writeFileSync(join(models, "m1", "training.json"), JSON.stringify({ split: { method: "time-honest", horizon: "30d", ...s } }));
    // the run is as of 2026-03-31
    const cases: [Record<string, string>, string][] = [
      [{ trainAsOfMax: "2026-03-31", calibAsOf: "2026-04-30", validAsOf: "2026-05-31" }, "training"],
      [{ trainAsOfMax: "2026-02-28", calibAsOf: "2026-03-31", validAsOf: "2026-04-30" }, "calibration"],
      [{ trainAsOfMax: "2026-01-31", calibAsOf: "2026-02-28", validAsOf: "2026-03-31" }, "validation"],
      [{ trainAsOfMax: "2026-02-28", validAsOf: "2026-03-31" }, "validation"],
      [{ trainAsOfMax: "2025-12-31", calibAsOf: "2026-01-31", validAsOf: "2026-02-28" }, "unseen"],
    ];
    for (const [s, role] of cases) {
      split(s);
      const e = await evaluateRun({ runDir: dir, dataDir: data, config, modelsDir: models });
      expect(e.modelSaw).toEqual({ role, ...s });
      const text = evaluationText(e);
      if (role === "unseen") expect(text).not.toContain("note:");
      else expect(text).toContain(msg.evaluateModelSaw("2026-03-31", e.modelSaw!));
    }
    expect(msg.evaluateModelSaw("2026-03-31", { role: "calibration", trainAsOfMax: "2026-02-28", calibAsOf: "2026-03-31", validAsOf: "2026-04-30" })).toContain("by construction");
    // a model trained on a flat table (random split) has no snapshots: nothing to say
    writeFileSync(join(models, "m1", "training.json"), JSON.stringify({ split: { method: "random", horizon: "30d" } }));
    expect((await evaluateRun({ runDir: dir, dataDir: data, config, modelsDir: models })).modelSaw).toBeUndefined();
  });
});
