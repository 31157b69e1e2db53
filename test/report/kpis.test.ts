import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { Db } from "../../src/io/duckdb.js";
import { msg } from "../../src/messages.js";
import { buildKpiSql, computeKpis, type KpiRow, kpiMonths, SEGMENT_COLUMNS } from "../../src/report/kpis.js";

// Seven subscribers, worked by hand for February and March 2026 (asOf 2026-03-31):
// A fixed_12m, stays;                   B month_to_month, leaves 02-15;   C prepaid, new 02-05;
// D prepaid, new 02-20 and gone 02-25;  E fixed_24m, leaves 03-20;        F fixed_12m, stays;
// G left 2026-01-15: the first recorded deactivation, so the data start in January 2026.
const SUBSCRIBERS = `
  ('A', DATE '2025-01-10', NULL,              'p', 'fixed_12m',      DATE '2026-02-10', 30.0, 'north', 'sms'),
  ('B', DATE '2025-06-01', DATE '2026-02-15', 'p', 'month_to_month', NULL,              20.0, 'north', 'sms'),
  ('C', DATE '2026-02-05', NULL,              'p', 'prepaid',        NULL,              10.0, 'south', NULL),
  ('D', DATE '2026-02-20', DATE '2026-02-25', 'p', 'prepaid',        NULL,              10.0, 'south', NULL),
  ('E', DATE '2024-03-01', DATE '2026-03-20', 'p', 'fixed_24m',      DATE '2026-03-01', 50.0, 'south', 'email'),
  ('F', DATE '2025-05-01', NULL,              'p', 'fixed_12m',      DATE '2026-03-15', 40.0, 'north', 'app'),
  ('G', DATE '2023-01-01', DATE '2026-01-15', 'p', 'month_to_month', NULL,              25.0, 'north', 'sms')`;

async function world(db: Db, tables: { billing?: boolean; products?: boolean; complaints?: boolean } = {}): Promise<void> {
  await db.run(`CREATE TABLE subscribers AS SELECT * FROM (VALUES ${SUBSCRIBERS}) t(subscriber_id, activation_date, deactivation_date, plan, contract_type, contract_end_date, monthly_fee, region, preferred_channel)`);
  if (tables.billing !== false)
    await db.run(`CREATE TABLE billing AS SELECT subscriber_id, CAST(month AS DATE) AS month, amount_billed FROM (VALUES
      ('A', '2026-01-01', 30.0), ('A', '2026-02-01', 30.0), ('A', '2026-03-01', 30.0), ('B', '2026-02-01', 20.0),
      ('C', '2026-02-01', 10.0), ('C', '2026-03-01', 12.0), ('E', '2026-02-01', 50.0), ('E', '2026-03-01', 50.0),
      ('F', '2026-02-01', 40.0), ('F', '2026-03-01', 40.0)) t(subscriber_id, month, amount_billed)`);
  if (tables.products !== false)
    await db.run(`CREATE TABLE products AS SELECT subscriber_id, product, CAST(start_date AS DATE) AS start_date, CAST(end_date AS DATE) AS end_date FROM (VALUES
      ('A', 'mobile', '2025-01-10', NULL), ('A', 'broadband', '2026-02-20', NULL),
      ('C', 'mobile', '2026-02-05', NULL), ('C', 'tv', '2026-02-06', '2026-03-10'),
      ('E', 'mobile', '2024-03-01', NULL), ('F', 'mobile', '2025-05-01', NULL), ('F', 'mobile', '2025-06-01', NULL)) t(subscriber_id, product, start_date, end_date)`);
  if (tables.complaints !== false)
    await db.run(`CREATE TABLE complaints AS SELECT subscriber_id, CAST(opened_at AS DATE) AS opened_at, category FROM (VALUES
      ('B', '2026-02-10', 'billing'), ('E', '2026-03-05', 'network'), ('E', '2026-03-06', 'network'), ('A', '2026-01-20', 'other')) t(subscriber_id, opened_at, category)`);
}

const find = (rows: KpiRow[], month: string, segment: string) => {
  const r = rows.find((x) => x.month === month && x.segment === segment);
  if (!r) throw new Error(`no row ${month} ${segment}`);
  return r;
};

describe("kpiMonths", () => {
  it("lists the complete months ending on or before asOf", () => {
    expect(kpiMonths("2026-03-31", 2)).toEqual(["2026-02-01", "2026-03-01"]);
    expect(kpiMonths("2026-03-30", 2)).toEqual(["2026-01-01", "2026-02-01"]);
    expect(kpiMonths("2026-01-31", 3)).toEqual(["2025-11-01", "2025-12-01", "2026-01-01"]);
  });
  it("refuses a malformed date with the report message", () => {
    expect(() => kpiMonths("31/03/2026", 2)).toThrow(new UsageError(msg.reportBadDate("asOf", "31/03/2026")));
  });
});

describe("computeKpis", () => {
  let db: Db;
  beforeEach(async () => {
    db = await Db.open({ threads: 1 });
  });
  afterEach(() => db.close());

  it("computes every KPI for all subscribers as worked by hand", async () => {
    await world(db);
    const k = await computeKpis(db, { asOf: "2026-03-31", months: 2, segment: "contract_type" });
    expect(k.months).toEqual(["2026-02-01", "2026-03-01"]);
    expect(k.skipped).toEqual([]);
    const feb = find(k.rows, "2026-02-01", "(all)");
    // start A,B,E,F; end A,C,E,F; new C,D; B churned; base (active in Feb) A,B,C,D,E,F.
    expect(feb).toMatchObject({ customersStart: 4, customersEnd: 4, newCustomers: 2, churned: 1, churnRate: 0.25, retentionRate: 0.5 });
    expect(feb.arpu).toBeCloseTo(150 / 5, 12); // A30 B20 C10 E50 F40
    expect(feb.lifetimeRevenue).toBeCloseTo(30 * 4, 12); // lifetime 1/0.25 = 4 months
    expect(feb.multiProductRate).toBeCloseTo(2 / 4, 12); // A and C hold 2 of the 4 at end
    expect(feb.complaintRate).toBeCloseTo(1 / 6, 12); // B, of 6 active in Feb
    const mar = find(k.rows, "2026-03-01", "(all)");
    expect(mar).toMatchObject({ customersStart: 4, customersEnd: 3, newCustomers: 0, churned: 1, churnRate: 0.25, retentionRate: 0.75 });
    expect(mar.arpu).toBeCloseTo(132 / 4, 12);
    expect(mar.lifetimeRevenue).toBeCloseTo(33 * 4, 12);
    expect(mar.multiProductRate).toBeCloseTo(1 / 3, 12); // C's tv ended 03-10; F's two mobile rows are one product
    expect(mar.complaintRate).toBeCloseTo(1 / 4, 12); // E (two complaints, one subscriber)
    // the subscribers table cannot show renewals (only each contract's current end): no renewal rate here
    expect(Object.keys(mar)).not.toContain("renewalRate");
  });

  it("splits by segment, with empty denominators as null and the lifetime cap at zero churn", async () => {
    await world(db);
    const k = await computeKpis(db, { asOf: "2026-03-31", months: 2, segment: "contract_type" });
    expect(k.rows.filter((r) => r.month === "2026-02-01").map((r) => r.segment)).toEqual(["(all)", "fixed_12m", "fixed_24m", "month_to_month", "prepaid"]);
    const pre = find(k.rows, "2026-02-01", "prepaid");
    expect(pre).toMatchObject({ customersStart: 0, customersEnd: 1, newCustomers: 2, churnRate: null, retentionRate: null, lifetimeRevenue: null });
    const f12 = find(k.rows, "2026-02-01", "fixed_12m");
    expect(f12).toMatchObject({ customersStart: 2, churnRate: 0, arpu: 35, lifetimeRevenue: 35 * 60 });
    const f24 = find(k.rows, "2026-03-01", "fixed_24m");
    expect(f24).toMatchObject({ customersStart: 1, churned: 1, churnRate: 1, retentionRate: 0, lifetimeRevenue: 50 });
    const byRegion = await computeKpis(db, { asOf: "2026-03-31", months: 2, segment: "region" });
    expect(find(byRegion.rows, "2026-02-01", "north")).toMatchObject({ customersStart: 3, churned: 1 });
    expect(find(byRegion.rows, "2026-02-01", "south")).toMatchObject({ customersStart: 1, newCustomers: 2 });
    const none = await computeKpis(db, { asOf: "2026-03-31", months: 2, segment: null });
    expect(none.rows.map((r) => r.segment)).toEqual(["(all)", "(all)"]);
  });

  it("skips the KPIs whose table is absent", async () => {
    await world(db, { billing: false, products: false, complaints: false });
    const k = await computeKpis(db, { asOf: "2026-03-31", months: 2 });
    expect(k.skipped).toEqual([
      { kpi: "arpu", table: "billing" },
      { kpi: "lifetimeRevenue", table: "billing" },
      { kpi: "multiProductRate", table: "products" },
      { kpi: "complaintRate", table: "complaints" },
    ]);
    expect(k.computed).toEqual(["churnRate", "retentionRate"]);
    const feb = find(k.rows, "2026-02-01", "(all)");
    expect(feb).toMatchObject({ churnRate: 0.25, arpu: null, lifetimeRevenue: null, multiProductRate: null, complaintRate: null });
  });

  it("leaves out the months before the data start, and a KPI before its own table starts", async () => {
    await world(db);
    // billing from February only: January's ARPU is missing data, not zero
    await db.run("DELETE FROM billing WHERE month < DATE '2026-02-01'");
    const k = await computeKpis(db, { asOf: "2026-03-31", months: 5, segment: null });
    // G's deactivation (2026-01-15) is the first: November and December 2025 would read churn 0%, retention 100%
    expect(k.dataStart).toBe("2026-01-01");
    expect(k.leftOut).toEqual(["2025-11-01", "2025-12-01"]);
    expect(k.months).toEqual(["2026-01-01", "2026-02-01", "2026-03-01"]);
    const jan = find(k.rows, "2026-01-01", "(all)");
    expect(jan).toMatchObject({ churned: 1, arpu: null, lifetimeRevenue: null });
    expect(jan.complaintRate).not.toBeNull(); // complaints start in January (A, 01-20)
    expect(find(k.rows, "2026-02-01", "(all)").arpu).toBeCloseTo(150 / 5, 12);
    // nobody ever left: the first billing or complaint row starts the data
    await db.run("UPDATE subscribers SET deactivation_date = NULL");
    const noChurn = await computeKpis(db, { asOf: "2026-03-31", months: 5, segment: null });
    expect(noChurn.dataStart).toBe("2026-01-01"); // A's complaint on 01-20
    expect(noChurn.leftOut).toEqual(["2025-11-01", "2025-12-01"]);
  });

  it("needs the subscribers table", async () => {
    await expect(computeKpis(db, { asOf: "2026-03-31" })).rejects.toThrow(new UsageError(msg.reportNoSubscribers()));
  });
});

describe("buildKpiSql", () => {
  it("only accepts segment columns from the allow-list", () => {
    const has = { billing: true, products: true, complaints: true };
    expect(() => buildKpiSql("region; DROP TABLE subscribers" as never, has)).toThrow(new UsageError(msg.reportBadSegment("region; DROP TABLE subscribers", SEGMENT_COLUMNS)));
    expect(buildKpiSql("region", has)).toContain('s."region"');
  });
});
