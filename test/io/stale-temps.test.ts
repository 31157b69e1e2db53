import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { processAlive, removeStaleTemps } from "../../src/io/files.js";

const dir = mkdtempSync(join(tmpdir(), "churn-stale-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("removes temps of dead pids beside the output, keeps those of live processes and everything else", () => {
  const dead = spawnSync(process.execPath, ["-e", ""]).pid as number; // has exited by now
  expect(processAlive(dead)).toBe(false);
  const live = process.ppid;
  expect(processAlive(live)).toBe(true);
  const names = [
    `run.tmp-${dead}`, // score staging folder
    `run.old-${dead}`, // the previous run, mid-swap
    `.features.parquet.tmp-${dead}`, // features temp file
    `.features.parquet.tmp-${dead}-parts`, // its parts folder
    `run.tmp-${live}`, // another run, writing right now
    `run.tmp-${process.pid}`, // this process's own
    "run",
    "run.lock",
    "features.parquet",
    `runx.tmp-${dead}`, // another output's temp
    `run.tmp-${dead}.bak`, // not a temp name
  ];
  for (const n of names) {
    if (n.endsWith("-parts") || /^run(\.|$)/.test(n)) mkdirSync(join(dir, n));
    else writeFileSync(join(dir, n), "x");
  }
  expect(removeStaleTemps(join(dir, "run")).sort()).toEqual([`run.old-${dead}`, `run.tmp-${dead}`]);
  expect(removeStaleTemps(join(dir, "features.parquet")).sort()).toEqual([`.features.parquet.tmp-${dead}`, `.features.parquet.tmp-${dead}-parts`]);
  expect(readdirSync(dir).sort()).toEqual(
    ["features.parquet", "run", "run.lock", `run.tmp-${dead}.bak`, `run.tmp-${live}`, `run.tmp-${process.pid}`, `runx.tmp-${dead}`].sort(),
  );
  // a name with regex characters is matched literally
  expect(removeStaleTemps(join(dir, "r.n"))).toEqual([]);
});

test("never throws: a parent that is not a folder is left to the write that follows to report", () => {
  expect(removeStaleTemps("/dev/null/x.parquet")).toEqual([]);
  expect(removeStaleTemps(join(dir, "no", "such", "dir", "out"))).toEqual([]);
});
