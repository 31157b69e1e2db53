/**
 * No peeking into the future: changing or appending any row dated after as-of changes no feature value.
 * One base world with every table; each mutation touches only rows dated after the as-of dates (and the
 * date columns that lie in the future relative to them: resolved_at, end_date, deactivation_date, a renewal's
 * contract_end_date). Features must be identical; only the label may change.
 */
import { beforeAll, describe, expect, test } from "vitest";
import { type Db, type Row, withDb } from "../../src/io/duckdb.js";
import { createTable, run, sub } from "./helpers.js";

const AS_OF = ["2026-03-15", "2026-03-31"];
const AFTER = "2026-04-01"; // after both as-of dates
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

async function baseWorld(db: Db): Promise<void> {
  await createTable(db, "subscribers", [
    sub("S1", { activation_date: "2025-01-10", contract_type: "fixed_12m", contract_end_date: "2026-05-15" }),
    sub("S2", { activation_date: "2025-11-20", contract_type: "month_to_month" }),
    sub("S3", { activation_date: "2024-06-01", contract_type: "fixed_24m", contract_end_date: "2026-06-01", deactivation_date: "2026-05-20" }),
    sub("S4", { activation_date: "2026-03-01", contract_type: "prepaid" }),
    // a fixed term that ended between the two as-of dates
    sub("S5", { activation_date: "2024-03-20", contract_type: "fixed_12m", contract_end_date: "2026-03-20" }),
  ]);
  const usage: Record<string, unknown>[] = [];
  const start = Date.UTC(2025, 11, 1);
  for (let d = 0; d < 150; d++) {
    for (const [i, id] of ["S1", "S2", "S3"].entries()) {
      if ((d * (i + 3)) % 7 === 0) continue; // some missing days
      usage.push({ subscriber_id: id, date: iso(start + d * DAY), data_mb: 10 + ((d * 7 + i) % 23), voice_minutes: (d + i) % 9, sms: d % 3, sessions: (d + i) % 2, dropped_calls: d % 11 === 0 ? 1 : 0 });
    }
  }
  await createTable(db, "usage", usage);
  const months = ["2025-10-01", "2025-11-01", "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01"];
  await createTable(
    db,
    "billing",
    months.flatMap((m, i) => [
      { subscriber_id: "S1", month: m, amount_billed: 30 + i, discount: i % 2, paid_late: i % 3 === 0 },
      { subscriber_id: "S3", month: m, amount_billed: 50, discount: 0, paid_late: false },
    ]),
  );
  await createTable(db, "complaints", [
    { subscriber_id: "S1", opened_at: "2026-03-10", category: "network", resolved_at: null },
    { subscriber_id: "S1", opened_at: "2026-03-01", category: "network", resolved_at: "2026-03-05" },
    { subscriber_id: "S2", opened_at: "2026-02-01", category: "billing", resolved_at: "2026-04-10" }, // resolved after as-of
    { subscriber_id: "S3", opened_at: "2026-04-05", category: "service", resolved_at: "2026-04-06" },
  ]);
  await createTable(db, "products", [
    { subscriber_id: "S1", product: "mobile", start_date: "2025-01-10", end_date: null },
    { subscriber_id: "S1", product: "email_hosting", start_date: "2025-06-01", end_date: null },
    { subscriber_id: "S2", product: "broadband", start_date: "2025-11-20", end_date: "2026-05-01" }, // ends after as-of
    { subscriber_id: "S3", product: "tv", start_date: "2026-04-10", end_date: null },
  ]);
  await createTable(db, "surveys", [
    { subscriber_id: "S1", date: "2026-01-05", nps: 8 },
    { subscriber_id: "S1", date: "2026-03-20", nps: 4 }, // between the two as-of dates
    { subscriber_id: "S2", date: "2026-04-15", nps: 2 },
  ]);
  await createTable(db, "campaigns", [{ subscriber_id: "S1", date: "2026-04-02", action: "care_call", group: "treatment" }]);
}

const MUTATIONS: [string, string[]][] = [
  ["usage: change rows after as-of", [`UPDATE usage SET data_mb = data_mb * 100, voice_minutes = 0, sms = 50, sessions = 9, dropped_calls = 7 WHERE date >= '${AFTER}'`]],
  [
    "usage: append rows after as-of (also for a subscriber without usage)",
    [`INSERT INTO usage VALUES ('S4', '${AFTER}', 1, 1, 1, 1, 1), ('S1', '2026-06-01', 9, 9, 9, 9, 9)`],
  ],
  [
    "billing: change and append months after as-of",
    [`UPDATE billing SET amount_billed = 999, discount = 99, paid_late = true WHERE month >= '${AFTER}'`, "INSERT INTO billing VALUES ('S2', '2026-04-01', 77, 7, true)"],
  ],
  [
    "complaints: resolved_at after as-of, changed; open ones resolved after as-of; new complaints after as-of",
    [
      "UPDATE complaints SET resolved_at = '2026-06-30' WHERE resolved_at > '2026-03-31'",
      "UPDATE complaints SET resolved_at = '2026-04-20' WHERE resolved_at IS NULL",
      `INSERT INTO complaints VALUES ('S1', '${AFTER}', 'billing', NULL), ('S4', '2026-04-03', 'network', '2026-04-04')`,
    ],
  ],
  [
    "products: end_date after as-of, products added after as-of",
    [
      `UPDATE products SET end_date = '2026-04-20' WHERE end_date IS NULL AND start_date <= '2026-03-15'`,
      "UPDATE products SET end_date = '2026-07-01' WHERE end_date = '2026-05-01'",
      `INSERT INTO products VALUES ('S4', 'email_hosting', '${AFTER}', NULL)`,
    ],
  ],
  ["surveys: change and append answers after as-of", ["UPDATE surveys SET nps = 10 WHERE date > '2026-03-31'", `INSERT INTO surveys VALUES ('S4', '${AFTER}', 0)`]],
  [
    "subscribers: deactivation after as-of, changed or added",
    ["UPDATE subscribers SET deactivation_date = '2026-04-02' WHERE subscriber_id = 'S3'", "UPDATE subscribers SET deactivation_date = '2026-06-10' WHERE subscriber_id = 'S2'"],
  ],
  ["subscribers: a fixed term renewed after as-of (contract_end_date one term later)", ["UPDATE subscribers SET contract_end_date = '2027-05-15' WHERE subscriber_id = 'S1'"]],
  [
    "subscribers: a term that ended 11 days before as-of, renewed after it from its old end (contract_end_date one term later)",
    ["UPDATE subscribers SET contract_end_date = '2027-03-20' WHERE subscriber_id = 'S5'"],
  ],
  ["campaigns: contacts after as-of", [`INSERT INTO campaigns VALUES ('S2', '${AFTER}', 'price_incentive', 'treatment')`]],
];

/** Feature values only (the label looks into the future by definition). */
const features = (rows: Row[]) => rows.map(({ label: _label, ...rest }) => rest);

describe("leakage", () => {
  let baseline: Row[] = [];
  beforeAll(async () => {
    await withDb(async (db) => {
      await baseWorld(db);
      baseline = features((await run(db, AS_OF, { dataEnd: new Date("2026-06-30T00:00:00Z") })).rows);
    });
    expect(baseline.length).toBe(10); // 5 subscribers x 2 as-of dates
  });

  test.each(MUTATIONS)("%s changes no feature value", async (_name, statements) => {
    await withDb(async (db) => {
      await baseWorld(db);
      for (const s of statements) await db.run(s);
      const after = features((await run(db, AS_OF, { dataEnd: new Date("2026-06-30T00:00:00Z") })).rows);
      expect(after).toEqual(baseline);
    });
  });

  test("the check can fail: a change dated on the as-of day does change features", async () => {
    await withDb(async (db) => {
      await baseWorld(db);
      await db.run("UPDATE usage SET data_mb = data_mb + 1000 WHERE date = '2026-03-31'");
      const after = features((await run(db, AS_OF, { dataEnd: new Date("2026-06-30T00:00:00Z") })).rows);
      expect(after).not.toEqual(baseline);
    });
  });
});
