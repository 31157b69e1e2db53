#!/usr/bin/env node
// Benchmark: churn against the pandas + scikit-learn peer on the same CSV world, measured in the same run.
//
//   npm run bench:peer -- --dir DIR [--train-as-of 2026-04-30] [--score-as-of 2026-05-31] [--runs 3]
//
// The peer (../shared/benchmarks/peers/pandas_peer.py, run with Debian's /usr/bin/python3): read the tables,
// features for a training and a scoring snapshot, logistic regression, scores. churn, as a user runs it (each
// command a child process, outputs in a fresh folder per run, so the validated-table cache beside them starts
// empty): `churn features` (both snapshots) -> `churn train --model logistic` -> `churn score --data` (the
// whole nightly scoring run: validation reused from the cache, features, scores, learned effects, plan,
// report). Wall times include process start-up on both sides. The order of the two alternates between runs.
// Target (issue 18): churn in at most half the peer's wall time. Without python3-pandas and python3-sklearn the
// benchmark says how to install them and exits 0 (skipped).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    "train-as-of": { type: "string", default: "2026-04-30" },
    "score-as-of": { type: "string", default: "2026-05-31" },
    runs: { type: "string", default: "3" },
    peer: { type: "string", default: join(root, "../shared/benchmarks/peers/pandas_peer.py") },
  },
});
if (!values.dir) {
  console.error("usage: peer.mjs --dir CSV_WORLD [--train-as-of D] [--score-as-of D] [--runs 3]");
  process.exit(2);
}
const PY = "/usr/bin/python3";
const probe = spawnSync(PY, ["-c", "import pandas, sklearn"], { encoding: "utf8" });
if (probe.status !== 0) {
  console.log(
    `skipped: the pandas peer needs Debian's python3-pandas and python3-sklearn (${PY}: ${(probe.stderr || probe.error?.message || "").trim().split("\n").pop()}). Install them with\n` +
      "  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-pandas python3-sklearn",
  );
  process.exit(0);
}
if (!existsSync(values.peer)) {
  console.error(`the peer script ${values.peer} is missing (it lives in ../shared/benchmarks/peers/)`);
  process.exit(2);
}
const dir = resolve(values.dir);
const churnMain = join(root, "dist/cli/main.js");
const env = { ...process.env, TZ: "UTC" };

function run(cmd, args) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", env, maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return { seconds, stdout: r.stdout };
}

function churn() {
  const out = mkdtempSync(join(tmpdir(), "churn-bench-peer-"));
  try {
    const steps = {};
    const c = (name, args) => {
      steps[name] = +run(process.execPath, [churnMain, ...args, "--quiet"]).seconds.toFixed(2);
    };
    c("features", ["features", "--data", dir, "--as-of", `${values["train-as-of"]},${values["score-as-of"]}`, "--out", join(out, "features.parquet")]);
    c("train", ["train", "--features", join(out, "features.parquet"), "--model", "logistic", "--out", join(out, "models"), "--model-id", "bench", "--promote"]);
    c("score", ["score", "--model", join(out, "models", "champion"), "--data", dir, "--as-of", values["score-as-of"], "--out", join(out, "run")]);
    return { seconds: Object.values(steps).reduce((a, b) => a + b, 0), steps };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

function peer() {
  const r = run(PY, [values.peer, dir, values["train-as-of"], values["score-as-of"], "30"]);
  return { seconds: r.seconds, report: JSON.parse(r.stdout.trim().split("\n").pop()) };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rows = [];
for (let i = 0; i < Number(values.runs); i++) {
  let c;
  let p;
  if (i % 2 === 0) {
    p = peer();
    c = churn();
  } else {
    c = churn();
    p = peer();
  }
  const line = { run: i + 1, peerSeconds: +p.seconds.toFixed(2), peerStages: p.report.stages_s, churnSeconds: +c.seconds.toFixed(2), churnSteps: c.steps, ratio: +(c.seconds / p.seconds).toFixed(3) };
  rows.push(line);
  console.log(JSON.stringify(line));
}
console.log(
  JSON.stringify({
    dir,
    runs: rows.length,
    medianPeerSeconds: +median(rows.map((r) => r.peerSeconds)).toFixed(2),
    medianChurnSeconds: +median(rows.map((r) => r.churnSeconds)).toFixed(2),
    medianRatio: +median(rows.map((r) => r.ratio)).toFixed(3),
    target: "churn / peer <= 0.5",
  }),
);
