import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { sha256File } from "../../src/io/files.js";
import { tempWorld } from "./helpers.js";

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p)] = await sha256File(p);
    }
  };
  await walk(dir);
  return out;
}

describe("churn generate is deterministic by seed", () => {
  const cleanups: (() => void)[] = [];
  afterAll(() => {
    for (const c of cleanups) c();
  });

  for (const format of ["parquet", "csv"] as const) {
    it(`same seed gives byte-identical ${format} files, a different seed different ones`, async () => {
      // Parquet: more than two usage batches of 2,048 subscribers, so the parallel order-preserving COPY is exercised.
      const opts = { subscribers: format === "parquet" ? 5000 : 1200, months: format === "parquet" ? 3 : 4, seed: 11, format };
      const a = await tempWorld(opts);
      const b = await tempWorld(opts);
      const c = await tempWorld({ ...opts, seed: 12 });
      cleanups.push(a.cleanup, b.cleanup, c.cleanup);
      const ha = await hashes(a.dir);
      const hb = await hashes(b.dir);
      const hc = await hashes(c.dir);
      expect(Object.keys(ha).sort()).toEqual(
        [
          ...["subscribers", "usage", "billing", "complaints", "products", "surveys", "campaigns"].map((t) => `${t}.${format}`),
          "truth/action_effects.parquet",
          "truth/monthly.parquet",
          "truth/subscribers.parquet",
          "truth/world.json",
        ].sort(),
      );
      expect(hb).toEqual(ha);
      expect(hc[`subscribers.${format}`]).not.toEqual(ha[`subscribers.${format}`]);
      expect(hc[`usage.${format}`]).not.toEqual(ha[`usage.${format}`]);
      expect(hc["truth/monthly.parquet"]).not.toEqual(ha["truth/monthly.parquet"]);
    });
  }
});
