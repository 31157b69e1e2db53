#!/usr/bin/env node
// The demo: the main job on the embedded sample world, every output under out/demo/.
// Each step is a real `churn` command run as a child process, so the demo shows exactly what a user runs.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { DEMO, demoSteps } from "./demo-steps.mjs";

const churn = (args) => {
  process.stderr.write(`\n$ churn ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, ["dist/cli/main.js", ...args], { stdio: "inherit", env: { ...process.env, TZ: "UTC" } });
  if (r.status !== 0) {
    process.stderr.write(`demo: 'churn ${args[0]}' exited with ${r.status}\n`);
    process.exit(r.status ?? 1);
  }
};

const sample = DEMO.sample;
if (!existsSync(`${sample}/subscribers.parquet`)) {
  churn(["generate", "--subscribers", "20000", "--months", "12", "--seed", "7", "--format", "parquet", "--out", sample, "--summary"]);
}
// Each demo is the same job on the same world: an out/demo/ left by an earlier demo would make this one a re-run of
// its nights, whose contact rules see the later nights' holdouts and contacts in the runs' contacts log.
if (existsSync(DEMO.out)) {
  process.stderr.write(`demo: removing the earlier demo's ${DEMO.out}/ (its runs' contacts log would change this demo's plan)\n`);
  rmSync(DEMO.out, { recursive: true, force: true });
}
// validate → features (monthly snapshots) → train → score (the planner report lands in out/demo/run)
for (const step of demoSteps()) churn(step);
// what the plan would really save in this generated world, against three baselines
churn(["simulate", "--plan", `${DEMO.out}/run`, "--truth", `${sample}/truth`]);
// the sample world's data run to 2026-06-30, past the run's 30-day horizon: how many really left, against the
// run's expected churners
churn(["evaluate", "--run", `${DEMO.out}/run`, "--data", sample, "--models", `${DEMO.out}/models`]);
