import { describe, expect, it } from "vitest";
import { type Check, failureOfText, fileIdent, firstFailure, firstFailureText, Params, rowChecks } from "../../src/contract/sql.js";
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

  it("keeps a failure as one text that turns back into the same struct: NULL details, empty and separator-holding values", async () => {
    const check = (reason: string, column: string | null, cond: string, value: string, detail: string): Check => ({ reason, column, cond, value, detail });
    const checks = [
      check("empty_id", "subscriber_id", "v = 'blank'", "''", "CAST(NULL AS VARCHAR)"),
      check("bad_number", "sms", "v LIKE 'sep%'", "v", "'allowed: 0 to 1'"),
      check("odd", null, "v = 'nulls'", "CAST(NULL AS VARCHAR)", "CAST(NULL AS VARCHAR)"),
    ];
    const values = "('blank'), ('sep' || chr(31) || 'x' || chr(31)), ('sep'), ('nulls'), ('good')";
    const sql = (f: string) => `SELECT v, ${f} AS f FROM (VALUES ${values}) AS t(v) ORDER BY v`;
    const [direct, viaText] = await withDb(async (db) => [await db.all(sql(firstFailure(checks))), await db.all(sql(failureOfText(`(${firstFailureText(checks)})`)))]);
    expect(viaText).toEqual(direct);
    expect(direct.find((r) => r["v"] === "good")?.["f"]).toBeNull();
    expect(direct.filter((r) => r["f"] !== null)).toHaveLength(4);
  });

  it("runs the checks in the documented order: id, values, date order, future, subscriber", () => {
    const cols = TABLES.usage.columns.map((def) => ({ def, source: def.name, sourceType: "VARCHAR" }));
    const reasons = rowChecks(TABLES.usage, cols, "CAST($1 AS DATE)").map((c) => c.reason);
    expect(reasons[0]).toBe("empty_id");
    expect(reasons.slice(-4)).toEqual(["future_date", "unknown_subscriber", "before_activation", "after_deactivation"]);
  });
});
