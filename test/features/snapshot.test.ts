import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

test("snapshot membership and label boundaries (as-of 2026-03-31, horizon 30d -> 2026-04-30)", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [
      sub("L1", { deactivation_date: "2026-03-31" }), // left on as-of: not in the snapshot
      sub("L2", { deactivation_date: "2026-04-30" }), // exactly as-of + horizon: label 1
      sub("L3", { deactivation_date: "2026-05-01" }), // one day later: label 0
      sub("L4", { deactivation_date: "2026-04-01" }), // first day of the horizon: label 1
      sub("L5"), // active: label 0
      sub("L6", { activation_date: "2026-03-31" }), // activated on as-of: in, tenure 0
      sub("L7", { activation_date: "2026-04-01" }), // activated after as-of: not in
      sub("L8", { activation_date: "2025-01-01", deactivation_date: "2026-06-30" }), // the data ends 2026-06-30
    ]);
    const r = await run(db, ["2026-03-31", "2026-06-15"]);
    const march = r.rows.filter((x) => (x["as_of"] as Date).toISOString().startsWith("2026-03-31"));
    expect(march.map((x) => x["subscriber_id"])).toEqual(["L2", "L3", "L4", "L5", "L6", "L8"]);
    expect(march.map((x) => x["label"])).toEqual([1, 0, 1, 0, 0, 0]);
    expect(r.get("L6", "2026-03-31")["tenure_days"]).toBe(0);
    // 2026-06-15 + 30 days = 2026-07-15 lies after the end of the data (2026-06-30): label unknown for everyone
    const june = r.rows.filter((x) => (x["as_of"] as Date).toISOString().startsWith("2026-06-15"));
    expect(june.map((x) => x["subscriber_id"])).toEqual(["L5", "L6", "L7", "L8"]);
    expect(june.map((x) => x["label"])).toEqual([null, null, null, null]);
    expect(r.result.dataEnd).toBe("2026-06-30");
    expect(r.result.dataEndSource).toBe("data");
    expect(r.result.asOf).toEqual([
      { as_of: "2026-03-31", horizon_end: "2026-04-30", label_known: true, rows: 6, positives: 2, negatives: 4, unknown: 0 },
      { as_of: "2026-06-15", horizon_end: "2026-07-15", label_known: false, rows: 4, positives: 0, negatives: 0, unknown: 4 },
    ]);

    // stating the end of the data with --data-end makes the June labels known
    const later = await run(db, ["2026-06-15"], { dataEnd: new Date("2026-07-31T00:00:00Z") });
    expect(later.rows.map((x) => x["label"])).toEqual([0, 0, 0, 1]);
    expect(later.result.dataEndSource).toBe("option");

    // a 1-month horizon from a month end is the next month end: 2026-03-31 + 1mo = 2026-04-30
    const month = await run(db, ["2026-03-31"], { horizon: "1mo" });
    expect(month.result.asOf[0]?.horizon_end).toBe("2026-04-30");
    expect(month.rows.map((x) => x["label"])).toEqual([1, 0, 1, 0, 0, 0]);
  });
});

test("the end of the data is the latest date in the event tables, a billed month counting to its last day", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("A", { contract_type: "fixed_24m", contract_end_date: "2027-12-31" })]);
    await createTable(db, "billing", [{ subscriber_id: "A", month: "2026-05-01", amount_billed: 10 }]);
    await createTable(db, "usage", [{ subscriber_id: "A", date: "2026-05-20", data_mb: 1 }]);
    const r = await run(db, ["2026-04-30"]);
    // contract_end_date looks forward and is not a data date; May's bill reaches 2026-05-31
    expect(r.result.dataEnd).toBe("2026-05-31");
    expect(r.rows[0]?.["label"]).toBe(0);
  });
});
