#!/usr/bin/env node
/**
 * Feature-engineering benchmark: N subscribers with D days of daily usage (default 1M x 180 = ~153M usage rows
 * at 85% daily density, Parquet sorted by date), plus billing, complaints, products and surveys.
 *
 *   npm run build && node scripts/bench/features.mjs [--subscribers 1000000] [--days 180] [--dir /tmp/churn-bench-features]
 *                      [--snapshots 1,12] [--memory 2GB] [--materialize]
 *
 * The data is made once with DuckDB SQL (deterministic hashes) and cached in --dir. Each scenario runs in a
 * child process so its peak RSS is its own: the tables are opened as views over the Parquet files (as the
 * loader leaves them, minus validation; --materialize copies usage into a DuckDB table first and reports that
 * time apart), then computeFeatures (dist/features/runner.js) writes one Parquet part per as-of date.
 *
 * Scenarios: 1 snapshot at the last day; 12 snapshots on the last 12 days (each with the full 90-day usage
 * window, i.e. the per-snapshot cost of monthly snapshots on a longer history). Prints a table and JSON.
 * Targets (issue 3): 1 snapshot <= 60 s and <= 3 GB peak RSS; 12 snapshots <= 5 min.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : def;
};
const flag = (name) => args.includes(`--${name}`);
const N = Number(opt("subscribers", "1000000"));
const D = Number(opt("days", "180"));
const DIR = opt("dir", `/tmp/churn-bench-features-${N}x${D}`);
const MEMORY = opt("memory", "2GB");
const START = "2026-01-01";

async function duck() {
  const { Db } = await import("../../dist/io/duckdb.js");
  return Db.open({ threads: 2, memoryLimit: "3GB" });
}

async function makeData() {
  if (existsSync(join(DIR, "done"))) return;
  mkdirSync(DIR, { recursive: true });
  const db = await duck();
  const t0 = Date.now();
  const id = (x) => `'S' || lpad((${x})::VARCHAR, 7, '0')`;
  const q = (f) => `'${join(DIR, f)}'`;
  await db.run(`COPY (
    SELECT ${id("s")} AS subscriber_id, DATE '${START}' - 30 - (hash(s, 7) % 900)::INT AS activation_date,
      CASE WHEN hash(s, 8) % 10 = 0 THEN DATE '${START}' + (hash(s, 9) % ${D + 60})::INT END AS deactivation_date,
      'plan_' || (hash(s, 10) % 5) AS plan,
      ['prepaid', 'month_to_month', 'fixed_12m', 'fixed_24m'][1 + (hash(s, 11) % 4)::INT] AS contract_type,
      CASE WHEN hash(s, 11) % 4 >= 2 THEN DATE '${START}' + (hash(s, 12) % 700)::INT END AS contract_end_date,
      30.0 + (hash(s, 13) % 40) AS monthly_fee, ['north', 'south', 'east', 'west'][1 + (hash(s, 14) % 4)::INT] AS region,
      'sms' AS preferred_channel
    FROM range(${N}) t(s)) TO ${q("subscribers.parquet")} (FORMAT parquet)`);
  // i = day * N + s: written in date order, as daily exports are appended
  await db.run(`COPY (
    SELECT ${id(`i % ${N}`)} AS subscriber_id, DATE '${START}' + (i // ${N})::INT AS date,
      (hash(i, 1) % 6000) / 100.0 AS voice_minutes, (hash(i, 2) % 200000) / 100.0 AS data_mb,
      (hash(i, 3) % 6)::BIGINT AS sms, (hash(i, 4) % 3)::BIGINT AS sessions, (hash(i, 5) % 50 = 0)::BIGINT AS dropped_calls
    FROM range(${N * D}) t(i) WHERE hash(i, 0) % 100 < 85) TO ${q("usage.parquet")} (FORMAT parquet, ROW_GROUP_SIZE 1000000)`);
  const months = Math.ceil(D / 30);
  await db.run(`COPY (
    SELECT ${id("s")} AS subscriber_id, (DATE '${START}' + to_months(m::INT))::DATE AS month,
      30.0 + (hash(s, m) % 4000) / 100.0 AS amount_billed, (hash(s, m, 1) % 5)::DOUBLE AS discount, hash(s, m, 2) % 12 = 0 AS paid_late
    FROM range(${N}) a(s), range(${months}) b(m)) TO ${q("billing.parquet")} (FORMAT parquet)`);
  await db.run(`COPY (
    SELECT ${id(`hash(c, 1) % ${N}`)} AS subscriber_id, DATE '${START}' + (hash(c, 2) % ${D})::INT AS opened_at,
      ['billing', 'network', 'service', 'other'][1 + (hash(c, 3) % 4)::INT] AS category,
      CASE WHEN hash(c, 4) % 5 > 0 THEN DATE '${START}' + (hash(c, 2) % ${D})::INT + (hash(c, 5) % 20)::INT END AS resolved_at
    FROM range(${Math.round(N * 0.2)}) t(c)) TO ${q("complaints.parquet")} (FORMAT parquet)`);
  await db.run(`COPY (
    SELECT ${id("s")} AS subscriber_id, ['mobile', 'broadband', 'tv', 'email_hosting'][1 + p::INT] AS product,
      DATE '${START}' - (hash(s, p) % 800)::INT AS start_date,
      CASE WHEN hash(s, p, 1) % 10 = 0 THEN DATE '${START}' + (hash(s, p, 2) % ${D})::INT END AS end_date
    FROM range(${N}) a(s), range(4) b(p) WHERE p = 0 OR hash(s, p, 3) % 3 = 0) TO ${q("products.parquet")} (FORMAT parquet)`);
  await db.run(`COPY (
    SELECT ${id(`hash(v, 1) % ${N}`)} AS subscriber_id, DATE '${START}' + (hash(v, 2) % ${D})::INT AS date, (hash(v, 3) % 11)::BIGINT AS nps
    FROM range(${Math.round(N * 0.3)}) t(v)) TO ${q("surveys.parquet")} (FORMAT parquet)`);
  db.close();
  const { writeFileSync } = await import("node:fs");
  writeFileSync(join(DIR, "done"), `${(Date.now() - t0) / 1000}\n`);
  console.error(`data made in ${((Date.now() - t0) / 1000).toFixed(0)} s in ${DIR}`);
}

/** Child: one scenario; prints one JSON line. */
async function child(snapshots) {
  const { Db } = await import("../../dist/io/duckdb.js");
  const { computeFeatures } = await import("../../dist/features/runner.js");
  const { parsePeriod } = await import("../../dist/features/periods.js");
  const db = await Db.open({ threads: 2, memoryLimit: MEMORY });
  const t0 = performance.now();
  for (const t of ["subscribers", "usage", "billing", "complaints", "products", "surveys"]) {
    const src = `read_parquet('${join(DIR, `${t}.parquet`)}')`;
    if (t === "usage" && !flag("materialize")) await db.run(`CREATE VIEW usage AS SELECT * FROM ${src}`);
    else await db.run(`CREATE TABLE ${t} AS SELECT * FROM ${src}`);
  }
  const loadSeconds = (performance.now() - t0) / 1000;
  const last = Date.UTC(2026, 0, 1) + (D - 1) * 86_400_000;
  const asOf = Array.from({ length: snapshots }, (_, i) => new Date(last - (snapshots - 1 - i) * 86_400_000));
  const out = join(DIR, `out-${snapshots}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  let k = 0;
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await computeFeatures(db, { asOf, horizon: parsePeriod("30d", "h") }, async (select) => {
    await db.run(`COPY (${select}) TO '${join(out, `part-${k++}.parquet`)}' (FORMAT parquet)`);
  });
  const seconds = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  // per snapshot: [wall seconds, CPU seconds] of each stage
  const stages = {};
  for (const t of r.timings) {
    stages[t.stage] ??= [0, 0];
    const a = stages[t.stage];
    a[0] += t.seconds / snapshots;
    a[1] += t.cpuSeconds / snapshots;
  }
  for (const s of Object.keys(stages)) stages[s] = stages[s].map((x) => Number(x.toFixed(2)));
  console.log(
    JSON.stringify({
      snapshots,
      rows: r.rows,
      features: r.columns.length,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      seconds: Number(seconds.toFixed(1)),
      rowsPerSecond: Math.round(r.rows / seconds),
      // user + system CPU of this process: on a shared machine, wall time depends on the other load
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      loadAverage: (await import("node:os")).loadavg().map((x) => Number(x.toFixed(1))),
      peakRssGB: Number((process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)),
      perSnapshotStageSeconds: stages,
    }),
  );
}

if (flag("child")) {
  await child(Number(opt("n", "1")));
} else {
  await makeData();
  const results = [];
  for (const n of opt("snapshots", "1,12").split(",").map(Number)) {
    const self = fileURLToPath(import.meta.url);
    const line = execFileSync(process.execPath, [self, ...args, "--child", "--n", String(n), "--dir", DIR], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const r = JSON.parse(line.trim().split("\n").at(-1));
    results.push(r);
    console.error(
      `${n} snapshot(s): ${r.rows} rows x ${r.features} features in ${r.seconds} s (${r.rowsPerSecond} rows/s), CPU ${r.cpuSeconds} s, peak RSS ${r.peakRssGB} GB; setup ${r.loadSeconds} s; load average ${r.loadAverage.join(" ")}\n  per snapshot: ${JSON.stringify(r.perSnapshotStageSeconds)}`,
    );
  }
  console.log(JSON.stringify({ subscribers: N, days: D, memoryLimit: MEMORY, materialize: flag("materialize"), results }, null, 2));
}
