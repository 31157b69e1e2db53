#!/usr/bin/env node
// The demo: the main job on the embedded sample world, every output under out/demo/.
// Each step is a real `churn` command run as a child process, so the demo shows exactly what a user runs.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const churn = (args) => {
  process.stderr.write(`\n$ churn ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, ["dist/cli/main.js", ...args], { stdio: "inherit", env: { ...process.env, TZ: "UTC" } });
  if (r.status !== 0) {
    process.stderr.write(`demo: 'churn ${args[0]}' exited with ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
};

const sample = "data/sample";
if (!existsSync(`${sample}/subscribers.parquet`)) {
  churn(["generate", "--subscribers", "20000", "--months", "12", "--seed", "7", "--format", "parquet", "--out", sample, "--summary"]);
}
churn(["validate", "--data", sample, "--rejects", "out/demo/rejects.csv"]);

// Scoring run (added by the scoring work): monthly snapshots → train → score (the planner report lands in
// out/demo/run) → what the plan would really save in this generated world, against two baselines.
churn(["features", "--data", sample, "--as-of-range", "2025-07-31..2026-05-31", "--every", "1mo", "--horizon", "30d", "--out", "out/demo/train.parquet"]);
churn(["train", "--features", "out/demo/train.parquet", "--model", "logistic", "--out", "out/demo/models", "--model-id", "demo-logistic", "--promote"]);
churn(["score", "--model", "out/demo/models/champion", "--data", sample, "--as-of", "2026-05-31", "--budget", "20000", "--out", "out/demo/run"]);
churn(["simulate", "--plan", "out/demo/run", "--truth", `${sample}/truth`]);
