#!/usr/bin/env node
// Scoring benchmark (imports dist/: run `npm run build` first).
//
//   node scripts/bench/score.mjs raw --data WORLD --as-of 2026-05-31 --model MODELDIR [--out DIR]
//       `churn score --data`: prints the seconds per stage (load, features, score, effects, plan, summarise, write)
//       and the seconds beyond feature time (target: 1M subscribers in <= 60 s beyond features).
//   node scripts/bench/score.mjs features --features FILE --rows N --model MODELDIR [--out DIR]
//       builds an N-row feature table by repeating the rows of FILE's latest as_of under new ids
//       (DuckDB, outside the timed part), then times `churn score --features` on it, in a child process
//       whose peak RSS and CPU seconds are reported (target: 10M rows in <= 10 min, peak RSS <= 4 GB).
//   --trace  also prints the child's RSS every 5 s to stderr; --reuse keeps an existing OUT/features-N.parquet.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { parseArgs } from "node:util";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    data: { type: "string" },
    "as-of": { type: "string" },
    model: { type: "string" },
    features: { type: "string" },
    rows: { type: "string" },
    out: { type: "string", default: "/tmp/churn-bench-score" },
    child: { type: "boolean", default: false },
    // print the child's RSS every 5 s to stderr (where the peak happens; synchronous stages show as gaps)
    trace: { type: "boolean", default: false },
    // reuse OUT/features-N.parquet when it exists (built by an earlier run with the same --features)
    reuse: { type: "boolean", default: false },
  },
});
const mode = positionals[0];
const { withDb } = await import("../../dist/io/duckdb.js");
const { quoteLiteral } = await import("../../dist/io/duckdb.js");
const { scoreRun } = await import("../../dist/pipeline/score.js");
const { defaultConfig } = await import("../../dist/config/schema.js");
const { createLogger } = await import("../../dist/log.js");

if (values.child) {
  // timed child: one scoring run, prints its result and peak RSS as JSON
  const t0 = performance.now();
  const timer = values.trace
    ? setInterval(() => process.stderr.write(`rss t=${((performance.now() - t0) / 1000).toFixed(0)}s ${Math.round(process.memoryUsage().rss / 1048576)} MB\n`), 5000)
    : undefined;
  const r = await scoreRun({
    model: values.model,
    ...(mode === "raw" ? { data: values.data, asOf: values["as-of"] } : { features: values.features }),
    out: `${values.out}/run`,
    config: defaultConfig(),
    budget: 500000,
    allowDrift: true,
    log: createLogger({ quiet: true }),
  });
  const seconds = (performance.now() - t0) / 1000;
  if (timer) clearInterval(timer);
  const ru = process.resourceUsage();
  process.stdout.write(`${JSON.stringify({ seconds, durations: r.durations, scored: r.counts.scored, peakRssMB: ru.maxRSS / 1024, cpuSeconds: (ru.userCPUTime + ru.systemCPUTime) / 1e6 })}\n`);
  process.exit(0);
}

mkdirSync(values.out, { recursive: true });
let featurePath = values.features;
if (mode === "features") {
  const n = Number(values.rows ?? 1_000_000);
  featurePath = `${values.out}/features-${n}.parquet`;
  if (!(values.reuse && existsSync(featurePath))) await build(n);
}
async function build(n) {
  rmSync(featurePath, { force: true });
  await withDb(async (db) => {
    const src = `read_parquet(${quoteLiteral(values.features)})`;
    await db.run(`CREATE TABLE base AS SELECT * FROM ${src} WHERE as_of = (SELECT max(as_of) FROM ${src})`);
    const b = Number((await db.one("SELECT count(*) AS n FROM base"))?.n);
    const copies = Math.ceil(n / b);
    await db.run(
      `COPY (SELECT * REPLACE (printf('%s-%04d', subscriber_id, k) AS subscriber_id) FROM base, range(${copies}) r(k) ORDER BY k, subscriber_id LIMIT ${n})
       TO ${quoteLiteral(featurePath)} (FORMAT parquet)`,
    );
  }, { memoryLimit: "3GB" });
  process.stderr.write(`built ${featurePath} (${n} rows)\n`);
}
const args = [process.argv[1], mode, "--child", "--model", values.model, "--out", values.out];
if (values.trace) args.push("--trace");
if (mode === "raw") args.push("--data", values.data, "--as-of", values["as-of"]);
else args.push("--features", featurePath);
const r = spawnSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, TZ: "UTC" } });
if (r.status !== 0) {
  process.stderr.write(`bench: scoring failed (${r.status})\n`);
  process.exit(1);
}
const res = JSON.parse(r.stdout.trim().split("\n").pop());
const d = res.durations;
const featureSeconds = (d.load ?? 0) + (d.features ?? 0) + (mode === "raw" ? (d.effects ?? 0) : 0);
console.log(
  JSON.stringify(
    {
      mode,
      scored: res.scored,
      total_s: +res.seconds.toFixed(1),
      cpu_s: +res.cpuSeconds.toFixed(1),
      durations_s: d,
      beyond_features_s: +(res.seconds - featureSeconds).toFixed(1),
      peak_rss_mb: Math.round(res.peakRssMB),
    },
    null,
    2,
  ),
);
