import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/run.js";
import { msg } from "../../src/messages.js";
import { capture, tempDir, writeFlatCsv } from "./helpers.js";

describe("churn cv / train / models from the command line", () => {
  afterEach(() => vi.restoreAllMocks());

  it("train → models list/show/promote; a damaged artifact exits 2 without a stack trace", async () => {
    const dir = tempDir();
    const table = join(dir, "t.csv");
    writeFlatCsv(table, 200);
    const models = join(dir, "models");
    let io = capture();
    expect(await run(["train", "--table", table, "--label", "churned", "--positive", "yes", "--id", "customer", "--out", models, "--model-id", "m1", "--json", "--quiet"])).toBe(0);
    expect(JSON.parse(io.out.join("")).champion.promoted).toBe(true);
    vi.restoreAllMocks();
    io = capture();
    expect(await run(["models", "list", "--dir", models, "--json"])).toBe(0);
    expect(JSON.parse(io.out.join(""))).toEqual([expect.objectContaining({ id: "m1", kind: "logistic", champion: true })]);
    // the folder as train names it (--out) and as evaluate does (--models)
    for (const flag of ["--out", "--models"]) {
      vi.restoreAllMocks();
      io = capture();
      expect(await run(["models", "list", flag, models, "--json"])).toBe(0);
      expect(JSON.parse(io.out.join("")).map((m: { id: string }) => m.id)).toEqual(["m1"]);
    }
    vi.restoreAllMocks();
    io = capture();
    writeFileSync(join(models, "m1", "bands.json"), "{}");
    expect(await run(["models", "show", "m1", "--dir", models])).toBe(2);
    expect(io.err.join("")).toContain(msg.artifactChecksum(join(models, "m1"), "bands.json"));
    expect(io.err.join("")).not.toContain("    at ");
    expect(await run(["models", "promote", "nope", "--dir", models])).toBe(2);
  });

  it("exit 2 for usage mistakes, 3 for data problems", async () => {
    const dir = tempDir();
    const table = join(dir, "t.csv");
    writeFlatCsv(table, 60);
    const io = capture();
    expect(await run(["cv", "--table", table, "--label", "missing", "--positive", "yes", "--folds", "3"])).toBe(2);
    expect(await run(["cv", "--table", table, "--label", "churned", "--positive", "maybe", "--folds", "3", "--quiet"])).toBe(3);
    expect(await run(["train", "--table", table, "--label", "churned", "--out", join(dir, "m")])).toBe(2);
    expect(await run(["train", "--out", join(dir, "m")])).toBe(2);
    expect(io.err.join("")).toContain(msg.trainSource());
    expect(io.err.join("")).not.toContain("    at ");
  });
});
