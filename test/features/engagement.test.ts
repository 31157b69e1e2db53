import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

const u = (id: string, date: string, data_mb: number, voice_minutes: number, sms: number, sessions: number, dropped_calls = 0) => ({
  subscriber_id: id,
  date,
  data_mb,
  voice_minutes,
  sms,
  sessions,
  dropped_calls,
});

test("engagement and network features, worked by hand (as-of 2026-06-30)", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [
      sub("E", { activation_date: "2026-01-01" }),
      sub("N", { activation_date: "2026-06-21" }), // 10 days on or after activation (21..30 June)
      sub("Z", { activation_date: "2025-01-01" }), // no usage at all
    ]);
    await createTable(db, "usage", [
      u("E", "2026-06-30", 100, 10, 2, 1, 1), // k = 0
      u("E", "2026-06-25", 50, 0, 0, 0), // k = 5
      u("E", "2026-06-20", 0, 0, 0, 0), // k = 10: a row with no activity is an inactive day
      u("E", "2026-06-10", 30, 20, 0, 2, 1), // k = 20
      u("E", "2026-05-01", 600, 60, 6, 3, 3), // k = 60
      u("E", "2026-04-01", 9999, 999, 99, 99, 99), // k = 90: outside the 90-day window
      u("E", "2026-07-01", 5000, 500, 50, 50, 50), // after as-of: never read
      u("N", "2026-06-21", 20, 0, 0, 0), // k = 9
    ]);
    const r = await run(db, ["2026-06-30"]);
    const e = r.get("E");
    // 7 days (k 0..6): data 100+50 = 150 -> 150/7; voice 10/7; sms 2/7; sessions 1/7; active days k=0,5 -> 2
    expect(e["data_mb_per_day_7d"]).toBeCloseTo(150 / 7, 9);
    expect(e["voice_min_per_day_7d"]).toBeCloseTo(10 / 7, 9);
    expect(e["sms_per_day_7d"]).toBeCloseTo(2 / 7, 9);
    expect(e["sessions_per_day_7d"]).toBeCloseTo(1 / 7, 9);
    expect(e["active_days_7d"]).toBe(2);
    // 30 days: data 100+50+0+30 = 180 -> 6/day; voice 10+20 = 30 -> 1; sms 2 -> 2/30; sessions 1+2 = 3 -> 0.1; active k=0,5,20 -> 3
    expect(e["data_mb_per_day_30d"]).toBeCloseTo(6, 9);
    expect(e["voice_min_per_day_30d"]).toBeCloseTo(1, 9);
    expect(e["sms_per_day_30d"]).toBeCloseTo(2 / 30, 9);
    expect(e["sessions_per_day_30d"]).toBeCloseTo(0.1, 9);
    expect(e["active_days_30d"]).toBe(3);
    // 90 days: + k=60 -> data 780/90, voice 90/90 = 1, sms 8/90, sessions 6/90; active 4
    expect(e["data_mb_per_day_90d"]).toBeCloseTo(780 / 90, 9);
    expect(e["voice_min_per_day_90d"]).toBeCloseTo(1, 9);
    expect(e["active_days_90d"]).toBe(4);
    // prior 60 days (k 30..89): data 600/60 = 10, voice 60/60 = 1, sms 6/60 = 0.1, sessions 3/60 = 0.05
    expect(e["data_mb_trend_30v60_pct"]).toBeCloseTo(((6 - 10) / 10) * 100, 9); // -40
    expect(e["voice_min_trend_30v60_pct"]).toBeCloseTo(0, 9);
    expect(e["sms_trend_30v60_pct"]).toBeCloseTo(((2 / 30 - 0.1) / 0.1) * 100, 9); // -33.3
    expect(e["sessions_trend_30v60_pct"]).toBeCloseTo(((0.1 - 0.05) / 0.05) * 100, 9); // +100
    expect(e["data_mb_trend_7v30_pct"]).toBeCloseTo(((150 / 7 - 6) / 6) * 100, 9); // +257.1
    expect(e["voice_min_trend_7v30_pct"]).toBeCloseTo(((10 / 7 - 1) / 1) * 100, 9);
    expect(e["days_since_last_activity"]).toBe(0);
    // 30 daily data values 100, 50, 30 and 27 zeros: mean 6, E[x^2] = 13400/30, sd = sqrt(13400/30 - 36)
    expect(e["data_mb_cv_30d"]).toBeCloseTo(Math.sqrt(13400 / 30 - 36) / 6, 9);
    // voice 10, 20 and 28 zeros: mean 1, E[x^2] = 500/30
    expect(e["voice_min_cv_30d"]).toBeCloseTo(Math.sqrt(500 / 30 - 1) / 1, 9);
    // active k = 0, 5, 20, 60 in k 0..89: gaps 4, 14 (k=10 is inactive), 39, then 89-60 = 29 -> 39
    expect(e["longest_inactive_streak_90d"]).toBe(39);
    // 30-day means vs half the prior means: data 6 < 5? no; voice 1 < 0.5? no; sessions 0.1 < 0.025? no
    expect([e["data_mb_halved_flag"], e["voice_min_halved_flag"], e["sessions_halved_flag"]]).toEqual([0, 0, 0]);
    // network: dropped 1 + 1 = 2 in 30 days over 30 voice minutes -> 100*2/30; prior: 3 over 60 minutes -> 5
    expect(e["dropped_calls_30d"]).toBe(2);
    expect(e["dropped_per_100min_30d"]).toBeCloseTo(200 / 30, 9);
    expect(e["dropped_rate_trend_30v60"]).toBeCloseTo(200 / 30 - 5, 9);

    const n = r.get("N");
    // N has 10 days since activation: 7-day mean 0/7, 30- and 90-day means 20/10 = 2; no earlier 60 days
    expect(n["data_mb_per_day_7d"]).toBe(0);
    expect(n["data_mb_per_day_30d"]).toBeCloseTo(2, 9);
    expect(n["data_mb_per_day_90d"]).toBeCloseTo(2, 9);
    expect(n["data_mb_trend_30v60_pct"]).toBeNull();
    expect(n["data_mb_halved_flag"]).toBeNull();
    expect(n["data_mb_trend_7v30_pct"]).toBeCloseTo(-100, 9);
    expect(n["days_since_last_activity"]).toBe(9);
    // k 0..9: active only k = 9 -> 9 inactive days before it, none after
    expect(n["longest_inactive_streak_90d"]).toBe(9);
    expect(n["dropped_rate_trend_30v60"]).toBeNull();

    const z = r.get("Z");
    // missing days are zero activity: means 0, counts 0; ratios with a zero base are empty
    expect(z["data_mb_per_day_30d"]).toBe(0);
    expect(z["active_days_90d"]).toBe(0);
    expect(z["days_since_last_activity"]).toBe(90);
    expect(z["longest_inactive_streak_90d"]).toBe(90);
    expect(z["data_mb_trend_30v60_pct"]).toBeNull();
    expect(z["data_mb_cv_30d"]).toBeNull();
    expect(z["data_mb_halved_flag"]).toBe(0);
    expect(z["dropped_calls_30d"]).toBe(0);
    expect(z["dropped_per_100min_30d"]).toBeNull();
  });
});

test("usage halved: a 30-day mean below half the earlier 60-day mean raises the flag", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("H", { activation_date: "2025-01-01" })]);
    // 60 earlier days (k 30..89) with 10 MB each = 600 -> 10/day; last 30 days 4 MB each -> 4/day < 5
    const rows = [];
    for (let k = 0; k < 90; k++) {
      const d = new Date(Date.UTC(2026, 5, 30) - k * 86_400_000).toISOString().slice(0, 10);
      rows.push(u("H", d, k < 30 ? 4 : 10, 1, 0, 1));
    }
    await createTable(db, "usage", rows);
    const h = (await run(db, ["2026-06-30"])).get("H");
    expect(h["data_mb_halved_flag"]).toBe(1);
    expect(h["data_mb_trend_30v60_pct"]).toBeCloseTo(-60, 9);
    expect(h["voice_min_halved_flag"]).toBe(0);
    expect(h["longest_inactive_streak_90d"]).toBe(0);
    expect(h["active_days_90d"]).toBe(90);
    expect(h["data_mb_cv_30d"]).toBeCloseTo(0, 9);
  });
});

test("days before the first usage date are unknown, not inactive", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("A", { activation_date: "2024-01-01" }), sub("B", { activation_date: "2024-01-01" })]);
    // the usage table starts on 2026-06-01: as-of 2026-06-30 sees 30 covered days, 2026-05-15 none
    await createTable(db, "usage", [u("A", "2026-06-01", 30, 0, 0, 0), u("A", "2026-06-30", 60, 0, 0, 0)]);
    const r = await run(db, ["2026-05-15", "2026-06-30"]);
    const a = r.get("A", "2026-06-30");
    expect(a["data_mb_per_day_90d"]).toBeCloseTo(90 / 30, 9); // 90 MB over the 30 covered days, not over 90
    expect(a["data_mb_per_day_30d"]).toBeCloseTo(3, 9);
    expect(a["data_mb_trend_30v60_pct"]).toBeNull(); // no covered day in the 60 days before
    expect(a["data_mb_halved_flag"]).toBeNull();
    expect(a["active_days_90d"]).toBe(2);
    expect(a["longest_inactive_streak_90d"]).toBe(28); // 2..29 June
    const b = r.get("B", "2026-06-30");
    expect(b["longest_inactive_streak_90d"]).toBe(30);
    expect(b["days_since_last_activity"]).toBe(30);
    const early = r.get("A", "2026-05-15");
    for (const f of ["data_mb_per_day_90d", "active_days_30d", "days_since_last_activity", "longest_inactive_streak_90d", "data_mb_cv_30d"]) {
      expect(early[f], f).toBeNull();
    }
  });
});
