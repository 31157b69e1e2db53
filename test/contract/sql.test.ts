import { describe, expect, it } from "vitest";
import { fileIdent, Params, rowChecks } from "../../src/contract/sql.js";
import { TABLES } from "../../src/contract/tables.js";
import { withDb } from "../../src/io/duckdb.js";

describe("contract SQL builders", () => {
  it("binds values as parameters, or quotes them as literals for a view", () => {
    const p = new Params();
    expect([p.add("a'b"), p.add(3)]).toEqual(["$1", "$2"]);
    expect(p.values).toEqual(["a'b", 3]);
    const inline = new Params(true);
    expect(inline.add("it's")).toBe("'it''s'");
    expect(inline.values).toEqual([]);
  });

  it("quotes any header name from a file so that it stays a name", async () => {
    const name = 'fee" FROM x; --';
    const rows = await withDb((db) => db.all(`SELECT 1 AS ${fileIdent(name)}`));
    expect(Object.keys(rows[0] ?? {})).toEqual([name]);
  });

  it("runs the checks in the documented order: id, values, date order, future, subscriber", () => {
    const cols = TABLES.usage.columns.map((def) => ({ def, source: def.name, sourceType: "VARCHAR" }));
    const reasons = rowChecks(TABLES.usage, cols, "CAST($1 AS DATE)").map((c) => c.reason);
    expect(reasons[0]).toBe("empty_id");
    expect(reasons.slice(-4)).toEqual(["future_date", "unknown_subscriber", "before_activation", "after_deactivation"]);
  });
});
