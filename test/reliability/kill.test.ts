/**
 * Killed runs: `churn features`, `churn train` and `churn score` on the tiny world, run as the real
 * executable and killed with SIGKILL at seeded random moments spread over each command's measured duration
 * (one moment per equal slice of it). After each kill nothing that looks complete but is not is left, and a
 * re-run (over whatever the killed one left: stale lock, `.tmp-*` staging, which it removes) gives the files of an
 * uninterrupted run, byte for byte (timestamps aside: train's createdAt, score's created_at/durations).
 */
import { rng } from "../../src/rng.js";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readChampion } from "../../src/io/artifact.js";
import { loadScorer } from "../../src/model/registry.js";
import { readRun } from "../../src/pipeline/run-dir.js";
import { KILL_CASES, KILLS_PER_COMMAND } from "./kill-cases.js";
import { ensureBuilt, listFiles, MAIN, makeWorld, spawnCli, tempRoot, WORLD } from "./helpers.js";

const SEED = 20261122;


/** Start `churn ...args`, SIGKILL it after `ms`; resolves with whether the kill landed before it exited. */
function runAndKill(args: string[], cwd: string, ms: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, TZ: "UTC" }, stdio: "ignore" });
    let exited = false;
    const timer = setTimeout(() => {
      if (!exited) child.kill("SIGKILL");
    }, ms);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      exited = true;
      clearTimeout(timer);
      resolve({ killed: signal === "SIGKILL", code });
    });
  });
}

/** `churn ...args` as a child process, without blocking the other (concurrent) tests. */
function runAsync(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, TZ: "UTC" }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

async function rerun(args: string[], cwd: string): Promise<void> {
  const r = await runAsync(args, cwd);
  expect(r.code, r.stderr).toBe(0);
}

function timed(args: string[], cwd: string): number {
  const t0 = performance.now();
  const r = spawnCli(args, { cwd });
  expect(r.code, r.stderr).toBe(0);
  return performance.now() - t0;
}

const bytes = (p: string) => readFileSync(p);

/**
 * The validated-table cache beside the outputs after the re-run: nothing left of the killed run (its
 * temporary folders are removed once its pid is gone), no stale lock, and every entry complete (meta.json).
 */
function expectCleanCache(cache: string, at: number): void {
  const v1 = join(cache, "v1");
  expect(existsSync(`${v1}.lock`), `kill at ${at} ms: cache lock left`).toBe(false);
  expect(existsSync(join(v1, "tmp")) ? readdirSync(join(v1, "tmp")) : [], `kill at ${at} ms: cache temporaries left`).toEqual([]);
  for (const kind of ["part", "ref", "table"]) {
    if (!existsSync(join(v1, kind))) continue;
    for (const shard of readdirSync(join(v1, kind))) {
      for (const key of readdirSync(join(v1, kind, shard))) expect(existsSync(join(v1, kind, shard, key, "meta.json")), `kill at ${at} ms: ${kind}/${key}`).toBe(true);
    }
  }
}
const json = (p: string) => JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;

/** Moments (ms) for one command: one seeded moment in each of n equal slices of [5%, 90%] of its duration. */
function moments(duration: number, salt: number): number[] {
  const r = rng(SEED + salt);
  return Array.from({ length: KILLS_PER_COMMAND }, (_, i) => Math.round(duration * (0.05 + (0.85 * (i + r())) / KILLS_PER_COMMAND)));
}

let root: string;
let world: string;
let ref: string;
const FEATURE_ARGS = (out: string) => ["features", "--data", world, "--as-of-range", "2026-04-30..2026-05-31", "--every", "1mo", "--out", out, "--quiet"];
const TRAIN_ARGS = (features: string, out: string) => ["train", "--features", features, "--model", "logistic", "--out", out, "--model-id", "m1", "--quiet"];
const SCORE_ARGS = (model: string, out: string) => ["score", "--model", model, "--data", world, "--as-of", WORLD.end, "--out", out, "--allow-drift", "--quiet"];
const title = (command: string) => {
  const c = KILL_CASES.find((k) => k.command === command)!;
  return `${c.title}: ${c.result}`;
};
const duration: Record<string, number> = {};
const landed = { features: 0, train: 0, score: 0 };

beforeAll(async () => {
  ensureBuilt();
  root = tempRoot("churn-kill-");
  world = await makeWorld(join(root, "world"));
  ref = join(root, "ref");
  mkdirSync(ref);
  duration["features"] = timed(FEATURE_ARGS(join(ref, "train.parquet")), ref);
  duration["train"] = timed(TRAIN_ARGS(join(ref, "train.parquet"), join(ref, "models")), ref);
  duration["score"] = timed(SCORE_ARGS(join(ref, "models", "m1"), join(ref, "runs", "r1")), ref);
}, 180_000);

const FIT_SECONDS = /("?fitSeconds"?:\s*)[0-9.e-]+/g;
/** The model folder's files with the training time taken out (createdAt, fitSeconds wherever they appear). */
function modelFiles(dir: string): Record<string, string> {
  const m = json(join(dir, "manifest.json")) as { createdAt: string; files: Record<string, string> };
  const out: Record<string, string> = {};
  for (const f of listFiles(dir)) {
    if (f === "manifest.json") {
      // checksums: verified by loadScorer; the files themselves are compared below
      const { createdAt: _c, files, ...rest } = m;
      out[f] = JSON.stringify({ ...rest, files: Object.keys(files).sort() });
    } else out[f] = readFileSync(join(dir, f), "utf8").replaceAll(m.createdAt, "<created>").replace(FIT_SECONDS, "$1<s>");
  }
  return out;
}

/** The run folder's files; manifest.json without created_at and durations. */
function runFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of listFiles(dir)) {
    if (f === "manifest.json") {
      const { created_at: _c, durations: _d, ...rest } = json(join(dir, f));
      out[f] = JSON.stringify(rest);
    } else out[f] = bytes(join(dir, f)).toString("base64");
  }
  return out;
}

// The three commands run side by side (concurrent tests) to keep the file fast.
describe.concurrent("SIGKILL at random moments", () => {
  it(title("features"), async () => {
    const ms = moments(duration["features"] as number, 1);
    for (const [i, at] of ms.entries()) {
      const dir = join(root, `features-${i}`);
      mkdirSync(dir);
      const out = join(dir, "train.parquet");
      // odd cases start from a previous complete pair (the same inputs, so the same bytes)
      if (i % 2 === 1) {
        cpSync(join(ref, "train.parquet"), out);
        cpSync(join(ref, "train.parquet.json"), `${out}.json`);
      }
      const k = await runAndKill(FEATURE_ARGS(out), dir, at);
      if (k.killed) landed.features++;
      if (existsSync(out)) expect(bytes(out).equals(bytes(join(ref, "train.parquet"))), `kill at ${at} ms: ${out}`).toBe(true);
      if (existsSync(`${out}.json`)) {
        expect(existsSync(out), `kill at ${at} ms: a sidecar without its feature file`).toBe(true);
        expect(bytes(`${out}.json`).equals(bytes(join(ref, "train.parquet.json")))).toBe(true);
      }
      await rerun(FEATURE_ARGS(out), dir);
      expect(bytes(out).equals(bytes(join(ref, "train.parquet")))).toBe(true);
      expect(bytes(`${out}.json`).equals(bytes(join(ref, "train.parquet.json")))).toBe(true);
      // the re-run removed what the killed run left (temp file, parts folder)
      expect(readdirSync(dir).sort(), `kill at ${at} ms`).toEqual([".churn-cache", "train.parquet", "train.parquet.json"]);
      expectCleanCache(join(dir, ".churn-cache"), at);
    }
    // a kill after the process exited tests nothing
    expect(landed.features, `kills that landed: ${JSON.stringify(landed)}, durations ${JSON.stringify(duration)}`).toBeGreaterThanOrEqual(KILLS_PER_COMMAND - 1);
  }, 300_000); // generous: on a loaded machine (8 jobs on 2 cores) a command takes 10x longer

  it(title("train"), async () => {
    const ms = moments(duration["train"] as number, 2);
    const expected = modelFiles(join(ref, "models", "m1"));
    for (const [i, at] of ms.entries()) {
      const dir = join(root, `train-${i}`);
      const models = join(dir, "models");
      mkdirSync(dir);
      const k = await runAndKill(TRAIN_ARGS(join(ref, "train.parquet"), models), dir, at);
      if (k.killed) landed.train++;
      if (existsSync(models)) {
        for (const name of readdirSync(models)) {
          if (name === "champion" || name.startsWith(".")) continue;
          if (!statSync(join(models, name)).isDirectory() || !existsSync(join(models, name, "manifest.json"))) continue;
          const s = await loadScorer(models, name);
          expect(s.id).toBe(name);
          expect(modelFiles(join(models, name))).toEqual(expected);
        }
        const champ = readChampion(models);
        if (champ !== undefined) expect((await loadScorer(models)).id).toBe(champ);
      }
      await rerun(TRAIN_ARGS(join(ref, "train.parquet"), models), dir);
      expect(modelFiles(join(models, "m1"))).toEqual(expected);
      expect(readChampion(models)).toBe("m1");
      expect(readdirSync(models).sort(), `kill at ${at} ms: leftovers`).toEqual(["champion", "m1"]);
    }
    // a kill after the process exited tests nothing
    expect(landed.train, `kills that landed: ${JSON.stringify(landed)}, durations ${JSON.stringify(duration)}`).toBeGreaterThanOrEqual(KILLS_PER_COMMAND - 1);
  }, 300_000); // generous: on a loaded machine (8 jobs on 2 cores) a command takes 10x longer

  it(title("score"), async () => {
    const ms = moments(duration["score"] as number, 3);
    const expected = runFiles(join(ref, "runs", "r1"));
    for (const [i, at] of ms.entries()) {
      const dir = join(root, `score-${i}`);
      mkdirSync(dir);
      const out = join(dir, "runs", "r1");
      const k = await runAndKill(SCORE_ARGS(join(ref, "models", "m1"), out), dir, at);
      if (k.killed) landed.score++;
      if (existsSync(join(out, "manifest.json"))) {
        await readRun(out);
        expect(runFiles(out)).toEqual(expected);
      }
      await rerun(SCORE_ARGS(join(ref, "models", "m1"), out), dir);
      await readRun(out);
      expect(runFiles(out)).toEqual(expected);
      expect(existsSync(`${out}.lock`)).toBe(false);
      // the runs folder holds the run, the contacts log it shares with later runs and the validated-table cache, nothing half-written
      expect(readdirSync(join(dir, "runs")).sort(), `kill at ${at} ms: leftovers`).toEqual([".churn-cache", "contacts_log.csv", "r1"]);
      expectCleanCache(join(dir, "runs", ".churn-cache"), at);
      expect(readFileSync(join(dir, "runs", "contacts_log.csv"), "utf8")).toBe(readFileSync(join(ref, "runs", "contacts_log.csv"), "utf8"));
    }
    // a kill after the process exited tests nothing
    expect(landed.score, `kills that landed: ${JSON.stringify(landed)}, durations ${JSON.stringify(duration)}`).toBeGreaterThanOrEqual(KILLS_PER_COMMAND - 1);
  }, 300_000); // generous: on a loaded machine (8 jobs on 2 cores) a command takes 10x longer

});
