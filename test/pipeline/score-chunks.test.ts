import { describe, expect, it } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { fallSignificance, kthLeast } from "../../src/pipeline/score-chunks.js";
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

describe("fallSignificance (retention.segments.usage.fallingZ)", () => {
  const cols = ["active_days_30d_vs_own_past_pct", "active_days_30d", "active_days_90d", "sessions_30d_vs_own_past_pct", "sessions_per_day_30d", "sessions_per_day_90d", "data_mb_30d_vs_own_past_pct", "data_mb_cv_30d"];
  const row = (...v: (number | null)[]) => `(${v.map((x) => (x === null ? "NULL::DOUBLE" : `${x}::DOUBLE`)).join(", ")})`;
  const rows = [
    // active on 7 of 30 days where it was 10 (-30%): p = 0.33, se = sqrt(0.67 / 10) = 0.26, a 0.3 fall is 1.2 se
    row(-30, 7, 30, -30, 0.2, 0.3, -30, 1.5),
    // active on 21 of 30 where it was 30 (-30%), 3 sessions a day (-30%), data with a daily cv of 0.4 (-30%)
    row(-30, 21, 80, -30, 3, 4, -30, 0.4),
    // all use stopped: a fall of 100% at any level of activity the 90 days show
    row(-100, 0, 20, -100, 0, 0.5, -100, null),
    // nothing known
    row(null, 5, 15, null, 0.1, 0.1, null, 2),
  ];
  const has = (c: string) => cols.includes(c);
  const run = (col: string, z: number) =>
    withDb(async (db) =>
      (await db.all(`SELECT ${fallSignificance(col, col, z, has, (c) => c)} AS v FROM (VALUES ${rows.join(", ")}) t(${cols.join(", ")})`)).map((r) => (r["v"] === null ? null : Number(r["v"]))),
    );

  it("reads a fall within z standard errors of the recent level as no fall, a larger one as it is", async () => {
    expect(await run("active_days_30d_vs_own_past_pct", 2)).toEqual([0, -30, -100, null]);
    // sessions: 0.2 a day (0.3 over 90 days) is 9 in 30 days, se 0.33; 4 a day is 120, se 0.09
    expect(await run("sessions_30d_vs_own_past_pct", 2)).toEqual([0, -30, -100, null]);
    // data: cv 1.5 gives se 0.27, cv 0.4 gives 0.07; no spread known (no use at all in 30 days): the fall as it is
    expect(await run("data_mb_30d_vs_own_past_pct", 2)).toEqual([0, -30, -100, null]);
  });

  it("changes nothing at z = 0, for a measure without a noise model, or without the columns it reads", async () => {
    expect(await run("active_days_30d_vs_own_past_pct", 0)).toEqual([-30, -30, -100, null]);
    expect(fallSignificance("sms_30d_vs_own_past_pct", "x", 2, has, (c) => c)).toBe("x");
    expect(fallSignificance("voice_min_30d_vs_own_past_pct", "x", 2, has, (c) => c)).toBe("x");
    expect(defaultConfig().retention.segments.usage.fallingZ).toBe(2);
  });
});
