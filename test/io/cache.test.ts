import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cacheKey, openCache, ValidationCache } from "../../src/io/cache.js";
import { tempDir } from "../contract/helpers.js";

const meta = (v: unknown) => (typeof v === "object" && v !== null && (v as { ok?: boolean }).ok === true ? (v as { ok: true; n: number }) : undefined);

describe("the validated-table cache", () => {
  it("beside the output only where its folder can be made; an explicit folder or --no-cache as asked", () => {
    const dir = tempDir();
    const out = join(dir, "features.parquet");
    expect(openCache({ enabled: true, beside: out })?.dir).toBe(join(dir, ".churn-cache"));
    expect(existsSync(join(dir, ".churn-cache"))).toBe(true);
    // an output folder still to be made: the cache goes there
    expect(openCache({ enabled: true, beside: join(dir, "new", "f.parquet") })?.dir).toBe(join(dir, "new", ".churn-cache"));
    // an output under a file, or on a disk without room (/proc has none): no cache, and nothing made (the output's own error follows)
    expect(openCache({ enabled: true, beside: "/dev/null/x.parquet" })).toBeUndefined();
    expect(openCache({ enabled: true, beside: "/proc/x.parquet" })).toBeUndefined();
    expect(existsSync("/proc/.churn-cache")).toBe(false);
    expect(openCache({ enabled: true, dir: join(dir, "elsewhere") })?.dir).toBe(join(dir, "elsewhere"));
    expect(openCache({ enabled: false, beside: out })).toBeUndefined();
  });

  it("publishes an entry atomically and takes it back; an unknown key is a miss", async () => {
    const cache = new ValidationCache(tempDir());
    const key = cacheKey(["x", 1]);
    expect(await cache.take("part", key, meta)).toBeUndefined();
    const path = await cache.publish("part", key, { ok: true, n: 3 }, async (dir) => {
      writeFileSync(join(dir, "data.txt"), "hello");
    });
    const hit = await cache.take("part", key, meta);
    expect(hit?.meta).toEqual({ ok: true, n: 3 });
    expect(hit?.path).toBe(path);
    expect(readdirSync(path).sort()).toEqual(["data.txt", "meta.json", "used"]);
    // nothing left in the temporary area
    expect(readdirSync(join(cache.root, "tmp"))).toEqual([]);
  });

  it("keeps the first of two identical publications (concurrent runs computing the same key)", async () => {
    const dir = tempDir();
    const a = new ValidationCache(dir);
    const b = new ValidationCache(dir);
    const key = cacheKey("same");
    const [pa, pb] = await Promise.all([
      a.publish("ref", key, { ok: true, n: 1 }, async (d) => writeFileSync(join(d, "f"), "a")),
      b.publish("ref", key, { ok: true, n: 1 }, async (d) => writeFileSync(join(d, "f"), "b")),
    ]);
    expect(pa).toBe(pb);
    expect((await a.take("ref", key, meta))?.meta.n).toBe(1);
    expect(readdirSync(join(a.root, "tmp"))).toEqual([]);
  });

  it("treats an entry whose meta.json does not parse (damaged, or written by other code) as a miss", async () => {
    const cache = new ValidationCache(tempDir());
    const key = cacheKey("damaged");
    const path = await cache.publish("table", key, { ok: true, n: 1 }, async () => {});
    writeFileSync(join(path, "meta.json"), "{ not json");
    expect(await new ValidationCache(cache.dir).take("table", key, meta)).toBeUndefined();
    writeFileSync(join(path, "meta.json"), JSON.stringify({ something: "else" }));
    expect(await new ValidationCache(cache.dir).take("table", key, meta)).toBeUndefined();
  });

  it("prunes entries unused for keepDays and the temporary folders of dead runs, never an entry in use", async () => {
    const dir = tempDir();
    const cache = new ValidationCache(dir, { keepDays: 7 });
    const old = await cache.publish("part", cacheKey("old"), { ok: true, n: 1 }, async () => {});
    const fresh = await cache.publish("part", cacheKey("fresh"), { ok: true, n: 2 }, async () => {});
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    utimesSync(join(old, "used"), tenDaysAgo, tenDaysAgo);
    utimesSync(join(fresh, "used"), tenDaysAgo, tenDaysAgo);
    // a killed run's leftovers (pid 999999 is not alive) and a live run's (this process)
    mkdirSync(join(cache.root, "tmp", "999999-1-1"), { recursive: true });
    const live = cache.tempDir();
    // another process takes `fresh` now: it is used again, so it stays
    const other = new ValidationCache(dir, { keepDays: 7 });
    expect(await other.take("part", cacheKey("fresh"), meta)).toBeDefined();
    const pruner = new ValidationCache(dir, { keepDays: 7 });
    expect(await pruner.prune()).toBe(1);
    expect(existsSync(old)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(join(cache.root, "tmp", "999999-1-1"))).toBe(false);
    expect(existsSync(live)).toBe(true);
  });

  it("hashes a file once while it is unchanged, and again when it changes", async () => {
    const dir = tempDir();
    const f = join(dir, "t.csv");
    writeFileSync(f, "a,b\n1,2\n");
    const cache = new ValidationCache(join(dir, "cache"));
    const { sha256File } = await import("../../src/io/files.js");
    const h1 = await cache.fileHash(f);
    expect(h1).toBe(await sha256File(f));
    expect(readdirSync(join(cache.root, "hashes"))).toHaveLength(1);
    expect(await new ValidationCache(join(dir, "cache")).fileHash(f)).toBe(h1);
    writeFileSync(f, "a,b\n1,3\n");
    const h2 = await new ValidationCache(join(dir, "cache")).fileHash(f);
    expect(h2).not.toBe(h1);
    expect(h2).toBe(await sha256File(f));
  });
});
