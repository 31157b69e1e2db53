import { expect, test } from "vitest";
import { trailingZeros, withLongestRun } from "../../src/features/bits.js";
import { withDb } from "../../src/io/duckdb.js";

/** Reference: longest run of set bits and index of the lowest set bit, by walking the bits. */
function reference(z: bigint, width: number): { run: number; tz: number | null } {
  let best = 0;
  let cur = 0;
  let tz: number | null = null;
  for (let i = 0; i < width; i++) {
    const bit = (z >> BigInt(i)) & 1n;
    if (bit === 1n && tz === null) tz = i;
    cur = bit === 1n ? cur + 1 : 0;
    best = Math.max(best, cur);
  }
  return { run: best, tz };
}

test("longest run and trailing zeros on 90-bit masks match a bit-by-bit walk", async () => {
  // deterministic pseudo-random masks, plus the edge cases: 0, all ones, single bits at both ends
  let seed = 12345n;
  const next = () => {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    return seed;
  };
  const full = (1n << 90n) - 1n;
  const masks: bigint[] = [0n, full, 1n, 1n << 89n, (1n << 45n) - 1n, full ^ (1n << 44n)];
  for (let i = 0; i < 300; i++) {
    let m = ((next() << 64n) | next()) & full;
    if (i % 3 === 0) m &= next() | (next() << 64n); // sparser
    if (i % 5 === 0) m |= (next() << 30n) & full; // denser
    masks.push(m);
  }
  await withDb(async (db) => {
    const values = masks.map((m, i) => `(${i}, '${m.toString()}'::HUGEINT)`).join(", ");
    const from = `SELECT i, m, ${trailingZeros("m")} AS tz FROM (VALUES ${values}) t(i, m)`;
    const rows = await db.all(`SELECT i, run, tz FROM (${withLongestRun(from, "m", "run")}) ORDER BY i`);
    expect(rows.length).toBe(masks.length);
    for (const r of rows) {
      const ref = reference(masks[Number(r["i"])] as bigint, 90);
      expect([r["run"], r["tz"]]).toEqual([ref.run, ref.tz]);
    }
  });
});
