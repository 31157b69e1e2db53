/**
 * Typed Parquet columns are read as they are (issue 18: a feature table's 80 numeric columns took seconds
 * through text): the kinds and values must be exactly those of the text rule, i.e. of the same table as CSV.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { readFlatTable } from "../../src/io/flat-table.js";
import { tempDir } from "../model/helpers.js";

describe("readFlatTable on a typed Parquet file", () => {
  it("gives the same kinds and values as the same table written as CSV (integers, doubles, NaN, NULL, infinity, FLOAT, DECIMAL, dates, text)", async () => {
    const dir = tempDir();
    const parquet = join(dir, "t.parquet");
    const csv = join(dir, "t.csv");
    await withDb(async (db) => {
      await db.run(`CREATE TABLE t AS SELECT
          'S' || i::VARCHAR AS id,
          i::INTEGER AS small,
          (i * 1000003)::BIGINT * 1000 AS big,
          CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3.0 END::DOUBLE AS third,
          CASE WHEN i % 11 = 0 THEN 'NaN'::DOUBLE ELSE 0.1 * i - 5 END AS tenth,
          CASE WHEN i = 5 THEN 'inf'::DOUBLE ELSE i::DOUBLE END AS with_inf,
          (i / 7.0)::FLOAT AS single,
          (i / 8.0)::DECIMAL(9, 3) AS dec,
          DATE '2026-01-01' + i::INTEGER AS day,
          CASE WHEN i % 2 = 0 THEN 'a' ELSE ' b ' END AS cat,
          (i % 3)::INTEGER AS forced,
          -0.0::DOUBLE AS negzero
        FROM range(200) r(i)`);
      await db.run(`COPY t TO '${parquet}' (FORMAT parquet)`);
      await db.run(`COPY t TO '${csv}' (FORMAT csv, HEADER true)`);
    });
    const opts = { raw: ["id"], kinds: { forced: "categorical" as const } };
    const a = await readFlatTable(parquet, opts);
    const b = await readFlatTable(csv, opts);
    expect(a.names).toEqual(b.names);
    expect(a.raw).toEqual(b.raw);
    const kinds = Object.fromEntries(a.table.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toEqual({ small: "numeric", big: "numeric", third: "numeric", tenth: "numeric", with_inf: "categorical", single: "numeric", dec: "numeric", day: "numeric", cat: "categorical", forced: "categorical", negzero: "numeric" });
    a.table.columns.forEach((c, j) => {
      const d = b.table.columns[j]!;
      expect(d.name).toBe(c.name);
      expect(d.kind).toBe(c.kind);
      const same = Array.from(c.values as ArrayLike<unknown>).every((v, i) => Object.is(v, (d.values as ArrayLike<unknown>)[i]));
      expect(same, c.name).toBe(true);
    });
    // the typed path did read NULL and NaN as missing, and big integers exactly
    const col = (n: string) => a.table.columns.find((c) => c.name === n)!.values as Float64Array;
    expect(Number.isNaN(col("third")[7]!)).toBe(true);
    expect(Number.isNaN(col("tenth")[11]!)).toBe(true);
    expect(col("big")[199]).toBe(199 * 1000003 * 1000);
  });
});
