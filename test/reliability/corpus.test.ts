/**
 * The bad-input corpus (cases.ts) through the CLI: `churn validate` and `churn features` in-process for
 * every case, and a few cases through the real executable. Each case either loads with the bad rows in the
 * rejects file (row, column, value, reason) or stops with exit 3 and the message naming the problem.
 * Never a stack trace, never exit 1.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { exitOf } from "./doc.js";
import { type DataCase, DATA_CASES, type Expectation } from "./cases.js";
import { type CliResult, copyWorld, ensureBuilt, FEATURES_AS_OF, makeWorld, readCsvObjects, runInProcess, STACK, spawnCli, tempRoot } from "./helpers.js";

let root: string;
let world: string;

beforeAll(async () => {
  root = tempRoot("churn-corpus-");
  world = await makeWorld(join(root, "world"));
});

/** Copy the world, apply the case, write its config. */
function prepare(c: DataCase, tag: string): { dir: string; config: string; rejects: string; expected: Expectation } {
  const base = join(root, `${c.id}-${tag}`);
  const dir = copyWorld(world, join(base, "data"));
  const expected = c.setup(dir);
  const config = join(base, "churn.config.json");
  const cfg = { ...(c.config ?? {}), validation: { maxRejectShare: 0.5, asOf: "2026-07-01" } };
  writeFileSync(config, JSON.stringify(cfg));
  return { dir, config, rejects: join(base, "rejects.csv"), expected };
}

function checkOutcome(r: CliResult, expected: Expectation, rejectsFile: string | undefined): void {
  expect(r.stderr).not.toMatch(STACK);
  expect(r.code).not.toBe(1);
  if (expected.exit !== 0) {
    expect(r.stderr).toContain(expected.message);
    expect(r.code).toBe(expected.exit);
    return;
  }
  expect(r.code, r.stderr).toBe(0);
  if (expected.stderr) expect(r.stderr).toContain(expected.stderr);
  if (rejectsFile === undefined) return;
  const rejects = readCsvObjects(rejectsFile);
  for (const e of expected.rejects) {
    const hit = rejects.find((x) => x["table"] === e.table && Number(x["row"]) === e.row);
    expect(hit, `${e.table} row ${e.row} in rejects`).toBeDefined();
    expect(hit?.["column"]).toBe(e.column ?? "");
    expect(hit?.["value"]).toBe(e.value ?? "");
    expect(hit?.["reason"]).toBe(e.reason);
  }
  if (expected.rejects.length === 0) expect(rejects).toEqual([]);
}

describe("bad input corpus: churn validate", () => {
  it.each(DATA_CASES.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    const p = prepare(c, "validate");
    const r = await runInProcess(["validate", "--data", p.dir, "--config", p.config, "--rejects", p.rejects, "--json"]);
    checkOutcome(r, p.expected, p.rejects);
    expect(exitOf(c.result), "the documented exit code").toBe(String(p.expected.exit));
    if (p.expected.exit === 0) {
      // every input row is loaded or rejected: the counts reconcile per table
      const summary = JSON.parse(r.stdout) as { tables: { present: boolean; rows: number; loaded: number; rejected: number }[] };
      for (const t of summary.tables) if (t.present) expect(t.loaded + t.rejected).toBe(t.rows);
      const rejects = readCsvObjects(p.rejects);
      expect(rejects.length).toBe(summary.tables.reduce((s, t) => s + t.rejected, 0));
    }
  });
});

/** features for every stop and a few loads (each load builds features: ~1 s). */
const FEATURE_LOADS = ["header-only-optional", "bom", "huge-number", "negative-fee", "duplicate-id"];

describe("bad input corpus: churn features", () => {
  const stops = ["empty-file", "header-only-subscribers", "missing-table", "missing-column", "truncated-last-line", "unterminated-quote", "binary", "mixed-line-endings", "latin1", "duplicate-column", "shifted-columns"];
  const cases = DATA_CASES.filter((c) => FEATURE_LOADS.includes(c.id) || stops.includes(c.id));
  it.each(cases.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    const p = prepare(c, "features");
    const out = join(p.dir, "..", "features.csv");
    const r = await runInProcess(["features", "--data", p.dir, "--config", p.config, "--as-of", FEATURES_AS_OF, "--out", out]);
    checkOutcome(r, p.expected, undefined);
    // a stop leaves no output; a load writes the table and its sidecar
    expect(existsSync(out)).toBe(p.expected.exit === 0);
    expect(existsSync(`${out}.json`)).toBe(p.expected.exit === 0);
  });
});

describe("bad input corpus: the real executable", () => {
  beforeAll(() => ensureBuilt(), 180_000);
  const some = ["binary", "truncated-last-line", "negative-fee", "shifted-columns", "latin1"];
  it.each(some)("%s", (id) => {
    const c = DATA_CASES.find((x) => x.id === id) as DataCase;
    const p = prepare(c, "spawn");
    const r = spawnCli(["validate", "--data", p.dir, "--config", p.config, "--rejects", p.rejects, "--quiet"]);
    checkOutcome(r, p.expected, p.expected.exit === 0 ? p.rejects : undefined);
  });
});
