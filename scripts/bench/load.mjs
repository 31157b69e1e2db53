#!/usr/bin/env node
// Benchmark: load + validate a large Parquet usage table (contract stage).
// Usage: node scripts/bench/load.mjs [--dir DIR] [--subscribers N] [--usage-rows N] [--memory 3GB]
// Generates DIR/subscribers.parquet and DIR/usage.parquet with DuckDB SQL when missing (a few % bad rows),
// then runs loadData on them and prints rows/s and the peak RSS of this process.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { defaultConfig } from "../../dist/config/schema.js";
import { loadData } from "../../dist/contract/load.js";
import { Db } from "../../dist/io/duckdb.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: "/tmp/churn-bench-load" },
    subscribers: { type: "string", default: "1000000" },
    "usage-rows": { type: "string", default: "30000000" },
    memory: { type: "string", default: "3GB" },
  },
});
const dir = values.dir;
const nSubs = Number(values.subscribers);
const nUsage = Number(values["usage-rows"]);
mkdirSync(dir, { recursive: true });

if (!existsSync(join(dir, "usage.parquet"))) {
  const t0 = Date.now();
  const gen = await Db.open({ memoryLimit: values.memory, tempDirectory: join(dir, "tmp") });
  await gen.run(
    `COPY (SELECT 'S' || lpad(CAST(i AS VARCHAR), 8, '0') AS subscriber_id,
                  DATE '2022-01-01' + CAST(i % 700 AS INTEGER) AS activation_date,
                  CASE WHEN i % 5 = 0 THEN DATE '2025-06-01' + CAST(i % 150 AS INTEGER) END AS deactivation_date,
                  'plan_' || CAST(i % 4 AS VARCHAR) AS plan, 'month_to_month' AS contract_type,
                  CAST(NULL AS DATE) AS contract_end_date, 10.0 + i % 40 AS monthly_fee, 'north' AS region, 'sms' AS preferred_channel
           FROM range(${nSubs}) r(i))
     TO '${join(dir, "subscribers.parquet")}' (FORMAT parquet)`,
  );
  // Rows spread over subscribers and days of 2025; about 0.1% negative minutes, some unknown subscribers.
  await gen.run(
    `COPY (SELECT 'S' || lpad(CAST((i * 7919) % ${nSubs + 1000} AS VARCHAR), 8, '0') AS subscriber_id,
                  DATE '2025-01-01' + CAST((i // ${nSubs}) % 365 AS INTEGER) AS date,
                  CASE WHEN i % 1000 = 7 THEN -1.0 ELSE (i % 97) * 0.5 END AS voice_minutes,
                  (i % 1013) * 1.25 AS data_mb, CAST(i % 5 AS BIGINT) AS sms, CAST(i % 3 AS BIGINT) AS sessions,
                  CAST(0 AS BIGINT) AS dropped_calls
           FROM range(${nUsage}) r(i))
     TO '${join(dir, "usage.parquet")}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)`,
  );
  gen.close();
  process.stderr.write(`generated ${nSubs} subscribers, ${nUsage} usage rows in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}

const config = defaultConfig();
const db = await Db.open({ memoryLimit: values.memory, tempDirectory: join(dir, "tmp") });
const t0 = Date.now();
const result = await loadData(db, { dir, config, asOf: new Date(Date.UTC(2026, 0, 1)) });
const secs = (Date.now() - t0) / 1000;
db.close();
const u = result.tables.usage;
const s = result.tables.subscribers;
const out = {
  subscribers: { rows: s.rows, loaded: s.loaded, rejected: s.rejected },
  usage: { rows: u.rows, loaded: u.loaded, rejected: u.rejected },
  seconds: Number(secs.toFixed(1)),
  rowsPerSecond: Math.round((u.rows + s.rows) / secs),
  peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  memoryLimit: values.memory,
  rejectsByReason: result.rejectsByReason.map((g) => `${g.table}.${g.reason}: ${g.count}`),
};
console.log(JSON.stringify(out, null, 2));
