import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ConfigError, InputDataError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { initBackend } from "../../src/model/backend.js";
import { logisticTrainer } from "../../src/model/logistic.js";
import { convergence, createMlpTrainer, loadMlp } from "../../src/model/mlp.js";
import { makeRng, quantileEdges, rankAuc, treeEdges } from "../../src/model/mlp-util.js";
import type { Matrix, MatrixColumn, ModelState } from "../../src/model/types.js";
import { withTickingClock } from "./helpers.js";

vi.mock("../../src/io/cpu-clock.js", async () => (await import("./helpers.js")).cpuClockModule());

// Small and fast settings: the defaults are sized for real data sets.
const small = { hidden: [32, 32], k: 2, nBins: 8, dEmb: 4, maxEpochs: 40, patience: 10, batchSize: 64, members: 1 };

/** XOR-like toy data: y = 1 when x1 and x2 have the same sign; plus a noise column and a one-hot column. */
function xorData(n: number, seed: number): { X: Matrix; y: Float32Array } {
  const rng = makeRng(seed);
  const columns: MatrixColumn[] = [
    { name: "x1", source: "x1", kind: "numeric" },
    { name: "x2", source: "x2", kind: "numeric" },
    { name: "noise", source: "noise", kind: "numeric" },
    { name: "plan=a", source: "plan", kind: "onehot" },
  ];
  const data = new Float32Array(n * columns.length);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = rng() * 2 - 1;
    const x2 = rng() * 2 - 1;
    data.set([x1, x2, rng() * 2 - 1, rng() < 0.5 ? 1 : 0], i * columns.length);
    y[i] = x1 * x2 > 0 ? 1 : 0;
  }
  return { X: { data, rows: n, cols: columns.length, columns }, y };
}

function weightBytes(state: ModelState): string {
  return Object.keys(state.weights)
    .sort()
    .map((k) => `${k}:${Buffer.from(state.weights[k]!.values.buffer).toString("base64")}`)
    .join("|");
}

beforeAll(async () => {
  await initBackend("wasm");
});

describe("mlp", () => {
  const train = xorData(600, 1);
  const test = xorData(400, 2);

  it("learns XOR, which logistic regression cannot", async () => {
    const mlp = await createMlpTrainer(small).fit(train.X, train.y, { seed: 7 });
    const aucMlp = rankAuc(await mlp.predict(test.X), test.y);
    mlp.dispose();
    const lr = await logisticTrainer().fit(train.X, train.y, { seed: 7 });
    const aucLr = rankAuc(await lr.predict(test.X), test.y);
    lr.dispose();
    expect(aucMlp).toBeGreaterThan(0.93);
    expect(aucLr).toBeLessThan(0.65);
  });

  it("is deterministic: same seed and data give the same weight bytes and predictions; another seed differs", async () => {
    const trainer = createMlpTrainer({ ...small, maxEpochs: 4 });
    const a = await trainer.fit(train.X, train.y, { seed: 11 });
    const b = await trainer.fit(train.X, train.y, { seed: 11 });
    const c = await trainer.fit(train.X, train.y, { seed: 12 });
    const [sa, sb, sc] = [await a.save(), await b.save(), await c.save()];
    expect(weightBytes(sa)).toBe(weightBytes(sb));
    expect(JSON.stringify(sa.spec)).toBe(JSON.stringify(sb.spec));
    expect(Array.from(await a.predict(test.X))).toEqual(Array.from(await b.predict(test.X)));
    expect(weightBytes(sa)).not.toBe(weightBytes(sc));
    for (const m of [a, b, c]) m.dispose();
  });

  for (const extra of [{ rawNumeric: false }, { rawNumeric: true }]) {
    it(`round-trips through save() / loadMlp() (JSON spec, weights copied as bytes) with identical predictions ${JSON.stringify(extra)}`, async () => {
      const m = await createMlpTrainer({ ...small, maxEpochs: 5, ...extra }).fit(train.X, train.y, { seed: 3 });
      const state = await m.save();
      expect(state.weights["m0/ple_lo"]?.shape).toEqual([3, 8]); // PLE bin edges are part of the state
      // with raw numerics the first layer has 3 more inputs (3 numeric columns x 4 + 1 one-hot, + 3)
      expect(state.weights["m0/dense0_W"]?.shape).toEqual([3 * 4 + 1 + (extra.rawNumeric ? 3 : 0), 32]);
      const copied: ModelState = {
        kind: state.kind,
        spec: JSON.parse(JSON.stringify(state.spec)),
        weights: Object.fromEntries(
          Object.entries(state.weights).map(([k, w]) => [k, { shape: [...w.shape], values: new Float32Array(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength).slice().buffer) }]),
        ),
      };
      const loaded = await loadMlp(copied);
      const p1 = await m.predict(test.X);
      const p2 = await loaded.predict(test.X);
      expect(Array.from(p2)).toEqual(Array.from(p1));
      expect(weightBytes(await loaded.save())).toBe(weightBytes(state));
      m.dispose();
      loaded.dispose();
    });
  }

  it("frees every tensor: numTensors is unchanged after fit + predict + save + load + dispose", async () => {
    const before = tf.memory().numTensors;
    const m = await createMlpTrainer({ ...small, maxEpochs: 3 }).fit(train.X, train.y, { seed: 5, valid: test });
    await m.predict(test.X);
    const loaded = await loadMlp(await m.save());
    await loaded.predict(test.X);
    m.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("early-stops on opts.valid when given, and fits PLE bins on training rows only", async () => {
    // Training rows have x1 in [-1, 1]; validation rows are shifted to [9, 11]: no edge may come from them.
    const shifted = xorData(200, 9);
    for (let i = 0; i < shifted.X.rows; i++) shifted.X.data[i * shifted.X.cols] = shifted.X.data[i * shifted.X.cols]! + 10;
    const m = await createMlpTrainer({ ...small, maxEpochs: 3 }).fit(train.X, train.y, { seed: 5, valid: shifted });
    const state = await m.save();
    m.dispose();
    const training = state.spec["training"] as { validRows: number; rows: number };
    expect(training.validRows).toBe(200);
    expect(training.rows).toBe(600);
    const lo = state.weights["m0/ple_lo"]!.values;
    const x1Edges = Array.from(lo.subarray(0, 8)).filter((v) => v < 1e29);
    expect(x1Edges.length).toBeGreaterThan(4);
    expect(Math.max(...x1Edges)).toBeLessThanOrEqual(1);
  });

  it("carves a stratified validation split from the training rows when opts.valid is absent", async () => {
    const m = await createMlpTrainer({ ...small, maxEpochs: 2, validFraction: 0.25 }).fit(train.X, train.y, { seed: 5 });
    const training = (await m.save()).spec["training"] as { validRows: number; rows: number };
    m.dispose();
    // 25% of each class, rounded per class.
    expect(Math.abs(training.validRows - 150)).toBeLessThanOrEqual(1);
    expect(training.rows + training.validRows).toBe(600);
  });

  it("leaves out one-hot groups with more than maxOneHotLevels levels (their values then change nothing)", async () => {
    // Append a 5-level one-hot group "region" to the XOR data.
    const widen = (d: { X: Matrix; y: Float32Array }, seed: number): Matrix => {
      const rng = makeRng(seed);
      const extra: MatrixColumn[] = [0, 1, 2, 3, 4].map((l) => ({ name: `region=${l}`, source: "region", kind: "onehot" }));
      const cols = d.X.cols + extra.length;
      const data = new Float32Array(d.X.rows * cols);
      for (let i = 0; i < d.X.rows; i++) {
        data.set(d.X.data.subarray(i * d.X.cols, (i + 1) * d.X.cols), i * cols);
        data[i * cols + d.X.cols + Math.floor(rng() * 5)] = 1;
      }
      return { data, rows: d.X.rows, cols, columns: [...d.X.columns, ...extra] };
    };
    const Xtr = widen(train, 1);
    const m = await createMlpTrainer({ ...small, maxEpochs: 3, maxOneHotLevels: 4 }).fit(Xtr, train.y, { seed: 5 });
    const arch = (await m.save()).spec["arch"] as { otherCols: number[]; numericCols: number[] };
    expect(arch.numericCols).toEqual([0, 1, 2]);
    expect(arch.otherCols).toEqual([3]); // "plan=a" kept, the 5 region columns left out
    const p1 = await m.predict(widen(test, 2));
    const p2 = await m.predict(widen(test, 3)); // other regions, same everything else
    expect(Array.from(p2)).toEqual(Array.from(p1));
    m.dispose();
  });

  it("lowers the learning rate on a validation plateau when lrDecayPatience > 0", async () => {
    const logs: string[] = [];
    // a learning rate too small to move the validation AUC: a plateau from the second epoch on
    const m = await createMlpTrainer({ ...small, maxEpochs: 4, patience: 12, lrDecayPatience: 1, learningRate: 1e-9 }).fit(train.X, train.y, {
      seed: 5,
      onLog: (l) => logs.push(l),
    });
    m.dispose();
    expect(logs.some((l) => l.includes("learning rate lowered"))).toBe(true);
  });

  it("rejects a matrix with other columns, and a damaged state, with typed errors", async () => {
    const m = await createMlpTrainer({ ...small, maxEpochs: 1 }).fit(train.X, train.y, { seed: 5 });
    const other: Matrix = { ...test.X, columns: test.X.columns.map((c, i) => (i === 2 ? { ...c, name: "other" } : c)) };
    await expect(m.predict(other)).rejects.toThrow(InputDataError);
    await expect(m.predict(other)).rejects.toThrow(msg.mlpColumnsMismatch(4, 4, "column 3: expected 'noise', got 'other'"));
    const state = await m.save();
    m.dispose();
    const { "m0/dense0_W": _dropped, ...rest } = state.weights;
    await expect(loadMlp({ ...state, weights: rest })).rejects.toThrow(ConfigError);
    await expect(loadMlp({ ...state, weights: rest })).rejects.toThrow("weight 'm0/dense0_W' is missing");
    await expect(loadMlp({ ...state, spec: { ...state.spec, members: 2 } })).rejects.toThrow("weight 'm1/ple_lo' is missing");
    await expect(loadMlp({ ...state, spec: { ...state.spec, members: 0 } })).rejects.toThrow(ConfigError);
    await expect(loadMlp({ ...state, spec: { ...state.spec, version: 99 } })).rejects.toThrow(ConfigError);
  });
});

describe("members (independent nets averaged)", () => {
  it("averages the members' probabilities, saves them under m<i>/, loads them back, and still loads a v1 single net", async () => {
    const { X, y } = xorData(800, 21);
    const one = await createMlpTrainer({ ...small, maxEpochs: 3 }).fit(X, y, { seed: 6 });
    const three = await createMlpTrainer({ ...small, maxEpochs: 3, members: 3 }).fit(X, y, { seed: 6 });
    const s1 = await one.save();
    const s3 = await three.save();
    expect(s3.spec["members"]).toBe(3);
    // member 0 is the one-member model: same seed, same split, same weights
    for (const [name, w] of Object.entries(s1.weights)) expect(Array.from(s3.weights[name]!.values)).toEqual(Array.from(w.values));
    expect(Object.keys(s3.weights).filter((k) => k.endsWith("/head_W")).sort()).toEqual(["m0/head_W", "m1/head_W", "m2/head_W"]);
    // each member carved its own early-stopping split (no opts.valid): three different member records
    const members = (s3.spec["training"] as { members: { bestValidAuc: number }[] }).members;
    expect(members).toHaveLength(3);
    expect(new Set(members.map((m) => m.bestValidAuc)).size).toBeGreaterThan(1);
    // the prediction is the mean of the members' (each member alone is a one-member state)
    const alone = async (m: number) => {
      const weights = Object.fromEntries(Object.entries(s3.weights).filter(([k]) => k.startsWith(`m${m}/`)).map(([k, w]) => [k.replace(`m${m}/`, "m0/"), w]));
      const net = await loadMlp({ ...s3, spec: { ...s3.spec, members: 1 }, weights });
      const p = await net.predict(X);
      net.dispose();
      return p;
    };
    const parts = [await alone(0), await alone(1), await alone(2)];
    const p3 = await three.predict(X);
    for (let i = 0; i < 50; i++) expect(p3[i]).toBeCloseTo((parts[0]![i]! + parts[1]![i]! + parts[2]![i]!) / 3, 6);
    const loaded = await loadMlp(s3);
    expect(Array.from(await loaded.predict(X))).toEqual(Array.from(p3));
    // a v1 state (one net, plain weight names) still loads and predicts the same
    const v1 = { ...s1, spec: { ...s1.spec, version: 1, members: undefined }, weights: Object.fromEntries(Object.entries(s1.weights).map(([k, w]) => [k.replace("m0/", ""), w])) };
    const old = await loadMlp(v1);
    expect(Array.from(await old.predict(X))).toEqual(Array.from(await one.predict(X)));
    for (const m of [one, three, loaded, old]) m.dispose();
  });

  it("picks 3 members below 100k training rows when members is 0 (the default)", async () => {
    const { X, y } = xorData(400, 22);
    const m = await createMlpTrainer({ ...small, maxEpochs: 3, members: 0 }).fit(X, y, { seed: 1 });
    expect((await m.save()).spec["members"]).toBe(3);
    m.dispose();
  });
});

describe("treeEdges (target-aware PLE bins)", () => {
  it("puts a threshold where the churn rate jumps, not at the quantiles", () => {
    // x uniform on 0..999; churn only above 900: a one-feature tree cuts between 900 and 901
    const n = 1000;
    const x = Float32Array.from({ length: n }, (_, i) => i);
    const y = Float32Array.from({ length: n }, (_, i) => (i > 900 ? 1 : 0));
    const edges = treeEdges(x, y, 4, 10);
    expect(edges[0]).toBe(0);
    expect(edges.at(-1)).toBe(999);
    expect(edges).toContain(900.5);
    // no other split gains anything (both sides are pure)
    expect(edges).toEqual([0, 900.5, 999]);
    expect(quantileEdges(x, 4)).toEqual([0, 249.75, 499.5, 749.25, 999]);
  });

  it("never cuts inside a run of equal values and respects the minimum leaf size", () => {
    const x = Float32Array.from([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    const y = Float32Array.from([0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1]);
    expect(treeEdges(x, y, 8, 2)).toEqual([1, 1.5, 2.5, 3]);
    // with leaves of at least 5 rows the value changes (after rows 4 and 8) leave a side of 4: no cut
    expect(treeEdges(x, y, 8, 5)).toEqual([1, 3]);
    // a constant column gets one unit-wide bin, as quantileEdges does
    expect(treeEdges(Float32Array.from([5, 5, 5]), Float32Array.from([0, 1, 0]), 4, 1)).toEqual([5, 6]);
  });
});

describe("large-data epochs", () => {
  it("trains on epochRows rows per epoch and early-stops on a sample of validMaxRows rows", async () => {
    const { X, y } = xorData(1200, 11);
    const m = await createMlpTrainer({ ...small, maxEpochs: 3, epochRows: 256, validMaxRows: 100 }).fit(X, y, { seed: 4 });
    const training = (await m.save()).spec["training"] as { rows: number; validRows: number; rowsPerEpoch: number; epochs: number };
    expect(training.rows).toBe(960); // 20% of 1200 held out
    expect(training.rowsPerEpoch).toBe(256);
    expect(training.validRows).toBe(100);
    expect(training.epochs).toBe(3);
    m.dispose();
  });
});

describe("time budget", () => {
  it("stops mid-epoch when the budget is spent, validates what it has and says so", async () => {
    const { X, y } = xorData(800, 12);
    const logs: string[] = [];
    // a clock that advances 1 ms at every read: the real one ticks in scheduler ticks, during which epochs can finish
    const m = await withTickingClock(() => createMlpTrainer({ ...small, timeBudgetSeconds: 1e-6 }).fit(X, y, { seed: 4, onLog: (l) => logs.push(l) }));
    const training = (await m.save()).spec["training"] as { epochs: number; stoppedByTimeBudget: boolean; history: unknown[] };
    expect(training.stoppedByTimeBudget).toBe(true);
    expect(training.epochs).toBe(1);
    expect(training.history).toHaveLength(1);
    expect(logs.some((l) => /stopped by the 0.000001 s CPU budget during epoch 1/.test(l))).toBe(true);
    expect((await m.predict(X)).length).toBe(800); // still a usable model
    m.dispose();
  });
});

describe("refit schedule", () => {
  it("trains every row for exactly the given epochs and learning rates, with nothing held out", async () => {
    const { X, y } = xorData(500, 13);
    const first = await createMlpTrainer({ ...small, maxEpochs: 4, patience: 4, members: 2 }).fit(X, y, { seed: 2 });
    const members = ((await first.save()).spec["training"] as { members: { bestEpoch: number; schedule: number[] }[] }).members;
    expect(members.map((m) => m.schedule.length)).toEqual(members.map((m) => m.bestEpoch));
    const schedule = [
      [3e-3, 1e-3],
      [2e-3, 2e-3, 5e-4],
    ];
    const refit = await createMlpTrainer({ ...small, schedule }).fit(X, y, { seed: 2 });
    const spec = (await refit.save()).spec;
    const training = spec["training"] as { rows: number; validRows: number; epochs: number; members: { epochs: number }[]; history: { learningRate: number; validAuc: number }[] };
    expect(spec["members"]).toBe(2);
    expect(training.rows).toBe(500);
    expect(training.validRows).toBe(0);
    expect(training.members.map((m) => m.epochs)).toEqual([2, 3]);
    expect(training.history.map((h) => h.learningRate)).toEqual([3e-3, 1e-3]);
    expect(training.history.every((h) => Number.isNaN(h.validAuc))).toBe(true);
    expect(rankAuc(await refit.predict(X), y)).toBeGreaterThan(0.5);
    await expect(createMlpTrainer({ ...small, schedule: [[]] }).fit(X, y, { seed: 2 })).rejects.toThrow(ConfigError);
    first.dispose();
    refit.dispose();
  });
});

describe("members that did not converge", () => {
  it("drops a member whose budget ran out before 3 epochs or whose validation AUC is below logistic's, and keeps the best when none converged", () => {
    const ok = { epochs: 20, bestValidAuc: 0.8, stoppedByTimeBudget: false };
    const short = { epochs: 2, bestValidAuc: 0.85, stoppedByTimeBudget: true };
    const weak = { epochs: 30, bestValidAuc: 0.7, stoppedByTimeBudget: false };
    const r = convergence([ok, short, weak], [0.75, 0.75, 0.72]);
    expect(r.kept).toEqual([0]);
    expect(r.noneConverged).toBe(false);
    expect(r.verdicts[1]).toBe("2 epochs before the CPU budget ran out, fewer than 3");
    expect(r.verdicts[2]).toBe("validation AUC 0.7000, below logistic regression's 0.7200 on the same rows");
    // a budget stop after enough epochs, or an early stop after 2 epochs, is not a failure
    expect(convergence([{ ...ok, stoppedByTimeBudget: true, epochs: 3 }, { ...ok, epochs: 2 }], null).kept).toEqual([0, 1]);
    const none = convergence([short, weak], [0.9, 0.9]);
    expect(none.noneConverged).toBe(true);
    expect(none.kept).toEqual([0]); // the better validation AUC of the two
  });

  it("names dropped members in the log and the saved spec; with none converged keeps the best and says so", async () => {
    // a linear signal logistic regression ranks well, and nets that cannot learn (a learning rate of 1e-9)
    const rng = makeRng(31);
    const n = 600;
    const columns: MatrixColumn[] = [
      { name: "a", source: "a", kind: "numeric" },
      { name: "b", source: "b", kind: "numeric" },
    ];
    const data = new Float32Array(n * 2);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const a = rng() * 2 - 1;
      data.set([a, rng()], i * 2);
      y[i] = rng() < 1 / (1 + Math.exp(-4 * a)) ? 1 : 0;
    }
    const logs: string[] = [];
    const m = await createMlpTrainer({ ...small, maxEpochs: 3, members: 2, learningRate: 1e-9 }).fit({ data, rows: n, cols: 2, columns }, y, { seed: 3, onLog: (l) => logs.push(l) });
    const spec = (await m.save()).spec;
    const training = spec["training"] as { members: { member: number }[]; dropped: { member: number; reason: string }[]; noMemberConverged?: string; logisticValidAuc: number[] };
    expect(spec["members"]).toBe(1);
    expect(training.members).toHaveLength(1);
    expect(training.dropped).toHaveLength(1);
    expect(training.dropped[0]!.reason).toMatch(/below logistic regression's 0\.\d{4} on the same rows/);
    expect(training.noMemberConverged).toMatch(/below logistic regression's/);
    expect(training.logisticValidAuc.every((a) => a > 0.8)).toBe(true);
    expect(logs.some((l) => /member \d\/2 dropped, it did not converge/.test(l))).toBe(true);
    expect(logs.some((l) => /no member converged; member \d\/2 .* is kept as the best of them/.test(l))).toBe(true);
    // the settings recorded are the values used, not the 0 = automatic placeholders
    expect((spec["params"] as { members: number; k: number; batchSize: number })).toMatchObject({ members: 1, k: 2, batchSize: 64 });
    m.dispose();
  });
});

describe("linear base (linearBase)", () => {
  it("starts from logistic regression: epoch 0 is the base alone, with logistic's validation AUC; saves and loads it", async () => {
    const { X, y } = xorData(600, 41);
    const valid = xorData(300, 42);
    const m = await createMlpTrainer({ ...small, maxEpochs: 4, members: 2, linearBase: true }).fit(X, y, { seed: 5, valid });
    const state = await m.save();
    const arch = state.spec["arch"] as { linear?: number };
    expect(arch.linear).toBe(X.cols);
    expect(state.weights["m0/lin_W"]?.shape).toEqual([X.cols]);
    const training = state.spec["training"] as { history: { epoch: number; validAuc: number }[]; logisticValidAuc: number[] };
    expect(training.history[0]!.epoch).toBe(0);
    expect(training.history[0]!.validAuc).toBeCloseTo(training.logisticValidAuc[0]!, 5);
    // the logistic model on the same rows has that AUC
    const lr = await logisticTrainer().fit(X, y, { seed: 5 });
    expect(rankAuc(await lr.predict(valid.X), valid.y)).toBeCloseTo(training.logisticValidAuc[0]!, 5);
    lr.dispose();
    const p = await m.predict(valid.X);
    const loaded = await loadMlp(state);
    expect(Array.from(await loaded.predict(valid.X))).toEqual(Array.from(p));
    // the net learns XOR on top of the base
    expect(rankAuc(p, valid.y)).toBeGreaterThan(0.8); // logistic regression alone: about 0.5
    for (const x of [m, loaded]) x.dispose();
  });

  it("with nets that cannot learn, predicts what logistic regression predicts", async () => {
    const { X, y } = xorData(500, 43);
    const m = await createMlpTrainer({ ...small, maxEpochs: 2, members: 1, linearBase: true, learningRate: 1e-12 }).fit(X, y, { seed: 6 });
    const state = await m.save();
    const w = state.weights["m0/lin_W"]!.values;
    const b = state.weights["m0/lin_b"]!.values[0]!;
    const p = await m.predict(X);
    for (let i = 0; i < 20; i++) {
      let z = b;
      for (let j = 0; j < X.cols; j++) z += X.data[i * X.cols + j]! * w[j]!;
      expect(p[i]!).toBeCloseTo(1 / (1 + Math.exp(-z)), 5);
    }
    m.dispose();
  });

  it("when no member's net beats its base, is logistic regression refitted on all training rows", async () => {
    const { X, y } = xorData(500, 44);
    const test = xorData(200, 45);
    const logs: string[] = [];
    // two members, each with its own early-stopping rows and its own base fitted on the rest; nets that cannot learn
    const m = await createMlpTrainer({ ...small, maxEpochs: 2, members: 2, linearBase: true, learningRate: 1e-12 }).fit(X, y, { seed: 7, onLog: (l) => logs.push(l) });
    const state = await m.save();
    expect(state.spec["members"]).toBe(1);
    expect((state.spec["training"] as { linearBaseOnly?: boolean }).linearBaseOnly).toBe(true);
    expect(logs.some((l) => l.includes("the model is the linear base, logistic regression refitted on all 500 training rows"))).toBe(true);
    // the same probabilities, to the bit, as logistic regression on the same rows; also after save and load
    const lr = await logisticTrainer().fit(X, y, { seed: 7 });
    const loaded = await loadMlp(state);
    const pl = Array.from(await lr.predict(test.X));
    expect(Array.from(await m.predict(test.X))).toEqual(pl);
    expect(Array.from(await loaded.predict(test.X))).toEqual(pl);
    const damaged = structuredClone(state);
    (damaged.spec["linearOnly"] as { coefficients: number[] }).coefficients.pop();
    await expect(loadMlp(damaged)).rejects.toThrow(/linearOnly must hold one finite coefficient per column \(4\)/);
    for (const x of [m, lr, loaded]) x.dispose();
  });

  it("is on by default from 200,000 training rows", async () => {
    for (const [rows, on] of [
      [199_999, false],
      [200_000, true],
    ] as const) {
      const { X, y } = xorData(rows, 46);
      const fitted = await createMlpTrainer({ ...small, maxEpochs: 0, members: 1 }).fit(X, y, { seed: 8 });
      const s = await fitted.save();
      expect((s.spec["arch"] as { linear?: number }).linear).toBe(on ? X.cols : undefined);
      expect((s.spec["params"] as { linearBase: unknown }).linearBase).toBe(on);
      fitted.dispose();
    }
  });
});
