import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/cli/run.js";

describe("cli exit codes", () => {
  afterEach(() => vi.restoreAllMocks());
  const capture = () => {
    const err: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((s) => {
      err.push(String(s));
      return true;
    });
    vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    return err;
  };

  it("unknown command → 2 with a pointer to --help, no stack trace", async () => {
    const err = capture();
    expect(await run(["bogus"])).toBe(2);
    expect(err.join("")).toContain("churn --help");
    expect(err.join("")).not.toContain("    at ");
  });

  it("a misspelt command → 2 naming it and the command meant", async () => {
    const err = capture();
    expect(await run(["scor", "--as-of", "2026-05-31"])).toBe(2);
    expect(err.join("")).toContain("unknown command 'scor'. Did you mean score?");
  });

  it("an unknown option → 2 before the command runs: nothing is written", async () => {
    const err = capture();
    const out = join(mkdtempSync(join(tmpdir(), "churn-cli-")), "world");
    // a typo for --months: the command must not run with its default in place of the value meant
    expect(await run(["generate", "--subscribers", "50", "--month", "2", "--out", out])).toBe(2);
    expect(err.join("")).toContain("Unknown argument: month");
    expect(existsSync(out)).toBe(false);
    // the same command spelt right does write (so the check above can fail)
    expect(await run(["generate", "--subscribers", "50", "--months", "2", "--out", out, "--quiet"])).toBe(0);
    expect(existsSync(join(out, "subscribers.parquet")) || existsSync(join(out, "subscribers.csv"))).toBe(true);
  });

  it("config error → 2", async () => {
    const err = capture();
    expect(await run(["config", "check", "--config", "does-not-exist.yaml"])).toBe(2);
    expect(err.join("")).toContain("does-not-exist.yaml does not exist");
  });

  it("ok → 0", async () => {
    capture();
    expect(await run(["config", "show"])).toBe(0);
  });
});
