#!/usr/bin/env node
/**
 * Cluster benchmark (issue 20): on a 2-shard ClickHouse cluster started here (scripts/cluster.sh) and Redis,
 * with the CLI of this build (dist/; run `npm run build` first), on a generated world of N subscribers x D days:
 *
 *   load      `churn load` of the world into the cluster (once; rows/s)
 *   features  one snapshot at the last day: `churn features --data --no-cache` (DuckDB, validating every table
 *             as ClickHouse does) and `churn features --clickhouse` alternately, --runs times each; medians and
 *             their ratio; the two CSV files compared byte for byte; then DuckDB once more with the validation
 *             cached by an earlier run (what a nightly re-run on one box pays)
 *   scoring   a logistic model trained on the world; `churn score --data` in one process (the baseline), then
 *             queue mode with W = 1, 2, 4 `churn worker` processes and K = W shards (`churn queue submit --wait`,
 *             wall time until every shard is written), then `churn plan --merge` of the K shards (merge time);
 *             every merged risk_list.csv compared with the one-process run's
 *
 *   nice -n 10 node scripts/bench/cluster.mjs [--subscribers 1000000] [--months 3] [--runs 3] [--score-runs R] [--workers 1,2,4]
 *                                             [--dir /tmp/churn-bench-cluster-N] [--keep]
 *
 * --stages load,features,scoring picks the stages (scoring alone starts no cluster). The world, the model and
 * the training features are cached in --dir. Prints a table and one JSON line.
 * Wall times on a shared 2-core box: compare the ratios measured in the same run, not absolute seconds.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(ROOT, "dist/cli/main.js");
const { values } = parseArgs({
  options: {
    subscribers: { type: "string", default: "1000000" },
    months: { type: "string", default: "3" },
    runs: { type: "string", default: "3" },
    "score-runs": { type: "string" },
    workers: { type: "string", default: "1,2,4" },
    dir: { type: "string" },
    keep: { type: "boolean", default: false },
    // stages to run (default all): load,features,scoring (scoring alone needs no cluster)
    stages: { type: "string", default: "load,features,scoring" },
  },
});
const N = Number(values.subscribers);
const MONTHS = Number(values.months);
const RUNS = Number(values.runs);
const SCORE_RUNS = Number(values["score-runs"] ?? values.runs);
const WORKERS = values.workers.split(",").map(Number);
const STAGES = new Set(values.stages.split(","));
const DIR = values.dir ?? `/tmp/churn-bench-cluster-${N}x${MONTHS}`;
const END = "2026-06-30"; // churn generate's default end of data
const TRAIN_AS_OF = "2026-04-30,2026-05-31"; // the first label window closes before the second as-of (time-honest split)
const BUDGET = Math.max(1000, Math.round(N * 0.5)); // binds: about a tenth of the subscribers can be contacted
if (!existsSync(CLI)) throw new Error("bench: run `npm run build` first (dist/cli/main.js is missing)");
mkdirSync(DIR, { recursive: true });

const log = (s) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The results so far into DIR/result-<stages>.json (a run stopped half way keeps what it measured). */
const save = () => writeFileSync(join(DIR, `result-${[...STAGES].join("-")}.json`), `${JSON.stringify(result, null, 1)}\n`);
const r1 = (x) => Math.round(x * 10) / 10;
const md5 = (f) => createHash("md5").update(readFileSync(f)).digest("hex");

/** Run the CLI; returns wall seconds (throws with its stderr when it fails). */
function churn(args, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args, "--quiet"], { encoding: "utf8", env: { ...process.env, TZ: "UTC", ...env }, maxBuffer: 1 << 26 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`churn ${args.join(" ")} failed (${r.status}):\n${r.stderr}`);
  return s;
}

// --- the world, the model (cached) ---
const world = join(DIR, "world");
if (!existsSync(join(world, "subscribers.parquet"))) {
  log(`generating ${N} subscribers x ${MONTHS} months`);
  const s = churn(["generate", "--subscribers", String(N), "--months", String(MONTHS), "--seed", "7", "--format", "parquet", "--out", world]);
  log(`generated in ${r1(s)} s`);
}
const models = join(DIR, "models");
if (!existsSync(join(models, "lr", "manifest.json"))) {
  log("training features and a logistic model");
  churn(["features", "--data", world, "--as-of", TRAIN_AS_OF, "--horizon", "30d", "--out", join(DIR, "train.parquet")]);
  churn(["train", "--features", join(DIR, "train.parquet"), "--model", "logistic", "--out", models, "--model-id", "lr", "--promote"]);
}
const model = join(models, "lr");

// --- servers: the cluster and Redis, stopped by PID at exit ---
const clusterDir = join(DIR, "cluster");
let redis;
const stopAll = () => {
  spawnSync(join(ROOT, "scripts/cluster.sh"), ["stop", clusterDir], { stdio: "ignore" });
  if (redis?.pid) {
    try {
      process.kill(redis.pid, "SIGTERM");
    } catch {}
  }
};
process.on("exit", stopAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
let url = "";
if (STAGES.has("load") || STAGES.has("features")) {
  rmSync(clusterDir, { recursive: true, force: true });
  const started = spawnSync(join(ROOT, "scripts/cluster.sh"), ["start", clusterDir], { encoding: "utf8" });
  url = /CHURN_CLICKHOUSE_URL=(\S+)/.exec(started.stdout ?? "")?.[1] ?? "";
  if (!url) throw new Error(`scripts/cluster.sh start failed: ${started.stderr}`);
}
const port = 20000 + (process.pid % 20000);
redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
const redisUrl = `redis://127.0.0.1:${port}`;
log(`cluster at ${url}, Redis at ${redisUrl}`);

const result = { subscribers: N, months: MONTHS, runs: RUNS, scoreRuns: SCORE_RUNS, loadAverage: readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ") };

// --- load ---
if (STAGES.has("load")) {
  const t0 = performance.now();
  const out = spawnSync(process.execPath, [CLI, "load", "--data", world, "--clickhouse", url, "--json", "--quiet"], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`churn load failed: ${out.stderr}`);
  const s = (performance.now() - t0) / 1000;
  const j = JSON.parse(out.stdout);
  const rows = j.tables.reduce((a, t) => a + t.loaded, 0);
  const usage = j.tables.find((t) => t.table === "usage");
  result.load = { seconds: r1(s), rows, rowsPerSecond: Math.round(rows / s), usageRows: usage?.loaded ?? 0, usageSeconds: r1(usage?.seconds ?? 0) };
  log(`loaded ${rows} rows in ${r1(s)} s`);
  save();
}

// --- features: DuckDB vs ClickHouse, alternately ---
if (STAGES.has("features")) {
  const duck = [];
  const ch = [];
  const fd = join(DIR, "features-duckdb.csv");
  const fc = join(DIR, "features-clickhouse.csv");
  for (let i = 0; i < RUNS; i++) {
    // --no-cache: DuckDB validates every table in each run, as ClickHouse does (a warm cache is timed below)
    duck.push(churn(["features", "--data", world, "--as-of", END, "--horizon", "30d", "--out", fd, "--no-cache"]));
    ch.push(churn(["features", "--clickhouse", url, "--as-of", END, "--horizon", "30d", "--out", fc]));
    log(`features run ${i + 1}: DuckDB ${r1(duck.at(-1))} s, ClickHouse ${r1(ch.at(-1))} s`);
  }
  // the nightly case on one box: the raw files were validated by an earlier run (validated-table cache)
  const cacheDir = join(DIR, "features-cache");
  rmSync(cacheDir, { recursive: true, force: true });
  churn(["features", "--data", world, "--as-of", END, "--horizon", "30d", "--out", fd, "--cache-dir", cacheDir]);
  const warm = churn(["features", "--data", world, "--as-of", END, "--horizon", "30d", "--out", fd, "--cache-dir", cacheDir]);
  rmSync(cacheDir, { recursive: true, force: true });
  log(`features, DuckDB with the validation cached by an earlier run: ${r1(warm)} s`);
  result.features = {
    duckdbCachedValidationSeconds: r1(warm),
    duckdbSeconds: duck.map(r1),
    clickhouseSeconds: ch.map(r1),
    duckdbMedian: r1(median(duck)),
    clickhouseMedian: r1(median(ch)),
    clickhouseOverDuckdb: Math.round((median(ch) / median(duck)) * 100) / 100,
    identical: md5(fd) === md5(fc),
  };
  save();
}

// --- scoring: one process, then queue mode with W workers, then the merge ---
if (STAGES.has("scoring")) {
  // every run in a runs folder of its own: runs in one folder share a contacts log and a budget ledger (contact
  // rules, period budget), so a second run there would rightly plan differently from the first
  const single = join(DIR, "single", "run");
  rmSync(join(DIR, "single"), { recursive: true, force: true });
  const one = [];
  for (let i = 0; i < SCORE_RUNS; i++) one.push(churn(["score", "--model", model, "--data", world, "--as-of", END, "--budget", String(BUDGET), "--allow-drift", "--out", single]));
  const ref = md5(join(single, "risk_list.csv"));
  result.scoring = { oneProcessSeconds: one.map(r1), oneProcessMedian: r1(median(one)), budget: BUDGET, workers: [] };
  log(`one process: ${one.map(r1).join(", ")} s`);
  for (const W of WORKERS) {
    const queued = [];
    const merges = [];
    let same = true;
    for (let i = 0; i < SCORE_RUNS; i++) {
      const queue = `bench-${process.pid}-${W}-${i}`;
      const shards = join(DIR, `shards-${W}`);
      rmSync(shards, { recursive: true, force: true });
      const workers = Array.from({ length: W }, () =>
        spawn(process.execPath, [CLI, "worker", "--redis", redisUrl, "--queue", queue, "--exit-when-idle", "5", "--quiet"], { stdio: "ignore", env: { ...process.env, TZ: "UTC" } }),
      );
      // wall time from submit until every shard is written (workers already waiting, as in production)
      queued.push(churn(["queue", "submit", "--redis", redisUrl, "--queue", queue, "--model", model, "--data", world, "--as-of", END, "--shards", String(W), "--out", shards, "--wait"]));
      for (const w of workers) w.kill("SIGTERM");
      rmSync(join(DIR, `merged-${W}`), { recursive: true, force: true });
      const run = join(DIR, `merged-${W}`, "run");
      const dirs = Array.from({ length: W }, (_, k) => join(shards, `shard-${k}-of-${W}`));
      merges.push(churn(["plan", "--merge", ...dirs, "--budget", String(BUDGET), "--allow-drift", "--out", run]));
      same &&= md5(join(run, "risk_list.csv")) === ref;
      log(`${W} worker(s) run ${i + 1}: shards ${r1(queued.at(-1))} s, merge ${r1(merges.at(-1))} s, same risk list: ${same}`);
    }
    result.scoring.workers.push({
      workers: W,
      shardsSeconds: queued.map(r1),
      shardsMedian: r1(median(queued)),
      mergeSeconds: merges.map(r1),
      mergeMedian: r1(median(merges)),
      totalOverOneProcess: Math.round(((median(queued) + median(merges)) / median(one)) * 100) / 100,
      sameRiskList: same,
    });
    save();
  }
}

console.log(`cluster benchmark: ${N} subscribers x ${MONTHS} months, ${RUNS} feature run(s), ${SCORE_RUNS} scoring run(s) each, load average at start ${result.loadAverage}`);
if (result.load) console.log(`load into the 2-shard cluster: ${result.load.rows} rows in ${result.load.seconds} s (${result.load.rowsPerSecond} rows/s; usage ${result.load.usageRows} rows in ${result.load.usageSeconds} s)`);
const f = result.features;
if (f) {
  console.log(`features, one snapshot, both validating every table: DuckDB median ${f.duckdbMedian} s, ClickHouse median ${f.clickhouseMedian} s (x${f.clickhouseOverDuckdb}); identical CSV: ${f.identical}`);
  console.log(`features, DuckDB with the validation cached by an earlier run (a nightly re-run on one box): ${f.duckdbCachedValidationSeconds} s`);
}
if (result.scoring) {
  console.log(`score in one process: median ${result.scoring.oneProcessMedian} s`);
  for (const w of result.scoring.workers) {
    console.log(`  ${w.workers} worker(s), ${w.workers} shard(s): shards median ${w.shardsMedian} s, merge median ${w.mergeMedian} s, total x${w.totalOverOneProcess} of one process; same risk_list.csv: ${w.sameRiskList}`);
  }
}
console.log(JSON.stringify(result));
if (!values.keep) for (const d of ["single", "features-duckdb.csv", "features-clickhouse.csv"]) rmSync(join(DIR, d), { recursive: true, force: true });
// the Redis child keeps the event loop alive: exit, which stops the servers (stopAll on "exit")
process.exit(0);
