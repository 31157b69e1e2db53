/**
 * scripts/tools/compare-demo.mjs: the demo's steps run twice on a small world give outputs that are identical
 * except times, and the comparison finds a changed byte, a missing file and ignores only time fields.
 * (Comparing two builds: `node scripts/tools/compare-demo.mjs --base <git-ref>`, see docs/architecture.md.)
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { compareTrees, quiet, runDemoSteps } from "../../scripts/tools/compare-demo.mjs";
import { generateWorld } from "../../src/synth/index.js";
import { ensureBuilt, ROOT, tempRoot } from "../reliability/helpers.js";

let dir: string;
let a: string;
let b: string;
// a world this small drifts between snapshots (a few price increases): the gate is not what is compared here
const SMALL = { asOfRange: "2026-04-30..2026-05-31", asOf: "2026-05-31", budget: "2000", scoreArgs: ["--allow-drift"] };

beforeAll(async () => {
  ensureBuilt();
  quiet();
  dir = tempRoot("churn-compare-");
  const sample = join(dir, "sample");
  await generateWorld({ subscribers: 300, months: 3, seed: 7, end: "2026-06-30", format: "parquet", out: sample });
  a = runDemoSteps(join(ROOT, "dist"), join(dir, "a"), sample, SMALL);
  b = runDemoSteps(join(ROOT, "dist"), join(dir, "b"), sample, SMALL);
}, 600_000); // 8 CLI runs: about 30 s on a quiet machine, minutes when 8 jobs share 2 cores

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("compare-demo", () => {
  it("finds two runs of the demo's steps identical except times, though their times differ", () => {
    expect(compareTrees(a, b)).toEqual([]);
    const ma = JSON.parse(readFileSync(join(a, "run", "manifest.json"), "utf8"));
    const mb = JSON.parse(readFileSync(join(b, "run", "manifest.json"), "utf8"));
    expect(ma.created_at).not.toBe(mb.created_at);
    const ca = JSON.parse(readFileSync(join(a, "models", "demo-logistic", "manifest.json"), "utf8"));
    expect(Object.keys(ca.files)).toContain("model_card.html");
  });

  it("reports a changed byte, a changed number beside a time field, and a missing file", () => {
    const c = join(dir, "c");
    cpSync(a, c, { recursive: true });
    const csv = join(c, "run", "risk_list.csv");
    writeFileSync(csv, readFileSync(csv, "utf8").replace(/,yes,/, ",no,"));
    const man = join(c, "run", "manifest.json");
    const m = JSON.parse(readFileSync(man, "utf8"));
    m.created_at = "2031-01-01T00:00:00.000Z"; // a time: ignored
    m.budget_used += 1; // not a time: reported
    writeFileSync(man, JSON.stringify(m, null, 2));
    rmSync(join(c, "models", "demo-logistic", "model_card.html"));
    const diffs: string[] = compareTrees(a, c);
    expect(diffs.some((d) => d.startsWith("run/risk_list.csv: differs"))).toBe(true);
    expect(diffs.some((d) => d.startsWith("run/manifest.json: differs") && d.includes("budget_used"))).toBe(true);
    expect(diffs.some((d) => d.startsWith("models/demo-logistic/model_card.html: only in"))).toBe(true);
  });

  it("ignores a time-only change", () => {
    const t = join(dir, "t");
    cpSync(a, t, { recursive: true });
    const man = join(t, "run", "manifest.json");
    const m = JSON.parse(readFileSync(man, "utf8"));
    m.created_at = "2031-01-01T00:00:00.000Z";
    m.durations = { total: 999 };
    writeFileSync(man, `${JSON.stringify(m, null, 2)}\n`);
    expect(compareTrees(a, t)).toEqual([]);
  });
});
