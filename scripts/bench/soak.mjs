#!/usr/bin/env node
// Soak: the end-to-end pipeline (features → train → score) run N times in a row in ONE process, with the same
// inputs and output paths, calling the pipeline functions in-process (what the CLI commands call), so leaked
// tensors, DuckDB connections or file handles would build up. Imports dist/: run `npm run build` first.
//
// Run with --expose-gc to measure memory after a full collection (what is still referenced, not garbage not yet
// collected): `node --expose-gc scripts/bench/soak.mjs [--runs 20] [--subscribers 3000] [--months 6] [--model mlp|logistic] [--out DIR]`
//
// Checks every run's outputs are identical to the first run's (timestamps and timings taken out: model
// createdAt/fitSeconds, run manifest created_at/durations) and prints, per run: seconds, RSS, peak RSS,
// tf.memory().numTensors and open file descriptors. Exit 1 when any run's outputs differ.
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "20" },
    subscribers: { type: "string", default: "3000" },
    months: { type: "string", default: "6" },
    model: { type: "string", default: "mlp" },
    out: { type: "string", default: "/tmp/churn-bench-soak" },
  },
});
process.env.TZ = "UTC";
const runs = Number(values.runs);
const { generateWorld } = await import("../../dist/synth/generate.js");
const { buildFeatureTable } = await import("../../dist/features/build.js");
const { parseAsOf, parsePeriod } = await import("../../dist/features/periods.js");
const { trainFromArgs } = await import("../../dist/cli/commands/train.js");
const { scoreRun } = await import("../../dist/pipeline/score.js");
const { defaultConfig } = await import("../../dist/config/schema.js");
const { silentLogger } = await import("../../dist/log.js");
const tf = await import("@tensorflow/tfjs-core");

const END = "2026-06-30";
const root = values.out;
rmSync(root, { recursive: true, force: true });
const data = join(root, "world");
await generateWorld({ subscribers: Number(values.subscribers), months: Number(values.months), seed: 7, end: END, format: "csv", out: data });
rmSync(join(data, "truth"), { recursive: true, force: true });
const work = join(root, "work");

function files(dir) {
  const out = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Digest per output file, with timestamps and timings taken out. */
function digests() {
  const out = {};
  const model = join(work, "models", "soak");
  const created = JSON.parse(readFileSync(join(model, "manifest.json"), "utf8")).createdAt;
  for (const f of files(work)) {
    let text = readFileSync(join(work, f));
    if (f === "models/soak/manifest.json") {
      const { createdAt: _c, files: fs, ...rest } = JSON.parse(text.toString("utf8"));
      text = JSON.stringify({ ...rest, files: Object.keys(fs) });
    } else if (f === "run/manifest.json") {
      const { created_at: _c, durations: _d, ...rest } = JSON.parse(text.toString("utf8"));
      text = JSON.stringify(rest);
    } else if (f.startsWith("models/")) {
      text = text.toString("utf8").replaceAll(created, "<created>").replace(/("?fitSeconds"?:\s*)[0-9.e-]+/g, "$1<s>");
    } else if (f === "models/champion") text = JSON.parse(text.toString("utf8")).id;
    out[f] = createHash("sha256").update(text).digest("hex");
  }
  return out;
}

/** Live tensors; null while no TensorFlow.js backend was ever used (a logistic model does not use one). */
const tensors = () => {
  try {
    return tf.memory().numTensors;
  } catch {
    return null;
  }
};
const config = defaultConfig();
const mb = (b) => Math.round(b / 1048576);
let first;
let failed = 0;
const rows = [];
for (let i = 1; i <= runs; i++) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const t0 = performance.now();
  const features = join(work, "features.parquet");
  await buildFeatureTable({
    config,
    dir: data,
    asOf: parseAsOf({ range: "2026-02-28..2026-05-31", every: "1mo" }),
    horizon: parsePeriod("30d", "--horizon"),
    out: features,
    log: silentLogger,
  });
  await trainFromArgs({ features, model: values.model, calibration: "auto", out: join(work, "models"), modelId: "soak", quiet: true });
  const r = await scoreRun({ model: join(work, "models", "soak"), data, asOf: END, out: join(work, "run"), config, allowDrift: true, log: silentLogger });
  const seconds = (performance.now() - t0) / 1000;
  const d = digests();
  let same = true;
  if (!first) {
    first = d;
    cpSync(work, join(root, "first"), { recursive: true }); // kept to diff against
  } else {
    const diff = Object.keys({ ...first, ...d }).filter((k) => first[k] !== d[k]);
    if (diff.length) {
      same = false;
      failed++;
      process.stderr.write(`run ${i}: outputs differ from run 1: ${diff.join(", ")}\n`);
    }
  }
  globalThis.gc?.();
  const mem = process.memoryUsage();
  const row = {
    run: i,
    seconds: Number(seconds.toFixed(2)),
    scored: r.counts.scored,
    same,
    rssMB: mb(mem.rss),
    heapUsedMB: mb(mem.heapUsed),
    externalMB: mb(mem.external + mem.arrayBuffers),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    numTensors: tensors(),
    openFds: readdirSync("/proc/self/fd").length,
  };
  rows.push(row);
  process.stderr.write(`${JSON.stringify(row)}\n`);
}
const a = rows[0];
const z = rows[rows.length - 1];
const secs = rows.map((r) => r.seconds).sort((x, y) => x - y);
console.log(
  JSON.stringify(
    {
      runs,
      subscribers: Number(values.subscribers),
      months: Number(values.months),
      model: values.model,
      identical: failed === 0,
      medianSeconds: secs[Math.floor(secs.length / 2)],
      gcBeforeMeasuring: typeof globalThis.gc === "function",
      first: { peakRssMB: a.peakRssMB, rssMB: a.rssMB, heapUsedMB: a.heapUsedMB, externalMB: a.externalMB, numTensors: a.numTensors, openFds: a.openFds },
      last: { peakRssMB: z.peakRssMB, rssMB: z.rssMB, heapUsedMB: z.heapUsedMB, externalMB: z.externalMB, numTensors: z.numTensors, openFds: z.openFds },
      // medians over the first and the last five runs: one run's RSS moves with the allocator and GC timing
      rssMBMedianFirst5: rows.slice(0, 5).map((r) => r.rssMB).sort((x, y) => x - y)[2] ?? null,
      rssMBMedianLast5: rows.slice(-5).map((r) => r.rssMB).sort((x, y) => x - y)[2] ?? null,
      heapUsedMBMedianFirst5: rows.slice(0, 5).map((r) => r.heapUsedMB).sort((x, y) => x - y)[2] ?? null,
      heapUsedMBMedianLast5: rows.slice(-5).map((r) => r.heapUsedMB).sort((x, y) => x - y)[2] ?? null,
      outputFiles: Object.keys(first).length,
      featuresBytes: statSync(join(work, "features.parquet")).size,
    },
    null,
    2,
  ),
);
process.exit(failed ? 1 : 0);
