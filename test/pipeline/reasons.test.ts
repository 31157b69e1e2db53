/** Reasons in words on a flat table, through the real scoring run (issue 16, item 6). */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { quoteLiteral, withDb } from "../../src/io/duckdb.js";
import { tableTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { scoreRun } from "../../src/pipeline/score.js";
import { tempDir, writeFlatCsv } from "../model/helpers.js";

describe("reasons on a flat table", () => {
  it("every critical and high subscriber has a reason in words with where its value stands; the low band has none", async () => {
    const dir = tempDir();
    const csv = join(dir, "t.csv");
    writeFlatCsv(csv, 1500, 4);
    const models = join(dir, "models");
    await trainAndRegister(await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 3), {
      model: "logistic",
      seed: 3,
      calibration: "auto",
      modelsDir: models,
      id: "m",
    });
    const out = join(dir, "run");
    await scoreRun({ model: join(models, "champion"), table: csv, id: "customer", out, config: defaultConfig(), budget: 0 });
    const rows = await withDb((db) => db.all(`SELECT band, segment, reason_1, reason_2, reason_3 FROM read_parquet(${quoteLiteral(join(out, "risk_list.parquet"))})`));
    const byBand = (b: string) => rows.filter((r) => r["band"] === b);
    expect(byBand("critical").length).toBeGreaterThan(0);
    for (const r of [...byBand("critical"), ...byBand("high")]) expect(r["reason_1"]).not.toBeNull();
    for (const r of byBand("low")) {
      expect([r["reason_1"], r["reason_2"], r["reason_3"]]).toEqual([null, null, null]);
      expect(String(r["segment"])).toContain("driver=none");
    }
    const texts = rows.flatMap((r) => [r["reason_1"], r["reason_2"], r["reason_3"]]).filter((t): t is string => typeof t === "string");
    // a number says where it stands among customers, a category names the level the customer has
    expect(texts.some((t) => /^tenure \d+, shorter than \d+% of customers$/.test(t))).toBe(true);
    expect(texts.some((t) => /^complaints \d+, higher than \d+% of customers$/.test(t))).toBe(true);
    expect(texts.some((t) => /^plan is basic \(like \d+% of customers\)$/.test(t))).toBe(true);
    // never a raw "column: value" dump
    expect(texts.filter((t) => /: \d/.test(t))).toEqual([]);
  }, 60_000);
});
