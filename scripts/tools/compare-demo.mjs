#!/usr/bin/env node
// Compare the demo's outputs (run folder, model folder with its card, feature table, validation rejects) of two
// builds of churn: byte-identical except the fields that hold times (created_at, durations, fit seconds, ISO
// timestamps) and the checksums of files that contain them. A refactor must pass it.
//
//   node scripts/tools/compare-demo.mjs --base <git-ref> [--subscribers N] [--keep DIR]
//       builds <git-ref> (git archive into a temporary folder) and the working tree, runs the demo's steps with each
//       on one generated world (same relative paths, so paths written into outputs agree) and compares
//   node scripts/tools/compare-demo.mjs --diff DIR_A DIR_B
//       compares two output folders already made
//
// Exit 0: identical after normalising times; 1: differences (listed); 2: usage.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO, demoSteps } from "../demo-steps.mjs";

const ISO_TIME = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b/g;
const TIME_KEYS = /^(durations|fitSeconds|.*[sS]econds|.*_ms|elapsed.*)$/;
const TIME = "<time>";
const TIME_SHA = "<sha256 of a file that holds times>";

const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");

/**
 * Every file under dir (relative paths, sorted); the validated-table cache (.churn-cache, beside the outputs) is
 * not an output: a build may keep one and another not.
 */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      if (name === ".churn-cache") continue;
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

const isJsonFile = (rel, text) => extname(rel) === ".json" || (extname(rel) === "" && /^\s*[{[]/.test(text));
const TEXT_EXT = new Set([".json", ".html", ".csv", ".md", ".txt", ".svg", ""]);

function normaliseJson(value, timeShas) {
  if (Array.isArray(value)) return value.map((v) => normaliseJson(v, timeShas));
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = TIME_KEYS.test(k) ? TIME : normaliseJson(v, timeShas);
    return out;
  }
  if (typeof value === "string") {
    if (timeShas.has(value)) return TIME_SHA;
    return value.replace(ISO_TIME, TIME);
  }
  return value;
}

/**
 * The normalised content of every file under dir: text files with times replaced, JSON re-serialised with time
 * fields and checksums of time-holding files replaced; binary files as their sha256.
 */
export function normaliseTree(dir) {
  const files = listFiles(dir);
  const raw = new Map(files.map((f) => [f, readFileSync(join(dir, f))]));
  const timeShas = new Set();
  const pass = () => {
    const out = new Map();
    for (const f of files) {
      const buf = raw.get(f);
      if (!TEXT_EXT.has(extname(f)) || buf.includes(0)) {
        out.set(f, `binary sha256 ${sha256(buf)}`);
        continue;
      }
      const text = buf.toString("utf8");
      let norm;
      if (isJsonFile(f, text)) {
        try {
          norm = JSON.stringify(normaliseJson(JSON.parse(text), timeShas), null, 1);
        } catch {
          norm = text.replace(ISO_TIME, TIME);
        }
      } else norm = text.replace(ISO_TIME, TIME);
      out.set(f, norm);
    }
    return out;
  };
  // a file that holds times has a different checksum on every run: checksums of it are normalised too, which
  // can make another file (a manifest) time-holding; repeat until stable
  let out = pass();
  for (;;) {
    const before = timeShas.size;
    for (const f of files) {
      const text = raw.get(f).toString("utf8");
      const n = out.get(f);
      const plain = isJsonFile(f, text) ? safeReserialise(text) : text;
      if (!n.startsWith("binary sha256 ") && n !== plain) timeShas.add(sha256(raw.get(f)));
    }
    if (timeShas.size === before) return out;
    out = pass();
  }
}

function safeReserialise(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 1);
  } catch {
    return text;
  }
}

/** Differences between two output folders after normalising times: a list of lines, empty when identical. */
export function compareTrees(a, b) {
  const na = normaliseTree(a);
  const nb = normaliseTree(b);
  const diffs = [];
  for (const f of new Set([...na.keys(), ...nb.keys()])) {
    const x = na.get(f);
    const y = nb.get(f);
    if (x === undefined) diffs.push(`${f}: only in ${b}`);
    else if (y === undefined) diffs.push(`${f}: only in ${a}`);
    else if (x !== y) diffs.push(`${f}: differs (${firstDifference(x, y)})`);
  }
  return diffs.sort();
}

function firstDifference(x, y) {
  const lx = x.split("\n");
  const ly = y.split("\n");
  for (let i = 0; i < Math.max(lx.length, ly.length); i++) {
    if (lx[i] !== ly[i]) return `line ${i + 1}: ${JSON.stringify((lx[i] ?? "").slice(0, 160))} vs ${JSON.stringify((ly[i] ?? "").slice(0, 160))}`;
  }
  return "same lines";
}

// ---- running the demo's steps with one build ----

function run(cmd, args, cwd) {
  if (!QUIET) process.stderr.write(`[${cwd}] ${cmd === process.execPath ? "node" : cmd} ${args.join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "ignore", QUIET ? "pipe" : "inherit"], env: { ...process.env, TZ: "UTC" } });
  if (r.status !== 0) throw new Error(`${args.join(" ")} exited with ${r.status} in ${cwd}${r.stderr ? `: ${r.stderr.slice(-2000)}` : ""}`);
}

let QUIET = false;
/** Keep the steps' progress off stderr (tests). */
export function quiet(on = true) {
  QUIET = on;
}

/**
 * The demo's steps (scripts/demo-steps.mjs) with dist/cli/main.js of `dist`, in `work` (data/sample → `sample`);
 * `steps` overrides the demo's dates and budget (a small world in the tests). Returns the output folder.
 */
export function runDemoSteps(dist, work, sample, steps = {}) {
  mkdirSync(join(work, "data"), { recursive: true });
  if (!existsSync(join(work, "data", "sample"))) symlinkSync(resolve(sample), join(work, "data", "sample"));
  for (const args of demoSteps(steps)) run(process.execPath, [join(dist, "cli", "main.js"), ...args], work);
  return join(work, DEMO.out);
}

function main(argv) {
  const arg = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  if (argv.includes("--diff")) {
    const i = argv.indexOf("--diff");
    const [a, b] = [argv[i + 1], argv[i + 2]];
    if (!a || !b) return usage();
    return report(compareTrees(a, b), a, b);
  }
  const base = arg("--base");
  if (!base) return usage();
  const repo = resolve(fileURLToPath(new URL("../..", import.meta.url)));
  const keep = arg("--keep");
  const tmp = keep ? resolve(keep) : mkdtempSync(join(tmpdir(), "churn-compare-demo-"));
  mkdirSync(tmp, { recursive: true });
  try {
    const baseSrc = join(tmp, "base-src");
    if (!existsSync(join(baseSrc, "dist", "cli", "main.js"))) {
      mkdirSync(baseSrc, { recursive: true });
      const tar = spawnSync("sh", ["-c", `git -C "${repo}" archive "${base}" | tar -x -C "${baseSrc}"`], { stdio: "inherit" });
      if (tar.status !== 0) throw new Error(`cannot archive ${base}`);
      symlinkSync(join(repo, "node_modules"), join(baseSrc, "node_modules"));
      run(process.execPath, [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], baseSrc);
    }
    run(process.execPath, [join(repo, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], repo);
    const sample = join(tmp, "sample");
    if (!existsSync(join(sample, "subscribers.parquet"))) {
      const n = arg("--subscribers") ?? "20000";
      run(process.execPath, [join(baseSrc, "dist", "cli", "main.js"), "generate", "--subscribers", n, "--months", "12", "--seed", "7", "--format", "parquet", "--out", sample], tmp);
    }
    for (const side of ["base", "head"]) rmSync(join(tmp, side), { recursive: true, force: true });
    const a = runDemoSteps(join(baseSrc, "dist"), join(tmp, "base"), sample);
    const b = runDemoSteps(join(repo, "dist"), join(tmp, "head"), sample);
    return report(compareTrees(a, b), `${base}`, "working tree");
  } finally {
    if (!keep) rmSync(tmp, { recursive: true, force: true });
  }
}

function report(diffs, a, b) {
  if (diffs.length === 0) {
    process.stdout.write(`identical except times: ${a} and ${b}\n`);
    return 0;
  }
  process.stdout.write(`${diffs.length} difference(s) between ${a} and ${b}:\n${diffs.map((d) => `  ${d}`).join("\n")}\n`);
  return 1;
}

function usage() {
  process.stderr.write("usage: compare-demo.mjs --base <git-ref> [--subscribers N] [--keep DIR] | --diff DIR_A DIR_B\n");
  return 2;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
