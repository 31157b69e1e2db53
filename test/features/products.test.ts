import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

test("products and loyalty features, worked by hand (as-of 2026-06-30)", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("P1"), sub("P2"), sub("P3")]);
    await createTable(db, "products", [
      { subscriber_id: "P1", product: "mobile", start_date: "2024-01-01", end_date: null }, // held
      { subscriber_id: "P1", product: "email_hosting", start_date: "2025-01-01", end_date: "2026-08-01" }, // ends after as-of: held
      { subscriber_id: "P1", product: "tv", start_date: "2026-07-05", end_date: null }, // starts after as-of
      { subscriber_id: "P1", product: "broadband", start_date: "2024-01-01", end_date: "2026-06-30" }, // ended on as-of
    ]);
    await createTable(db, "surveys", [
      { subscriber_id: "P1", date: "2026-01-10", nps: 9 },
      { subscriber_id: "P1", date: "2026-05-01", nps: 6 },
      { subscriber_id: "P1", date: "2026-07-10", nps: 0 }, // after as-of
      { subscriber_id: "P2", date: "2026-03-01", nps: 8 },
    ]);
    const r = await run(db, ["2026-06-30"]);
    const pick = (id: string) => {
      const x = r.get(id);
      return [x["active_products"], x["bundle"], x["email_hosting"], x["last_nps"], x["nps_change"]];
    };
    expect(pick("P1")).toEqual([2, 1, 1, 6, -3]); // mobile + email_hosting; NPS 9 -> 6
    expect(pick("P2")).toEqual([0, 0, 0, 8, null]);
    expect(pick("P3")).toEqual([0, 0, 0, null, null]);
  });
});
