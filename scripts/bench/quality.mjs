#!/usr/bin/env node
// Quality benchmark: `churn cv` (fixed fold column) with each model on every dataset of
// ../shared/benchmarks/quality/datasets.json, printed beside peers.json (scikit-learn logistic regression, XGBoost).
// Usage: npm run bench:quality [-- --models logistic,mlp --datasets telco-ibm,bank-churn --backend wasm --out FILE]
//        [--mlp '{"nBins":16}'] (mlp hyper-parameters other than the defaults, for experiments; recorded in the output)
// Writes out/bench/quality.json. Metrics are means over the fixed folds; fit time is the sum over folds.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { runCv } from "../../dist/model/cv.js";
import { loadLabelledTable } from "../../dist/model/inputs.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const dir = arg("dir", process.env.CHURN_QUALITY_DIR ?? "../shared/benchmarks/quality");
const models = arg("models", "logistic,mlp").split(",");
const only = arg("datasets", "");
const backend = arg("backend", undefined);
const seed = Number(arg("seed", "42"));
const outFile = arg("out", "out/bench/quality.json");
const mlpParams = arg("mlp", undefined) ? JSON.parse(arg("mlp")) : undefined;
// --own-early-stopping: the mlp carves its early-stopping rows from the fit rows (as `churn train` does) instead
// of using the fold's validation rows, which then serve calibration only
const ownEarlyStopping = process.argv.includes("--own-early-stopping");
// --no-refit-mlp: score the early-stopped mlp instead of refitting it on all training rows of the fold (the default)
const noRefitMlp = process.argv.includes("--no-refit-mlp");
const datasets = JSON.parse(readFileSync(join(dir, "datasets.json"), "utf8")).filter((d) => !only || only.split(",").includes(d.name));
const peers = JSON.parse(readFileSync(join(dir, "peers.json"), "utf8"));

const rows = [];
for (const d of datasets) {
  const t = await loadLabelledTable({ path: join(dir, d.file), label: d.label, positive: d.positive, id: d.id ?? undefined, foldsColumn: d.fold });
  for (const model of models) {
    process.stderr.write(`${d.name} / ${model} ...\n`);
    const t0 = performance.now();
    let r;
    try {
      r = await runCv(t.table, t.y, t.folds, { model, seed, calibration: "auto", backend, mlp: mlpParams, ...(ownEarlyStopping ? { validForEarlyStopping: false } : {}), ...(noRefitMlp ? { refitMlp: false } : {}), onLog: (l) => process.stderr.write(`  ${l}\n`) });
    } catch (e) {
      process.stderr.write(`  ${model} failed: ${e.message}\n`);
      continue;
    }
    rows.push({
      dataset: d.name,
      model: `churn-${model}`,
      rows: t.y.length,
      auc: r.mean.auc,
      auc_sd: r.aucSd,
      pr_auc: r.mean.prAuc,
      logloss: r.mean.logLoss,
      brier: r.mean.brier,
      lift10: r.mean.lift10,
      ece: r.mean.ece,
      fit_seconds_5folds: r.fitSeconds,
      fold_auc: r.folds.map((x) => Number(x.metrics.auc.toFixed(6))),
      ...(model === "mlp" && mlpParams ? { mlp_params: mlpParams } : {}),
      wall_seconds: (performance.now() - t0) / 1000,
    });
  }
}

const f = (v, n = 4) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(n) : "-");
const lines = [];
lines.push(`| dataset | model | AUC | AUC sd | PR-AUC | log loss | Brier | lift@10% | fit s (5 folds) | AUC vs sklearn-logreg |`);
lines.push(`|---|---|---|---|---|---|---|---|---|---|`);
for (const d of datasets) {
  const ref = peers.find((p) => p.dataset === d.name && p.model === "sklearn-logreg");
  const all = [...rows.filter((r) => r.dataset === d.name), ...peers.filter((p) => p.dataset === d.name)];
  for (const r of all) {
    const diff = ref && r.model.startsWith("churn-") ? `${r.auc - ref.auc >= 0 ? "+" : ""}${(r.auc - ref.auc).toFixed(4)}${r.auc >= ref.auc - 0.003 ? "" : " FAIL"}` : "";
    lines.push(`| ${d.name} | ${r.model} | ${f(r.auc)} | ${f(r.auc_sd)} | ${f(r.pr_auc)} | ${f(r.logloss)} | ${f(r.brier)} | ${f(r.lift10, 2)} | ${f(r.fit_seconds_5folds, 1)} | ${diff} |`);
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, `${JSON.stringify({ generatedAt: new Date().toISOString(), seed, results: rows, peers }, null, 2)}\n`);
process.stderr.write(`wrote ${outFile}\n`);
