import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/contract/tables.js";
import { InputDataError, UsageError } from "../../src/errors.js";
import { quoteLiteral, withDb } from "../../src/io/duckdb.js";
import { msg } from "../../src/messages.js";
import { ACTION_EFFECTS, effectMultiplier, treatedProbability } from "../../src/synth/actions.js";
import { SEGMENTS } from "../../src/synth/drivers.js";
import { validateGenerateOptions } from "../../src/synth/generate.js";
import { loadTruth } from "../../src/synth/truth.js";
import { tempWorld } from "./helpers.js";

describe("truth/ for campaign simulation", () => {
  let w: Awaited<ReturnType<typeof tempWorld>>;
  beforeAll(async () => {
    w = await tempWorld({ subscribers: 2000, months: 6, seed: 5, format: "parquet" });
  });
  afterAll(() => w.cleanup());

  it("holds the true effect of every action on every segment", async () => {
    expect(ACTION_EFFECTS).toHaveLength(ACTIONS.length * SEGMENTS.length);
    const rows = await withDb((db) => db.all(`SELECT * FROM read_parquet(${quoteLiteral(`${w.dir}/truth/action_effects.parquet`)}) ORDER BY action, segment`));
    expect(rows).toHaveLength(ACTION_EFFECTS.length);
    for (const r of rows) {
      const e = ACTION_EFFECTS.find((x) => x.action === r["action"] && x.segment === r["segment"])!;
      expect(r["hazard_multiplier"]).toBe(e.hazardMultiplier);
      expect(r["hazard_multiplier_otherwise"]).toBe(e.otherwise);
      expect(r["condition"]).toBe(e.condition);
    }
  });

  it("effects differ by segment as in life", () => {
    const none = { nearContractEnd: false, hasProblem: false };
    const problem = { nearContractEnd: false, hasProblem: true };
    expect(effectMultiplier("price_hunter", "price_incentive", none)).toBeLessThan(0.6);
    expect(effectMultiplier("loyal_core", "price_incentive", none)).toBe(1);
    expect(effectMultiplier("service_first", "care_call", problem)).toBeLessThan(effectMultiplier("service_first", "care_call", none));
    expect(effectMultiplier("value_seeker", "renewal_offer", { nearContractEnd: true, hasProblem: false })).toBeLessThan(0.5);
    expect(effectMultiplier("sleeping_dog", "care_call", problem)).toBeGreaterThan(1);
    expect(effectMultiplier("mainstream", "digital_nudge", none)).toBeGreaterThan(0.95);
  });

  it("effects also depend on the subscriber's visible history: usage falling, an open ticket, a recent contact", () => {
    const calm = { nearContractEnd: false, hasProblem: false };
    // a nudge works when usage is falling, hardly otherwise
    expect(effectMultiplier("mainstream", "digital_nudge", { ...calm, disengaged: true })).toBeLessThan(0.85);
    expect(effectMultiplier("mainstream", "digital_nudge", calm)).toBeGreaterThan(0.99);
    // marketing while a ticket is open raises churn, for every segment
    for (const seg of SEGMENTS) {
      expect(effectMultiplier(seg, "digital_nudge", { nearContractEnd: false, hasProblem: true, openTicket: true })).toBeGreaterThan(1);
      expect(effectMultiplier(seg, "loyalty_points", { nearContractEnd: false, hasProblem: true, openTicket: true })).toBeGreaterThan(1);
    }
    // a second contact within 60 days does much less; a harmful one stays harmful
    const first = effectMultiplier("price_hunter", "price_incentive", calm);
    const again = effectMultiplier("price_hunter", "price_incentive", { ...calm, daysSinceContact: 20 });
    expect(1 - again).toBeLessThan(0.5 * (1 - first));
    expect(effectMultiplier("price_hunter", "price_incentive", { ...calm, daysSinceContact: 90 })).toBe(first);
    expect(effectMultiplier("sleeping_dog", "care_call", { ...calm, daysSinceContact: 20 })).toBeGreaterThan(1.5);
  });

  it("truth/monthly holds each action's multiplier with the history it depends on", async () => {
    const rows = await withDb((db) =>
      db.all(`SELECT m.*, s.segment FROM read_parquet(${quoteLiteral(`${w.dir}/truth/monthly.parquet`)}) m
        JOIN read_parquet(${quoteLiteral(`${w.dir}/truth/subscribers.parquet`)}) s USING (subscriber_id) ORDER BY subscriber_id, month_start`),
    );
    let contacted = 0;
    let open = 0;
    let harmed = 0;
    for (const r of rows) {
      const since = r["days_since_contact"] === null ? Number.POSITIVE_INFINITY : Number(r["days_since_contact"]);
      const state = {
        nearContractEnd: Boolean(r["near_contract_end"]),
        hasProblem: Boolean(r["has_problem"]),
        openTicket: Boolean(r["open_ticket"]),
        disengaged: Boolean(r["disengaged"]),
        daysSinceContact: since,
      };
      if (since < 60) contacted++;
      if (state.openTicket) open++;
      for (const a of ACTIONS) {
        const m = Number(r[`m_${a}`]);
        expect(m).toBe(effectMultiplier(r["segment"] as (typeof SEGMENTS)[number], a, state));
        if (m > 1) harmed++;
      }
    }
    // the modifiers occur: some month starts follow a recent contact, some have an open ticket, some effects harm
    expect(contacted).toBeGreaterThan(rows.length * 0.02);
    expect(open).toBeGreaterThan(0);
    expect(harmed).toBeGreaterThan(0);
  });

  it("p' = 1 - (1 - p)^m", () => {
    expect(treatedProbability(0.2, 1)).toBeCloseTo(0.2, 12);
    expect(treatedProbability(0.2, 0.5)).toBeCloseTo(1 - Math.sqrt(0.8), 12);
    expect(treatedProbability(0.2, 2)).toBeCloseTo(0.36, 12);
  });

  it("loadTruth gives p and p' for every subscriber active at the last month start", async () => {
    const t = await loadTruth(`${w.dir}/truth`);
    expect(t.monthStart).toBe("2026-06-01");
    expect(t.subscribers.size).toBeGreaterThan(1500);
    for (const [id, s] of [...t.subscribers].slice(0, 200)) {
      const p = t.pAfter(id, "none")!;
      expect(p).toBe(s.pChurn30d);
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
      for (const a of ACTIONS) expect(t.pAfter(id, a)).toBeCloseTo(treatedProbability(p, s.m![ACTIONS.indexOf(a)]!), 12);
    }
    expect(t.pAfter("S9999999", "care_call")).toBeUndefined();
    await expect(loadTruth(w.dir)).rejects.toThrow(InputDataError);
    await expect(loadTruth(w.dir)).rejects.toThrow(msg.synthTruthMissing(w.dir, "monthly.parquet"));
    // a run whose outcome month the world has not lived yet: say so and point to --continue
    await expect(loadTruth(`${w.dir}/truth`, { monthStart: "2026-07-01" })).rejects.toThrow(msg.truthEndsBefore(`${w.dir}/truth`, "2026-06-01", "2026-07-01"));
    await expect(loadTruth(`${w.dir}/truth`, { monthStart: "2020-01-01" })).rejects.toThrow(/starts with the month starting .* but the run's outcome month starts 2020-01-01/);
  });

  it("monthly truth has one row per active subscriber and month start, outcome NULL past the data", async () => {
    const r = await withDb((db) =>
      db.one(`SELECT count(*) AS n, count(DISTINCT (subscriber_id, month_start)) AS k, count(*) FILTER (WHERE churned_30d IS NULL) AS open_,
        min(p_churn_30d) AS lo, max(p_churn_30d) AS hi FROM read_parquet(${quoteLiteral(`${w.dir}/truth/monthly.parquet`)})`),
    );
    expect(r!["n"]).toBe(r!["k"]);
    expect(Number(r!["lo"])).toBeGreaterThan(0);
    expect(Number(r!["hi"])).toBeLessThan(1);
    expect(Number(r!["open_"])).toBe(0); // the default end 2026-06-30 leaves 30 days after 2026-06-01
  });
});

describe("generate options", () => {
  const ok = { subscribers: 10, months: 2, seed: 1, format: "csv" };
  it("accepts sensible options", () => expect(() => validateGenerateOptions(ok)).not.toThrow());
  it("rejects bad values with a message naming the option", () => {
    expect(() => validateGenerateOptions({ ...ok, subscribers: 0 })).toThrow(new UsageError(msg.synthBadInteger("subscribers", 0, 1, 50_000_000, 20000)));
    expect(() => validateGenerateOptions({ ...ok, months: 2.5 })).toThrow(UsageError);
    expect(() => validateGenerateOptions({ ...ok, seed: Number.NaN })).toThrow(msg.synthBadInteger("seed", Number.NaN, 0, 2_147_483_647, 7));
    expect(() => validateGenerateOptions({ ...ok, format: "xlsx" })).toThrow(msg.synthBadFormat("xlsx"));
    expect(() => validateGenerateOptions({ ...ok, end: "2026-02-30" })).toThrow(msg.synthBadEnd("2026-02-30"));
  });
});
