/**
 * Shared pieces of the reliability suite: one tiny synthetic world per test file (generated in-process,
 * copied per case), the CLI run in-process (`run()`, output captured) or as the real executable
 * (`node dist/cli/main.js`, built once when dist is older than src).
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import { run } from "../../src/cli/run.js";
import { generateWorld } from "../../src/synth/generate.js";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const MAIN = join(ROOT, "dist", "cli", "main.js");
/** The tiny world: 300 subscribers, 3 months ending 2026-06-30. */
export const WORLD = { subscribers: 300, months: 3, seed: 7, end: "2026-06-30" } as const;
/** Validation as-of for the corpus (after the world's end). */
export const AS_OF = "2026-07-01";
/** The snapshot used when comparing features. */
export const FEATURES_AS_OF = "2026-05-31";

export function tempRoot(prefix = "churn-rel-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Generate the tiny world (CSV, no truth/) into `dir`. */
export async function makeWorld(dir: string): Promise<string> {
  await generateWorld({ ...WORLD, format: "csv", out: dir });
  rmSync(join(dir, "truth"), { recursive: true, force: true });
  return dir;
}

/** A fresh copy of the world. */
export function copyWorld(world: string, to: string): string {
  cpSync(world, to, { recursive: true });
  return to;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `churn ...args` in this process, stdout and stderr captured. */
export async function runInProcess(args: string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const o = vi.spyOn(process.stdout, "write").mockImplementation((s) => {
    out.push(String(s));
    return true;
  });
  const e = vi.spyOn(process.stderr, "write").mockImplementation((s) => {
    err.push(String(s));
    return true;
  });
  process.exitCode = undefined;
  try {
    const code = await run(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, name.name);
    newest = Math.max(newest, name.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Build dist/ when it is missing or older than src/. Test files run in parallel forks, so the build is
 * guarded by a lock directory; the others wait for it.
 */
export function ensureBuilt(): void {
  const stale = () => !existsSync(MAIN) || statSync(MAIN).mtimeMs < newestMtime(join(ROOT, "src"));
  if (!stale()) return;
  const lock = join(tmpdir(), `churn-build-lock-${Buffer.from(ROOT).toString("hex").slice(-16)}`);
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > until) rmSync(lock, { recursive: true, force: true });
      spawnSync("sleep", ["0.5"]);
      if (!stale()) return;
    }
  }
  try {
    if (stale()) {
      const r = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: ROOT, encoding: "utf8" });
      if (!existsSync(MAIN)) throw new Error(`build failed: ${r.stdout}${r.stderr}`);
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The real executable: `node dist/cli/main.js ...args` (optionally through a wrapper such as unshare). */
export function spawnCli(args: string[], opts: { cwd?: string; prefix?: string[]; env?: Record<string, string>; nodeArgs?: string[] } = {}): CliResult {
  const cmd = [...(opts.prefix ?? []), process.execPath, ...(opts.nodeArgs ?? []), MAIN, ...args];
  const r: SpawnSyncReturns<string> = spawnSync(cmd[0] as string, cmd.slice(1), {
    cwd: opts.cwd ?? ROOT,
    encoding: "utf8",
    env: { ...process.env, TZ: "UTC", ...(opts.env ?? {}) },
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
}

/** The files of a command's own outputs under `dir`: those of the validated-table cache beside them aside. */
export function listOutputs(dir: string): string[] {
  return listFiles(dir).filter((f) => !f.startsWith(".churn-cache/"));
}

/** Every file under `dir` (relative paths), sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Parse a small CSV with quotes (RFC 4180) into rows of strings. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cur = "";
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') q = false;
      else cur += ch;
    } else if (ch === '"') q = true;
    else if (ch === ",") {
      row.push(cur);
      cur = "";
    } else if (ch === "\n") {
      row.push(cur.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      cur = "";
    } else cur += ch;
  }
  if (cur !== "" || row.length) rows.push([...row, cur]);
  return rows;
}

/** Rows of a CSV file as objects keyed by its header. */
export function readCsvObjects(path: string): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(path, "utf8"));
  return rows.map((r) => Object.fromEntries((header ?? []).map((h, i) => [h, r[i] ?? ""])));
}

/** Replace one cell of a generated (unquoted) CSV table: data row `row` (1-based), column by name. */
export function setCell(dir: string, table: string, row: number, column: string, value: string): string {
  const path = join(dir, `${table}.csv`);
  const lines = readFileSync(path, "utf8").split("\n");
  const header = (lines[0] ?? "").split(",");
  const idx = header.indexOf(column);
  if (idx < 0) throw new Error(`no column ${column} in ${table}`);
  const fields = (lines[row] ?? "").split(",");
  const old = fields[idx] ?? "";
  fields[idx] = value;
  lines[row] = fields.join(",");
  writeFileSync(path, lines.join("\n"));
  return old;
}

/** Data row `row` (1-based) of a generated table as an object. */
export function getRow(dir: string, table: string, row: number): Record<string, string> {
  const lines = readFileSync(join(dir, `${table}.csv`), "utf8").split("\n");
  const header = (lines[0] ?? "").split(",");
  const fields = (lines[row] ?? "").split(",");
  return Object.fromEntries(header.map((h, i) => [h, fields[i] ?? ""]));
}

/** A stack trace line in stderr (never allowed for user errors). */
export const STACK = /^ {4}at /m;
