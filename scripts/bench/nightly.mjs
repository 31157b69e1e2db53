#!/usr/bin/env node
// Benchmark: the nightly run from raw Parquet tables, night after night, at operator scale.
//
//   node scripts/bench/nightly.mjs generate --dir DIR [--subscribers 10000000] [--days 90]
//       writes a world with DuckDB SQL (no simulation: deterministic hashes; churners' usage fades before they
//       leave, so the model has something to learn): DIR/night1/ and DIR/night2/ hold the tables that change
//       between the nights (subscribers and the event tables, as exported on each night), DIR/usage/ the daily
//       usage partitions (one file per day, `usage/2026-MM-DD.parquet`; night 2 adds one), and a
//       100k-subscriber training world in DIR/train/ with a logistic model in DIR/models/.
//       10M subscribers x 90 days is ~860M usage rows, ~9 GB of Parquet: check `df` first.
//   node scripts/bench/nightly.mjs run --dir DIR [--out OUT] [--nights 1|2]
//       night 1: DIR/data/ holds night 1's tables and the first 90 daily partitions; `churn score --data
//       DIR/data --as-of DAY90 --out OUT/runs/DAY90` (validation, features, scores, effects, plan, report),
//       in a child process (wall time, peak RSS). Night 2: night 2's tables copied in, the 91st partition
//       added, `churn score --as-of DAY91`: only the new partition and the changed tables are validated;
//       the other partitions' validation comes from the cache beside the runs (OUT/runs/.churn-cache).
//       Before night 1 the cache is emptied (a first night). Also runs, as the same-run baseline, one plain
//       DuckDB scan of every input file (count, sum, distinct ids, max date).
//   node scripts/bench/nightly.mjs run --dir DIR --out OUT --night2-only
//       night 2 alone, after a `run --nights 1` into the same OUT: night 1's runs folder, its cache and DIR/data
//       are kept (a 10M night takes half an hour; this measures the second night without repeating the first).
// Targets (issue 18): first night <= 20 min, next night (one new daily partition) <= 10 min, peak RSS <= 8 GB,
// on 2 cores. Run it under `nice -n 10`.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    dir: { type: "string" },
    out: { type: "string" },
    subscribers: { type: "string", default: "10000000" },
    days: { type: "string", default: "90" },
    "train-subscribers": { type: "string", default: "100000" },
    nights: { type: "string", default: "2" },
    "night2-only": { type: "boolean", default: false },
  },
});
const mode = positionals[0];
if (!values.dir || (mode !== "generate" && mode !== "run") || !["1", "2"].includes(values.nights) || (values["night2-only"] && values.nights !== "2")) {
  console.error("usage: nightly.mjs generate|run --dir DIR [--subscribers N] [--days D] [--out OUT] [--nights 1|2 | --night2-only]");
  process.exit(2);
}
const dir = resolve(values.dir);
const DAYS = Number(values.days);
const FIRST = "2026-04-01";
const dayN = (n) => new Date(Date.parse(`${FIRST}T00:00:00Z`) + (n - 1) * 86_400_000).toISOString().slice(0, 10);
const DAY1 = dayN(DAYS); // night 1's as-of: the last day of its data
const DAY2 = dayN(DAYS + 1);
const q = (s) => `'${s.replaceAll("'", "''")}'`;

const { withDb } = await import("../../dist/io/duckdb.js");

/**
 * SQL of the world's tables for `n` subscribers as exported on the night of `asOf` (rows dated after it are
 * not known yet: later activations are absent, later deactivations empty).
 */
const sql = (n, asOf) => {
  const h = (k) => `(hash(i, ${k}) % 1000000)::INTEGER`; // 0..999999, one independent draw per k
  const subs = `SELECT 'S' || lpad(CAST(i AS VARCHAR), 9, '0') AS subscriber_id,
      DATE '2020-01-01' + CAST(${h(1)} % 2320 AS INTEGER) AS activation_date,
      CASE WHEN ${h(2)} < 25000 THEN DATE '${FIRST}' + CAST(${h(3)} % ${DAYS + 31} AS INTEGER) END AS deactivation_date,
      'plan_' || CAST(${h(4)} % 6 AS VARCHAR) AS plan,
      ['prepaid', 'month_to_month', 'fixed_12m', 'fixed_24m'][1 + ${h(5)} % 4] AS contract_type,
      ${h(6)} % 100 AS tenure_pick,
      round(9.99 + (${h(7)} % 6000) / 100.0, 2) AS monthly_fee,
      'region_' || CAST(${h(8)} % 8 AS VARCHAR) AS region,
      ['sms', 'email', 'phone', 'app'][1 + ${h(9)} % 4] AS preferred_channel, i
    FROM range(${n}) r(i)`;
  const known = `SELECT subscriber_id, activation_date,
      CASE WHEN deactivation_date <= DATE '${asOf}' THEN deactivation_date END AS deactivation_date, plan, contract_type,
      CASE WHEN contract_type IN ('fixed_12m', 'fixed_24m') THEN activation_date + INTERVAL (CASE contract_type WHEN 'fixed_12m' THEN 12 ELSE 24 END * (1 + tenure_pick % 3)) MONTH END::DATE AS contract_end_date,
      monthly_fee, region, preferred_channel, i
    FROM (${subs}) WHERE activation_date <= DATE '${asOf}'`;
  return { subs, known };
};

/** Usage of one day: most active subscribers have a row; churners fade over their last 45 days. */
const usageSql = (n, day) => {
  const h = (k) => `(hash(i, ${k}, d) % 1000000)::INTEGER`;
  return `SELECT s.subscriber_id, DATE '${day}' AS date,
      round(f * (${h(11)} % 900) / 10.0, 1) AS voice_minutes, round(f * (${h(12)} % 30000) / 10.0, 1) AS data_mb,
      CAST(floor(f * (${h(13)} % 12)) AS BIGINT) AS sms, CAST(floor(f * (${h(14)} % 6)) AS BIGINT) AS sessions,
      CAST(${h(15)} % 40 = 0 AS BIGINT) AS dropped_calls
    FROM (SELECT *, DATE '${day}' - DATE '2000-01-01' AS d,
            CASE WHEN deactivation_date IS NULL OR deactivation_date - DATE '${day}' > 45 THEN 1.0
                 ELSE greatest(0.05, (deactivation_date - DATE '${day}') / 45.0) END AS f
          FROM (${sql(n, "2099-12-31").subs})) s
    WHERE s.activation_date <= DATE '${day}' AND (s.deactivation_date IS NULL OR s.deactivation_date > DATE '${day}')
      AND ${h(10)} < 950000`;
};

async function writeTables(db, n, asOf, to) {
  mkdirSync(to, { recursive: true });
  const { known } = sql(n, asOf);
  await db.run(`CREATE OR REPLACE TEMP TABLE s AS ${known}`);
  const copy = (name, select) => db.run(`COPY (${select}) TO ${q(join(to, `${name}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
  await copy("subscribers", "SELECT * EXCLUDE (i) FROM s ORDER BY i");
  const h = (k) => `(hash(i, ${k}, m) % 1000000)::INTEGER`;
  await copy(
    "billing",
    `SELECT subscriber_id, month, round(monthly_fee * (0.9 + (${h(21)} % 200) / 1000.0), 2) AS amount_billed,
            CASE WHEN ${h(22)} % 5 = 0 THEN round(monthly_fee * 0.1, 2) END AS discount, ${h(23)} % 9 = 0 AS paid_late
     FROM (SELECT s.*, m, (DATE '${FIRST}' + INTERVAL (m) MONTH)::DATE AS month FROM s, range(-2, 3) t(m))
     WHERE month <= DATE '${asOf}' AND month >= date_trunc('month', activation_date) AND (deactivation_date IS NULL OR month <= deactivation_date)
     ORDER BY i, month`,
  );
  const ev = (k, days) => `(DATE '${FIRST}' + CAST(${`(hash(i, ${k}) % 1000000)::INTEGER`} % ${days} AS INTEGER))`;
  await copy(
    "complaints",
    `SELECT subscriber_id, opened_at, ['billing', 'network', 'service', 'other'][1 + (hash(i, 31) % 4)::INTEGER] AS category,
            CASE WHEN opened_at + 3 <= DATE '${asOf}' AND hash(i, 32) % 4 <> 0 THEN opened_at + 3 END AS resolved_at
     FROM (SELECT *, ${ev(30, DAYS + 1)} AS opened_at FROM s WHERE hash(i, 33) % 100 < 3)
     WHERE opened_at <= DATE '${asOf}' AND opened_at >= activation_date AND (deactivation_date IS NULL OR opened_at <= deactivation_date) ORDER BY i`,
  );
  await copy(
    "products",
    `SELECT subscriber_id, ['mobile', 'broadband', 'tv', 'cloud_storage'][1 + p] AS product, activation_date AS start_date,
            CASE WHEN p = 3 AND hash(i, 41) % 3 = 0 THEN least(DATE '${asOf}', activation_date + 200) END AS end_date
     FROM s, range(0, 4) t(p) WHERE p = 0 OR hash(i, 40 + p) % 4 = 0 ORDER BY i, p`,
  );
  await copy(
    "surveys",
    `SELECT subscriber_id, d AS date, (hash(i, 51) % 11)::BIGINT AS nps FROM (SELECT *, ${ev(50, DAYS + 1)} AS d FROM s WHERE hash(i, 52) % 100 < 2)
     WHERE d <= DATE '${asOf}' AND d >= activation_date AND (deactivation_date IS NULL OR d <= deactivation_date) ORDER BY i`,
  );
  await copy(
    "campaigns",
    `SELECT subscriber_id, d AS date, ['price_incentive', 'care_call', 'bundle_addon', 'digital_nudge'][1 + (hash(i, 61) % 4)::INTEGER] AS action,
            CASE WHEN hash(i, 62) % 5 = 0 THEN 'control' ELSE 'treatment' END AS "group"
     FROM (SELECT *, ${ev(60, 60)} AS d FROM s WHERE hash(i, 63) % 1000 < 5)
     WHERE d <= DATE '${asOf}' AND d >= activation_date AND (deactivation_date IS NULL OR d <= deactivation_date) ORDER BY i`,
  );
}

function churn(args, label) {
  const t0 = performance.now();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %e %U %S", process.execPath, join(root, "dist/cli/main.js"), ...args], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
  const seconds = (performance.now() - t0) / 1000;
  const time = r.stderr.trim().split("\n").pop().split(" ").map(Number);
  if (r.status !== 0) throw new Error(`${label}: churn ${args.join(" ")} exited ${r.status}\n${r.stderr.slice(-3000)}`);
  return { seconds: +seconds.toFixed(1), peakRssMB: Math.round(time[0] / 1024), cpuSeconds: +(time[2] + time[3]).toFixed(1), stderr: r.stderr };
}

if (mode === "generate") {
  const n = Number(values.subscribers);
  const t0 = performance.now();
  await withDb(
    async (db) => {
      for (const [night, asOf] of [
        ["night1", DAY1],
        ["night2", DAY2],
      ]) {
        await writeTables(db, n, asOf, join(dir, night));
        console.error(`${night}: tables written (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
      mkdirSync(join(dir, "usage"), { recursive: true });
      for (let k = 1; k <= DAYS + 1; k++) {
        const f = join(dir, "usage", `${dayN(k)}.parquet`);
        if (existsSync(f)) continue;
        await db.run(`COPY (${usageSql(n, dayN(k))}) TO ${q(`${f}.tmp`)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)`);
        spawnSync("mv", [`${f}.tmp`, f]);
        if (k % 10 === 0) console.error(`usage: ${k} days (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
      // a training world from the same generator, smaller, with the day-90 partitions' window
      const tn = Number(values["train-subscribers"]);
      await writeTables(db, tn, DAY1, join(dir, "train"));
      mkdirSync(join(dir, "train", "usage"), { recursive: true });
      for (let k = 1; k <= DAYS; k++) await db.run(`COPY (${usageSql(tn, dayN(k))}) TO ${q(join(dir, "train", "usage", `${dayN(k)}.parquet`))} (FORMAT parquet)`);
    },
    { memoryLimit: "4GB", tempDirectory: join(dir, ".tmp") },
  );
  rmSync(join(dir, ".tmp"), { recursive: true, force: true });
  // the model: logistic on the training world's snapshot 30 days before its end (labels known)
  const trainAsOf = dayN(DAYS - 30);
  churn(["features", "--data", join(dir, "train"), "--as-of", `${dayN(DAYS - 60)},${trainAsOf}`, "--out", join(dir, "train-features.parquet"), "--quiet"], "features");
  churn(["train", "--features", join(dir, "train-features.parquet"), "--model", "logistic", "--out", join(dir, "models"), "--model-id", "nightly", "--promote", "--quiet"], "train");
  console.log(JSON.stringify({ generated: dir, subscribers: n, days: DAYS, seconds: +((performance.now() - t0) / 1000).toFixed(0) }));
  process.exit(0);
}

// run: night 1, then night 2
const out = resolve(values.out ?? join(dir, "out"));
const data = join(dir, "data");
const night2Only = values["night2-only"];
if (night2Only && !existsSync(join(out, "runs", DAY1, "manifest.json"))) {
  console.error(`--night2-only needs night 1's run in ${join(out, "runs", DAY1)}: run \`run --nights 1\` into the same --out first`);
  process.exit(2);
}
if (!night2Only) {
  rmSync(out, { recursive: true, force: true });
  rmSync(data, { recursive: true, force: true });
}
mkdirSync(join(data, "usage"), { recursive: true });
const link = (from, to) => {
  rmSync(to, { force: true });
  spawnSync("ln", [from, to]);
  if (!existsSync(to)) copyFileSync(from, to);
};
const setNight = (night, days) => {
  for (const f of readdirSync(join(dir, night))) link(join(dir, night, f), join(data, f));
  for (let k = 1; k <= days; k++) if (!existsSync(join(data, "usage", `${dayN(k)}.parquet`))) link(join(dir, "usage", `${dayN(k)}.parquet`), join(data, "usage", `${dayN(k)}.parquet`));
};

/** The same-run baseline: one plain scan of every input file (count, sum, distinct ids, max date). */
async function scan() {
  const t0 = performance.now();
  let rows = 0;
  await withDb(
    async (db) => {
      const files = [...readdirSync(data).filter((f) => f.endsWith(".parquet")).map((f) => join(data, f)), ...readdirSync(join(data, "usage")).map((f) => join(data, "usage", f))];
      for (const f of files) {
        const r = await db.one(`SELECT count(*) AS n, count(DISTINCT subscriber_id) AS d FROM read_parquet(${q(f)})`);
        rows += Number(r?.n ?? 0);
      }
    },
    { memoryLimit: "3GB" },
  );
  return { seconds: +((performance.now() - t0) / 1000).toFixed(1), rows };
}

const bytes = (p) => statSync(p).size;
const nights = [];
for (const [night, days, asOf] of [
  ["night1", DAYS, DAY1],
  ["night2", DAYS + 1, DAY2],
].slice(night2Only ? 1 : 0, Number(values.nights))) {
  setNight(night, days);
  const base = await scan();
  const r = churn(["score", "--model", join(dir, "models", "champion"), "--data", data, "--as-of", asOf, "--out", join(out, "runs", asOf), "--allow-drift", "--json"], night);
  // the run's own account: subscribers read, and seconds per step (load, features, score, effects, ...)
  const manifest = JSON.parse(readFileSync(join(out, "runs", asOf, "manifest.json"), "utf8"));
  const line = {
    night,
    asOf,
    subscribers: manifest.counts?.in,
    usageFiles: days,
    scanSeconds: base.seconds,
    inputRows: base.rows,
    seconds: r.seconds,
    cpuSeconds: r.cpuSeconds,
    peakRssMB: r.peakRssMB,
    ratioToScan: +(r.seconds / base.seconds).toFixed(2),
    steps: manifest.durations,
  };
  nights.push(line);
  console.log(JSON.stringify(line));
}
console.log(JSON.stringify({ days: DAYS, nights, usageBytes: readdirSync(join(data, "usage")).reduce((a, f) => a + bytes(join(data, "usage", f)), 0), targets: "night 1 <= 1200 s, night 2 <= 600 s, peak RSS <= 8192 MB" }));
