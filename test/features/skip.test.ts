import { expect, test } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import { msg } from "../../src/messages.js";
import { FAMILIES } from "../../src/features/registry.js";
import { createTable, run, sub } from "./helpers.js";

test("families whose optional tables are absent are skipped and named, not an error", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("A"), sub("B", { deactivation_date: "2026-07-10" })]);
    const r = await run(db, ["2026-06-30"], { dataEnd: new Date("2026-08-31T00:00:00Z") });
    const status = Object.fromEntries(r.result.families.map((f) => [f.id, [f.status, f.reason ?? null]]));
    expect(status).toEqual({
      tenure: ["computed", null],
      profile: ["computed", null],
      revenue: ["computed", null],
      engagement: ["skipped", msg.featTableAbsent("usage")],
      history: ["skipped", msg.featTableAbsent("usage")],
      contacts: ["skipped", msg.featTableAbsent("campaigns")],
      network: ["skipped", msg.featTableAbsent("usage")],
      complaints: ["skipped", msg.featTableAbsent("complaints")],
      products: ["skipped", `${msg.featTableAbsent("products")}; ${msg.featTableAbsent("surveys")}`],
    });
    expect(Object.keys(r.rows[0] ?? {})).toEqual([
      "subscriber_id",
      "as_of",
      "tenure_days",
      "contract_type",
      "days_to_contract_end",
      "out_of_contract",
      "in_renewal_window",
      "plan",
      "region",
      "preferred_channel",
      "arpu_3m",
      "label",
    ]);
    expect(r.rows.map((x) => x["label"])).toEqual([0, 1]);
  });
});

test("a missing optional column skips only the features that need it", async () => {
  await withDb(async (db) => {
    await createTable(db, "subscribers", [sub("A")]);
    await createTable(db, "usage", [{ subscriber_id: "A", date: "2026-06-30", data_mb: 5 }], ["dropped_calls"]);
    await createTable(db, "billing", [{ subscriber_id: "A", month: "2026-06-01", amount_billed: 5 }], ["discount", "paid_late"]);
    await createTable(db, "surveys", [{ subscriber_id: "A", date: "2026-06-01", nps: 3 }]);
    const r = await run(db, ["2026-06-30"]);
    const families = Object.fromEntries(r.result.families.map((f) => [f.id, f.status]));
    expect(families["network"]).toBe("skipped");
    expect(families["engagement"]).toBe("computed");
    expect(families["products"]).toBe("computed");
    const skipped = r.result.skippedFeatures.map((s) => `${s.feature}: ${s.reason}`);
    expect(skipped).toContain(`discount_share_3m: ${msg.featColumnAbsent("billing", "discount")}`);
    expect(skipped).toContain(`dropped_calls_30d: ${msg.featColumnAbsent("usage", "dropped_calls")}`);
    expect(skipped).toContain(`active_products: ${msg.featTableAbsent("products")}`);
    const row = r.rows[0] ?? {};
    expect(row["last_nps"]).toBe(3);
    expect(row["arpu_3m"]).toBe(5);
    expect(row).not.toHaveProperty("active_products");
    expect(row).not.toHaveProperty("late_payments_6m");
  });
});

test("every feature has a unique name, a unit and a one-line description", () => {
  const names = FAMILIES.flatMap((f) => f.features.map((x) => x.name));
  expect(new Set(names).size).toBe(names.length);
  expect(names).not.toContain("label");
  for (const f of FAMILIES) {
    for (const x of f.features) {
      expect(x.unit.length, x.name).toBeGreaterThan(0);
      expect(x.description.length, x.name).toBeGreaterThan(10);
      expect(x.description, x.name).not.toContain("\n");
      expect(Object.keys(f.reads).length, f.id).toBeGreaterThan(0);
    }
  }
});
