#!/usr/bin/env node
// Experiment: does averaging mlp runs with different seeds (different init, shuffles, dropout and early-stopping
// split) raise AUC on the quality benchmark? Runs `runCv` once per seed on one dataset, saves the out-of-fold
// probabilities, and prints per-fold AUC of each seed and of their mean.
//   node scripts/bench/oof-seeds.mjs --dataset bigml-telecom --seeds 42,43,44 [--mlp '{...}'] [--save DIR]
// With --combine, reads the saved OOF files of the given seeds instead of fitting (run seeds in parallel first).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rocAuc } from "../../dist/model/metrics.js";
import { runCv } from "../../dist/model/cv.js";
import { loadLabelledTable } from "../../dist/model/inputs.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const dir = arg("dir", "../shared/benchmarks/quality");
const name = arg("dataset", "bigml-telecom");
const seeds = arg("seeds", "42").split(",").map(Number);
const mlp = arg("mlp", undefined) ? JSON.parse(arg("mlp")) : undefined;
const save = arg("save", "out/bench/oof");
const tag = arg("tag", "mlp");
const d = JSON.parse(readFileSync(join(dir, "datasets.json"), "utf8")).find((x) => x.name === name);
const t = await loadLabelledTable({ path: join(dir, d.file), label: d.label, positive: d.positive, id: d.id ?? undefined, foldsColumn: d.fold });
mkdirSync(save, { recursive: true });
const oofs = [];
for (const seed of seeds) {
  const f = join(save, `${name}-${tag}-${seed}.json`);
  if (process.argv.includes("--combine") && existsSync(f)) {
    oofs.push(Float32Array.from(JSON.parse(readFileSync(f, "utf8"))));
    continue;
  }
  const r = await runCv(t.table, t.y, t.folds, { model: "mlp", seed, calibration: "auto", mlp, onLog: (l) => (l.startsWith("fold") ? process.stderr.write(`  seed ${seed} ${l}\n`) : null) });
  writeFileSync(f, JSON.stringify(Array.from(r.oof)));
  oofs.push(r.oof);
}
const folds = [...new Set(t.folds)].filter((x) => x >= 0).sort((a, b) => a - b);
const aucOf = (p) => {
  const per = folds.map((fo) => {
    const rows = [];
    for (let i = 0; i < t.folds.length; i++) if (t.folds[i] === fo) rows.push(i);
    return rocAuc(Float32Array.from(rows, (i) => t.y[i]), Float32Array.from(rows, (i) => p[i]));
  });
  return { mean: per.reduce((a, b) => a + b, 0) / per.length, per: per.map((x) => Number(x.toFixed(4))) };
};
for (const [k, s] of seeds.entries()) console.log(`seed ${s}`, JSON.stringify(aucOf(oofs[k])));
const avg = new Float32Array(t.y.length);
for (const o of oofs) for (let i = 0; i < avg.length; i++) avg[i] += o[i] / oofs.length;
console.log(`mean of ${oofs.length}`, JSON.stringify(aucOf(avg)));
