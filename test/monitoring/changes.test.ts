import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Db, quoteLiteral } from "../../src/io/duckdb.js";
import { computeChanges, countRenewals, renewalMonths, writeChangesCsv } from "../../src/monitoring/changes.js";
import { readText } from "../../src/io/files.js";
import type { Logger } from "../../src/log.js";
import type { RunManifest } from "../../src/pipeline/manifest.js";
import { historyOf } from "../../src/pipeline/history.js";
import { tempDir } from "../model/helpers.js";

// the previous run (2026-04-30) and this one (2026-05-31), by hand:
//   A low → critical (newly critical)   B medium → high (newly high)   C critical → low (down)   D high → critical (up, newly critical)
//   E critical, deactivated (left)      F high, absent now (not in data)   G not scored before, high now (new, newly high)
//   H medium → medium (same)
const PREV = `('A', 0.05, 'low', 'none', 'no'), ('B', 0.2, 'medium', 'digital_nudge', 'yes'), ('C', 0.7, 'critical', 'care_call', 'yes'),
  ('D', 0.4, 'high', 'care_call', 'yes'), ('E', 0.8, 'critical', 'renewal_offer', 'yes'), ('F', 0.45, 'high', 'none', 'no'), ('H', 0.15, 'medium', 'none', 'no')`;
const NOW = `(1, 'D', 0.75, 'critical', 'care_call', 'yes', 'r1', NULL, NULL, 'fixed_12m', 300), (2, 'A', 0.65, 'critical', 'care_call', 'yes', 'contract ends in 20 days', 'r2', NULL, 'fixed_12m', 20),
  (3, 'G', 0.45, 'high', 'digital_nudge', 'yes', NULL, NULL, NULL, 'month_to_month', NULL), (4, 'B', 0.4, 'high', 'none', 'no', NULL, NULL, NULL, 'fixed_24m', 700),
  (5, 'H', 0.15, 'medium', 'none', 'no', NULL, NULL, NULL, 'prepaid', NULL), (6, 'C', 0.05, 'low', 'none', 'no', NULL, NULL, NULL, 'fixed_12m', -10)`;

describe("changes since the last run", () => {
  let db: Db;
  let prev: string;
  beforeEach(async () => {
    db = await Db.open({ threads: 1 });
    prev = join(tempDir("churn-changes-"), "2026-04-30");
    mkdirSync(prev);
    await db.run(`COPY (SELECT * FROM (VALUES ${PREV}) t(subscriber_id, probability, band, action, selected)) TO ${quoteLiteral(`${prev}/risk_list.parquet`)} (FORMAT parquet)`);
    await db.run(`CREATE TABLE risk_list AS SELECT * FROM (VALUES ${NOW}) t(rank, subscriber_id, probability, band, action, selected, reason_1, reason_2, reason_3, contract_type, days_to_contract_end)`);
    await db.run(`CREATE TABLE rejects AS SELECT * FROM (VALUES ('subscribers', 'E', 'not_active_at_as_of')) t(table_name, value, reason)`);
  });
  afterEach(() => db.close());

  it("counts the newly critical and high, moves, who left, and what became of those the previous plan selected", async () => {
    const c = await computeChanges(db, { dir: prev, runId: "2026-04-30", asOf: "2026-04-30" });
    expect(c).toMatchObject({ previous: { runId: "2026-04-30", asOf: "2026-04-30" }, newlyCritical: 2, newlyHigh: 2, movedDown: 1, movedUp: 3, left: 1, notInData: 1, new: 1 });
    expect(c.newlyAtRisk.map((x) => [x.subscriberId, x.previousBand, x.band])).toEqual([
      ["D", "high", "critical"],
      ["A", "low", "critical"],
      ["G", null, "high"],
      ["B", "medium", "high"],
    ]);
    expect(c.newlyAtRisk[1]!.reasons).toEqual(["contract ends in 20 days", "r2"]);
    expect(c.contacted).toEqual([
      { action: "care_call", selected: 2, left: 0, down: 1, same: 0, up: 1, notInData: 0 },
      { action: "digital_nudge", selected: 1, left: 0, down: 0, same: 0, up: 1, notInData: 0 },
      { action: "renewal_offer", selected: 1, left: 1, down: 0, same: 0, up: 0, notInData: 0 },
    ]);
    expect(c.transitions).toContainEqual({ from: "critical", to: "left", subscribers: 1 });
    expect(c.transitions).toContainEqual({ from: "new", to: "high", subscribers: 1 });
    expect(c.transitions.reduce((a, t) => a + t.subscribers, 0)).toBe(8);
    const out = join(prev, "..", "changes.csv");
    await writeChangesCsv(db, out);
    const lines = readText(out).trim().split("\n");
    expect(lines[0]).toBe("subscriber_id,change,previous_band,band,previous_probability,probability,previously_selected,previous_action,previous_group,action");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["D,up", "A,up", "B,up", "G,new", "C,down", "E,left", "F,not in data"]);
  });

  it("splits those the previous plan selected into contacted and held out (its control group) when that run recorded them", async () => {
    // B, D contacted (treatment); C, E held out (control)
    await db.run(`COPY (SELECT *, CASE WHEN subscriber_id IN ('C', 'E') THEN 'control' WHEN selected = 'yes' THEN 'treatment' ELSE '' END AS "group"
      FROM (VALUES ${PREV}) t(subscriber_id, probability, band, action, selected)) TO ${quoteLiteral(`${prev}/risk_list.parquet`)} (FORMAT parquet)`);
    const c = await computeChanges(db, { dir: prev, runId: "2026-04-30", asOf: "2026-04-30" });
    expect(c.contacted).toEqual([
      { action: "care_call", group: "contacted", selected: 1, left: 0, down: 0, same: 0, up: 1, notInData: 0 },
      { action: "care_call", group: "held out", selected: 1, left: 0, down: 1, same: 0, up: 0, notInData: 0 },
      { action: "digital_nudge", group: "contacted", selected: 1, left: 0, down: 0, same: 0, up: 1, notInData: 0 },
      { action: "renewal_offer", group: "held out", selected: 1, left: 1, down: 0, same: 0, up: 0, notInData: 0 },
    ]);
    const out = join(prev, "..", "changes-grouped.csv");
    await writeChangesCsv(db, out);
    const rows = readText(out).trim().split("\n").slice(1).map((l) => l.split(","));
    expect(rows.filter((r) => r[6] === "yes").map((r) => [r[0], r[8]])).toEqual([["D", "contacted"], ["B", "contacted"], ["C", "held out"], ["E", "held out"]]);
    expect(rows.filter((r) => r[6] === "no").every((r) => r[8] === "")).toBe(true);
  });

  it("judges each month's renewals once, 30 days after it ended", () => {
    expect(renewalMonths("2026-05-31", "2026-04-30")).toEqual(["2026-04-01"]);
    expect(renewalMonths("2026-05-29", "2026-04-30")).toEqual([]); // April's last day + 30 is 2026-05-30
    // 2026-02-28 could judge December (ended 31 days + 30 before it), not January
    expect(renewalMonths("2026-05-31", "2026-02-28")).toEqual(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"]);
    expect(renewalMonths("2026-05-31", null)).toHaveLength(24);
  });

  it("counts renewals of the terms an earlier run saw ending: renewed, out of contract, left", async () => {
    const ref = join(prev, "..", "2026-03-31");
    mkdirSync(ref);
    // as seen on 2026-03-31: A, B, C, E end in April (E leaves); D ends in May (not counted); H is prepaid
    await db.run(`COPY (SELECT subscriber_id, CAST(contract_end AS DATE) AS contract_end, contract_type FROM (VALUES ('A', '2026-04-10', 'fixed_12m'), ('B', '2026-04-20', 'fixed_24m'),
      ('C', '2026-04-21', 'fixed_12m'), ('E', '2026-04-05', 'fixed_12m'), ('D', '2026-05-03', 'fixed_12m'), ('H', NULL, 'prepaid')) t(subscriber_id, contract_end, contract_type))
      TO ${quoteLiteral(`${ref}/scores.parquet`)} (FORMAT parquet)`);
    // now (2026-05-31): A's term ends 2026-06-20 and B's in 2028 (both moved forward: renewed); C is month-to-month (out of
    // contract, stayed); E was deactivated (left)
    await db.run("UPDATE risk_list SET contract_type = 'month_to_month', days_to_contract_end = NULL WHERE subscriber_id = 'C'");
    const r = await countRenewals(db, { dir: ref }, "2026-04-01", "2026-05-31");
    expect(r).toEqual({ month: "2026-04-01", ending: 4, renewed: 2, rolledOver: 1, left: 1 });
  });

  it("does not count renewals against a run that saw the contracts as a later export had them", async () => {
    const ref = join(prev, "..", "2026-03-31");
    mkdirSync(ref);
    await db.run(`COPY (SELECT * FROM (VALUES ('A', 0.1, 'low', 'none', 'no')) t(subscriber_id, probability, band, action, selected)) TO ${quoteLiteral(`${ref}/risk_list.parquet`)} (FORMAT parquet)`);
    await db.run(`COPY (SELECT 'A' AS subscriber_id, DATE '2026-04-10' AS contract_end, 'fixed_12m' AS contract_type) TO ${quoteLiteral(`${ref}/scores.parquet`)} (FORMAT parquet)`);
    const run = (dir: string, asOf: string, dataEnd: string) => ({ dir, manifest: { run_id: asOf, as_of: asOf, data_end: dataEnd } as RunManifest });
    const warnings: string[] = [];
    const log: Logger = { warn: (m) => void warnings.push(m), info: () => {}, progress: () => ({ tick: () => {}, done: () => {} }) };
    // the March run read an export of its own day: April's renewals are judged against it
    const own = await historyOf(db, { asOf: "2026-05-31", earlier: [run(ref, "2026-03-31", "2026-03-31"), run(prev, "2026-04-30", "2026-04-30")], log });
    expect(own.renewals).toEqual([{ month: "2026-04-01", ending: 1, renewed: 1, rolledOver: 0, left: 0 }]);
    expect(own.renewalNote).toBeUndefined();
    // the same run scored from an export that ends in June: a term that rolled over in April would look never fixed
    const late = await historyOf(db, { asOf: "2026-05-31", earlier: [run(ref, "2026-03-31", "2026-06-30"), run(prev, "2026-04-30", "2026-06-30")], log });
    expect(late.renewals).toEqual([]);
    expect(late.renewalNote).toMatch(/2026-04 not shown: .* runs to 2026-06-30/);
    expect(warnings).toEqual([late.renewalNote]);
    expect(late.changes?.previous.asOf).toBe("2026-04-30");
  });
});
