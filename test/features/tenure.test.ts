import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

test("tenure and contract features, worked by hand (as-of 2026-06-30)", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [
      sub("T1", { activation_date: "2025-06-30", contract_type: "fixed_12m", contract_end_date: "2026-07-30" }),
      sub("T2", { contract_type: "fixed_24m", contract_end_date: "2026-06-30" }),
      // renewed after as-of: the end is more than 12 months away, so the term in force ended 2026-08-15
      sub("T3", { contract_type: "fixed_12m", contract_end_date: "2027-08-15" }),
      sub("T4", { contract_type: "prepaid" }),
      sub("T5", { contract_type: "fixed_12m", contract_end_date: null }),
      sub("T6", { contract_type: "fixed_24m", contract_end_date: "2026-12-31" }),
      // renewed three times after as-of: 2029-07-30 - 36 months = 2026-07-30
      sub("T7", { contract_type: "fixed_12m", contract_end_date: "2029-07-30" }),
      sub("T8", { contract_type: "fixed_12m", contract_end_date: "2026-08-29" }), // 60 days: last day of the window
      // a renewal term that started 10 days before as-of may have been signed after it: the term before counts
      sub("T9", { contract_type: "fixed_12m", contract_end_date: "2027-06-20" }),
      // ... but a first term that started 10 days ago was signed at activation
      sub("T10", { activation_date: "2026-06-20", contract_type: "fixed_12m", contract_end_date: "2027-06-20" }),
      // a renewal term that started 31 days before as-of counts (outside the grace)
      sub("T11", { contract_type: "fixed_24m", contract_end_date: "2028-05-30" }),
    ]);
    const r = await run(db, ["2026-06-30"]);
    const pick = (id: string) => {
      const x = r.get(id);
      return [x["tenure_days"], x["contract_type"], x["days_to_contract_end"], x["out_of_contract"], x["in_renewal_window"]];
    };
    expect(pick("T1")).toEqual([365, "fixed_12m", 30, 0, 1]); // 2025-06-30 -> 2026-06-30 = 365 days
    expect(pick("T2")).toEqual([911, "fixed_24m", 0, 1, 0]); // ends on the as-of day: out of contract
    expect(pick("T3")).toEqual([911, "fixed_12m", 46, 0, 1]); // 30 June -> 15 August = 46 days
    expect(pick("T4")).toEqual([911, "prepaid", null, 1, 0]);
    expect(pick("T5")).toEqual([911, "fixed_12m", null, null, null]);
    expect(pick("T6")).toEqual([911, "fixed_24m", 184, 0, 0]);
    expect(pick("T7")).toEqual([911, "fixed_12m", 30, 0, 1]);
    expect(pick("T8")).toEqual([911, "fixed_12m", 60, 0, 1]);
    expect(pick("T9")).toEqual([911, "fixed_12m", -10, 1, 0]);
    expect(pick("T10")).toEqual([10, "fixed_12m", 355, 0, 0]);
    expect(pick("T11")).toEqual([911, "fixed_24m", 700, 0, 0]); // 30 June 2026 -> 30 May 2028
    expect(r.get("T1")["plan"]).toBe("basic");
    expect(r.result.skippedFeatures.map((s) => s.feature)).toContain("plan_changed_90d");
  });
});
