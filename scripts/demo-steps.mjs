// The demo's `churn` commands, in order (scripts/demo.mjs runs them; scripts/tools/compare-demo.mjs runs them with
// two builds and compares the outputs). Paths are relative to the working directory.
export const DEMO = { sample: "data/sample", out: "out/demo", asOfRange: "2025-07-31..2026-05-31", asOf: "2026-05-31", budget: "20000" };

/** Month ends from `start` to `end` (YYYY-MM-DD, both month ends), ascending. */
function monthEnds(start, end) {
  const out = [];
  for (let d = new Date(`${start}T00:00:00Z`); d.toISOString().slice(0, 10) <= end; ) {
    out.push(d.toISOString().slice(0, 10));
    d = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 0));
  }
  return out;
}

/**
 * The argument lists of the demo's steps after `generate` (the sample world must exist); `scoreArgs` are added to
 * score. Before the main run, the two months before it are scored from the training table (the run history the
 * planner report compares with: changes since the last run, renewals, the trend) and the later one's outcome is
 * evaluated once its 30-day horizon has passed in the data.
 */
export function demoSteps(o = {}) {
  const { sample, out, asOfRange, asOf, budget, scoreArgs = [] } = { ...DEMO, ...o };
  const [first, last] = asOfRange.split("..");
  const history = monthEnds(first, last).filter((d) => d < asOf).slice(-2);
  return [
    ["validate", "--data", sample, "--rejects", `${out}/rejects.csv`],
    // Scoring run: monthly snapshots → train → earlier runs → score (the planner report lands in OUT/run)
    ["features", "--data", sample, "--as-of-range", asOfRange, "--every", "1mo", "--horizon", "30d", "--out", `${out}/train.parquet`],
    ["train", "--features", `${out}/train.parquet`, "--model", "logistic", "--out", `${out}/models`, "--model-id", "demo-logistic", "--promote", "--backtest", "3"],
    // earlier months are drifted against the model's reference (its latest snapshot): allowed for the history
    ...history.map((d) => ["score", "--model", `${out}/models/champion`, "--features", `${out}/train.parquet`, "--as-of", d, "--budget", budget, "--allow-drift", "--out", `${out}/run-${d}`]),
    ...history.slice(-1).map((d) => ["evaluate", "--run", `${out}/run-${d}`, "--data", sample, "--models", `${out}/models`]),
    ["score", "--model", `${out}/models/champion`, "--data", sample, "--as-of", asOf, "--budget", budget, "--out", `${out}/run`, ...scoreArgs],
  ];
}
