#!/usr/bin/env node
// Benchmark: `churn validate` against one plain DuckDB scan of the same files, measured in the same run.
//
//   npm run bench:validate -- --dir DIR [--as-of YYYY-MM-DD] [--runs 3] [--cache]
//
// Per run: (1) the reference: for every input file, one DuckDB scan computing count(*), a sum, count(DISTINCT
// subscriber_id) and a max date (read_csv with its own type detection, or read_parquet), same DuckDB settings
// (2 threads, 3 GB) as validate; (2) validate (src/cli/commands/validate.ts: load, every rule, duplicates,
// rejects file), without a cache; with --cache also (3) validate with an empty cache (it validates and stores)
// and (4) again with that cache (nothing changed: the files are not read). The order of (1) and (2) alternates
// between runs. Prints each run's seconds and ratios, then the medians; peak RSS of this process at the end.
// Targets (issue 18): validate / scan <= 3 on the 20k-subscriber CSV world and on a 1M-subscriber world;
// 1M subscribers x 180 days (Parquet) loaded and validated in <= 60 s. Run it under `nice -n 10`.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { validateData } from "../../dist/cli/commands/validate.js";
import { defaultConfig } from "../../dist/config/schema.js";
import { TABLES } from "../../dist/contract/tables.js";
import { ValidationCache } from "../../dist/io/cache.js";
import { withDb } from "../../dist/io/duckdb.js";
import { findTableFiles } from "../../dist/io/tables.js";

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    "as-of": { type: "string", default: "2026-06-30" },
    runs: { type: "string", default: "3" },
    cache: { type: "boolean", default: false },
  },
});
if (!values.dir) {
  console.error("usage: validate.mjs --dir DIR [--as-of YYYY-MM-DD] [--runs 3] [--cache]");
  process.exit(2);
}
const dir = values.dir;
const asOf = new Date(`${values["as-of"]}T00:00:00Z`);
const runs = Number(values.runs);
const DB = { memoryLimit: "3GB" };
const quote = (s) => `'${s.replaceAll("'", "''")}'`;

/** One plain scan per input file: count, sum of a number column, distinct ids, latest date. */
async function scanAll() {
  const sources = findTableFiles({ dir });
  return withDb(async (db) => {
    let rows = 0;
    for (const src of Object.values(sources)) {
      const def = TABLES[src.table];
      const num = def.columns.find((c) => c.type === "number" || c.type === "integer")?.name;
      const date = def.columns.find((c) => c.type === "date")?.name;
      for (const f of src.parts) {
        const rel = f.format === "csv" ? `read_csv(${quote(f.path)})` : `read_parquet(${quote(f.path)})`;
        const r = await db.one(
          `SELECT count(*) AS n, ${num ? `sum("${num}")` : "NULL"} AS s, count(DISTINCT subscriber_id) AS d, ${date ? `max("${date}")` : "NULL"} AS m FROM ${rel}`,
        );
        rows += Number(r?.n ?? 0);
      }
    }
    return rows;
  }, DB);
}

async function validate(cache) {
  const out = mkdtempSync(join(tmpdir(), "churn-bench-validate-"));
  try {
    const config = defaultConfig();
    const s = await validateData({ data: dir, config, rejects: join(out, "rejects.csv"), asOf, maxRejectShare: 1, ...(cache ? { cache } : {}) });
    return s.tables.reduce((a, t) => a + t.rows, 0);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const timed = async (fn) => {
  const t0 = performance.now();
  const rows = await fn();
  return { seconds: (performance.now() - t0) / 1000, rows };
};

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const results = [];
for (let i = 0; i < runs; i++) {
  const r = {};
  if (i % 2 === 0) {
    r.scan = await timed(scanAll);
    r.validate = await timed(() => validate());
  } else {
    r.validate = await timed(() => validate());
    r.scan = await timed(scanAll);
  }
  if (values.cache) {
    const cacheDir = mkdtempSync(join(tmpdir(), "churn-bench-cache-"));
    try {
      r.cold = await timed(() => validate(new ValidationCache(cacheDir)));
      r.warm = await timed(() => validate(new ValidationCache(cacheDir)));
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
  const line = {
    run: i + 1,
    rows: r.scan.rows,
    scanSeconds: +r.scan.seconds.toFixed(2),
    validateSeconds: +r.validate.seconds.toFixed(2),
    ratio: +(r.validate.seconds / r.scan.seconds).toFixed(2),
    ...(r.cold ? { coldCacheSeconds: +r.cold.seconds.toFixed(2), coldRatio: +(r.cold.seconds / r.scan.seconds).toFixed(2) } : {}),
    ...(r.warm ? { warmCacheSeconds: +r.warm.seconds.toFixed(2), warmRatio: +(r.warm.seconds / r.scan.seconds).toFixed(2) } : {}),
  };
  if (r.validate.rows !== r.scan.rows) throw new Error(`validate counted ${r.validate.rows} rows, the scan ${r.scan.rows}`);
  results.push(line);
  console.log(JSON.stringify(line));
}
const med = (k) => (results[0][k] === undefined ? undefined : +median(results.map((x) => x[k])).toFixed(2));
console.log(
  JSON.stringify({
    dir,
    runs,
    rows: results[0].rows,
    medianScanSeconds: med("scanSeconds"),
    medianValidateSeconds: med("validateSeconds"),
    medianRatio: med("ratio"),
    ...(values.cache ? { medianColdCacheSeconds: med("coldCacheSeconds"), medianColdRatio: med("coldRatio"), medianWarmCacheSeconds: med("warmCacheSeconds"), medianWarmRatio: med("warmRatio") } : {}),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    target: "validate / scan <= 3",
  }),
);
