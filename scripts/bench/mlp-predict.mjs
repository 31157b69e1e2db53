#!/usr/bin/env node
// mlp prediction throughput (target >= 200,000 rows/s): the fast inference path (src/model/mlp-infer.ts) against
// the training-time graph (MlpNet.proba) on the same net and rows, in one process. The net has the shape the
// 1M-row benchmark gives (scripts/bench/model-speed.mjs --model mlp: 60 numeric columns with 32 bins, 30 other
// columns, the numerics also as they are (rawNumeric), hidden [128,128]) and seeded weights; only its shape matters for speed.
// The parallel figure is FittedMlp.predict's path: this thread plus worker threads (mlp-parallel.ts), workers
// started per call.
// Usage: npm run build && node scripts/bench/mlp-predict.mjs [--rows 200000] [--repeat 5] [--k 1] [--numeric 60] [--other 30] [--batch 2048]
import * as tf from "@tensorflow/tfjs-core";
import { describeBackend, initBackend } from "../../dist/model/backend.js";
import { MlpInference } from "../../dist/model/mlp-infer.js";
import { MLP_DEFAULTS } from "../../dist/model/mlp.js";
import { predictParallel, predictThreads } from "../../dist/model/mlp-parallel.js";
import { MlpNet, initWeights } from "../../dist/model/mlp-net.js";
import { rng } from "../../dist/rng.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg("rows", 200_000);
const repeat = arg("repeat", 5);
const F = arg("numeric", 60);
const C = arg("other", 30);
const k = arg("k", 1);
const T = 32;
const batch = arg("batch", MLP_DEFAULTS.predictBatch);
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];

const backend = await initBackend();
const r = rng(3);
const arch = { numericCols: [...Array(F).keys()], otherCols: [...Array(C).keys()].map((i) => F + i), nBins: T, dEmb: 8, embRelu: true, rawNumeric: true, hidden: [128, 128], k };
// quantile-like edges of a standard normal; every 4th column binary (one bin), as a 0/1 flag gets
const edges = Array.from({ length: F }, (_, f) => (f % 4 === 3 ? [0, 1] : Array.from({ length: T + 1 }, (_, t) => -2.5 + (5 * t) / T)));
const net = new MlpNet(arch, initWeights(arch, edges, 1));
const num = new Float32Array(n * F);
for (let i = 0; i < num.length; i++) num[i] = (i % F) % 4 === 3 ? (r() < 0.3 ? 1 : 0) : r() + r() + r() - 1.5;
const other = new Float32Array(n * C);
for (let i = 0; i < other.length; i++) other[i] = r() < 0.1 ? 1 : 0;

function slow() {
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(s + batch, n);
    const p = tf.tidy(() => net.proba(tf.tensor2d(num.subarray(s * F, e * F), [e - s, F]), tf.tensor2d(other.subarray(s * C, e * C), [e - s, C])));
    out.set(p.dataSync(), s);
    p.dispose();
  }
  return out;
}
const inf = new MlpInference(arch, net.readWeights());
const scratch = new Float32Array(batch * inf.inputWidth);
function fast() {
  const out = new Float32Array(n);
  for (let s = 0; s < n; s += batch) {
    const e = Math.min(s + batch, n);
    out.set(inf.proba(num.subarray(s * F, e * F), other.subarray(s * C, e * C), e - s, scratch), s);
  }
  return out;
}
const time = async (fn) => {
  const t = performance.now();
  const out = await fn();
  return { out, rps: n / ((performance.now() - t) / 1000) };
};
// all cores (or CHURN_PREDICT_THREADS), as FittedMlp.predict does, workers started per call as there
const threads = predictThreads(n, batch);
const weights = [{ arch, weights: net.readWeights() }];
const parallel = () => predictParallel([inf], weights, { num, other, rows: n }, batch, threads);
await time(fast); // warm-up (wasm compile of the kernels)
const slowRps = [];
const fastRps = [];
const parRps = [];
let maxDiff = 0;
let parallelSameBits = true;
for (let i = 0; i < repeat; i++) {
  const a = await time(slow);
  const b = await time(fast);
  const c = await time(parallel);
  slowRps.push(a.rps);
  fastRps.push(b.rps);
  parRps.push(c.rps);
  for (let j = 0; j < n; j++) {
    maxDiff = Math.max(maxDiff, Math.abs(a.out[j] - b.out[j]));
    if (b.out[j] !== c.out[j]) parallelSameBits = false;
  }
}
const result = {
  backend: describeBackend(backend),
  rows: n,
  arch: { numeric: F, other: C, bins: T, dEmb: 8, rawNumeric: true, hidden: [128, 128], k },
  batch,
  repeat,
  trainingGraphRowsPerSecond: Math.round(median(slowRps)),
  fastRowsPerSecond: Math.round(median(fastRps)),
  speedup: Number((median(fastRps) / median(slowRps)).toFixed(2)),
  threads,
  parallelRowsPerSecond: Math.round(median(parRps)),
  parallelSpeedup: Number((median(parRps) / median(slowRps)).toFixed(2)),
  parallelSameBits,
  maxAbsDifference: maxDiff,
  target: 200000,
  liveTensors: tf.memory().numTensors,
};
console.log(JSON.stringify(result, null, 2));
inf.dispose();
net.dispose();
