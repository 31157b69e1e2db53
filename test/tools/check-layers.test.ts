/**
 * scripts/tools/check-layers.mjs (run by `npm run check`): src/ passes, and a planted upward import, an import
 * cycle, a folder cycle and node:fs outside io/ each fail with a line naming the file.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without type declarations
import { checkLayers } from "../../scripts/tools/check-layers.mjs";
import { ROOT } from "../reliability/helpers.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "churn-layers-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of src/ with one file added or appended to. */
function planted(name: string, files: Record<string, string>): string {
  const src = join(dir, name);
  cpSync(join(ROOT, "src"), src, { recursive: true });
  for (const [f, text] of Object.entries(files)) writeFileSync(join(src, f), text, { flag: "a" });
  return src;
}

describe("layer check", () => {
  it("passes on src/", () => {
    expect(checkLayers(join(ROOT, "src"))).toEqual([]);
  });

  it("fails on an upward import", () => {
    const p: string[] = checkLayers(planted("up", { "io/files.ts": '\nimport { scoreRun } from "../pipeline/score.js";\nexport const planted = scoreRun;\n' }));
    expect(p.some((l) => l.startsWith("io/files.ts: imports pipeline/score.ts, an upward import"))).toBe(true);
  });

  it("fails on an import cycle inside a folder", () => {
    const p: string[] = checkLayers(planted("cycle", { "retention/zz-a.ts": 'import "./zz-b.js";\n', "retention/zz-b.ts": 'import type { X } from "./zz-a.js";\n' }));
    expect(p).toContain("import cycle: retention/zz-a.ts → retention/zz-b.ts → retention/zz-a.ts");
  });

  it("fails when two folders of one layer import each other", () => {
    const p: string[] = checkLayers(planted("sibling", { "retention/bands.ts": '\nexport { makeExplainer } from "../model/explain.js";\n' }));
    expect(p.some((l) => l.startsWith("folder cycle:") && l.includes("retention/bands.ts → model/explain.ts"))).toBe(true);
  });

  it("fails on node:fs outside io/, and on a dynamic upward import", () => {
    const p: string[] = checkLayers(
      planted("fs", { "model/zz.ts": 'import { readFileSync } from "node:fs";\nexport const r = readFileSync;\n', "config/zz.ts": 'export const later = () => import("../cli/main.js");\n' }),
    );
    expect(p.some((l) => l.startsWith("model/zz.ts: imports node:fs"))).toBe(true);
    expect(p.some((l) => l.startsWith("config/zz.ts: imports cli/main.ts, an upward import"))).toBe(true);
  });
});
