import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) out.push(iso(t));
  return out;
};

test("own-past features, worked by hand (as-of 2026-06-30: month 0 = June, own past = October to March)", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [
      sub("H1", { activation_date: "2024-01-01" }), // broadband only: data falls in April, never a call
      sub("H2", { activation_date: "2026-04-10" }), // too young for any own past
      sub("H3", { activation_date: "2026-02-15" }), // one covered month of own past (March)
    ]);
    const usage: Record<string, unknown>[] = [];
    for (const d of days("2025-07-01", "2026-06-30")) {
      usage.push({ subscriber_id: "H1", date: d, data_mb: d < "2026-04-01" ? 100 : 40, voice_minutes: 0, sms: 0, sessions: 1 });
      if (d >= "2026-04-10") usage.push({ subscriber_id: "H2", date: d, data_mb: 50, voice_minutes: 10, sms: 1, sessions: 1 });
      if (d >= "2026-02-15") usage.push({ subscriber_id: "H3", date: d, data_mb: 10, voice_minutes: d < "2026-05-01" ? 20 : 5, sms: 0, sessions: 0 });
    }
    await createTable(db, "usage", usage);
    await createTable(db, "complaints", [
      { subscriber_id: "H1", opened_at: "2025-07-01", category: "other", resolved_at: "2025-07-02" }, // coverage starts here
      { subscriber_id: "H1", opened_at: "2026-06-20", category: "network", resolved_at: null }, // last 60 days
      { subscriber_id: "H1", opened_at: "2026-06-25", category: "network", resolved_at: null },
      { subscriber_id: "H1", opened_at: "2026-01-10", category: "billing", resolved_at: "2026-01-12" }, // days 91-270 before
    ]);
    await createTable(
      db,
      "billing",
      ["2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"].map((m, i) => ({
        subscriber_id: "H1",
        month: m,
        amount_billed: i < 6 ? 40 : 50,
      })),
    );
    const r = await run(db, ["2026-06-30"]);
    const h1 = r.get("H1");
    expect(h1["data_mb_30d_vs_own_past_pct"]).toBeCloseTo(-60, 9);
    expect(h1["data_mb_60d_vs_own_past_pct"]).toBeCloseTo(-60, 9);
    expect(h1["sessions_30d_vs_own_past_pct"]).toBeCloseTo(0, 9);
    expect(h1["active_days_30d_vs_own_past_pct"]).toBeCloseTo(0, 9);
    expect(h1["voice_min_30d_vs_own_past_pct"]).toBeNull(); // 0 before, 0 now: no change to speak of
    expect([h1["uses_voice"], h1["uses_sms"], h1["uses_data"]]).toEqual([0, 0, 1]);
    // trend: daily means 100 for July..March (x = -11..-3) and 40 for April..June (x = -2..0)
    const xs = Array.from({ length: 12 }, (_, k) => k - 11);
    const ys: number[] = xs.map((x) => (x <= -3 ? 100 : 40));
    const mx = xs.reduce((a, b) => a + b) / 12;
    const my = ys.reduce((a, b) => a + b) / 12;
    const slope = xs.reduce((a, x, k) => a + (x - mx) * (ys[k]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    expect(h1["data_mb_trend_12m_pct"]).toBeCloseTo((100 * slope) / my, 6);
    expect(h1["arpu_vs_own_past_pct"]).toBeCloseTo(25, 9); // 50 vs 40
    // 2 complaints in the last 60 days (1 per 30 days) vs 1 in days 91-270 (180 covered days)
    expect(h1["complaints_60d_vs_own_past"]).toBeCloseTo(1 - 30 / 180, 9);

    const h2 = r.get("H2");
    expect(Object.keys(h2)).not.toContain("own_past_months"); // where the as-of falls in the data is no feature
    expect(h2["data_mb_30d_vs_own_past_pct"]).toBeNull(); // April is not covered from its first day
    expect(h2["data_mb_trend_12m_pct"]).toBeNull(); // two covered months
    expect([h2["uses_voice"], h2["uses_sms"], h2["uses_data"]]).toEqual([1, 1, 1]);

    const h3 = r.get("H3");
    expect(h3["voice_min_30d_vs_own_past_pct"]).toBeCloseTo(-75, 9); // 5 vs 20 minutes a day: against March, its first covered month
    expect(h3["uses_sms"]).toBe(0);
  });
});

test("contact history: treatment contacts only, on or before as-of", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("K1"), sub("K2"), sub("K3")]);
    await createTable(db, "campaigns", [
      { subscriber_id: "K1", date: "2026-06-10", action: "care_call", group: "treatment" },
      { subscriber_id: "K1", date: "2026-02-01", action: "digital_nudge", group: "treatment" },
      { subscriber_id: "K1", date: "2025-05-01", action: "digital_nudge", group: "treatment" }, // over a year ago
      { subscriber_id: "K1", date: "2026-07-02", action: "care_call", group: "treatment" }, // after as-of
      { subscriber_id: "K2", date: "2026-06-20", action: "care_call", group: "control" }, // held out: not contacted
    ]);
    const r = await run(db, ["2026-06-30"], { dataEnd: new Date("2026-07-31T00:00:00Z") });
    const k1 = r.get("K1");
    expect([k1["days_since_last_contact"], k1["contacts_90d"], k1["contacts_365d"]]).toEqual([20, 1, 2]);
    for (const id of ["K2", "K3"]) {
      const k = r.get(id);
      expect([k["days_since_last_contact"], k["contacts_90d"], k["contacts_365d"]]).toEqual([null, 0, 0]);
    }
  });
});

test("the monthly usage table reads only the months some as-of's own past can reach", async () => {
  const { usageHistory } = await import("../../src/features/bases.js");
  const range = (...asOf: string[]) => usageHistory.prepare!.days(asOf.map((d) => new Date(`${d}T00:00:00Z`)));
  // mid-month: June has not ended, month 0 is May, the 12 months are June 2025 to May 2026
  expect(range("2026-06-29")).toEqual({ from: "2025-06-01", to: "2026-06-01" });
  // a month's last day: that month has ended and is month 0
  expect(range("2026-06-30")).toEqual({ from: "2025-07-01", to: "2026-07-01" });
  expect(range("2025-12-31")).toEqual({ from: "2025-01-01", to: "2026-01-01" });
  // several as-of dates (training snapshots): from the earliest's first month to the latest's month 0
  expect(range("2026-05-31", "2026-01-31", "2026-03-31")).toEqual({ from: "2025-02-01", to: "2026-06-01" });
  // an as-of's features are the same alone (its own range) and beside an as-of a year earlier (a range that
  // reads every row): a range too short would change its own-past and trend features
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("R1", { activation_date: "2024-01-01" }), sub("R2", { activation_date: "2025-09-20" })]);
    const usage: Record<string, unknown>[] = [];
    for (const d of days("2024-11-01", "2026-06-30")) {
      const t = Date.parse(`${d}T00:00:00Z`) / DAY;
      usage.push({ subscriber_id: "R1", date: d, data_mb: 100 + (t % 37) * (t % 300), voice_minutes: t % 5, sms: t % 3, sessions: 1 });
      if (d >= "2025-09-20") usage.push({ subscriber_id: "R2", date: d, data_mb: t % 11, voice_minutes: 20, sms: 0, sessions: t % 2 });
    }
    await createTable(db, "usage", usage);
    const day = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v)).slice(0, 10);
    const alone = (await run(db, ["2026-06-29"])).rows;
    const beside = (await run(db, ["2025-06-30", "2026-06-29"])).rows.filter((r) => day(r["as_of"]) === "2026-06-29");
    expect(alone.length).toBe(2);
    expect(beside).toEqual(alone);
  });
});
