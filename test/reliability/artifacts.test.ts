/**
 * Tampered model artifacts are refused (ConfigError, exit 2) before any prediction: through `loadScorer`
 * (what scoring uses), `churn models show` / `churn models promote` and `churn score --model` (which writes
 * nothing). One tiny logistic model is trained per run; each case edits a copy.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { sha256Text } from "../../src/io/files.js";
import { loadScorer } from "../../src/model/registry.js";
import { ARTIFACT_CASES, invalidField } from "./artifact-cases.js";
import { listFiles, makeWorld, runInProcess, STACK, tempRoot } from "./helpers.js";

let models: string;
let id: string;
let train: string;
beforeAll(async () => {
  const root = tempRoot("churn-artifacts-");
  const world = await makeWorld(join(root, "world"));
  train = join(root, "train.parquet");
  const f = await runInProcess(["features", "--data", world, "--as-of-range", "2026-04-30..2026-05-31", "--every", "1mo", "--out", train, "--quiet"]);
  expect(f.code, f.stderr).toBe(0);
  models = join(root, "models");
  const t = await runInProcess(["train", "--features", train, "--model", "logistic", "--out", models, "--quiet", "--json"]);
  expect(t.code, t.stderr).toBe(0);
  id = (JSON.parse(t.stdout) as { id: string }).id;
});

describe("tampered model artifacts", () => {
  it("the untouched artifact loads", async () => {
    const s = await loadScorer(models, id);
    expect(s.id).toBe(id);
  });

  it.each(ARTIFACT_CASES.map((c) => [c.id, c] as const))("%s", async (_id, c) => {
    const dir = join(tempRoot("churn-artifact-case-"), "models");
    cpSync(models, dir, { recursive: true });
    const message = c.edit(join(dir, id));
    const err = await loadScorer(dir, id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(message);
    for (const action of ["show", "promote"]) {
      const r = await runInProcess(["models", action, id, "--dir", dir]);
      expect(r.stderr).not.toMatch(STACK);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
    }
    // churn score --model <tampered>: exit 2 before writing anything (no run folder, staging or lock left)
    const runs = tempRoot("churn-artifact-score-");
    const s = await runInProcess(["score", "--model", join(dir, id), "--features", train, "--out", join(runs, "run"), "--quiet"]);
    expect(s.stderr).not.toMatch(STACK);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(message);
    expect(listFiles(runs)).toEqual([]);
  });
});

describe("hand-edited files read beside the artifact", () => {
  it("a champion pointer whose id is not a model id: exit 2 naming the file and the field", async () => {
    const dir = join(tempRoot("churn-champion-case-"), "models");
    cpSync(models, dir, { recursive: true });
    const p = join(dir, "champion");
    writeFileSync(p, JSON.stringify({ id: 5, since: "2026-01-01T00:00:00.000Z" }));
    const err = await loadScorer(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(invalidField(p, "id", 5));
    const s = await runInProcess(["score", "--model", p, "--features", train, "--out", join(dir, "..", "run"), "--quiet"]);
    expect(s.stderr).not.toMatch(STACK);
    expect(s.code).toBe(2);
    expect(s.stderr).toContain(invalidField(p, "id", 5));
  });

  it("card.json with holdout labels that are not a list: the model card refuses (exit 2) naming the file and the field", async () => {
    const dir = join(tempRoot("churn-card-case-"), "models");
    cpSync(models, dir, { recursive: true });
    const p = join(dir, id, "card.json");
    const card = JSON.parse(readFileSync(p, "utf8")) as { holdout: Record<string, unknown> };
    card.holdout["labels"] = "all churners";
    writeFileSync(p, JSON.stringify(card));
    const m = JSON.parse(readFileSync(join(dir, id, "manifest.json"), "utf8")) as { files: Record<string, string> };
    m.files["card.json"] = sha256Text(readFileSync(p));
    writeFileSync(join(dir, id, "manifest.json"), JSON.stringify(m));
    const r = await runInProcess(["report", "--run", join(dir, id), "--format", "json"]);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(invalidField(p, "holdout.labels", "all churners"));
  });
});
