import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

const c = (opened_at: string, category: string, resolved_at: string | null) => ({ subscriber_id: "C1", opened_at, category, resolved_at });

test("complaint features, worked by hand (as-of 2026-06-30)", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("C1"), sub("C2")]);
    await createTable(db, "complaints", [
      c("2026-06-25", "network", null), // k = 5, open
      c("2026-06-10", "network", "2026-07-05"), // k = 20, resolved after as-of: open at as-of, no resolution time
      c("2026-05-01", "billing", "2026-05-05"), // k = 60, 4 days
      c("2025-09-01", "service", "2025-09-11"), // k = 302, 10 days
      c("2025-01-01", "other", "2025-01-02"), // k = 545: older than a year
      c("2026-07-02", "billing", null), // after as-of
    ]);
    const r = await run(db, ["2026-06-30"]);
    const x = r.get("C1");
    expect([x["complaints_30d"], x["complaints_90d"], x["complaints_365d"]]).toEqual([2, 3, 4]);
    expect(x["days_since_last_complaint"]).toBe(5);
    expect(x["open_complaints"]).toBe(2);
    expect(x["repeat_complaint_30d"]).toBe(1); // two network complaints within 30 days
    expect(x["mean_resolution_days_365d"]).toBeCloseTo((4 + 10) / 2, 9);
    expect([x["complaints_billing_90d"], x["complaints_network_90d"], x["complaints_service_90d"], x["complaints_other_90d"]]).toEqual([1, 2, 0, 0]);
    // no complaints: counts are 0 (the truth), the rest empty
    const y = r.get("C2");
    expect([y["complaints_30d"], y["open_complaints"], y["repeat_complaint_30d"], y["complaints_network_90d"]]).toEqual([0, 0, 0, 0]);
    expect([y["days_since_last_complaint"], y["mean_resolution_days_365d"]]).toEqual([null, null]);
  });
});
