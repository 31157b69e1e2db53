import type { DuckDBDataChunk } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { gatherDoubles } from "../../src/io/duck-vectors.js";
import { withDb } from "../../src/io/duckdb.js";

/** Every chunk of a query, and each chunk's column j as getColumnValues reads it (the reference). */
async function chunksOf(sql: string): Promise<DuckDBDataChunk[]> {
  return withDb(async (db) => {
    const result = await db.conn.stream(sql);
    const out: DuckDBDataChunk[] = [];
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      out.push(chunk);
    }
    return out;
  });
}

const reference = (chunks: DuckDBDataChunk[], j: number, keeps: (Uint8Array | null)[]): number[] =>
  chunks.flatMap((ch, c) =>
    ch.getColumnValues(j).flatMap((v, r) => (keeps[c] && !keeps[c]![r] ? [] : [v === null ? Number.NaN : typeof v === "number" ? v : Number.NaN])),
  );

describe("gatherDoubles", () => {
  // 5,000 rows: three chunks (2,048 rows each), the last one partial; NULLs in runs and alone, none in column 2
  const sql = `SELECT CASE WHEN i % 7 = 0 OR i BETWEEN 2040 AND 2060 THEN NULL ELSE i * 0.5 END::DOUBLE AS a,
                      CASE WHEN i = 4999 THEN NULL ELSE -i END::DOUBLE AS b,
                      i::DOUBLE / 3 AS c,
                      i::INTEGER AS d, CAST(i AS VARCHAR) AS e
               FROM range(5000) t(i) ORDER BY i`;

  it("reads DOUBLE columns as getColumnValues does (NULL as NaN), with and without rows left out", async () => {
    const chunks = await chunksOf(sql);
    expect(chunks.length).toBeGreaterThan(1);
    const none = chunks.map(() => null);
    const some = chunks.map((ch, c) => Uint8Array.from({ length: ch.rowCount }, (_, r) => ((r + c) % 3 === 0 ? 0 : 1)));
    for (const keeps of [none, some]) {
      for (const j of [0, 1, 2, 3, 4]) {
        const want = reference(chunks, j, keeps);
        const out = new Float64Array(want.length + 2).fill(42);
        let at = 1;
        chunks.forEach((ch, c) => {
          at = gatherDoubles(ch, j, out, at, keeps[c] ?? null);
        });
        expect(at).toBe(want.length + 1);
        expect(Array.from(out.subarray(1, at))).toEqual(want);
        // nothing written outside the range
        expect([out[0], out[at]]).toEqual([42, 42]);
      }
    }
    // the NULLs really were there, and the non-DOUBLE columns went through the fallback (INTEGER as numbers, text NaN)
    const a = reference(chunks, 0, none);
    expect(a.filter(Number.isNaN).length).toBe(715 + 21 - 3);
    expect(reference(chunks, 3, none).slice(0, 3)).toEqual([0, 1, 2]);
    expect(reference(chunks, 4, none).every(Number.isNaN)).toBe(true);
  });
});
