/**
 * Where DuckDB spills: every connection gets a folder of its own under the OS temp dir, removed at close.
 * DuckDB's default (`.tmp` in the working directory) is shared by all connections and processes started there:
 * two shard workers spilling at once corrupted each other's temp files (the 1M-subscriber cluster benchmark).
 */
import { existsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { Db } from "../../src/io/duckdb.js";

const setting = async (db: Db) => String((await db.one("SELECT current_setting('temp_directory') AS d"))?.["d"]);

/** Sort more rows than the memory limit holds (it spills), and check the order by a position-weighted sum. */
async function sortBeyondMemory(db: Db, seed: number): Promise<boolean> {
  const rows = await db.all(
    `WITH s AS (SELECT (hash(i + ${seed}) % 1000000007)::BIGINT AS k, repeat('x', 40) || i::VARCHAR AS pad FROM range(1500000) t(i)),
          o AS (SELECT k, row_number() OVER (ORDER BY k, pad) AS pos FROM s)
     SELECT bool_and(ok) AS sorted FROM (SELECT k >= lag(k, 1, -1) OVER (ORDER BY pos) AS ok FROM o)`,
  );
  return rows[0]?.["sorted"] === true;
}

describe("DuckDB spill folder", () => {
  it("is a folder of the connection's own under TMPDIR, not .tmp in the working directory, and goes at close", async () => {
    const a = await Db.open({ memoryLimit: "64MB" });
    const b = await Db.open({ memoryLimit: "64MB" });
    const da = await setting(a);
    const db = await setting(b);
    expect(da.startsWith(tmpdir())).toBe(true);
    expect(da).toContain(`/churn-duckdb-${process.getuid?.() ?? "user"}/${process.pid}-`);
    expect(da).not.toBe(db);
    expect(existsSync(da)).toBe(true);
    a.close();
    b.close();
    expect(existsSync(da)).toBe(false);
    expect(existsSync(db)).toBe(false);
  });

  it("two connections spilling at the same time both get a correct result", async () => {
    const a = await Db.open({ memoryLimit: "48MB", threads: 1 });
    const b = await Db.open({ memoryLimit: "48MB", threads: 1 });
    try {
      expect(await Promise.all([sortBeyondMemory(a, 1), sortBeyondMemory(b, 2)])).toEqual([true, true]);
    } finally {
      a.close();
      b.close();
    }
  }, 120_000);

  it("a folder the caller names is used and left in place", async () => {
    const dir = `${tmpdir()}/churn-spill-test-${process.pid}`;
    const c = await Db.open({ tempDirectory: dir });
    expect(await setting(c)).toBe(dir);
    c.close();
  });

  it("a query that cannot spill (the folder cannot be made) is exit 2 naming the folder, not an internal error", async () => {
    const file = `${tmpdir()}/churn-spill-not-a-folder-${process.pid}`;
    writeFileSync(file, "a file where the spill folder's parent should be");
    const c = await Db.open({ memoryLimit: "48MB", threads: 1, tempDirectory: `${file}/spill` });
    try {
      const err = await sortBeyondMemory(c, 3).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).exitCode).toBe(2);
      expect((err as Error).message).toContain(`under ${file}/spill`);
      expect((err as Error).message).toMatch(/Free space there, point TMPDIR at a larger disk/);
    } finally {
      c.close();
    }
  }, 120_000);
});
