#!/usr/bin/env node
// Benchmark: the effects step of a nightly job after months of its own contacts, at operator scale.
//
//   node scripts/bench/effects-waves.mjs --dir DIR --out OUT [--per-night 13500] [--horizon 30] [--cap 20000|null]
//
// DIR is a world of scripts/bench/nightly.mjs after its `run` (DIR/data holds night 2's tables and 91 daily usage
// partitions from 2026-04-01). OUT/runs gets a contacts log as a nightly job would have left it: every night from
// 2026-04-02 to 2026-06-29, --per-night subscribers (a seeded hash draw of the 1M ids) contacted, 96% with a digital
// nudge, a tenth held out. With an outcome window of --horizon days (retention.effects.horizonDays; 90 by default,
// 30 here so that the world's three months hold waves whose outcome is known) eight weekly waves of ~94,000
// contacts are learned from. Then `churn score --as-of 2026-06-30` runs in a child process; the script prints its
// seconds per step, the effects note and the peak RSS. --cap sets retention.effects.maxContactsPerWave (null: learn
// from every contact, the code before the sample). Run it under `nice -n 10`; the machine's other work shows in
// the wall time.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    out: { type: "string" },
    "per-night": { type: "string", default: "13500" },
    horizon: { type: "string", default: "30" },
    cap: { type: "string" },
  },
});
if (!values.dir || !values.out) {
  console.error("usage: effects-waves.mjs --dir DIR (a nightly.mjs world after its run) --out OUT [--per-night 13500] [--horizon 30] [--cap N|null]");
  process.exit(2);
}
const dir = resolve(values.dir);
const out = resolve(values.out);
if (!existsSync(join(dir, "data", "usage")) || !existsSync(join(dir, "models", "champion"))) {
  console.error(`${dir} has no data/usage or models/champion: make the world with scripts/bench/nightly.mjs generate and run it once (run fills data/)`);
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "runs"), { recursive: true });
const perNight = Number(values["per-night"]);
const { withDb } = await import("../../dist/io/duckdb.js");
const subscribers = await withDb(async (db) => Number((await db.one(`SELECT count(*) AS n FROM read_parquet('${join(dir, "data", "subscribers.parquet")}')`))?.n));
await withDb(async (db) => {
  await db.run(`COPY (
    SELECT 'S' || lpad(CAST(i AS VARCHAR), 9, '0') AS subscriber_id, strftime(d, '%Y-%m-%d') AS date,
      CASE WHEN hash(i, d, 3) % 100 < 96 THEN 'digital_nudge' WHEN hash(i, d, 3) % 100 < 98 THEN 'care_call' ELSE 'bundle_addon' END AS action,
      CASE WHEN hash(i, d, 4) % 10 = 0 THEN 'control' ELSE 'treatment' END AS "group",
      strftime(d - INTERVAL 1 DAY, '%Y-%m-%d') AS run_id,
      CASE WHEN hash(i, d, 3) % 100 < 96 THEN (['sms', 'email', 'app'])[CAST(1 + hash(i, d, 5) % 3 AS BIGINT)] ELSE 'agent' END AS channel,
      CASE WHEN hash(i, d, 4) % 10 = 0 THEN 0 WHEN hash(i, d, 3) % 100 < 96 THEN 0.05 WHEN hash(i, d, 3) % 100 < 98 THEN 15 ELSE 12 END AS cost
    FROM range(1, ${subscribers + 1}) r(i), (SELECT CAST(x AS DATE) AS d FROM range(DATE '2026-04-02', DATE '2026-06-30', INTERVAL 1 DAY) t(x))
    WHERE hash(i, d) % ${subscribers} < ${perNight}
    ORDER BY date, subscriber_id) TO '${join(out, "runs", "contacts_log.csv")}' (FORMAT csv, HEADER true)`);
});
const cap = values.cap === undefined ? "" : `\n    maxContactsPerWave: ${values.cap === "null" ? "null" : Number(values.cap)}`;
writeFileSync(join(out, "churn.config.yaml"), `retention:\n  effects:\n    horizonDays: ${Number(values.horizon)}${cap}\n`);
const t0 = performance.now();
const r = spawnSync(
  "/usr/bin/time",
  ["-f", "%M", process.execPath, join(root, "dist", "cli", "main.js"), "score", "--config", join(out, "churn.config.yaml"), "--model", join(dir, "models", "champion"), "--data", join(dir, "data"), "--as-of", "2026-06-30", "--out", join(out, "runs", "2026-06-30"), "--allow-drift", "--quiet"],
  { encoding: "utf8", env: { ...process.env, TZ: "UTC" } },
);
const seconds = (performance.now() - t0) / 1000;
if (r.status !== 0) {
  console.error(r.stderr);
  process.exit(1);
}
const manifest = JSON.parse(readFileSync(join(out, "runs", "2026-06-30", "manifest.json"), "utf8"));
const summary = JSON.parse(readFileSync(join(out, "runs", "2026-06-30", "summary.json"), "utf8"));
console.log(
  JSON.stringify(
    {
      subscribers,
      contactsPerNight: perNight,
      horizonDays: Number(values.horizon),
      maxContactsPerWave: values.cap ?? "default",
      seconds: +seconds.toFixed(1),
      peakRssMB: Math.round(Number(r.stderr.trim().split("\n").pop()) / 1024),
      steps: manifest.durations,
      effects: summary.effects?.note ?? manifest.effects,
    },
    null,
    2,
  ),
);
