import { describe, expect, it } from "vitest";
import { quoteIdent, withDb } from "../../src/io/duckdb.js";
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
});
