#!/usr/bin/env node
// Benchmark: the runs folder's contacts log after months of nightly runs (imports dist/: run `npm run build` first).
//
//   node scripts/bench/contacts-log.mjs [--rows 1000000,3000000] [--nights 180] [--run-rows 20000] [--dist DIR]
//
// For each size: a runs folder whose contacts_log.csv holds ROWS rows written by NIGHTS earlier nightly runs (one run
// folder each, ids drawn from 10M subscribers, a tenth held out), then, in a child process, what one more night does
// with it: read the runs folder's state (contact rules' history, the log without this run's rows), the digest the
// manifest records, and recording the night's RUN_ROWS contacts (the log rewritten with them). Prints seconds per step,
// peak RSS and the SHA-256 of the rewritten log and of the digest, so two builds (--dist) can be compared on the same
// folder. A child that runs out of memory is reported as such. Run it under `nice -n 10`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync, openSync, writeSync, closeSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000,3000000" },
    nights: { type: "string", default: "180" },
    "run-rows": { type: "string", default: "20000" },
    dist: { type: "string", default: join(root, "dist") },
    dir: { type: "string", default: "/tmp/churn-bench-contacts" },
    child: { type: "string" },
  },
});
const DAY = 86_400_000;
const iso = (d) => new Date(d * DAY).toISOString().slice(0, 10);
const FIRST = Date.parse("2026-01-01T00:00:00Z") / DAY;

if (values.child) {
  const dist = resolve(values.dist);
  const { readOperationState, recordRunState } = await import(join(dist, "pipeline/operation.js"));
  const { logDigest } = await import(join(dist, "pipeline/score.js"));
  const { defaultConfig } = await import(join(dist, "config/schema.js"));
  const nights = Number(values.nights);
  const asOf = iso(FIRST + nights);
  const out = join(values.child, asOf);
  const config = defaultConfig();
  const t = {};
  let t0 = performance.now();
  const ops = readOperationState(out, asOf, config);
  t.read = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const digest = logDigest(ops.log, asOf);
  t.digest = (performance.now() - t0) / 1000;
  const contacts = [];
  const n = Number(values["run-rows"]);
  for (let i = 0; i < n; i++) {
    const id = `S${String((i * 104729 + nights * 7) % 10_000_000).padStart(9, "0")}`;
    contacts.push({ subscriber_id: id, date: iso(FIRST + nights + 1), action: "digital_nudge", group: i % 10 ? "treatment" : "control", run_id: asOf, channel: "sms", cost: i % 10 ? 0.05 : 0 });
  }
  t0 = performance.now();
  recordRunState(ops, contacts, asOf, n * 0.045, config);
  t.record = (performance.now() - t0) / 1000;
  const ru = process.resourceUsage();
  const logSha = createHash("sha256").update(readFileSync(join(values.child, "contacts_log.csv"))).digest("hex");
  process.stdout.write(`${JSON.stringify({ seconds: t, peakRssMB: Math.round(ru.maxRSS / 1024), digest: digest.sha256.slice(0, 16), digestRows: digest.rows, logSha: logSha.slice(0, 16) })}\n`);
  process.exit(0);
}

/** A runs folder with `rows` log rows from `nights` runs (each run's folder with a manifest and its contacts.csv). */
function buildFolder(dir, rows, nights) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, "contacts_log.csv"), "w");
  writeSync(fd, "subscriber_id,date,action,group,run_id,channel,cost\n");
  const actions = ["digital_nudge", "loyalty_points", "care_call", "renewal_offer"];
  const channels = ["sms", "app", "agent", "email"];
  const perNight = Math.ceil(rows / nights);
  let written = 0;
  for (let k = 0; k < nights && written < rows; k++) {
    const runId = iso(FIRST + k);
    const date = iso(FIRST + k + 1);
    const m = Math.min(perNight, rows - written);
    const lines = [];
    const ids = [];
    for (let i = 0; i < m; i++) ids.push(`S${String((i * 7919 + k * 104729) % 10_000_000).padStart(9, "0")}`);
    ids.sort();
    for (let i = 0; i < m; i++) {
      const a = (i * 31 + k) % 4;
      const control = (i * 13 + k) % 10 === 0;
      lines.push(`${ids[i]},${date},${actions[a]},${control ? "control" : "treatment"},${runId},${channels[a]},${control ? 0 : [0.05, 0.5, 15, 45.63][a]}`);
    }
    writeSync(fd, `${lines.join("\n")}\n`);
    written += m;
    const run = join(dir, runId);
    mkdirSync(run);
    writeFileSync(join(run, "manifest.json"), "{}\n");
    writeFileSync(join(run, "contacts.csv"), "subscriber_id,date,action,group,run_id,channel,cost\n");
  }
  closeSync(fd);
}

const nights = Number(values.nights);
for (const rows of values.rows.split(",").map(Number)) {
  const dir = join(values.dir, String(rows));
  buildFolder(dir, rows, nights);
  const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--child", dir, "--nights", String(nights), "--run-rows", values["run-rows"], "--dist", values.dist], {
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC" },
    maxBuffer: 1 << 26,
  });
  const last = r.stdout.trim().split("\n").at(-1);
  if (r.status === 0 && last) console.log(JSON.stringify({ rows, ...JSON.parse(last) }));
  else {
    const error = r.stderr.split("\n").find((l) => /heap out of memory|^\w*Error\b/.test(l.trim()))?.trim() ?? r.stderr.trim().split("\n").slice(-3).join(" | ");
    console.log(JSON.stringify({ rows, failed: `exit ${r.status}: ${error}` }));
  }
  rmSync(dir, { recursive: true, force: true });
}
