/** Champions that really win: promotion by a paired DeLong test on the same validation rows (issue 16, item 3). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { msg } from "../../src/messages.js";
import { compareModels } from "../../src/model/compare.js";
import { delongPaired } from "../../src/model/delong.js";
import { tableTrainingInput } from "../../src/model/inputs.js";
import { listModels, loadScorer, scoreTable } from "../../src/model/registry.js";
import { takeRows } from "../../src/raw-table.js";
import { decideChampion, trainAndRegister } from "../../src/model/train.js";
import { tempDir, writeFlatCsv } from "./helpers.js";

const opts = { model: "logistic" as const, seed: 7, calibration: "auto" as const };

describe("promotion by a paired test", () => {
  it("promotes a challenger that really ranks better, keeps the champion against a tie, and --promote forces", async () => {
    const dir = tempDir();
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 1000);
    const models = join(dir, "models");
    const spec = { path: csv, label: "churned", positive: "yes", id: "customer" };
    // the champion does without complaints, a strong driver of churn in this table
    const weak = await trainAndRegister(await tableTrainingInput({ ...spec, exclude: ["complaints"] }, 7), { ...opts, modelsDir: models, id: "weak" });
    expect(weak.champion).toMatchObject({ promoted: true, reason: msg.promoteFirst() });
    const input = await tableTrainingInput(spec, 7);
    // the challenger is scored against the champion on the same rows, even though the champion lacks a column
    const strong = await trainAndRegister(input, { ...opts, modelsDir: models, id: "strong", promotionAlpha: 0.05 });
    const t = strong.champion.test!;
    expect(t.rows).toBe(input.validRows.length);
    expect(t.difference).toBeGreaterThan(0);
    expect(t.pOneSided).toBeLessThan(0.05);
    expect(strong.champion).toMatchObject({ promoted: true, previous: "weak" });
    expect(strong.champion.reason).toBe(msg.promoteTest(true, t.aucA, t.aucB, t.difference, t.low, t.high, t.pOneSided, 0.05, t.rows));
    // the test is the one a reader can redo: the champion's scores on the validation rows
    const champ = await loadScorer(models, "weak");
    const champScores = (await scoreTable(champ, takeRows(input.allColumns, input.validRows))).calibrated;
    champ.model.dispose();
    const s = await loadScorer(models, "strong");
    const mine = (await scoreTable(s, takeRows(input.allColumns, input.validRows))).calibrated;
    s.model.dispose();
    const y = Float32Array.from(input.validRows, (i) => input.y[i]!);
    expect(delongPaired(y, mine, champScores).pOneSided).toBeCloseTo(t.pOneSided, 12);
    // a stricter alpha keeps the champion: the same gain is not enough
    const strict = await trainAndRegister(await tableTrainingInput({ ...spec, exclude: ["region"] }, 7), { ...opts, modelsDir: join(dir, "m2"), id: "x" });
    expect(strict.champion.promoted).toBe(true);
    const again = await trainAndRegister(input, { ...opts, modelsDir: join(dir, "m2"), id: "y", promotionAlpha: 1e-12 });
    expect(again.champion.promoted).toBe(false);
    expect(again.champion.reason).toContain("not a significant gain");
    // --promote forces it, and still records the test
    const forced = await trainAndRegister(await tableTrainingInput({ ...spec, exclude: ["complaints", "tenure"] }, 7), { ...opts, modelsDir: models, id: "forced", promote: true });
    expect(forced.champion).toMatchObject({ promoted: true, forced: true, reason: msg.promoteForced(), previous: "strong" });
    expect(forced.champion.test!.difference).toBeLessThan(0);
    const metrics = JSON.parse(readFileSync(join(models, "forced", "metrics.json"), "utf8"));
    expect(metrics.champion).toMatchObject({ id: "strong", promoted: true, forced: true });
    expect(JSON.parse(readFileSync(join(models, "strong", "metrics.json"), "utf8")).champion).toMatchObject({ id: "weak", promoted: true, forced: false });
    // the registry lists every model with its validation AUC interval, log loss and ECE
    const list = listModels(models);
    expect(list.map((m) => [m.id, m.champion])).toEqual([
      ["forced", true],
      ["strong", false],
      ["weak", false],
    ]);
    for (const m of list) {
      expect(m.aucLow).toBeLessThan(m.auc!);
      expect(m.aucHigh).toBeGreaterThan(m.auc!);
      expect(m.logLoss).toBeGreaterThan(0);
      expect(m.trainingData).toContain("t.csv");
    }
    // compare puts two models on the same rows: the validation rows their shared training file gives
    const c = await compareModels(models, "weak", "strong");
    expect(c.rows.count).toBe(input.validRows.length);
    expect(c.test.difference).toBeCloseTo(t.difference, 12);
    expect(c.b.metrics.auc).toBeCloseTo(strong.validation.auc, 12);
  });

  it("decides from the test alone: no champion, a champion that could not score, a tie", () => {
    const y = [1, 0, 1, 0, 1, 0, 0, 0];
    const a = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.2, 0.1];
    expect(decideChampion({ alpha: 0.05 }, undefined, y, a, {})).toEqual({ promoted: true, reason: msg.promoteFirst() });
    expect(decideChampion({ alpha: 0.05 }, "c", y, a, { error: "boom" })).toEqual({ promoted: false, reason: msg.promoteChampionFailed("c", "boom"), previous: "c" });
    expect(decideChampion({ alpha: 0.05 }, "c", y, a, { scores: a }).promoted).toBe(false);
  });
});
