import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputDataError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { featureTrainingInput, tableTrainingInput } from "../../src/model/inputs.js";
import { listModels, loadScorer, promoteModel, scoreTable } from "../../src/model/registry.js";
import { trainAndRegister } from "../../src/model/train.js";
import { takeRows } from "../../src/raw-table.js";
import { tempDir, writeFeatureCsv, writeFlatCsv } from "./helpers.js";

const opts = { model: "logistic" as const, seed: 7, calibration: "auto" as const };

describe("training on a feature table is time-honest", () => {
  it("validates on the latest complete snapshot and never trains on unknown labels or open windows", async () => {
    const dir = tempDir();
    const path = join(dir, "features.csv");
    writeFeatureCsv(path);
    const input = await featureTrainingInput(path, "30d");
    // three ways: validation May 31, calibration Apr 30 (its window closed by May 31), training up to Mar 31
    // (windows closed by Apr 30)
    expect(input.split).toMatchObject({ method: "time-honest", validAsOf: "2026-05-31", calibAsOf: "2026-04-30", calibRows: 80, trainAsOfMax: "2026-03-31", fitRows: 240, validRows: 80, unlabelledRows: 80 });
    expect(input.calibRows).toHaveLength(80);
    // every training row is labelled and from a snapshot at least 30 days before calibration
    for (const i of input.fitRows) expect(Number.isNaN(input.y[i]!)).toBe(false);
    // with a 2-month horizon: calibration Mar 31 (window to May 31), training Jan 31 (window to Mar 31); Feb 28
    // and Apr 30 overlap a later period: embargoed, used for nothing
    const two = await featureTrainingInput(path, "2mo");
    expect(two.split).toMatchObject({ calibAsOf: "2026-03-31", trainAsOfMax: "2026-01-31", fitRows: 80, embargoedRows: 160 });
    const r = await trainAndRegister(input, { ...opts, modelsDir: join(dir, "models"), id: "m1" });
    expect(r.validation.n).toBe(80);
    expect(r.validation.auc).toBeGreaterThan(0.7);
    const training = JSON.parse(readFileSync(join(dir, "models", "m1", "training.json"), "utf8"));
    expect(training.split.validAsOf).toBe("2026-05-31");
    expect(training.input.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("explains a feature table with one snapshot (nothing to train on before it)", async () => {
    const dir = tempDir();
    const path = join(dir, "features.csv");
    const text = ["subscriber_id,as_of,x,label", ...Array.from({ length: 40 }, (_, i) => `S${i},2026-01-31,${i},${i % 2}`)].join("\n");
    (await import("node:fs")).writeFileSync(path, text);
    await expect(featureTrainingInput(path, "30d")).rejects.toThrow(new InputDataError(msg.featuresNoTraining(path, "2026-01-31", "30d")));
  });
});

describe("registry and champion", () => {
  it("writes the artifact, promotes only a better model (or with --promote), and scores with the champion", async () => {
    const dir = tempDir();
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 400);
    const models = join(dir, "models");
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 7);
    const a = await trainAndRegister(input, { ...opts, modelsDir: models, id: "a" });
    expect(a.champion).toMatchObject({ promoted: true, reason: "no champion yet" });
    // the same model again does not beat the champion on the same validation rows
    const b = await trainAndRegister(input, { ...opts, modelsDir: models, id: "b" });
    expect(b.champion.promoted).toBe(false);
    expect(b.champion.previousAuc).toBeCloseTo(a.validation.auc, 10);
    const c = await trainAndRegister(input, { ...opts, modelsDir: models, id: "c", promote: true });
    expect(c.champion).toMatchObject({ promoted: true, reason: "--promote" });
    expect(listModels(models).map((m) => `${m.id}${m.champion ? "*" : ""}`)).toEqual(["a", "b", "c*"]);
    expect(promoteModel(models, "a")).toEqual({ id: "a", previous: "c" });
    const s = await loadScorer(models);
    expect(s.id).toBe("a");
    const pred = await scoreTable(s, takeRows(input.table, input.validRows));
    expect(pred.calibrated.length).toBe(input.validRows.length);
    const bands = s.bands as { thresholds: { critical: number; high: number; medium: number } };
    expect(bands.thresholds.critical).toBeGreaterThan(bands.thresholds.high);
    expect(bands.thresholds.high).toBeGreaterThan(bands.thresholds.medium);
  });

  it("is deterministic: same seed and data give the same model bytes", async () => {
    const dir = tempDir();
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 300);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes" }, 3);
    await trainAndRegister(input, { ...opts, modelsDir: join(dir, "m1"), id: "x" });
    await trainAndRegister(await tableTrainingInput({ path: csv, label: "churned", positive: "yes" }, 3), { ...opts, modelsDir: join(dir, "m2"), id: "x" });
    for (const f of ["model.json", "preprocessing.json", "calibration.json", "bands.json", "metrics.json", "importance.json"]) {
      expect(readFileSync(join(dir, "m2", "x", f)).equals(readFileSync(join(dir, "m1", "x", f)))).toBe(true);
    }
  });
});

describe("auto", () => {
  it("fits logistic and mlp on the same split and keeps the better validation AUC", async () => {
    const dir = tempDir();
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 300);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes" }, 3);
    const mlp = { hidden: [8], k: 2, nBins: 4, dEmb: 2, maxEpochs: 2, patience: 1, batchSize: 64 };
    const r = await trainAndRegister(input, { ...opts, model: "auto", mlp, backend: "cpu", modelsDir: join(dir, "models"), id: "auto" });
    expect(r.selection).toBeDefined();
    const { logistic, mlp: mlpAuc, chosen } = r.selection!;
    expect(chosen).toBe(mlpAuc > logistic + 0.002 ? "mlp" : "logistic");
    expect(r.kind).toBe(chosen);
    expect(r.validation.auc).toBeCloseTo(chosen === "mlp" ? mlpAuc : logistic, 6);
  });
});

