/**
 * Integers from typed (Parquet) columns are cast as they are instead of through DOUBLE (about 20x cheaper per
 * row, which every full read of a large usage table pays): the values and the NULLs (then rejected as
 * bad_number) must be exactly those of the DOUBLE route, also at the edges of the accepted range.
 */
import { expect, test } from "vitest";
import { Params, typedSelect } from "../../src/contract/sql.js";
import { TABLES } from "../../src/contract/tables.js";
import { withDb } from "../../src/io/duckdb.js";

const sms = TABLES.usage.columns.find((c) => c.name === "sms")!;
const csv = { dateFormat: "%Y-%m-%d", decimal: "." } as never;
// the DOUBLE route, as every source type took before
const viaDouble = (x: string) => `(CASE WHEN isfinite(CAST(${x} AS DOUBLE)) AND CAST(${x} AS DOUBLE) = round(CAST(${x} AS DOUBLE)) AND abs(CAST(${x} AS DOUBLE)) < 9e15 THEN CAST(CAST(${x} AS DOUBLE) AS BIGINT) END)`;

test.each([
  ["BIGINT", ["0", "7", "-3", "8999999999999999", "-8999999999999999", "9000000000000000", "-9000000000000000", "9007199254740993", "9223372036854775807", "-9223372036854775808", "NULL"]],
  ["INTEGER", ["0", "7", "-3", "2147483647", "-2147483648", "NULL"]],
  ["SMALLINT", ["0", "-32768", "32767", "NULL"]],
  ["UINTEGER", ["0", "4294967295", "NULL"]],
  ["TINYINT", ["-128", "127", "NULL"]],
])("%s sources give the same integers as the DOUBLE route", async (type, values) => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE src AS SELECT CAST(v AS ${type}) AS sms FROM (VALUES ${values.map((v) => `(${v === "NULL" ? "NULL" : `'${v}'`})`).join(", ")}) t(v)`);
    const select = typedSelect([{ def: sms, source: "sms", sourceType: type }], null, csv, new Params(true));
    const got = await db.all(`SELECT CAST(sms AS VARCHAR) AS v FROM (SELECT ${select} FROM src) ORDER BY _src_sms NULLS LAST`);
    const want = await db.all(`SELECT CAST(${viaDouble("sms")} AS VARCHAR) AS v FROM src ORDER BY sms NULLS LAST`);
    expect(got).toEqual(want);
    expect(got.filter((r) => r["v"] !== null).length).toBeGreaterThan(0);
    expect(select).not.toContain("DOUBLE");
  });
});

/**
 * Text integers and ISO dates are read by a cast first when the cast writes the text back unchanged (cheaper than
 * the DOUBLE route and strptime): every text must give exactly what the old expressions gave, NULLs included.
 */
const EDGE_INTEGERS = ["0", "7", "-3", "+7", "007", "-0", "1e3", "12.0", "12.5", " 12", "12 ", "", "abc", "0x10", "1_000", "١٢", "NaN", "inf", "-inf",
  "8999999999999999", "-8999999999999999", "9000000000000000", "-9000000000000000", "9007199254740993", "9223372036854775807", "-9223372036854775808", "99999999999999999999", "NULL"];
const EDGE_DATES = ["2026-06-30", "2026-6-30", "2026-06-3", "2026/06/30", "2026.06.30", "20260630", "2026-02-29", "2024-02-29", "2026-13-01", "2026-00-10", "2026-01-32",
  "0001-01-01", "0000-01-01", "-202-01-01", "+2026-01-01", "9999-12-31", "10000-01-01", "2026-06-30 00:00:00", "2026-06-30T00:00", "2026-06-30 (BC)", "26-06-30", "2026-06-30x", "0999-01-01", "", "NULL"];
const lit = (v: string) => (v === "NULL" ? "NULL" : `'${v}'`);

test("text integers: the same values and NULLs as the DOUBLE route, also with a decimal comma", async () => {
  await withDb(async (db) => {
    await db.run(`CREATE TABLE src AS SELECT v AS sms FROM (VALUES ${EDGE_INTEGERS.map((v) => `(${lit(v)})`).join(", ")}) t(v)`);
    for (const decimal of [".", ","]) {
      const select = typedSelect([{ def: sms, source: "sms", sourceType: "VARCHAR" }], null, { dateFormat: "%Y-%m-%d", decimal } as never, new Params(true));
      const num = `TRY_CAST(${decimal === "," ? "replace(sms, ',', '.')" : "sms"} AS DOUBLE)`;
      const old = `(CASE WHEN isfinite(${num}) AND ${num} = round(${num}) AND abs(${num}) < 9e15 THEN CAST(${num} AS BIGINT) END)`;
      const got = await db.all(`SELECT _src_sms AS s, CAST(sms AS VARCHAR) AS v FROM (SELECT ${select} FROM src) ORDER BY s NULLS LAST`);
      const want = await db.all(`SELECT sms AS s, CAST(${old} AS VARCHAR) AS v FROM src ORDER BY s NULLS LAST`);
      expect(got).toEqual(want);
      expect(got.filter((r) => r["v"] !== null).length).toBeGreaterThan(5);
      expect(got.filter((r) => r["v"] === null).length).toBeGreaterThan(5);
    }
  });
});

test("ISO dates: the same dates and NULLs as strptime('%Y-%m-%d')", async () => {
  const date = TABLES.usage.columns.find((c) => c.name === "date")!;
  await withDb(async (db) => {
    await db.run(`CREATE TABLE src AS SELECT v AS date FROM (VALUES ${EDGE_DATES.map((v) => `(${lit(v)})`).join(", ")}) t(v)`);
    const select = typedSelect([{ def: date, source: "date", sourceType: "VARCHAR" }], null, csv, new Params(true));
    expect(select).toContain("TRY_CAST");
    const old = `CAST(try_strptime(NULLIF(trim(date), ''), '%Y-%m-%d') AS DATE)`;
    const got = await db.all(`SELECT _src_date AS s, CAST(date AS VARCHAR) AS v FROM (SELECT ${select} FROM src) ORDER BY s NULLS LAST`);
    const want = await db.all(`SELECT date AS s, CAST(${old} AS VARCHAR) AS v FROM src ORDER BY s NULLS LAST`);
    expect(got).toEqual(want);
    expect(got.filter((r) => r["v"] !== null).length).toBeGreaterThan(5);
  });
});
