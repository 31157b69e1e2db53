/**
 * mlp training on worker threads (mlp-pool.ts, from the compiled build, as the CLI runs it) gives the same bits as
 * training on one thread: the members of one fit, and whole cross-validations with folds side by side.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { makeRng } from "../../src/model/mlp-util.js";
import type { Matrix, MatrixColumn, ModelState } from "../../src/model/types.js";
import { ensureBuilt, ROOT } from "../reliability/helpers.js";

type Dist = {
  mlp: typeof import("../../src/model/mlp.js");
  pool: typeof import("../../src/model/mlp-pool.js");
  cv: typeof import("../../src/model/cv.js");
  backend: typeof import("../../src/model/backend.js");
};
let dist: Dist;

beforeAll(async () => {
  ensureBuilt();
  const mod = (p: string) => import(pathToFileURL(join(ROOT, "dist", "model", p)).href);
  dist = { mlp: await mod("mlp.js"), pool: await mod("mlp-pool.js"), cv: await mod("cv.js"), backend: await mod("backend.js") };
  await dist.backend.initBackend("wasm");
}, 180_000);

const small = { hidden: [16, 16], k: 2, nBins: 6, dEmb: 4, maxEpochs: 6, patience: 3, batchSize: 64 };

function data(n: number, seed: number): { X: Matrix; y: Float32Array } {
  const rng = makeRng(seed);
  const columns: MatrixColumn[] = [
    { name: "a", source: "a", kind: "numeric" },
    { name: "b", source: "b", kind: "numeric" },
    { name: "flag", source: "flag", kind: "onehot" },
  ];
  const X = new Float32Array(n * 3);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const a = rng() * 2 - 1;
    const b = rng() * 2 - 1;
    const flag = rng() < 0.4 ? 1 : 0;
    X.set([a, b, flag], i * 3);
    y[i] = rng() < 1 / (1 + Math.exp(-(3 * a * b + flag - 0.3))) ? 1 : 0;
  }
  return { X: { data: X, rows: n, cols: 3, columns }, y };
}

const bytes = (s: ModelState) =>
  Object.keys(s.weights)
    .sort()
    .map((k) => `${k}:${Buffer.from(s.weights[k]!.values.buffer).toString("base64")}`)
    .join("|");

async function withThreads<T>(n: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env["CHURN_TRAIN_THREADS"];
  process.env["CHURN_TRAIN_THREADS"] = n;
  try {
    return await f();
  } finally {
    if (saved === undefined) delete process.env["CHURN_TRAIN_THREADS"];
    else process.env["CHURN_TRAIN_THREADS"] = saved;
  }
}

describe("training threads (compiled build)", () => {
  it("reads CHURN_TRAIN_THREADS", async () => {
    expect(await withThreads("3", async () => dist.pool.trainThreads())).toBe(3);
    expect(await withThreads("1", async () => dist.pool.trainThreads())).toBe(1);
  });

  it("trains 3 members on 2 threads to the same bits as on this thread", async () => {
    const { X, y } = data(700, 1);
    const fit = () => dist.mlp.createMlpTrainer({ ...small, members: 3 }).fit(X, y, { seed: 9 });
    const one = await withThreads("1", fit);
    const two = await withThreads("2", fit);
    const [s1, s2] = [await one.save(), await two.save()];
    expect(s1.spec["members"]).toBe(3);
    expect(bytes(s2)).toBe(bytes(s1));
    expect(JSON.stringify(s2.spec)).toBe(JSON.stringify(s1.spec));
    one.dispose();
    two.dispose();
  }, 120_000);

  it("cross-validates with folds side by side to the same out-of-fold bits as one fold after another", async () => {
    const { X, y } = data(600, 2);
    const table = { rows: X.rows, columns: X.columns.map((c, j) => ({ name: c.name, kind: "numeric" as const, values: Float64Array.from({ length: X.rows }, (_, i) => X.data[i * 3 + j]!) })) };
    const folds = Int32Array.from({ length: X.rows }, (_, i) => i % 3);
    const cv = () => dist.cv.runCv(table, y, folds, { model: "mlp", seed: 4, calibration: "auto", mlp: { ...small, members: 2 } });
    const serial = await withThreads("1", cv);
    const side = await withThreads("2", cv);
    expect(Buffer.from(side.oof.buffer).equals(Buffer.from(serial.oof.buffer))).toBe(true);
    expect(side.folds.map((f) => f.metrics.auc)).toEqual(serial.folds.map((f) => f.metrics.auc));
    expect(serial.oof.every((p) => p > 0 && p < 1)).toBe(true);
  }, 180_000);

  it("fails a job whose worker fails, with the worker's message", async () => {
    const { X, y } = data(200, 3);
    const m = await withThreads("1", () => dist.mlp.createMlpTrainer({ ...small, maxEpochs: 1, members: 1 }).fit(X, y, { seed: 1 }));
    const s = await m.save();
    m.dispose();
    const arch = s.spec["arch"] as import("../../src/model/mlp-net.js").MlpArch;
    const init = Object.fromEntries(Object.entries(s.weights).map(([k, w]) => [k.replace("m0/", ""), w]));
    delete init["dense1_W"];
    const job = { seed: 1, arch, init, params: { ...dist.mlp.MLP_DEFAULTS, maxEpochs: 1 }, batchSize: 64, n: 4, num: new Float32Array(8), other: new Float32Array(4), y: Float32Array.from([0, 1, 0, 1]), offset: null, valid: { num: new Float32Array(0), other: new Float32Array(0), rows: 0 }, validY: new Float32Array(0), schedule: null };
    await expect(withThreads("2", () => dist.pool.trainMembers([job], [() => {}]))).rejects.toThrow(/mlp training worker failed: .*dense1_W/);
  }, 60_000);
});
