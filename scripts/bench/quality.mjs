#!/usr/bin/env node
// Quality benchmark: `churn cv` (fixed fold column) with each model on every dataset of
// ../shared/benchmarks/quality/datasets.json, printed beside peers.json (scikit-learn logistic regression, XGBoost).
// Usage: npm run bench:quality [-- --models logistic,mlp --datasets telco-ibm,bank-churn --backend wasm --out FILE]
//        [--peers] [--folds 0,2] [--mlp '{"nBins":16}'] (mlp hyper-parameters other than the defaults, for
//        experiments; recorded in the output)
// --peers: also times XGBoost (and scikit-learn's logistic regression) on the same folds in the same run, with
//   ../shared/benchmarks/quality/peer_baseline.py and Debian's python3-xgboost (/usr/bin/python3; skipped with a
//   message when missing), and prints per dataset the mlp's AUC and fit seconds beside XGBoost's and their ratio.
// --folds 0,2: score only those folds (for quick experiments; peers always run all five).
// Writes out/bench/quality.json after every dataset ("complete": false until the end). Metrics are means over the scored folds. "fit s" is the wall time of the whole
// cross-validation (every fold's fits, the mlp's on CHURN_TRAIN_THREADS threads with folds side by side, plus
// predicting the held-out fold), as peer_baseline.py's fit_seconds_5folds times XGBoost's fits and predictions;
// "CPU s" is this process's CPU time over the same span (all threads).
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { runCv } from "../../dist/model/cv.js";
import { loadLabelledTable } from "../../dist/model/inputs.js";
import { wantedTrainThreads } from "../../dist/model/mlp-threads.js";

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const dir = resolve(arg("dir", process.env.CHURN_QUALITY_DIR ?? "../shared/benchmarks/quality"));
const models = arg("models", "logistic,mlp").split(",");
const only = arg("datasets", "");
const backend = arg("backend", undefined);
const seed = Number(arg("seed", "42"));
const outFile = arg("out", "out/bench/quality.json");
const mlpParams = arg("mlp", undefined) ? JSON.parse(arg("mlp")) : undefined;
const onlyFolds = arg("folds", undefined)?.split(",").map(Number);
const withPeers = process.argv.includes("--peers");
const quiet = process.argv.includes("--quiet");
// --own-early-stopping: the mlp carves its early-stopping rows from the fit rows (as `churn train` does) instead
// of using the fold's validation rows, which then serve calibration only
const ownEarlyStopping = process.argv.includes("--own-early-stopping");
// --no-refit-mlp: score the early-stopped mlp instead of refitting it on all training rows of the fold (the default)
const noRefitMlp = process.argv.includes("--no-refit-mlp");
const datasets = JSON.parse(readFileSync(join(dir, "datasets.json"), "utf8")).filter((d) => !only || only.split(",").includes(d.name));
const peers = JSON.parse(readFileSync(join(dir, "peers.json"), "utf8"));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const PYTHON = "/usr/bin/python3";
/** XGBoost and scikit-learn on the same folds, now: one JSON line per model, or null with a reason. */
function runPeers(name) {
  if (!existsSync(PYTHON)) return { error: `${PYTHON} not found (install Debian's python3-xgboost, python3-sklearn, python3-pandas)` };
  const r = spawnSync(PYTHON, [join(dir, "peer_baseline.py"), join(dir, "datasets.json"), name], { encoding: "utf8", maxBuffer: 1 << 24 });
  if (r.status !== 0) return { error: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split("\n").slice(-1)[0] };
  return { rows: r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) };
}

const f = (v, n = 4) => (typeof v === "number" && Number.isFinite(v) ? v.toFixed(n) : "-");
/** out/bench/quality.json; `complete` is false while datasets remain. */
function writeOut(complete, summary) {
  mkdirSync(dirname(outFile), { recursive: true });
  const body = { generatedAt: new Date().toISOString(), complete, seed, trainThreads: wantedTrainThreads(), loadAverage: loadavg(), results: rows, peers, ...(withPeers ? { peersThisRun: live } : {}), ...(summary ? { mlpVsXgboost: summary } : {}) };
  writeFileSync(outFile, `${JSON.stringify(body, null, 2)}\n`);
}

const rows = [];
const live = [];
let peerNote = "";
for (const d of datasets) {
  const t = await loadLabelledTable({ path: join(dir, d.file), label: d.label, positive: d.positive, id: d.id ?? undefined, foldsColumn: d.fold });
  for (const model of models) {
    process.stderr.write(`${d.name} / ${model} ...\n`);
    const t0 = performance.now();
    const c0 = cpu();
    let r;
    try {
      r = await runCv(t.table, t.y, t.folds, { model, seed, calibration: "auto", backend, mlp: mlpParams, onlyFolds, ...(ownEarlyStopping ? { validForEarlyStopping: false } : {}), ...(noRefitMlp ? { refitMlp: false } : {}), onLog: quiet ? undefined : (l) => process.stderr.write(`  ${l}\n`) });
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
      cpu_seconds: cpu() - c0,
      folds: r.folds.map((x) => x.fold),
      fold_auc: r.folds.map((x) => Number(x.metrics.auc.toFixed(6))),
      ...(model === "mlp" && mlpParams ? { mlp_params: mlpParams } : {}),
      wall_seconds: (performance.now() - t0) / 1000,
      // the machine's 1, 5 and 15 minute load averages when this model's cross-validation ended
      load_average: loadavg().map((x) => Number(x.toFixed(2))),
    });
    process.stderr.write(`  ${d.name} ${model}: AUC ${r.mean.auc.toFixed(4)}, ${r.fitSeconds.toFixed(1)} s, ${(cpu() - c0).toFixed(1)} CPU s, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")}\n`);
  }
  if (withPeers) {
    process.stderr.write(`${d.name} / XGBoost and scikit-learn (peer_baseline.py) ...\n`);
    const p = runPeers(d.name);
    if (p.error) {
      peerNote = `peers not timed: ${p.error}`;
      process.stderr.write(`  skipped: ${p.error}\n`);
    } else {
      for (const x of p.rows) {
        live.push({ ...x, model: `${x.model} (this run)`, peer: x.model });
        process.stderr.write(`  ${d.name} ${x.model}: AUC ${f(x.auc)}, ${f(x.fit_seconds_5folds, 1)} s, load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}\n`);
      }
    }
  }
  // what is measured so far, so a run stopped part-way (cell2cell takes longest) still leaves its figures
  writeOut(false);
}

const lines = [];
lines.push(`| dataset | model | AUC | AUC sd | PR-AUC | log loss | Brier | lift@10% | fit s (5 folds) | AUC vs sklearn-logreg |`);
lines.push(`|---|---|---|---|---|---|---|---|---|---|`);
for (const d of datasets) {
  const ref = peers.find((p) => p.dataset === d.name && p.model === "sklearn-logreg");
  const all = [...rows.filter((r) => r.dataset === d.name), ...peers.filter((p) => p.dataset === d.name), ...live.filter((p) => p.dataset === d.name)];
  for (const r of all) {
    const diff = ref && r.model.startsWith("churn-") ? `${r.auc - ref.auc >= 0 ? "+" : ""}${(r.auc - ref.auc).toFixed(4)}${r.auc >= ref.auc - 0.003 ? "" : " FAIL"}` : "";
    lines.push(`| ${d.name} | ${r.model} | ${f(r.auc)} | ${f(r.auc_sd)} | ${f(r.pr_auc)} | ${f(r.logloss)} | ${f(r.brier)} | ${f(r.lift10, 2)} | ${f(r.fit_seconds_5folds, 1)} | ${diff} |`);
  }
}
let summary;
if (withPeers && models.includes("mlp")) {
  // the mlp against XGBoost timed in this run: quality (target: AUC >= XGBoost's) and cost (target: sum <= 10x, no dataset above 30x)
  lines.push("", `mlp vs XGBoost on the same folds, timed in this run (${wantedTrainThreads()} training threads; load average at the end ${loadavg().map((x) => x.toFixed(1)).join(", ")})`, "");
  lines.push(`| dataset | mlp AUC | XGBoost AUC | mlp − XGBoost | mlp fit s | mlp CPU s | XGBoost fit s | ratio |`);
  lines.push(`|---|---|---|---|---|---|---|---|`);
  let sm = 0;
  let sx = 0;
  const per = [];
  for (const d of datasets) {
    const m = rows.find((r) => r.dataset === d.name && r.model === "churn-mlp");
    const x = live.find((r) => r.dataset === d.name && r.peer === "xgboost");
    if (!m || !x) continue;
    const ratio = m.fit_seconds_5folds / x.fit_seconds_5folds;
    sm += m.fit_seconds_5folds;
    sx += x.fit_seconds_5folds;
    per.push({ dataset: d.name, mlpAuc: m.auc, xgboostAuc: x.auc, mlpFitSeconds: m.fit_seconds_5folds, mlpCpuSeconds: m.cpu_seconds, xgboostFitSeconds: x.fit_seconds_5folds, ratio });
    lines.push(`| ${d.name} | ${f(m.auc)} | ${f(x.auc)} | ${m.auc - x.auc >= 0 ? "+" : ""}${f(m.auc - x.auc)} | ${f(m.fit_seconds_5folds, 1)} | ${f(m.cpu_seconds, 1)} | ${f(x.fit_seconds_5folds, 1)} | ${f(ratio, 1)}x |`);
  }
  if (per.length) {
    lines.push(`| all | | | | ${f(sm, 1)} | | ${f(sx, 1)} | ${f(sm / sx, 1)}x |`);
    summary = { perDataset: per, mlpFitSeconds: sm, xgboostFitSeconds: sx, ratio: sm / sx, worstRatio: Math.max(...per.map((p) => p.ratio)), targets: { ratio: 10, worstRatio: 30 } };
  }
  if (onlyFolds) lines.push("", `note: the mlp scored folds ${onlyFolds.join(",")} only; XGBoost always runs all five, so the ratios understate the mlp's cost`);
}
if (peerNote) lines.push("", peerNote);
process.stdout.write(`${lines.join("\n")}\n`);
writeOut(true, summary);
process.stderr.write(`wrote ${outFile}\n`);
