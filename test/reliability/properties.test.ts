/**
 * Property: corrupting one random row of a random table of a valid tiny world rejects exactly that row
 * (it is in the rejects file with a reason) and changes no other subscriber's feature values. When the row
 * is one of a subscriber's events (or the subscriber itself), that subscriber is left out of the comparison.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { beforeAll, expect, it } from "vitest";
import { copyWorld, FEATURES_AS_OF, getRow, makeWorld, readCsvObjects, runInProcess, setCell, tempRoot } from "./helpers.js";

/** Per table: a non-empty date column and (when there is one) a numeric column. */
const TARGETS: Record<string, string[]> = {
  subscribers: ["activation_date", "monthly_fee"],
  usage: ["date", "data_mb"],
  billing: ["month", "amount_billed"],
  complaints: ["opened_at"],
  products: ["start_date"],
  surveys: ["date", "nps"],
  campaigns: ["date"],
};

let root: string;
let world: string;
let config: string;
let baseline: Map<string, string>;

async function features(dir: string, out: string): Promise<Map<string, string>> {
  const r = await runInProcess(["features", "--data", dir, "--config", config, "--as-of", FEATURES_AS_OF, "--data-end", "2026-06-30", "--out", out, "--quiet"]);
  expect(r.code, r.stderr).toBe(0);
  const lines = readFileSync(out, "utf8").trim().split("\n");
  return new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(",")), l]));
}

beforeAll(async () => {
  root = tempRoot("churn-prop-");
  world = await makeWorld(join(root, "world"));
  config = join(root, "churn.config.json");
  writeFileSync(config, JSON.stringify({ validation: { maxRejectShare: 1, asOf: "2026-07-01" } }));
  baseline = await features(world, join(root, "baseline.csv"));
});

it("a corrupted row is rejected and changes no other subscriber's features", async () => {
  const rows = Object.fromEntries(Object.keys(TARGETS).map((t) => [t, readFileSync(join(world, `${t}.csv`), "utf8").trim().split("\n").length - 1]));
  let n = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...Object.keys(TARGETS)),
      fc.nat(),
      fc.nat(),
      fc.constantFrom("not-a-date-or-number", "NaN", "1e400"),
      async (table, rowSeed, colSeed, bad) => {
        const dir = copyWorld(world, join(root, `run-${n++}`, "data"));
        const row = 1 + (rowSeed % (rows[table] as number));
        const cols = TARGETS[table] as string[];
        const column = cols[colSeed % cols.length] as string;
        const subscriber = getRow(dir, table, row)["subscriber_id"] as string;
        setCell(dir, table, row, column, bad);
        const rejects = join(dir, "..", "rejects.csv");
        const v = await runInProcess(["validate", "--data", dir, "--config", config, "--rejects", rejects, "--quiet"]);
        expect(v.code, v.stderr).toBe(0);
        const hit = readCsvObjects(rejects).find((x) => x["table"] === table && Number(x["row"]) === row);
        expect(hit?.["reason"], `${table} row ${row} ${column}=${JSON.stringify(bad)}`).toMatch(/^(bad_|missing_value)/);
        const after = await features(dir, join(dir, "..", "features.csv"));
        for (const [id, line] of baseline) {
          if (id === subscriber) continue;
          expect(after.get(id), `features of ${id}`).toBe(line);
        }
        for (const id of after.keys()) expect(baseline.has(id)).toBe(true);
      },
    ),
    { numRuns: 12, seed: 20261122, endOnFailure: true },
  );
}, 120_000);
