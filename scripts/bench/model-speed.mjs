#!/usr/bin/env node
// Model speed: logistic fit on N rows x D features (default 1,000,000 x 60; target <= 60 s) and prediction
// throughput (target >= 200,000 rows/s), plus preprocessing (transform) throughput. Synthetic data, seeded.
// Usage: npm run build && node scripts/bench/model-speed.mjs [--rows 1000000] [--cols 60] [--repeat 3] [--model logistic|mlp]
// --model mlp: one mlp fit (target: held-out AUC >= logistic regression's, within 300 s) with its own early-stopping
// split, epochs and validation AUC, and mlp prediction throughput on all rows (median of --repeat runs); --budget S
// overrides the CPU seconds each mlp member may train for; --mlp '{"members":2}' other mlp settings. Members train on
// CHURN_TRAIN_THREADS threads (default: the cores).
import { initBackend } from "../../dist/model/backend.js";
import { logisticTrainer } from "../../dist/model/logistic.js";
import { rankAuc } from "../../dist/model/mlp-util.js";
import { createMlpTrainer } from "../../dist/model/mlp.js";
import { predictThreads } from "../../dist/model/mlp-parallel.js";
import { wantedTrainThreads } from "../../dist/model/mlp-threads.js";
import { Preprocessor } from "../../dist/model/preprocess.js";
import { rng } from "../../dist/model/split.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const n = arg("rows", 1_000_000);
const d = arg("cols", 60);
const repeat = arg("repeat", 3);
const i = process.argv.indexOf("--model");
const which = i >= 0 ? process.argv[i + 1] : "logistic";
const median = (a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
// CPU seconds of this process, all its threads (training workers included): on a shared, overloaded machine wall
// time overstates the cost.
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

// Raw table: d/2 numeric columns (some missing), d/2 binary flags; churn from a known logistic model.
const r = rng(1);
const columns = [];
for (let j = 0; j < d; j++) {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = j % 2 === 0 ? (r() < 0.01 ? Number.NaN : (r() + r() + r() - 1.5) * 10 + j) : r() < 0.3 ? 1 : 0;
  columns.push({ name: `f${j}`, kind: "numeric", values: v });
}
const beta = Array.from({ length: d }, (_, j) => (j % 3 === 0 ? 0.3 : j % 3 === 1 ? -0.2 : 0.05));
const y = new Float32Array(n);
for (let i = 0; i < n; i++) {
  let z = -1.2;
  for (let j = 0; j < d; j++) {
    const v = columns[j].values[i];
    z += beta[j] * (Number.isNaN(v) ? 0 : j % 2 === 0 ? (v - j) / 10 : v);
  }
  y[i] = r() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
}
const table = { rows: n, columns };

const t0 = performance.now();
const c0 = cpu();
const pre = Preprocessor.fit(table);
const X = pre.transform(table);
const tPre = (performance.now() - t0) / 1000;
const cPre = cpu() - c0;
process.stderr.write(`preprocess fit + transform: ${tPre.toFixed(1)} s, matrix ${X.rows} x ${X.cols}\n`);

if (which === "mlp") {
  const backend = await initBackend();
  // the last 10% of rows (the data are i.i.d.) are held out to compare the mlp with logistic regression
  const cut = Math.floor(n * 0.9);
  const slice = (lo, hi) => ({ ...X, rows: hi - lo, data: X.data.subarray(lo * X.cols, hi * X.cols) });
  const Xtr = slice(0, cut);
  const Xte = slice(cut, n);
  const budget = arg("budget", 0);
  const mi = process.argv.indexOf("--mlp");
  const extra = mi >= 0 ? JSON.parse(process.argv[mi + 1]) : {};
  const logs = [];
  const s = performance.now();
  const c = cpu();
  const mlp = await createMlpTrainer({ ...extra, ...(budget > 0 ? { timeBudgetSeconds: budget } : {}) }).fit(Xtr, y.subarray(0, cut), {
    seed: 1,
    onLog: (l) => {
      logs.push(l);
      process.stderr.write(`${l}\n`);
    },
  });
  const fitSeconds = (performance.now() - s) / 1000;
  const fitCpu = cpu() - c;
  // throughput on all n rows (FittedMlp.predict: worker threads from 100k rows), median of --repeat runs; the
  // held-out rows' probabilities are the tail of a run's
  const predictRates = [];
  let pm;
  for (let k = 0; k < repeat; k++) {
    const p0 = performance.now();
    const p = await mlp.predict(X);
    predictRates.push(n / ((performance.now() - p0) / 1000));
    pm = p.subarray(cut);
  }
  const mlpPredictRowsPerSecond = median(predictRates);
  const lr = await logisticTrainer().fit(Xtr, y.subarray(0, cut), { seed: 1 });
  const pl = await lr.predict(Xte);
  const yte = y.subarray(cut);
  const state = await mlp.save();
  process.stdout.write(
    `${JSON.stringify(
      {
        rows: n,
        trainRows: cut,
        cols: X.cols,
        backend: backend.name,
        mlpFitSeconds: fitSeconds,
        mlpFitCpuSeconds: fitCpu,
        trainThreads: wantedTrainThreads(),
        mlpParams: state.spec.params,
        training: state.spec.training,
        mlpPredictRowsPerSecond: Math.round(mlpPredictRowsPerSecond),
        mlpPredictRuns: predictRates.map(Math.round),
        predictThreads: predictThreads(n, state.spec.predictBatch),
        heldOutAuc: { mlp: rankAuc(pm, yte), logistic: rankAuc(pl, yte) },
        loadAverage: (await import("node:os")).loadavg(),
        targets: { mlpFitSeconds: 300, heldOutAuc: "mlp >= logistic", predictRowsPerSecond: 200_000 },
      },
      null,
      2,
    )}\n`,
  );
  mlp.dispose();
  process.exit(0);
}

const fits = [];
const fitsCpu = [];
let model;
for (let k = 0; k < Math.max(1, Math.min(repeat, 2)); k++) {
  const s = performance.now();
  const c = cpu();
  model = await logisticTrainer().fit(X, y, { seed: 1, onLog: (l) => process.stderr.write(`${l}\n`) });
  fits.push((performance.now() - s) / 1000);
  fitsCpu.push(cpu() - c);
  process.stderr.write(`fit ${k + 1}: ${fits[k].toFixed(1)} s\n`);
}
const preds = [];
const predsCpu = [];
for (let k = 0; k < repeat; k++) {
  const s = performance.now();
  const c = cpu();
  await model.predict(X);
  preds.push(n / ((performance.now() - s) / 1000));
  predsCpu.push(n / (cpu() - c));
}
const transforms = [];
const transformsCpu = [];
for (let k = 0; k < repeat; k++) {
  const s = performance.now();
  const c = cpu();
  const Xt = pre.transform(table);
  await model.predict(Xt);
  transforms.push(n / ((performance.now() - s) / 1000));
  transformsCpu.push(n / (cpu() - c));
}
const out = {
  rows: n,
  cols: X.cols,
  iterations: model.info.iterations,
  converged: model.info.converged,
  logisticFitSecondsMedian: median(fits),
  logisticFitSeconds: fits,
  logisticFitCpuSecondsMedian: median(fitsCpu),
  predictRowsPerSecondMedian: Math.round(median(preds)),
  predictRowsPerCpuSecondMedian: Math.round(median(predsCpu)),
  transformPlusPredictRowsPerSecondMedian: Math.round(median(transforms)),
  transformPlusPredictRowsPerCpuSecondMedian: Math.round(median(transformsCpu)),
  preprocessFitTransformSeconds: tPre,
  preprocessFitTransformCpuSeconds: cPre,
  loadAverage: (await import("node:os")).loadavg(),
  targets: { fitSeconds: 60, predictRowsPerSecond: 200_000 },
};
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
