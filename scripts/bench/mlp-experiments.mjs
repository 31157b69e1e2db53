#!/usr/bin/env node
/**
 * mlp experiment harness: 5-fold CV of the mlp on the quality benchmark datasets, compared with peers.json.
 *
 *   npm run build && node scripts/bench/mlp-experiments.mjs --datasets iranian-churn,bigml-telecom \
 *       [--params '{"k":8,"dEmb":8}'] [--folds 0,1,2,3,4] [--label name] [--out /tmp/mlp-results.jsonl]
 *
 * Uses src/model/backend.ts when it exists in dist/ (else inits the wasm backend itself), and the shared
 * preprocessing when dist/model/preprocess.js exports what we need; else a small private CSV → Matrix loader
 * (median/(IQR/1.349) robust scaling clipped to ±10 as in preprocess.ts, missing indicators, one-hot of the 50 most frequent levels).
 */
import { appendFileSync, readFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const QDIR = process.env.QUALITY_DIR ?? "/work/shared/benchmarks/quality";
const MISSING = new Set(["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"]);

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

async function initBackend() {
  setWasmPaths(path.join(root, "node_modules/@tensorflow/tfjs-backend-wasm/dist") + "/");
  await tf.setBackend("wasm");
  await tf.ready();
  return tf.getBackend();
}

function readCsv(file) {
  const text = readFileSync(file, "utf8").replace(/\r/g, "");
  const lines = text.split("\n").filter((l) => l.length > 0);
  const header = lines[0].split(",");
  const rows = lines.slice(1).map((l) => l.split(",").map((v) => v.trim()));
  return { header, rows };
}

function quantile(sorted, q) {
  if (sorted.length === 0) return 0;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Fits the private preprocessing on train rows; returns a function mapping rows → Matrix. */
function fitPrep(header, rows, featureIdx) {
  const specs = [];
  for (const j of featureIdx) {
    const vals = rows.map((r) => r[j]);
    const present = vals.filter((v) => !MISSING.has(v));
    const hasMissing = present.length < vals.length;
    const numeric = present.length > 0 && present.every((v) => v !== "" && Number.isFinite(Number(v)));
    if (numeric) {
      const nums = present.map(Number).sort((a, b) => a - b);
      const med = quantile(nums, 0.5);
      let scale = (quantile(nums, 0.75) - quantile(nums, 0.25)) / 1.349;
      if (!(scale > 0)) {
        const mean = nums.reduce((s, x) => s + x, 0) / nums.length;
        scale = Math.sqrt(nums.reduce((s, x) => s + (x - mean) ** 2, 0) / nums.length) || 1;
      }
      specs.push({ j, name: header[j], type: "numeric", med, scale, hasMissing });
    } else {
      const counts = new Map();
      for (const v of present) counts.set(v, (counts.get(v) ?? 0) + 1);
      const levels = [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 50)
        .map((e) => e[0]);
      specs.push({ j, name: header[j], type: "cat", levels, hasMissing });
    }
  }
  const columns = [];
  for (const s of specs) {
    if (s.type === "numeric") {
      columns.push({ name: s.name, source: s.name, kind: "numeric" });
      if (s.hasMissing) columns.push({ name: `${s.name}__missing`, source: s.name, kind: "missing" });
    } else {
      for (const l of s.levels) columns.push({ name: `${s.name}=${l}`, source: s.name, kind: "onehot" });
      if (s.hasMissing) columns.push({ name: `${s.name}__missing`, source: s.name, kind: "missing" });
    }
  }
  return (rs) => {
    const cols = columns.length;
    const data = new Float32Array(rs.length * cols);
    rs.forEach((r, i) => {
      let c = i * cols;
      for (const s of specs) {
        const v = r[s.j];
        const miss = MISSING.has(v);
        if (s.type === "numeric") {
          const x = miss ? 0 : Math.max(-10, Math.min(10, (Number(v) - s.med) / s.scale));
          data[c++] = Number.isFinite(x) ? x : 0;
          if (s.hasMissing) data[c++] = miss ? 1 : 0;
        } else {
          for (const l of s.levels) data[c++] = !miss && v === l ? 1 : 0;
          if (s.hasMissing) data[c++] = miss ? 1 : 0;
        }
      }
    });
    return { data, rows: rs.length, cols, columns };
  };
}

async function main() {
  const backend = await initBackend();
  // MLP_DIST: an alternative build output (e.g. a private tsc --outDir) so experiments need no full build.
  const dist = process.env.MLP_DIST ?? path.join(root, "dist");
  const { mlpTrainer, createMlpTrainer } = await import(path.join(dist, "model/mlp.js"));
  const { rankAuc } = await import(path.join(dist, "model/mlp-util.js"));
  const datasets = JSON.parse(readFileSync(path.join(QDIR, "datasets.json"), "utf8"));
  const peers = JSON.parse(readFileSync(path.join(QDIR, "peers.json"), "utf8"));
  const wanted = arg("datasets", datasets.map((d) => d.name).join(",")).split(",");
  const folds = arg("folds", "0,1,2,3,4").split(",").map(Number);
  const params = JSON.parse(arg("params", "{}"));
  const label = arg("label", JSON.stringify(params));
  const out = arg("out", "/tmp/mlp-results.jsonl");
  const verbose = process.argv.includes("--verbose");
  const trainer = Object.keys(params).length ? createMlpTrainer(params) : mlpTrainer;
  console.error(`backend ${backend}; params ${JSON.stringify(params)}`);

  for (const name of wanted) {
    const ds = datasets.find((d) => d.name === name);
    if (!ds) throw new Error(`unknown dataset ${name}`);
    const { header, rows } = readCsv(path.join(QDIR, ds.file));
    const li = header.indexOf(ds.label);
    const fi = header.indexOf(ds.fold);
    const ii = ds.id ? header.indexOf(ds.id) : -1;
    const featureIdx = header.map((_, j) => j).filter((j) => j !== li && j !== fi && j !== ii);
    const aucs = [];
    const secs = [];
    const epochs = [];
    for (const f of folds) {
      const tr = rows.filter((r) => Number(r[fi]) !== f);
      const te = rows.filter((r) => Number(r[fi]) === f);
      const toMatrix = fitPrep(header, tr, featureIdx);
      const Xtr = toMatrix(tr);
      const Xte = toMatrix(te);
      const ytr = Float32Array.from(tr, (r) => (r[li] === ds.positive ? 1 : 0));
      const yte = Float32Array.from(te, (r) => (r[li] === ds.positive ? 1 : 0));
      const before = tf.memory().numTensors;
      const t0 = performance.now();
      let lastLine = "";
      const model = await trainer.fit(Xtr, ytr, {
        seed: 42 + f,
        onLog: (l) => {
          lastLine = l;
          if (verbose) console.error(l);
        },
      });
      const fitS = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const p = await model.predict(Xte);
      const predS = (performance.now() - t1) / 1000;
      const st = await model.save();
      model.dispose();
      const leaked = tf.memory().numTensors - before;
      const auc = rankAuc(p, yte);
      aucs.push(auc);
      secs.push(fitS);
      epochs.push(st.spec.training.bestEpoch);
      console.error(
        `${name} fold ${f}: AUC ${auc.toFixed(4)} fit ${fitS.toFixed(1)} s predict ${predS.toFixed(2)} s, cols ${Xtr.cols}, leaked ${leaked}; ${lastLine}`,
      );
    }
    const mean = aucs.reduce((s, x) => s + x, 0) / aucs.length;
    const xgb = peers.find((p) => p.dataset === name && p.model === "xgboost");
    const lr = peers.find((p) => p.dataset === name && p.model === "sklearn-logreg");
    const res = {
      dataset: name,
      label,
      params,
      folds,
      auc: Number(mean.toFixed(4)),
      aucs: aucs.map((a) => Number(a.toFixed(4))),
      fit_seconds_total: Number(secs.reduce((s, x) => s + x, 0).toFixed(1)),
      best_epochs: epochs,
      xgboost: xgb?.auc,
      logreg: lr?.auc,
      backend,
      when: new Date().toISOString(),
    };
    console.log(JSON.stringify(res));
    appendFileSync(out, `${JSON.stringify(res)}\n`);
  }
}

await main();
