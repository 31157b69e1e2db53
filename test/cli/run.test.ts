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
