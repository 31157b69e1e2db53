// The demo's `churn` commands, in order (scripts/demo.mjs runs them; scripts/tools/compare-demo.mjs runs them with
// two builds and compares the outputs). Paths are relative to the working directory.
export const DEMO = { sample: "data/sample", out: "out/demo", asOfRange: "2025-07-31..2026-05-31", asOf: "2026-05-31", budget: "20000" };

/** The argument lists of the demo's steps after `generate` (the sample world must exist); `scoreArgs` are added to score. */
export function demoSteps(o = {}) {
  const { sample, out, asOfRange, asOf, budget, scoreArgs = [] } = { ...DEMO, ...o };
  return [
    ["validate", "--data", sample, "--rejects", `${out}/rejects.csv`],
    // Scoring run: monthly snapshots → train → score (the planner report lands in OUT/run)
    ["features", "--data", sample, "--as-of-range", asOfRange, "--every", "1mo", "--horizon", "30d", "--out", `${out}/train.parquet`],
    ["train", "--features", `${out}/train.parquet`, "--model", "logistic", "--out", `${out}/models`, "--model-id", "demo-logistic", "--promote"],
    ["score", "--model", `${out}/models/champion`, "--data", sample, "--as-of", asOf, "--budget", budget, "--out", `${out}/run`, ...scoreArgs],
  ];
}
