import { describe, expect, it } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { kthLeast } from "../../src/pipeline/score-chunks.js";
import { defaultConfig } from "../../src/config/schema.js";

describe("kthLeast (retention.segments.usage.fallingMeasures)", () => {
  // rows of four measures' changes (%), NULL where a measure is unknown (a broadband-only line has no voice)
  const rows = [
    [-50, 0, 5, 10], // one measure fell
    [-50, -40, 5, null], // two fell
    [null, -35, null, null], // one measure known: it decides
    [null, null, null, null], // nothing known
    [-10, -60, -45, -5],
  ];
  const cols = ["a", "b", "c", "d"];
  const values = rows.map((r) => `(${r.map((v) => (v === null ? "NULL::DOUBLE" : `${v}::DOUBLE`)).join(", ")})`).join(", ");
  const at = (k: number) =>
    withDb(async (db) => (await db.all(`SELECT ${kthLeast(cols, k)} AS v FROM (VALUES ${values}) t(${cols.join(", ")})`)).map((r) => (r["v"] === null ? null : Number(r["v"]))));

  it("is the least value for k = 1 (the largest fall), as before", async () => {
    expect(kthLeast(cols, 1)).toBe("least(a, b, c, d)");
    expect(await at(1)).toEqual([-50, -50, -35, null, -60]);
  });

  it("is the fall that k measures reach; with fewer known values the largest of them; NULL when none", async () => {
    expect(await at(2)).toEqual([0, -40, -35, null, -45]);
    expect(await at(4)).toEqual([10, 5, -35, null, -5]);
  });

  it("defaults to one measure: a fall in any measure is a fall", () => {
    expect(defaultConfig().retention.segments.usage.fallingMeasures).toBe(1);
  });
});
