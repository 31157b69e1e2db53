/**
 * The fast inference path (mlp-infer.ts) computes what the training graph (MlpNet.proba) computes, for every
 * shape of net, and parallel prediction (mlp-parallel.ts, from the compiled build) gives the same bits as one thread.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/model/backend.js";
import { MlpInference, predictRange } from "../../src/model/mlp-infer.js";
import { type MlpArch, MlpNet, initWeights } from "../../src/model/mlp-net.js";
import { makeRng } from "../../src/model/mlp-util.js";
import { ensureBuilt, ROOT } from "../reliability/helpers.js";

beforeAll(async () => {
  await initBackend("wasm");
});

interface Case {
  name: string;
  F: number;
  C: number;
  k: number;
  embRelu: boolean;
  raw?: boolean;
  /** Embedding dims made to output 0 for every value (a bias of -5, below any sum of initial weights): dims 0-1 of each column, all of column 0. */
  dead?: boolean;
  /** Column 0 (one bin) made linear in its bin (bias +1, above any initial weight): its dims become one input. */
  linear?: boolean;
  edges: (f: number) => number[];
}

const quantiles = () => [-1.5, -0.7, -0.2, 0, 0.3, 0.9, 2];
const cases: Case[] = [
  { name: "default shape (ReLU embeddings, k = 1)", F: 5, C: 3, k: 1, embRelu: true, edges: quantiles },
  { name: "TabM ensemble k = 4", F: 4, C: 2, k: 4, embRelu: true, edges: quantiles },
  { name: "linear embeddings", F: 3, C: 2, k: 2, embRelu: false, edges: quantiles },
  { name: "raw numerics beside their embeddings", F: 3, C: 2, k: 2, embRelu: true, raw: true, edges: quantiles },
  { name: "no pass-through columns", F: 3, C: 0, k: 2, embRelu: true, edges: quantiles },
  { name: "no numeric columns", F: 0, C: 4, k: 2, embRelu: true, edges: quantiles },
  // binary flag (one bin), a constant, and edges closer than the minimum bin width (bins overlap)
  { name: "one-bin, constant and overlapping bins", F: 3, C: 1, k: 1, embRelu: true, edges: (f) => (f === 0 ? [0, 1] : f === 1 ? [5, 6] : [0, 1e-7, 2e-7, 1]) },
  // many bins inside one cell of the lookup grid (a long tail): the bin count needs more than its two steps
  { name: "skewed bins", F: 2, C: 1, k: 1, embRelu: true, edges: () => [0, 0.001, 0.002, 0.003, 0.004, 0.005, 1000] },
  // dims that are 0 after the ReLU for every value are left out of the first layer's input
  { name: "dead embedding dims", F: 3, C: 2, k: 2, embRelu: true, raw: true, dead: true, edges: quantiles },
  { name: "dead dims with one-bin, constant and overlapping bins", F: 3, C: 1, k: 1, embRelu: true, dead: true, edges: (f) => (f === 0 ? [0, 1] : f === 1 ? [5, 6] : [0, 1e-7, 2e-7, 1]) },
  // a one-bin column without a kink is one input; a column without bins is a constant (all in the bias)
  { name: "one-bin column merged to one input, column without bins", F: 3, C: 1, k: 2, embRelu: true, raw: true, linear: true, edges: (f) => (f === 0 ? [0, 1] : f === 1 ? [5] : quantiles()) },
  { name: "one-bin columns without the ReLU", F: 2, C: 1, k: 1, embRelu: false, edges: () => [0, 1] },
  { name: "dead dims without the ReLU are kept", F: 3, C: 2, k: 1, embRelu: false, dead: true, edges: quantiles },
];

function netFor(c: Case, seed: number): MlpNet {
  const arch: MlpArch = {
    numericCols: Array.from({ length: c.F }, (_, i) => i),
    otherCols: Array.from({ length: c.C }, (_, i) => c.F + i),
    nBins: Math.max(1, ...Array.from({ length: c.F }, (_, f) => c.edges(f).length - 1)),
    dEmb: 4,
    embRelu: c.embRelu,
    ...(c.raw ? { rawNumeric: true } : {}),
    hidden: [16, 8],
    k: c.k,
  };
  const net = new MlpNet(arch, initWeights(arch, Array.from({ length: c.F }, (_, f) => c.edges(f)), seed));
  // trained weights are not ±1 in the adapter: make them arbitrary, as after training
  const w = net.readWeights();
  const rng = makeRng(seed + 1);
  for (let i = 0; i < w["tabm_r"]!.values.length; i++) w["tabm_r"]!.values[i] = rng() * 3 - 1.5;
  if (c.linear) for (let j = 0; j < 4; j++) w["emb_b"]!.values[j] = 1;
  if (c.dead) {
    const b = w["emb_b"]!.values;
    for (let f = 0; f < c.F; f++) for (let j = 0; j < 4; j++) if (f === 0 || j < 2) b[f * 4 + j] = -5;
  }
  net.assign(w);
  return net;
}

/** Values below, inside, on and above the bin edges, and on the narrow bins' edges. */
function inputs(c: Case, rows: number, seed: number): { num: Float32Array; other: Float32Array } {
  const rng = makeRng(seed);
  const num = new Float32Array(rows * c.F);
  for (let i = 0; i < num.length; i++) {
    const e = c.edges(i % c.F);
    const u = rng();
    num[i] = u < 0.2 ? e[Math.floor(rng() * e.length)]! : u < 0.3 ? 1.5e-7 : u < 0.5 ? rng() * 0.006 : (rng() * 2 - 1) * 4;
  }
  const other = new Float32Array(rows * c.C);
  for (let i = 0; i < other.length; i++) other[i] = rng() < 0.3 ? 1 : 0;
  return { num, other };
}

describe("MlpInference", () => {
  afterEach(() => {
    tf.disposeVariables();
  });

  for (const c of cases) {
    it(`equals the training graph's probabilities: ${c.name}`, () => {
      const net = netFor(c, 11);
      const rows = 500;
      const { num, other } = inputs(c, rows, 5);
      const before = tf.memory().numTensors;
      const expected = tf.tidy(() => net.proba(c.F > 0 ? tf.tensor2d(num, [rows, c.F]) : null, c.C > 0 ? tf.tensor2d(other, [rows, c.C]) : null)).dataSync();
      const inf = new MlpInference(net.arch, net.readWeights());
      const got = predictRange([inf], { num, other, rows }, 128);
      let maxDiff = 0;
      for (let i = 0; i < rows; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - expected[i]!));
      expect(maxDiff).toBeLessThan(2e-6);
      // the probabilities vary (a constant output would match a constant graph trivially)
      expect(Math.max(...got) - Math.min(...got)).toBeGreaterThan(1e-3);
      if (c.linear) {
        // column 0: one input; column 1: none; column 2: at most its 4 dims
        expect(inf.inputWidth).toBeLessThanOrEqual(1 + 4 + c.F + c.C);
      }
      if (!c.embRelu && c.edges(0).length === 2) expect(inf.inputWidth).toBe(c.F + c.C);
      if (c.dead) {
        // with the ReLU: column 0's 4 dims and 2 of each other column's are left out (and any the initial
        // weights happen to make dead); without it, none
        const full = c.F * 4 + (c.raw ? c.F : 0) + c.C;
        if (c.embRelu) expect(inf.inputWidth).toBeLessThanOrEqual(full - 4 - 2 * (c.F - 1));
        else expect(inf.inputWidth).toBe(full);
      }
      inf.dispose();
      net.dispose();
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
    });
  }

  it("adds each member's linear-base logits (offsets) to its logits, as the training graph does", () => {
    const c = cases[1]!;
    const nets = [netFor(c, 21), netFor(c, 22)];
    const rows = 300;
    const { num, other } = inputs(c, rows, 6);
    const rng = makeRng(3);
    const offsets = nets.map(() => Float32Array.from({ length: rows }, () => rng() * 4 - 2));
    const expected = nets.map((net, m) => tf.tidy(() => net.proba(tf.tensor2d(num, [rows, c.F]), tf.tensor2d(other, [rows, c.C]), tf.tensor1d(offsets[m]!))).dataSync());
    const infs = nets.map((n) => new MlpInference(n.arch, n.readWeights()));
    const got = predictRange(infs, { num, other, rows, offsets }, 64);
    for (let i = 0; i < rows; i++) expect(got[i]!).toBeCloseTo((expected[0]![i]! + expected[1]![i]!) / 2, 5);
    // the offsets matter: without them the result differs
    const without = predictRange(infs, { num, other, rows }, 64);
    expect(Math.max(...got.map((v, i) => Math.abs(v - without[i]!)))).toBeGreaterThan(0.01);
    for (const x of [...infs, ...nets]) x.dispose();
  });

  it("averages members in predictRange, and batch boundaries do not change a row's result beyond rounding", () => {
    const c = cases[0]!;
    const nets = [netFor(c, 1), netFor(c, 2)];
    const infs = nets.map((n) => new MlpInference(n.arch, n.readWeights()));
    const rows = 300;
    const p = { ...inputs(c, rows, 9), rows };
    const mean = predictRange(infs, p, 64);
    const a = predictRange([infs[0]!], p, 64);
    const b = predictRange([infs[1]!], p, 64);
    for (let i = 0; i < rows; i++) expect(mean[i]!).toBeCloseTo((a[i]! + b[i]!) / 2, 6);
    const other = predictRange(infs, p, 100);
    for (let i = 0; i < rows; i++) expect(other[i]!).toBeCloseTo(mean[i]!, 6);
    // a range is the same rows' slice of the whole, when it starts on a batch boundary
    expect(Array.from(predictRange(infs, p, 64, 128, 300))).toEqual(Array.from(mean.subarray(128)));
    for (const x of [...infs, ...nets]) x.dispose();
  });

  it("fails on use after dispose", () => {
    const net = netFor(cases[0]!, 3);
    const inf = new MlpInference(net.arch, net.readWeights());
    inf.dispose();
    expect(() => inf.proba(new Float32Array(5), new Float32Array(3), 1)).toThrow(/after dispose/);
    net.dispose();
  });
});

describe("parallel prediction (compiled build)", () => {
  // worker threads run JavaScript: the compiled modules are used here, as the CLI uses them
  let dist: { infer: typeof import("../../src/model/mlp-infer.js"); parallel: typeof import("../../src/model/mlp-parallel.js") };
  beforeAll(async () => {
    ensureBuilt();
    const mod = (p: string) => import(pathToFileURL(join(ROOT, "dist", "model", p)).href);
    dist = { infer: await mod("mlp-infer.js"), parallel: await mod("mlp-parallel.js") };
  }, 180_000);

  it("gives the same bits on 3 threads as on one, and every row is predicted", async () => {
    const c = cases[1]!;
    const nets = [netFor(c, 4), netFor(c, 5)];
    const weights = nets.map((n) => ({ arch: n.arch, weights: n.readWeights() }));
    const infs = weights.map((w) => new dist.infer.MlpInference(w.arch, w.weights));
    const rows = 2000;
    const p = { ...inputs(c, rows, 7), rows };
    const one = dist.infer.predictRange(infs, p, 256);
    const three = await dist.parallel.predictParallel(infs, weights, p, 256, 3);
    expect(three.length).toBe(rows);
    expect(Buffer.from(three.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    expect(one.every((x) => x > 0 && x < 1)).toBe(true);
    for (const x of [...infs, ...nets]) x.dispose();
  }, 60_000);

  it("reports a worker's failure as an error naming it", async () => {
    const c = cases[0]!;
    const net = netFor(c, 6);
    const w = net.readWeights();
    const inf = new dist.infer.MlpInference(net.arch, w);
    const broken = { ...w };
    delete broken["head_W"];
    const p = { ...inputs(c, 1000, 8), rows: 1000 };
    await expect(dist.parallel.predictParallel([inf], [{ arch: net.arch, weights: broken }], p, 256, 2)).rejects.toThrow(/mlp prediction worker failed: mlp weight head_W is missing/);
    inf.dispose();
    net.dispose();
  }, 60_000);

  it("chooses threads by rows, CHURN_PREDICT_THREADS and batch", () => {
    const saved = process.env["CHURN_PREDICT_THREADS"];
    try {
      process.env["CHURN_PREDICT_THREADS"] = "4";
      expect(dist.parallel.predictThreads(1000, 256, 100_000)).toBe(1);
      expect(dist.parallel.predictThreads(500_000, 8192)).toBe(4);
      // never more threads than batches
      expect(dist.parallel.predictThreads(3 * 256, 256, 0)).toBe(3);
      process.env["CHURN_PREDICT_THREADS"] = "1";
      expect(dist.parallel.predictThreads(500_000, 8192)).toBe(1);
    } finally {
      if (saved === undefined) delete process.env["CHURN_PREDICT_THREADS"];
      else process.env["CHURN_PREDICT_THREADS"] = saved;
    }
  });
});
