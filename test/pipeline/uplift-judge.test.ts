import { describe, expect, it } from "vitest";
import { defaultRetentionConfig } from "../../src/config/retention.js";
import { probabilityAfter } from "../../src/model/uplift.js";
import { type ContactRows, campaignLevels, DEFAULT_UPLIFT, judgeUplift, learnFromContacts } from "../../src/pipeline/uplift.js";
import { priorEffect } from "../../src/retention/catalog.js";
import { allSegmentKeys, type SegmentDim } from "../../src/retention/segments.js";
import { rng } from "../../src/rng.js";

const retention = defaultRetentionConfig();
const actions = retention.actions.filter((a) => a.id !== "none");
const segment = allSegmentKeys(retention.segments.effectKey as SegmentDim[])[0]!;
const MODEL_DAYS = 30.4375;

/**
 * Six waves 40 days apart of contacts with two actions and random control groups (25%), one modifier x (0/1,
 * 30% of rows); `logM(a, x)` is the truth. Outcomes over 90 days from a 30-day probability p.
 */
function contacts(
  perWave: number,
  seed: number,
  logM: (a: number, x: number) => number,
  level: (wave: number) => number = () => 1,
  segments: readonly string[] = [segment],
): ContactRows {
  const r = rng(seed);
  const W = 6;
  const n = W * perWave;
  const data: ContactRows = {
    n,
    ids: [],
    wave: new Int32Array(n),
    waveDays: Array.from({ length: W }, (_, k) => new Date(Date.UTC(2025, 0, 1) + k * 40 * 86_400_000).toISOString().slice(0, 10)),
    action: new Int32Array(n),
    treated: new Uint8Array(n),
    churned: new Uint8Array(n),
    p: new Float64Array(n),
    segment: [],
    actionCount: actions.length,
    raw: new Float64Array(n),
    defs: [{ feature: "x", label: "x" }],
  };
  for (let i = 0; i < n; i++) {
    const a = i % 2;
    const x = r() < 0.3 ? 1 : 0;
    const p = 0.01 + 0.06 * r();
    const t = r() < 0.75 ? 1 : 0;
    // the wave's churn level (a hazard multiplier on treated and control alike) is not in the model's p
    const p90 = 1 - (1 - p) ** ((90 / MODEL_DAYS) * level(Math.floor(i / perWave)));
    data.ids.push(`S${i}`);
    data.wave[i] = Math.floor(i / perWave);
    data.action[i] = a;
    data.treated[i] = t;
    data.p[i] = p;
    data.segment.push(segments.length === 1 ? segments[0]! : segments[Math.floor(r() * segments.length)]!);
    data.raw[i] = x;
    data.churned[i] = r() < (t ? probabilityAfter(p90, Math.exp(logM(a, x))) : p90) ? 1 : 0;
  }
  return data;
}

const settings = { ...DEFAULT_UPLIFT, horizonDays: 90, modifiers: [{ feature: "x", label: "x" }] };

describe("judging the uplift model on later waves (time-honest) and the plan's choice", () => {
  it("chooses the per-subscriber uplift when an action helps some subscribers and harms others", () => {
    // action 0: strong help where x = 1, harm where x = 0; action 1: the same for everyone
    const data = contacts(5000, 1, (a, x) => (a === 0 ? (x ? -1.2 : 0.4) : -0.2));
    const j = judgeUplift(data, actions, retention, settings, MODEL_DAYS)!;
    expect(j.waves).toHaveLength(3);
    expect(j.winner).toBe("uplift");
    expect(j.logLoss.uplift).toBeLessThan(j.logLoss.segment_cells);
    expect(j.results.uplift.qini).toBeGreaterThan(j.results.segment_cells.qini);
    const learned = learnFromContacts(data, retention, settings, MODEL_DAYS);
    expect(learned.method).toBe("uplift");
    expect(learned.note).toMatch(/Per-subscriber uplift from 30000 contacts/);
    // the model the plan buys with is fitted on every row; the one it does not use is not fitted at all
    expect(learned.model?.fit.converged).toBe(true);
    expect(learned.flat).toBeUndefined();
  });

  it("judges each held-out campaign at its own control group's churn level, not the churn model's", () => {
    // both actions halve the hazard; the rows are spread over every segment cell, too thin to learn, so the cells
    // keep the catalogue's priors (10-30%) and one correction per action is what the earlier waves teach. The
    // held-out waves churn 1.8x what the model predicts, in both arms: judged at the model's level, the priors'
    // weaker effects fit the treated outcomes better and the right correction would be turned down
    const keys = allSegmentKeys(retention.segments.effectKey as SegmentDim[]);
    const data = contacts(5000, 3, () => Math.log(0.5), (w) => (w >= 3 ? 1.8 : 1), keys);
    const j = judgeUplift(data, actions, retention, settings, MODEL_DAYS)!;
    expect(j.winner).not.toBe("segment_cells");
    expect(j.logLoss.no_heterogeneity).toBeLessThan(j.logLoss.segment_cells);
  });

  it("sets a campaign's baseline to its control churn, shrunk toward the model by 50 rows at its level", () => {
    const n = 400;
    const p0 = new Float64Array(n).fill(0.05);
    const test = Array.from({ length: n }, (_, i) => i);
    const data = {
      action: Int32Array.from(test, (i) => i % 2), // action 0: controls churn 20%; action 1: no controls
      treated: Uint8Array.from(test, (i) => (i % 2 === 1 || i % 4 === 2 ? 1 : 0)),
      churned: Uint8Array.from(test, (i) => (i % 20 < 4 ? 1 : 0)),
    };
    const out = campaignLevels(p0, test, data);
    const ctl = test.filter((i) => data.action[i] === 0 && !data.treated[i]);
    const observed = ctl.reduce((s, i) => s + data.churned[i]!, 0);
    const expected = (observed + 50 * 0.05) / (ctl.length + 50); // the shrunk control rate
    expect(out[ctl[0]!]).toBeCloseTo(expected, 6);
    // the campaign's treated rows move with it; a campaign without controls keeps the model's level
    expect(out[2]).toBeCloseTo(expected, 6);
    expect(out[1]).toBe(0.05);
  });

  it("keeps the segment cells when the contacts say the cells are right", () => {
    // every subscriber gets exactly its cell's prior effect
    const data = contacts(5000, 2, (a) => Math.log(1 - priorEffect(actions[a]!, segment)));
    const learned = learnFromContacts(data, retention, settings, MODEL_DAYS);
    expect(learned.judgement?.winner).toBe("segment_cells");
    expect(learned.method).toBe("segment_cells");
    expect(learned.note).toMatch(/the plan buys with the segment cells\.$/);
    expect(learned.model).toBeUndefined();
    expect(learned.flat).toBeUndefined();
  });
});

describe("the contact waves learned from", () => {
  it("are the latest retention.effects.maxWaves of them, the older ones counted as left out", async () => {
    const { latestWaves } = await import("../../src/pipeline/uplift.js");
    // nightly contacts for 10 weeks: one wave per 8 days (a wave takes the days within 7 of its first)
    const days = Array.from({ length: 70 }, (_, k) => new Date(Date.UTC(2026, 0, 1 + k)).toISOString().slice(0, 10));
    const all = latestWaves(days, null);
    expect(all.olderWaves).toBe(0);
    expect(all.waves.map((w) => w.first)).toEqual(["2026-01-01", "2026-01-09", "2026-01-17", "2026-01-25", "2026-02-02", "2026-02-10", "2026-02-18", "2026-02-26", "2026-03-06"]);
    const three = latestWaves(days, 3);
    expect(three.olderWaves).toBe(6);
    expect(three.waves).toEqual(all.waves.slice(-3));
    expect(latestWaves(days, 26)).toEqual(all);
  });
});

describe("a large wave is learned from a seeded sample (retention.effects.maxContactsPerWave)", () => {
  it("keeps every contact below the cap, a sample above it that is the same in every shard, a subscriber's contacts together", async () => {
    const { withDb } = await import("../../src/io/duckdb.js");
    const { waveSamples } = await import("../../src/pipeline/uplift.js");
    const base = defaultRetentionConfig();
    const retention = { ...base, effects: { ...base.effects, maxContactsPerWave: 2000 } };
    await withDb(async (db) => {
      // wave 1 (2026-01-05..06): 9,000 treated and 1,000 control contacts; a treated subscriber has two contacts (two
      // days); wave 2 (2026-03-02): 1,500 contacts, under the cap
      await db.run(`CREATE TABLE campaigns AS
        SELECT 'S' || lpad(CAST(i AS VARCHAR), 6, '0') AS subscriber_id, d AS date, 'digital_nudge' AS action,
               CASE WHEN i % 10 = 0 THEN 'control' ELSE 'treatment' END AS "group"
        FROM range(5000) r(i), (VALUES (DATE '2026-01-05'), (DATE '2026-01-06')) v(d)
        UNION ALL SELECT 'S' || lpad(CAST(i AS VARCHAR), 6, '0'), DATE '2026-03-02', 'care_call', CASE WHEN i % 4 = 0 THEN 'control' ELSE 'treatment' END FROM range(1500) r(i)`);
      const waves = [
        { first: "2026-01-05", days: ["2026-01-05", "2026-01-06"] },
        { first: "2026-03-02", days: ["2026-03-02"] },
      ];
      const kept = async (campaigns: string, k: number, o: Parameters<typeof waveSamples>[3]) => {
        const s = await waveSamples(db, waves, campaigns, o);
        const list = waves[k]!.days.map((d) => `DATE '${d}'`).join(", ");
        return { s, rows: await db.all(`SELECT subscriber_id, CAST(date AS VARCHAR) AS date, "group" FROM ${campaigns} WHERE date IN (${list})${s.keep[k]!("")} ORDER BY ALL`) };
      };
      const all = await kept("campaigns", 0, { retention, seed: 42 });
      // controls (1,000, under half the cap) all kept; treated sampled at (2000 - 1000) / 9000
      const byGroup = (g: string) => all.rows.filter((r) => r["group"] === g);
      expect(byGroup("control")).toHaveLength(1000);
      const treated = byGroup("treatment").length;
      expect(treated).toBeGreaterThan(800);
      expect(treated).toBeLessThan(1200);
      expect(all.s.sampled).toEqual({ kept: 2000, of: 10000, waves: 1 });
      // a subscriber's two contacts of the wave are kept or left out together
      const perId = new Map<string, number>();
      for (const r of all.rows) perId.set(String(r["subscriber_id"]), (perId.get(String(r["subscriber_id"])) ?? 0) + 1);
      expect([...perId.values()].every((n) => n === 2)).toBe(true);
      // the same seed gives the same sample, another seed another one
      expect((await kept("campaigns", 0, { retention, seed: 42 })).rows).toEqual(all.rows);
      expect((await kept("campaigns", 0, { retention, seed: 7 })).rows).not.toEqual(all.rows);
      // a shard sees only its subscribers' contacts: with the counts of all of them, its sample is the full one's part
      const counts = new Map([
        ["2026-01-05", { control: 500, treatment: 4500 }],
        ["2026-01-06", { control: 500, treatment: 4500 }],
        ["2026-03-02", { control: 375, treatment: 1125 }],
      ]);
      await db.run("CREATE TABLE shard_campaigns AS SELECT * FROM campaigns WHERE hash(subscriber_id) % 2 = 0");
      const shard = await kept("shard_campaigns", 0, { retention, seed: 42, contactCounts: counts });
      expect(shard.rows.length).toBeGreaterThan(0);
      const inShard = new Set((await db.all("SELECT DISTINCT subscriber_id FROM shard_campaigns")).map((r) => String(r["subscriber_id"])));
      expect(shard.rows).toEqual(all.rows.filter((r) => inShard.has(String(r["subscriber_id"]))));
      // under the cap: every contact, no condition; no cap: no condition anywhere
      expect((await kept("campaigns", 1, { retention, seed: 42 })).rows).toHaveLength(1500);
      expect(all.s.keep[1]!("")).toBe("");
      const none = await waveSamples(db, waves, "campaigns", { retention: { ...base, effects: { ...base.effects, maxContactsPerWave: null } }, seed: 42 });
      expect(none.keep.map((f) => f(""))).toEqual(["", ""]);
      expect(none.sampled).toBeUndefined();
    });
  });
});
