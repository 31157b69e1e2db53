/**
 * Sharded scoring: `churn score --shard k/K` on each shard, then `churn plan --merge`, writes the same run
 * folder, file for file, as one `churn score` on the same inputs, for K = 1, 2 and 4, with a budget and
 * capacities that bind and effects learned from campaigns; in queue mode too, with a worker killed mid-shard.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, type Dirent, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultConfig } from "../../src/config/schema.js";
import { UsageError } from "../../src/errors.js";
import { buildFeatureTable } from "../../src/features/build.js";
import { parseAsOf, parsePeriod } from "../../src/features/periods.js";
import { withDb } from "../../src/io/duckdb.js";
import { featureTrainingInput } from "../../src/model/inputs.js";
import { trainAndRegister } from "../../src/model/train.js";
import { Queue } from "bullmq";
import { redisConnection } from "../../src/io/queue.js";
import { ClickHouse } from "../../src/io/clickhouse.js";
import { loadIntoCluster } from "../../src/pipeline/load.js";
import { mergeRun } from "../../src/pipeline/merge.js";
import { submitRun } from "../../src/pipeline/queue.js";
import { RUN_FILES } from "../../src/pipeline/run-dir.js";
import { scoreRun } from "../../src/pipeline/score.js";
import { parseShard } from "../../src/pipeline/shard.js";
import { shardOf } from "../../src/shard-hash.js";
import { generateWorld } from "../../src/synth/index.js";
import { ensureBuilt, MAIN } from "../reliability/helpers.js";
import { needsClickHouse, needsRedis, startClickHouse, startRedis, uniqueDatabase } from "../servers.js";

const redis = needsRedis();
const clickhouse = needsClickHouse();

let dir: string;
let world: string;
let model: string;
const base = defaultConfig();
// effects learned per value tier and driver from cells of 2 contacts, and the per-subscriber uplift model (forced:
// the plan buys each subscriber's own effects from the modifiers' values); two actions with a capacity that binds;
// a period budget (80) that the second night's run hits; the default holdout and contact rules
const config = {
  ...base,
  retention: {
    ...base.retention,
    segments: { ...base.retention.segments, effectKey: ["value", "driver"] },
    effects: { ...base.retention.effects, minGroupSize: 2 },
    uplift: { ...base.retention.uplift, method: "uplift" as const, minContacts: 50, caution: 0 },
    periodBudget: { amount: 80, period: "month" as const },
    actions: base.retention.actions.map((a) => (a.id === "digital_nudge" ? { ...a, capacity: 60 } : a.id === "care_call" ? { ...a, capacity: 4 } : a)),
  },
};
const AS_OF = "2026-05-31";
/** The second night of the ClickHouse test: the first night's contacts (2026-06-01) are on or before it. */
const AS_OF2 = "2026-06-30";
const BUDGET = 50;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "churn-merge-"));
  world = join(dir, "world");
  await generateWorld({ subscribers: 900, months: 8, seed: 5, format: "parquet", out: world });
  const feats = join(dir, "train.parquet");
  await buildFeatureTable({ config, dir: world, asOf: parseAsOf({ range: "2026-01-31..2026-04-30", every: "1mo" }), horizon: parsePeriod("30d", "--horizon"), out: feats });
  const models = join(dir, "models");
  await trainAndRegister(await featureTrainingInput(feats, "30d"), { model: "logistic", seed: 1, calibration: "none", modelsDir: models, id: "lr" });
  model = join(models, "lr");
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const score = (out: string, shard?: string) =>
  scoreRun({ model, data: world, asOf: AS_OF, out, config, budget: BUDGET, allowDrift: true, ...(shard ? { shard: parseShard(shard) } : {}) });
const read = (run: string, f: string) => readFileSync(join(run, f));
/** Every file of a run folder but its manifest (RUN_FILES, call lists, changes.csv), relative paths sorted. */
const runFiles = (run: string) =>
  (readdirSync(run, { recursive: true, withFileTypes: true }) as Dirent[])
    .filter((e) => e.isFile() && e.name !== "manifest.json")
    .map((e) => relative(run, join(e.parentPath, e.name)))
    .sort();
/** The manifest without what differs between any two runs (time, durations). */
const stable = (run: string) => {
  const m = JSON.parse(readFileSync(join(run, "manifest.json"), "utf8"));
  delete m.created_at;
  delete m.durations;
  return m;
};

describe("churn score --shard k/K and churn plan --merge", () => {
  it("write the run folder of one churn score, file for file, for K = 1, 2 and 4", async () => {
    const single = join(dir, "single", "run");
    const r = await score(single);
    // the test means something: the budget and a capacity bind, effects were learned, some selected are held out
    expect(r.budgetUsed).toBeGreaterThan(BUDGET * 0.85);
    expect(r.counts.per_action["digital_nudge"]).toBe(60);
    expect(Object.keys(r.counts.per_action).length).toBeGreaterThan(2);
    expect({ source: r.effects.source, note: r.effects.note }).toMatchObject({ source: "learned" });
    expect(r.effects.note).toMatch(/uplift model/);
    expect(r.counts.rejected_by_reason["not_active_at_as_of"]).toBeGreaterThan(0);
    expect(r.contacts?.held_out).toBeGreaterThan(0);
    // the second night in the same runs folder: the period budget has 100 left, the first night's contacts are on cooldown
    const single2 = join(dir, "single", "run2");
    const r2 = await score(single2);
    expect(r2.budget).toBeCloseTo(80 - r.budgetUsed, 2);
    expect(Object.values(r2.contacts?.excluded ?? {}).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const ids = (await withDb((db) => db.all(`SELECT subscriber_id FROM read_parquet('${join(single, "scores.parquet")}') ORDER BY 1`))).map((x) => String(x["subscriber_id"]));

    for (const K of [1, 2, 4]) {
      const shards = Array.from({ length: K }, (_, k) => join(dir, `k${K}`, `shard-${k}`));
      const seen: string[] = [];
      for (const [k, s] of shards.entries()) {
        const sr = await score(s, `${k}/${K}`);
        expect(sr.shard).toEqual({ k, of: K });
        const mine = (await withDb((db) => db.all(`SELECT subscriber_id FROM read_parquet('${join(s, "scored.parquet")}')`))).map((x) => String(x["subscriber_id"]));
        for (const id of mine) expect(shardOf(id, K)).toBe(k);
        seen.push(...mine);
      }
      // every scored subscriber in exactly one shard
      expect(seen.sort()).toEqual(ids);
      const merged = join(dir, `merged-${K}`, "run");
      await mergeRun({ shards: [...shards].reverse(), out: merged, config, budget: BUDGET, allowDrift: true });
      expect(runFiles(merged)).toEqual(runFiles(single));
      for (const f of runFiles(single)) expect({ K, f, same: read(merged, f).equals(read(single, f)) }).toEqual({ K, f, same: true });
      expect(stable(merged)).toEqual(stable(single));
      // the second night, merged into the same runs folder: the contacts log and the budget ledger as one process
      const merged2 = join(dir, `merged-${K}`, "run2");
      await mergeRun({ shards, out: merged2, config, budget: BUDGET, allowDrift: true });
      expect(runFiles(merged2)).toEqual(runFiles(single2));
      for (const f of runFiles(single2)) expect({ K, f, night: 2, same: read(merged2, f).equals(read(single2, f)) }).toEqual({ K, f, night: 2, same: true });
      expect(stable(merged2)).toEqual(stable(single2));
      for (const f of ["contacts_log.csv", "budget_ledger.json"]) expect({ K, f, same: read(join(dir, `merged-${K}`), f).equals(read(join(dir, "single"), f)) }).toEqual({ K, f, same: true });
    }
  }, 600_000);

  it.skipIf(!redis.ok)(`queue mode: a SIGKILLed worker's shard is run again by another worker, result unchanged (${redis.ok ? "Redis" : redis.why})`, async () => {
    ensureBuilt();
    const server = await startRedis();
    const queue = `churn-test-${process.pid}`;
    const workers: ChildProcess[] = [];
    const worker = (idle: number) => {
      const w = spawn(process.execPath, [MAIN, "worker", "--redis", server.url, "--queue", queue, "--lock-seconds", "3", "--exit-when-idle", String(idle), "--quiet"], { stdio: "ignore" });
      workers.push(w);
      return w;
    };
    const q = new Queue(queue, { connection: redisConnection(server.url) });
    try {
      const a = worker(120);
      const out = join(dir, "queued");
      const run = join(dir, "queued-run", "run");
      const submitted = submitRun({ redis: server.url, queue, model, data: world, asOf: AS_OF, shards: 2, out, config, wait: true, timeoutSeconds: 600, merge: run, budget: BUDGET, allowDrift: true });
      // as soon as worker A holds a shard, kill it
      for (let t = 0; (await q.getActiveCount()) === 0; t++) {
        if (t > 3000) throw new Error("no worker took a job");
        await new Promise((ok) => setTimeout(ok, 100));
      }
      a.kill("SIGKILL");
      const b = worker(10);
      const r = await submitted;
      // the killed shard was started again (its lock expired) and finished by worker B
      const jobs = await Promise.all(r.jobs.map((id) => q.getJob(id)));
      expect(Math.max(...jobs.map((j) => j?.attemptsStarted ?? 0))).toBeGreaterThanOrEqual(2);
      expect(r.results?.map((x) => x.worker)).toEqual([b.pid, b.pid]);
      // the same shard results as scored without a queue, and the same run as one churn score
      for (let k = 0; k < 2; k++) {
        for (const f of ["scored.parquet", "contacts.parquet", "outcomes.parquet", "modifiers.parquet", "rejects.parquet"]) {
          expect({ k, f, same: read(join(out, `shard-${k}-of-2`), f).equals(read(join(dir, "k2", `shard-${k}`), f)) }).toEqual({ k, f, same: true });
        }
      }
      for (const f of RUN_FILES) expect({ f, same: read(run, f).equals(read(join(dir, "single", "run"), f)) }).toEqual({ f, same: true });
    } finally {
      for (const w of workers) w.kill("SIGKILL");
      await q.obliterate({ force: true }).catch(() => {});
      await q.close();
      server.stop();
    }
  }, 600_000);

  it.skipIf(!clickhouse.ok)(`from ClickHouse: the shards' features computed in a 2-shard cluster give the same risk list and scores, also on a second night with a contacts log (${clickhouse.ok ? "ClickHouse" : clickhouse.why})`, async () => {
    const server = startClickHouse();
    const database = uniqueDatabase("churn_merge");
    const chConfig = { ...config, clickhouse: { ...config.clickhouse, database } };
    try {
      await loadIntoCluster({ dir: world, url: server.url, config: chConfig });
      const shards = [0, 1].map((k) => join(dir, "ch", `shard-${k}`));
      for (const [k, s] of shards.entries()) {
        const r = await scoreRun({ model, clickhouse: server.url, asOf: AS_OF, out: s, config: chConfig, shard: { k, of: 2 } });
        expect(r.shard).toEqual({ k, of: 2 });
      }
      const merged = join(dir, "ch-merged", "run");
      await mergeRun({ shards, out: merged, config: chConfig, budget: BUDGET, allowDrift: true });
      const single = join(dir, "single", "run");
      // the plan, the scores and the learned effects are those of one process reading the files
      for (const f of ["risk_list.csv", "risk_list.parquet", "scores.parquet"]) expect({ f, same: read(merged, f).equals(read(single, f)) }).toEqual({ f, same: true });
      const summary = (run: string) => {
        const j = JSON.parse(readFileSync(join(run, "summary.json"), "utf8"));
        delete j.run.id;
        return j;
      };
      const a = summary(merged);
      const b = summary(single);
      // the loyalty KPIs need every subscriber's billing history on one machine: a ClickHouse run has none
      expect(a.kpis).toBeUndefined();
      expect(b.kpis).toBeDefined();
      delete b.kpis;
      expect(a).toEqual(b);
      // the same rejected subscribers, named by the ClickHouse table instead of the file
      const rejects = (run: string) => readFileSync(join(run, "rejects.csv"), "utf8").split("\n").map((l) => l.split(",").filter((_, i) => i !== 1).join(","));
      expect(rejects(merged)).toEqual(rejects(single));
      expect(stable(merged).counts).toEqual(stable(single).counts);

      // the second night, a month later, in copies of that runs folder: its contacts log holds the first night's
      // contacts (dated 2026-06-01, on or before as-of). The ClickHouse shards read it as one process reads it
      // from the files: the contact-history features and the contact waves see it (an outcome window of 28 days
      // makes the first night's contacts a wave to learn from) and the merge accepts the shards' log digest
      const night2 = { ...chConfig, retention: { ...chConfig.retention, effects: { ...chConfig.retention.effects, horizonDays: 28 } } };
      const runs = (name: string) => {
        cpSync(join(dir, "ch-merged"), join(dir, name), { recursive: true });
        return join(dir, name);
      };
      const [duck, duckShards, chRuns] = [runs("n2-duck"), runs("n2-duck-shards"), runs("n2-ch")];
      const n2 = { model, asOf: AS_OF2, config: night2, allowDrift: true };
      await scoreRun({ ...n2, data: world, out: join(duck, "run2"), budget: BUDGET });
      for (const k of [0, 1]) {
        await scoreRun({ ...n2, data: world, out: join(duckShards, `shard-${k}`), shard: { k, of: 2 } });
        await scoreRun({ ...n2, clickhouse: server.url, out: join(chRuns, `shard-${k}`), shard: { k, of: 2 } });
      }
      const chShards = [0, 1].map((k) => join(chRuns, `shard-${k}`));
      await mergeRun({ shards: chShards, out: join(chRuns, "run2"), config: night2, budget: BUDGET, allowDrift: true });
      const log = readFileSync(join(duck, "contacts_log.csv"), "utf8");
      const logged = log.split("\n").slice(1).filter((l) => l.includes(",2026-06-01,"));
      expect(logged.length).toBeGreaterThan(20);
      for (const k of [0, 1]) {
        const shardJson = (d: string) => JSON.parse(readFileSync(join(d, `shard-${k}`, "shard.json"), "utf8"));
        // the shard saw the log's rows dated on or before as-of, as the shard of one process on the files did
        expect(shardJson(chRuns).contacts_log).toEqual(shardJson(duckShards).contacts_log);
        expect(shardJson(chRuns).contacts_log.rows).toBe(logged.length);
        // the contact-history features (uplift modifiers, of every scored subscriber) and the contact waves'
        // outcomes, the first night's wave among them, equal those of the files' shard
        for (const f of ["modifiers.parquet", "outcomes.parquet", "scored.parquet", "contacts.parquet"]) {
          expect({ k, f, same: read(join(chRuns, `shard-${k}`), f).equals(read(join(duckShards, `shard-${k}`), f)) }).toEqual({ k, f, same: true });
        }
        const q = (sql: string, f: string) => withDb((db) => db.one(sql.replaceAll("FILE", `read_parquet('${join(chRuns, `shard-${k}`, f)}')`)));
        const treated = logged.filter((l) => l.includes(",treatment,")).map((l) => l.split(",")[0]!);
        const m = await q(
          `SELECT count(*) AS n, count(*) FILTER (WHERE days_since_last_contact <= 29 AND contacts_90d >= 1) AS seen FROM FILE WHERE subscriber_id IN (${treated.map((x) => `'${x}'`).join(", ")})`,
          "modifiers.parquet",
        );
        expect(Number(m?.["n"])).toBeGreaterThan(5);
        expect(m?.["seen"]).toBe(m?.["n"]);
        const w = await q("SELECT count(*) AS n FROM FILE WHERE date = '2026-06-01'", "outcomes.parquet");
        expect(Number(w?.["n"])).toBeGreaterThan(5);
      }
      // the merged second night is the one process's, file for file but the manifest (and its report's page
      // and summary, which have no loyalty KPIs from ClickHouse), and the runs folder's contacts log and ledger too
      const one = join(duck, "run2");
      const two = join(chRuns, "run2");
      expect(runFiles(two)).toEqual(runFiles(one));
      for (const f of runFiles(one).filter((x) => !["report.html", "summary.json", "rejects.csv"].includes(x))) {
        expect({ f, night: 2, same: read(two, f).equals(read(one, f)) }).toEqual({ f, night: 2, same: true });
      }
      const s2 = summary(two);
      const s1 = summary(one);
      delete s1.kpis;
      expect(s2).toEqual(s1);
      expect(rejects(two)).toEqual(rejects(one));
      expect(stable(two).counts).toEqual(stable(one).counts);
      expect(stable(two).effects).toEqual(stable(one).effects);
      for (const f of ["contacts_log.csv", "budget_ledger.json"]) expect({ f, same: read(chRuns, f).equals(read(duck, f)) }).toEqual({ f, same: true });
    } finally {
      const ch = ClickHouse.open({ url: server.url, timeoutSeconds: 60 });
      await ch.command(`DROP DATABASE IF EXISTS ${database}`).catch(() => {});
      await ch.close();
      server.stop();
    }
  }, 1_800_000);

  it("refuses shard results that are not one complete run", async () => {
    const a = join(dir, "k2", "shard-0");
    const b = join(dir, "k4", "shard-1");
    await expect(mergeRun({ shards: [a], out: join(dir, "bad1"), config })).rejects.toThrow(UsageError);
    await expect(mergeRun({ shards: [a], out: join(dir, "bad1"), config })).rejects.toThrow(/shard result\(s\) 1 of 2 are missing/);
    await expect(mergeRun({ shards: [a, b], out: join(dir, "bad2"), config })).rejects.toThrow(/number of shards/);
    await expect(mergeRun({ shards: [a, a], out: join(dir, "bad3"), config })).rejects.toThrow(/given twice/);
    expect(() => parseShard("4/4")).toThrow(UsageError);
    expect(parseShard("JOB_COMPLETION_INDEX/4", { JOB_COMPLETION_INDEX: "3" })).toEqual({ k: 3, of: 4 });
  });
});
