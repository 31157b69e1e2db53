// Benchmark: generate a world (default 1M subscribers x 6 months of daily usage, Parquet) and report wall
// time and peak RSS (process.resourceUsage().maxRSS covers DuckDB's memory too, it runs in-process).
// Usage: npm run bench:generate [-- --subscribers 1000000 --months 6 --runs 1 --keep]
// Targets (issue 2): at most 5 minutes and 4 GB peak RSS on a 2-core machine. Data goes to data/bench/ and is
// deleted afterwards unless --keep.
import { rmSync } from "node:fs";
import { generateWorld } from "../../dist/synth/generate.js";

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const subscribers = Number(opt("subscribers", 1_000_000));
const months = Number(opt("months", 6));
const runs = Number(opt("runs", 1));
const format = opt("format", "parquet");
const keep = args.includes("--keep");

const times = [];
for (let r = 0; r < runs; r++) {
  const out = `data/bench/world-${process.pid}-${r}`;
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
  const res = await generateWorld({ subscribers, months, seed: 7 + r, format, out });
  const secs = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  times.push(secs);
  const rows = Object.fromEntries(res.files.map((f) => [f.table, f.rows]));
  console.log(
    JSON.stringify({ run: r + 1, subscribers, months, format, seconds: secs, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) }),
  );
  if (!keep) rmSync(out, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)];
const rss = process.resourceUsage().maxRSS / 1024;
console.log(`median ${median.toFixed(1)} s over ${runs} run(s); peak RSS ${rss.toFixed(0)} MB (targets: <= 300 s, <= 4096 MB)`);
