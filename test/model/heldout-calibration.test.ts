/**
 * Calibration on rows the model never saw, and metrics on rows the calibrator never saw (issue 16, item 1).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AUTO_ECE_MAX, applyCalibration, chooseCalibration, crossFitCalibration, fitPlatt } from "../../src/model/calibration.js";
import { featureTrainingInput, tableTrainingInput } from "../../src/model/inputs.js";
import { ece, logLoss } from "../../src/model/metrics.js";
import { loadScorer } from "../../src/model/registry.js";
import { rng } from "../../src/model/split.js";
import { takeRows } from "../../src/raw-table.js";
import { trainAndRegister } from "../../src/model/train.js";
import { tempDir, writeFeatureCsv, writeFlatCsv } from "./helpers.js";

/** n rows whose true churn probability is q; the scores say 2q (over-confident by a factor 2). */
function overConfident(n: number, seed: number): { p: Float64Array; y: Float64Array } {
  const r = rng(seed);
  const p = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const q = 0.02 + 0.3 * r();
    p[i] = 2 * q;
    y[i] = r() < q ? 1 : 0;
  }
  return { p, y };
}

describe("auto calibration", () => {
  it("never leaves held-out scores uncalibrated when their ECE is above 0.02", () => {
    const { p, y } = overConfident(2000, 5);
    expect(ece(y, p)).toBeGreaterThan(AUTO_ECE_MAX);
    const c = chooseCalibration(p, y, 1);
    expect(c.method).toBe("platt");
    expect(c.reason).toContain("ECE");
  });

  it("cross-fitting calibrates each row with a calibrator fitted on the other folds", () => {
    const { p, y } = overConfident(1000, 6);
    const cf = crossFitCalibration("platt", p, y, 3);
    // the kept calibrator is fitted on every row ...
    expect(cf.calibrator).toEqual(fitPlatt(p, y));
    // ... but the held-out probabilities are not its in-sample output
    const inSample = applyCalibration(cf.calibrator, p);
    expect(Array.from(cf.heldOut)).not.toEqual(Array.from(inSample));
    // held-out log loss is the honest one: no better than in-sample
    expect(logLoss(y, cf.heldOut)).toBeGreaterThanOrEqual(logLoss(y, inSample) - 1e-12);
    expect(ece(y, cf.heldOut)).toBeLessThan(ece(y, p));
  });
});

describe("churn train calibrates out of time and reports on rows the calibrator did not see", () => {
  it("feature table: the calibrator is fitted on the calibration snapshot only; metrics are the validation snapshot's", async () => {
    const dir = tempDir();
    const path = join(dir, "features.csv");
    writeFeatureCsv(path, 120);
    const input = await featureTrainingInput(path, "30d");
    const models = join(dir, "models");
    const r = await trainAndRegister(input, { model: "logistic", seed: 4, calibration: "platt", modelsDir: models, id: "m" });
    expect(r.calibration).toMatchObject({ method: "platt", design: "separate-rows", rows: 120 });
    expect(r.rows).toEqual({ training: 360, earlyStopping: 0, calibration: 120, validation: 120 });
    const s = await loadScorer(models, "m");
    // refit Platt on the model's raw scores of the calibration rows: the stored calibrator, exactly
    const calibRaw = await s.model.predict(s.pre.transform(takeRows(input.table, input.calibRows)));
    expect(s.calibrator).toEqual(fitPlatt(calibRaw, Float64Array.from(input.calibRows, (i) => input.y[i]!)));
    // the reported ECE and log loss are those of the validation rows
    const validRaw = await s.model.predict(s.pre.transform(takeRows(input.table, input.validRows)));
    const yValid = Float64Array.from(input.validRows, (i) => input.y[i]!);
    const validP = applyCalibration(s.calibrator, validRaw);
    expect(r.validation.ece).toBeCloseTo(ece(yValid, validP), 12);
    expect(r.validation.logLoss).toBeCloseTo(logLoss(yValid, validP), 12);
    const metrics = JSON.parse(readFileSync(join(models, "m", "metrics.json"), "utf8"));
    expect(metrics.calibration.design).toBe("separate-rows");
    expect(metrics.aucInterval.low).toBeLessThan(metrics.validation.auc);
    s.model.dispose();
  });

  it("flat table: the calibrator is cross-fitted on the validation rows; card and metrics use the held-out probabilities", async () => {
    const dir = tempDir();
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 500);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 2);
    const models = join(dir, "models");
    const r = await trainAndRegister(input, { model: "logistic", seed: 2, calibration: "platt", modelsDir: models, id: "m" });
    expect(r.calibration).toMatchObject({ design: "cross-fitted", rows: 100 });
    const card = JSON.parse(readFileSync(join(models, "m", "card.json"), "utf8"));
    const y = card.holdout.labels as number[];
    // card scores are the held-out ones: the metrics recompute from them (to the card's 7-digit rounding)
    expect(logLoss(y, card.holdout.scores)).toBeCloseTo(r.validation.logLoss, 5);
    const s = await loadScorer(models, "m");
    const validP = applyCalibration(s.calibrator, await s.model.predict(s.pre.transform(takeRows(input.table, input.validRows))));
    // ... and differ from what the kept calibrator gives on the rows it was fitted on
    expect(Math.abs(logLoss(y, validP) - r.validation.logLoss)).toBeGreaterThan(1e-6);
    expect(card.validation.design).toContain("cross-fitted");
    s.model.dispose();
  });
});
