import { describe, expect, it } from "vitest";
import { duckResourceError, quoteIdent, withDb } from "../../src/io/duckdb.js";
import { ConfigError } from "../../src/errors.js";

describe("duckdb", () => {
  it("quotes safe identifiers and refuses injection attempts", () => {
    expect(quoteIdent("monthly_fee")).toBe('"monthly_fee"');
    expect(quoteIdent("Monthly Fee.2")).toBe('"Monthly Fee.2"');
    for (const bad of ['fee"; DROP TABLE x; --', "a'b", "read_csv('/etc/passwd')", "", "x".repeat(200), "a;b"]) {
      expect(() => quoteIdent(bad, "data.columns.subscribers.monthly_fee")).toThrow(ConfigError);
    }
  });

  it("binds values as parameters and returns plain numbers", async () => {
    const rows = await withDb((db) => db.all("SELECT $1::VARCHAR AS s, 41::BIGINT + 1 AS n", ["it's; DROP"]));
    expect(rows).toEqual([{ s: "it's; DROP", n: 42 }]);
  });

  it("cannot install or load extensions, nor unlock the configuration", async () => {
    await withDb(async (db) => {
      await expect(db.run("SET autoinstall_known_extensions = true")).rejects.toThrow();
      await expect(db.run("INSTALL httpfs")).rejects.toThrow(/local extension/);
    });
  });

  it("a step that needs more memory than the limit is a config error naming the setting to raise, not a bug", async () => {
    // a list aggregate cannot spill: 3M doubles in one list need more than 16MB
    const err = await withDb((db) => db.run("CREATE TABLE l AS SELECT list(random()) AS x FROM range(3000000)"), { memoryLimit: "16MB" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toContain("DuckDB needed more memory than its limit (16MB)");
    expect((err as Error).message).toContain("scoring.memoryLimit for churn score, features.memoryLimit for churn features");
    expect((err as Error).message).not.toContain("Possible solutions");
  });

  it("out of memory reported as a FATAL checkpoint error is the same config error", () => {
    // what `churn score` printed as "internal error" with scoring.memoryLimit 100MB on the demo's sample world
    const fatal = new Error("FATAL Error: Failed to create checkpoint because of error: failed to pin block of size 256.0 KiB (95.2 MiB/95.3 MiB used)");
    const err = duckResourceError(fatal, "/tmp/spill", "100MB");
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).exitCode).toBe(2);
    expect((err as Error).message).toContain("DuckDB needed more memory than its limit (100MB)");
    const other = new Error("Binder Error: Referenced column \"x\" not found");
    expect(duckResourceError(other, "/tmp/spill", "100MB")).toBe(other);
  });
});
