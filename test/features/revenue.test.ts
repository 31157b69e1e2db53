import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

const b = (month: string, amount_billed: number, discount = 0, paid_late = false) => ({ subscriber_id: "R1", month, amount_billed, discount, paid_late });

test("revenue features, worked by hand", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("R1", { activation_date: "2025-01-01" }), sub("R2")]);
    await createTable(db, "billing", [
      b("2025-12-01", 40, 0, true),
      b("2026-01-01", 40),
      b("2026-02-01", 40, 0, true),
      b("2026-03-01", 40),
      b("2026-04-01", 40),
      b("2026-05-01", 40, 0, true),
      b("2026-06-01", 50, 10),
      b("2026-07-01", 999, 99, true), // after both as-of dates
    ]);
    const r = await run(db, ["2026-06-15", "2026-06-30"]);
    const end = r.get("R1", "2026-06-30");
    // June has ended on 2026-06-30: last 3 = Apr, May, Jun = 40, 40, 50 -> 130/3; prior 3 = Jan..Mar = 40
    expect(end["arpu_3m"]).toBeCloseTo(130 / 3, 9);
    expect(end["arpu_trend_pct"]).toBeCloseTo(((130 / 3 - 40) / 40) * 100, 9); // +8.33%
    expect(end["discount_share_3m"]).toBeCloseTo(10 / (130 + 10), 9);
    expect(end["late_payments_6m"]).toBe(2); // Jan..Jun: Feb, May (Dec 2025 is 7 months back)
    expect(end["price_increase_90d"]).toBe(1); // June 50 vs May 40 = +25%
    const mid = r.get("R1", "2026-06-15");
    // June has not ended on 2026-06-15: last 3 = Mar, Apr, May = 40; prior = Dec, Jan, Feb = 40
    expect(mid["arpu_3m"]).toBeCloseTo(40, 9);
    expect(mid["arpu_trend_pct"]).toBeCloseTo(0, 9);
    expect(mid["discount_share_3m"]).toBeCloseTo(0, 9);
    expect(mid["late_payments_6m"]).toBe(3); // Dec..May: Dec, Feb, May
    expect(mid["price_increase_90d"]).toBe(0);
    // no billed month: empty, not 0
    const none = r.get("R2", "2026-06-30");
    expect([none["arpu_3m"], none["arpu_trend_pct"], none["discount_share_3m"], none["late_payments_6m"], none["price_increase_90d"]]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

test("without a billing table ARPU is the monthly fee and the other revenue features are skipped", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("R1", { monthly_fee: 39.9 })]);
    const r = await run(db, ["2026-06-30"], { dataEnd: new Date("2026-12-31T00:00:00Z") });
    expect(r.get("R1")["arpu_3m"]).toBeCloseTo(39.9, 9);
    expect(r.rows[0]).not.toHaveProperty("arpu_trend_pct");
    const skipped = r.result.skippedFeatures.filter((s) => s.family === "revenue").map((s) => s.feature);
    expect(skipped).toEqual(["arpu_trend_pct", "discount_share_3m", "late_payments_6m", "price_increase_90d"]);
  });
});
