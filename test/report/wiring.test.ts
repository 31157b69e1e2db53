/**
 * The model card wired into `churn train` and `churn report`: a real tiny training run writes
 * models/<id>/model_card.html (checksummed) and card.json, and the card rebuilt from the artifact alone is the same.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { trainFromArgs } from "../../src/cli/commands/train.js";
import { readArtifact } from "../../src/io/artifact.js";
import { sha256Text } from "../../src/io/files.js";
import { msg } from "../../src/messages.js";
import { buildReport } from "../../src/report/index.js";
import { cardInputsFromDir, modelCardData, modelCardDataFromDir, renderModelCardHtml } from "../../src/report/from-model.js";
import { applyBaseline, chooseBaseline } from "../../src/model/baseline.js";
import { tableTrainingInput } from "../../src/model/inputs.js";
import { loadScorer } from "../../src/model/registry.js";
import type { RawTable } from "../../src/raw-table.js";
import { trainAndRegister } from "../../src/model/train.js";
import { tempDir, withTickingClock, writeFeatureCsv, writeFlatCsv } from "../model/helpers.js";

vi.mock("../../src/io/cpu-clock.js", async () => (await import("../model/helpers.js")).cpuClockModule());

let models = "";
let features = "";

const base = { model: "logistic" as const, calibration: "auto" as const, seed: 7, quiet: true };

beforeAll(async () => {
  const dir = tempDir("churn-wiring-");
  features = join(dir, "features.csv");
  writeFeatureCsv(features, 120);
  models = join(dir, "models");
  // first model becomes champion; the second is compared with it on the same test rows
  await trainFromArgs({ ...base, features, horizon: "30d", out: models, modelId: "first" });
  await trainFromArgs({ ...base, features, horizon: "30d", out: models, modelId: "second", calibration: "platt", backtest: 3 });
}, 60_000);

describe("model card written by churn train", () => {
  it("is part of the checksummed artifact, next to card.json", () => {
    const a = readArtifact(join(models, "second"));
    for (const f of ["model_card.html", "card.json"]) {
      expect(a.manifest.files[f]).toBe(sha256Text(readFileSync(join(models, "second", f))));
      expect(a.extra[f]).toBeDefined();
    }
  });

  it("has every section, with content (not a note) where the run provides it", () => {
    const d = modelCardDataFromDir(join(models, "second"));
    const doc = buildReport(d);
    const byId = new Map(doc.sections.map((s) => [s.id, s]));
    expect([...byId.keys()]).toEqual(["data", "validation", "metrics", "curves", "calibration", "importance", "training", "backtest"]);
    // data summary from the feature table: 6 as-of dates x 120 subscribers, 5 labelled
    expect(d.data).toMatchObject({ rows: 720, subscribers: 120, horizonDays: 30 });
    expect(d.data.asOfDates).toEqual(["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"]);
    expect(d.data.features).toEqual(["tenure_days", "complaints_90d", "contract_type"]);
    expect(d.validation.design).toContain("Out of time");
    expect(d.validation.testRows).toBe(120);
    // champion re-scored on the same rows: same data and seed with logistic → the same ranking
    expect(d.champion?.name).toBe("first");
    expect(d.champion?.metrics.auc).toBeCloseTo(d.metrics.auc, 10);
    // the feature table has complaints_90d: the fixed rule, scored by its two training churn rates
    expect(d.baseline?.name).toBe("any complaint in 90 days");
    expect(new Set(Array.from(d.baseline?.scores ?? [])).size).toBe(2);
    expect(d.baseline!.metrics.auc).toBeLessThan(d.metrics.auc);
    // platt: before and after calibration differ
    expect(d.holdout.uncalibrated).toBeDefined();
    expect(Array.from(d.holdout.uncalibrated!)).not.toEqual(Array.from(d.holdout.scores));
    for (const id of ["metrics", "curves", "calibration", "importance", "backtest"]) expect(byId.get(id)?.note, id).toBeUndefined();
    expect(byId.get("curves")?.charts?.map((c) => c.id)).toEqual(["roc", "pr", "gains", "lift"]);
    expect(byId.get("calibration")?.charts?.map((c) => c.id)).toEqual(["calibration", "histogram"]);
    // logistic: the training curve is the one-line note
    expect(byId.get("training")?.note).toMatch(/logistic/);
    // backtest: the last 3 complete as-of dates (Mar, Apr, May); Mar trains on Jan+Feb only
    expect(d.backtest?.map((b) => [b.asOf, b.rows])).toEqual([
      ["2026-03-31", 120],
      ["2026-04-30", 120],
      ["2026-05-31", 120],
    ]);
  });

  it("backtest scores each date as the model was built: trained and calibrated only on snapshots closed by then", async () => {
    const card = JSON.parse(readFileSync(join(models, "second", "card.json"), "utf8"));
    // Mar 31: no snapshot before Feb 28 closed by Feb 28 (Jan 31 + 30d = Mar 2), so no calibration snapshot: trained on
    // Jan 31 and Feb 28 (closed by Mar 30), uncalibrated. Apr 30: calibrated on Mar 31 (closed Apr 30), trained on
    // Jan + Feb (closed by Mar 30). May 31: calibrated on Apr 30, trained on Jan-Mar (Mar 31 + 30d = Apr 30).
    type Row = { asOf: string; trainRows: number; calibratedOn: string | null; churners: number; expectedChurners: number | null };
    expect(card.backtest.rows.map((b: Row) => [b.asOf, b.trainRows, b.calibratedOn])).toEqual([
      ["2026-03-31", 240, null],
      ["2026-04-30", 240, "2026-03-31"],
      ["2026-05-31", 360, "2026-04-30"],
    ]);
    expect(card.backtest.rows.map((b: Row) => b.expectedChurners === null)).toEqual([true, false, false]);
    for (const b of card.backtest.rows as Row[]) expect(b.churners).toBeGreaterThan(0);
    expect(card.backtest.skipped).toEqual([]);
    // the card sets them side by side
    const d = modelCardDataFromDir(join(models, "second"));
    const may = d.backtest?.find((b) => b.asOf === "2026-05-31");
    expect(may?.expectedRatio).toBeCloseTo(card.backtest.rows[2].expectedChurners / card.backtest.rows[2].churners, 10);
    expect(buildReport(d).sections.find((s) => s.id === "backtest")?.intro).toMatch(/Expected churners .* times the churners each date really had, within ±10% on \d of 2 dates/);
    // a scoring run gets the range from the model (the planner report shows it beside its expected churners)
    const ratios = (card.backtest.rows as Row[]).slice(1).map((b) => b.expectedChurners! / b.churners);
    const scorer = await loadScorer(models, "second");
    expect(scorer.expectedBacktest).toEqual({
      dates: 2,
      low: Math.round(Math.min(...ratios) * 1000) / 1000,
      high: Math.round(Math.max(...ratios) * 1000) / 1000,
      within10: ratios.filter((r) => Math.abs(r - 1) <= 0.1).length,
    });
    expect((await loadScorer(models, "first")).expectedBacktest).toBeUndefined();
    scorer.model.dispose();
  });

  it("the HTML written at training time equals the card rebuilt from the artifact", async () => {
    const { renderReport } = await import("../../src/report/index.js");
    const html = readFileSync(join(models, "second", "model_card.html"), "utf8");
    expect(await renderReport(modelCardDataFromDir(join(models, "second")), "html")).toBe(html);
    for (const id of ["data", "validation", "metrics", "curves", "calibration", "importance", "training", "backtest"]) expect(html).toContain(`id="${id}"`);
  });

  it("first model: no champion (its note), no backtest (its note)", () => {
    const doc = buildReport(modelCardDataFromDir(join(models, "first")));
    const byId = new Map(doc.sections.map((s) => [s.id, s]));
    expect(byId.get("metrics")?.intro).toMatch(/No champion/);
    expect(byId.get("backtest")?.note).toMatch(/--backtest/);
  });
});

describe("flat table baseline", () => {
  it("is the best binary/low-cardinality rule chosen on training rows", async () => {
    const dir = tempDir("churn-wiring-flat-");
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 400);
    const out = join(dir, "models");
    await trainFromArgs({ ...base, table: csv, label: "churned", positive: "yes", id: "customer", out, modelId: "flat" });
    const d = modelCardDataFromDir(join(out, "flat"));
    // complaints (0..3) drives churn most among the low-cardinality columns (complaints, plan, region, fold)
    expect(d.baseline?.name).toMatch(/^complaints /);
    expect(d.data.horizonDays).toBeUndefined();
    expect(d.validation.design).toContain("Stratified random split");
  }, 30_000);
});

describe("mlp training curve", () => {
  it("is drawn from the losses the mlp records per epoch (training with dropout, validation)", async () => {
    const dir = tempDir("churn-wiring-mlp-");
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 300);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 5);
    const mlp = { hidden: [8], k: 2, nBins: 4, dEmb: 2, maxEpochs: 3, patience: 2, batchSize: 64 };
    const r = await trainAndRegister(input, { model: "mlp", mlp, backend: "cpu", seed: 5, calibration: "auto", modelsDir: join(dir, "models"), id: "n", renderCard: renderModelCardHtml });
    expect(r.modelCard).toBe(join(dir, "models", "n", "model_card.html"));
    const c = cardInputsFromDir(join(dir, "models", "n"));
    const d = modelCardData(c);
    expect(d.model).toMatchObject({ type: "mlp", calibration: "platt" });
    const training = obj(c.state.spec["training"]);
    const history = training["history"] as { epoch: number; trainLoss: number; validLoss: number; validAuc: number }[];
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: training["epochs"] as number }, (_, i) => i + 1));
    for (const h of history) {
      expect(h.trainLoss).toBeGreaterThan(0);
      expect(h.trainLoss).toBeLessThan(2);
      expect(h.validLoss).toBeGreaterThan(0);
      expect(h.validAuc).toBeGreaterThanOrEqual(0);
      expect(h.validAuc).toBeLessThanOrEqual(1);
    }
    expect(d.trainingCurve).toEqual(history.map((h) => ({ epoch: h.epoch, trainLoss: h.trainLoss, validLoss: h.validLoss })));
    expect(buildReport(d).sections.find((s) => s.id === "training")?.charts?.[0]?.id).toBe("training");
  }, 30_000);

  it("shows the settings used (not 0 = automatic) and warns when training stopped on its budget and members were dropped", async () => {
    const dir = tempDir("churn-wiring-mlp-budget-");
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 300);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 5);
    const mlp = { hidden: [8], nBins: 4, dEmb: 2, maxEpochs: 3, members: 2, timeBudgetSeconds: 1e-6 };
    // every read of the clock advances it by 1 ms: the first budget check of each member finds the budget spent
    await withTickingClock(() => trainAndRegister(input, { model: "mlp", mlp, backend: "cpu", seed: 5, calibration: "auto", modelsDir: join(dir, "models"), id: "b", renderCard: renderModelCardHtml }));
    const d = modelCardData(cardInputsFromDir(join(dir, "models", "b")));
    // members kept, and the TabM size and batch size chosen by data size
    expect(d.model.params).toMatchObject({ members: 1, k: 2, batchSize: 128 });
    const reason = "1 epoch before the CPU budget ran out, fewer than 3";
    const training = obj(cardInputsFromDir(join(dir, "models", "b")).state.spec["training"]);
    const dropped = (training["dropped"] as { member: number; reason: string }[]).map((m) => m.member);
    expect(dropped).toHaveLength(1);
    expect(training["noMemberConverged"]).toBe(reason);
    expect(d.warnings).toEqual([msg.mlpBudgetStopped(1e-6), msg.mlpCardMemberDropped(String(dropped[0]), reason, false), msg.mlpCardNoneConverged(reason)]);
    const items = buildReport(d).sections.find((s) => s.id === "validation")?.items;
    expect(items?.map((i) => i.level)).toEqual(["warn", "warn", "warn"]);
  }, 30_000);

  it("says so when no net beat its linear base and the model is logistic regression", async () => {
    const dir = tempDir("churn-wiring-mlp-linear-");
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 300);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 5);
    // nets that cannot learn: every member's best is epoch 0, its base
    const mlp = { hidden: [8], nBins: 4, dEmb: 2, maxEpochs: 2, members: 2, linearBase: true, learningRate: 1e-12 };
    await trainAndRegister(input, { model: "mlp", mlp, backend: "cpu", seed: 5, calibration: "auto", modelsDir: join(dir, "models"), id: "l", renderCard: renderModelCardHtml });
    const inputs = cardInputsFromDir(join(dir, "models", "l"));
    expect(obj(inputs.state.spec["training"])["linearBaseOnly"]).toBe(true);
    expect(modelCardData(inputs).warnings).toContain(msg.mlpCardLinearOnly());
  }, 30_000);
});

function obj(v: unknown): Record<string, unknown> {
  return v as Record<string, unknown>;
}

describe("rule baseline, by hand", () => {
  it("picks the level with the best training (TPR + TNR) / 2 and scores each group with its training churn rate", () => {
    // training rows 0..7: plan a → 3 of 4 churn, plan b → 1 of 4; x is noise. Row 8 (validation) is never looked at.
    const table: RawTable = {
      rows: 9,
      columns: [
        { name: "plan", kind: "categorical", values: ["a", "a", "a", "a", "b", "b", "b", "b", "b"] },
        { name: "x", kind: "numeric", values: Float64Array.from([1, 2, 1, 2, 1, 2, 1, 2, 9]) },
      ],
    };
    const y = Float32Array.from([1, 1, 1, 0, 1, 0, 0, 0, 1]);
    const rule = chooseBaseline(table, y, [0, 1, 2, 3, 4, 5, 6, 7], "table", 1)!;
    // "plan = b" flags the low-risk group: TPR 1/4, TNR 1/4 → 0.25; its complement "plan ≠ b" gives 0.75
    expect(rule).toMatchObject({ name: "plan ≠ b", column: "plan", rates: { flagged: 0.75, other: 0.25 }, chosen: "best on training rows" });
    expect(Array.from(applyBaseline(rule, table))).toEqual([0.75, 0.75, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25, 0.25]);
  });
});
