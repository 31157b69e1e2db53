/**
 * Parallel scoring (src/pipeline/score-pool.ts): a logistic model's batches scored on worker threads give the same
 * probabilities, reasons, drivers and drift and integrity counts as on one thread, in the same order.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { tableTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { tempDir, writeFlatCsv } from "../model/helpers.js";
import { ensureBuilt, ROOT } from "../reliability/helpers.js";

// worker threads run JavaScript: the compiled modules are used here, as the CLI uses them
type Dist = {
  duckdb: typeof import("../../src/io/duckdb.js");
  registry: typeof import("../../src/model/registry.js");
  chunks: typeof import("../../src/pipeline/score-chunks.js");
  pool: typeof import("../../src/pipeline/score-pool.js");
  explain: typeof import("../../src/model/explain.js");
  drift: typeof import("../../src/monitoring/drift.js");
  integrity: typeof import("../../src/monitoring/integrity.js");
  bins: typeof import("../../src/model/reference-bins.js");
};
let dist: Dist;
let models = "";
let scoreCsv = "";
const ROWS = 6000;

beforeAll(async () => {
  ensureBuilt();
  const mod = (p: string) => import(pathToFileURL(join(ROOT, "dist", p)).href);
  dist = {
    duckdb: await mod("io/duckdb.js"),
    registry: await mod("model/registry.js"),
    chunks: await mod("pipeline/score-chunks.js"),
    pool: await mod("pipeline/score-pool.js"),
    explain: await mod("model/explain.js"),
    drift: await mod("monitoring/drift.js"),
    integrity: await mod("monitoring/integrity.js"),
    bins: await mod("model/reference-bins.js"),
  };
  const dir = tempDir("churn-score-threads-");
  const trainCsv = join(dir, "train.csv");
  writeFlatCsv(trainCsv, 600, 1);
  scoreCsv = join(dir, "score.csv");
  writeFlatCsv(scoreCsv, ROWS, 2);
  models = join(dir, "models");
  const input = await tableTrainingInput({ path: trainCsv, label: "churned", positive: "yes", id: "customer" }, 5);
  await trainAndRegister(input, { model: "logistic", seed: 5, calibration: "platt", modelsDir: models, id: "lr" });
}, 180_000);

/** scoreChunks over the scoring table on `threads` threads, with fresh drift and integrity counters. */
async function scoreOn(threads: number, scorer?: Awaited<ReturnType<Dist["registry"]["loadScorer"]>>) {
  const s = scorer ?? (await dist.registry.loadScorer(models, "lr"));
  return dist.duckdb.withDb(async (db) => {
    await db.run(`CREATE TABLE t AS SELECT * FROM read_csv(${dist.duckdb.quoteLiteral(scoreCsv)})`);
    const ref = dist.drift.referenceOf(s.training);
    const drift = ref ? new dist.drift.DriftCounter(ref) : undefined;
    const levels = new Map((ref?.features ?? []).flatMap((f) => (f.kind === "categorical" ? [[f.name, f.levels] as const] : [])));
    const integrity = ref?.snapshots ? new dist.integrity.IntegrityCounter(ref.snapshots, levels, new Set(s.pre.columns.map((c) => c.source))) : undefined;
    const explainer = dist.explain.makeExplainer(
      s.model,
      s.pre.columns.map((c) => c.name),
      s.pre.columns.map((c) => c.source),
      s.pre.state.reference,
      s.importance,
      [],
      { standing: dist.bins.standingOf(ref) },
    );
    const scored = await dist.chunks.scoreChunks(db, {
      relation: "t",
      idColumn: "customer",
      columns: await db.describe("SELECT * FROM t"),
      scorer: s,
      explainer,
      // several batches per worker, the last one short
      chunkRows: 700,
      rows: ROWS,
      drift,
      integrity,
      minProbability: 0.2,
      threads,
    });
    return { scored, drift: drift?.state(), integrity: integrity?.state() };
  });
}

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe("parallel scoring (compiled build)", () => {
  it("gives the same bits on 3 worker threads as on this thread, rows in the same order", async () => {
    const one = await scoreOn(1);
    const three = await scoreOn(3);
    const a = one.scored;
    const b = three.scored;
    expect(a.n).toBe(ROWS);
    expect(b.n).toBe(ROWS);
    expect(b.ids).toEqual(a.ids);
    expect(a.ids.slice(0, 2)).toEqual(["C0", "C1"]);
    for (const k of ["prob", "raw", "driverSums", "reasonCol", "reasonVal"] as const) expect(bytes(b[k]).equals(bytes(a[k])), k).toBe(true);
    expect(b.num).toEqual(a.num);
    expect(b.text).toEqual(a.text);
    // the counts are not empty, and add up alike
    expect(one.drift).toBeDefined();
    expect(one.drift!.n).toBe(ROWS);
    expect(three.drift).toEqual(one.drift);
    expect(three.integrity).toEqual(one.integrity);
    // something to compare: reasons above the low band, probabilities strictly inside (0, 1)
    expect(Array.from(a.reasonCol).filter((c) => c >= 0).length).toBeGreaterThan(ROWS / 10);
    expect(Array.from(a.prob).every((p) => p > 0 && p < 1)).toBe(true);
  }, 120_000);

  it("fails with the worker's message when a worker cannot make the model, and ends the pool", async () => {
    const s = await dist.registry.loadScorer(models, "lr");
    // the same LogisticModel, whose saved state a worker cannot read
    const broken = Object.assign(Object.create(Object.getPrototypeOf(s.model)), s.model, { save: async () => ({ kind: "logistic", spec: {}, weights: {} }) });
    await expect(scoreOn(2, { ...s, model: broken })).rejects.toThrow(/scoring worker failed/);
  }, 120_000);

  it("chooses threads by rows, model kind and CHURN_SCORE_THREADS", async () => {
    const s = await dist.registry.loadScorer(models, "lr");
    const saved = process.env["CHURN_SCORE_THREADS"];
    try {
      process.env["CHURN_SCORE_THREADS"] = "3";
      expect(dist.pool.scoreThreads(1000, s)).toBe(1);
      expect(dist.pool.scoreThreads(dist.pool.SCORE_PARALLEL_MIN_ROWS, s)).toBe(3);
      // an mlp keeps its own parallel prediction
      expect(dist.pool.scoreThreads(1_000_000, { model: { kind: "mlp" } as never })).toBe(1);
      process.env["CHURN_SCORE_THREADS"] = "1";
      expect(dist.pool.scoreThreads(1_000_000, s)).toBe(1);
    } finally {
      if (saved === undefined) delete process.env["CHURN_SCORE_THREADS"];
      else process.env["CHURN_SCORE_THREADS"] = saved;
    }
  });
});
