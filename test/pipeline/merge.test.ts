/**
 * Sharded scoring: `churn score --shard k/K` on each shard, then `churn plan --merge`, writes the same run
 * folder, file for file, as one `churn score` on the same inputs, for K = 1, 2 and 4, with a budget and
 * capacities that bind and effects learned from campaigns; in queue mode too, with a worker killed mid-shard.
 * The same from a ClickHouse cluster's features: merge-clickhouse.test.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { Queue } from "bullmq";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { withDb } from "../../src/io/duckdb.js";
import { redisConnection } from "../../src/io/queue.js";
import { mergeRun } from "../../src/pipeline/merge.js";
import { submitRun } from "../../src/pipeline/queue.js";
import { RUN_FILES } from "../../src/pipeline/run-dir.js";
import { parseShard } from "../../src/pipeline/shard.js";
import { shardOf } from "../../src/shard-hash.js";
import { ensureBuilt, MAIN } from "../reliability/helpers.js";
import { needsRedis, startRedis } from "../servers.js";
import { AS_OF, BUDGET, config, read, runFiles, scoreShared, stable, useMergeWorld } from "./merge-fixture.js";

const redis = needsRedis();

const w = useMergeWorld();

const score = (out: string, shard?: string) => scoreShared(w, out, shard);

describe("churn score --shard k/K and churn plan --merge", () => {
  it("write the run folder of one churn score, file for file, for K = 1, 2 and 4", async () => {
    const { dir } = w;
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
    const { dir, world, model } = w;
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

  it("refuses shard results that are not one complete run", async () => {
    const { dir } = w;
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
