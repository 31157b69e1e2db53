/**
 * Queue mode of sharded scoring (BullMQ + Redis, io/queue.ts): `churn queue submit` puts one job per shard
 * (the `churn score --shard k/K` of each, with the submitter's config) on the queue and, with --wait, waits
 * for them and merges their results (merge.ts); `churn worker` runs jobs with scoreRun. A shard killed half
 * way is run again by another worker; its result is written atomically and is the same on every attempt.
 */
import { dirname, join, resolve } from "node:path";
import { type Config, configSchema } from "../config/schema.js";
import { UsageError } from "../errors.js";
import { checkRedis, DEFAULT_QUEUE, runWorker, type ShardJob, type ShardJobResult, submitShardJobs, waitForJobs } from "../io/queue.js";
import { type Logger, silentLogger } from "../log.js";
import { msg } from "../messages.js";
import { mergeRun } from "./merge.js";
import { type ScoreResult, scoreRun } from "./score.js";

export interface SubmitOptions {
  redis: string;
  queue?: string | undefined;
  model: string;
  data: string;
  asOf: string;
  shards: number;
  /** Folder of the shard results (shard-<k>-of-<K> each); a path every worker can reach. */
  out: string;
  config: Config;
  attempts?: number | undefined;
  wait?: boolean | undefined;
  timeoutSeconds?: number | undefined;
  /** With wait: merge the shards into this run folder. */
  merge?: string | undefined;
  budget?: number | null | undefined;
  allowDrift?: boolean | undefined;
  log?: Logger | undefined;
}

export interface SubmitResult {
  queue: string;
  jobs: string[];
  shards: string[];
  results?: ShardJobResult[];
  run?: ScoreResult;
}

/** The folder of shard k of K under `out`. */
export const shardDir = (out: string, k: number, of: number): string => join(out, `shard-${k}-of-${of}`);

export async function submitRun(o: SubmitOptions): Promise<SubmitResult> {
  const log = o.log ?? silentLogger;
  if (!Number.isInteger(o.shards) || o.shards < 1 || o.shards > 4096) throw new UsageError(msg.badShardCount(o.shards));
  if (o.merge !== undefined && !o.wait) throw new UsageError(msg.queueMergeNeedsWait());
  const queue = o.queue ?? DEFAULT_QUEUE;
  // absolute paths: workers may start elsewhere
  const abs = (p: string | undefined) => (p === undefined ? undefined : /^[a-z]+:\/\//.test(p) ? p : resolve(p));
  const shards = Array.from({ length: o.shards }, (_, k) => shardDir(resolve(o.out), k, o.shards));
  const jobs: ShardJob[] = shards.map((out, k) => ({
    version: 1,
    model: abs(o.model)!,
    data: abs(o.data)!,
    asOf: o.asOf,
    shard: { k, of: o.shards },
    out,
    ...(o.merge !== undefined ? { runs: dirname(resolve(o.merge)) } : {}),
    config: o.config,
  }));
  const ids = await submitShardJobs(o.redis, queue, jobs, o.attempts ?? 3);
  log.info(`queued ${ids.length} shard job(s) on ${queue} at ${o.redis}: ${ids.join(", ")}`);
  const result: SubmitResult = { queue, jobs: ids, shards };
  if (!o.wait) return result;
  result.results = await waitForJobs(o.redis, queue, ids, o.timeoutSeconds);
  log.info(`all ${ids.length} shard(s) done`);
  if (o.merge !== undefined) {
    result.run = await mergeRun({ shards, out: o.merge, config: o.config, budget: o.budget, allowDrift: o.allowDrift, log });
  }
  return result;
}

export interface WorkerRunOptions {
  redis: string;
  queue?: string | undefined;
  concurrency?: number | undefined;
  lockSeconds?: number | undefined;
  exitWhenIdleSeconds?: number | undefined;
  log?: Logger | undefined;
}

/** Run shard jobs until stopped or idle; returns how many completed. */
export async function workerRun(o: WorkerRunOptions): Promise<{ completed: number }> {
  const log = o.log ?? silentLogger;
  const queue = o.queue ?? DEFAULT_QUEUE;
  await checkRedis(o.redis);
  log.info(`worker ${process.pid} waiting for shard jobs on ${queue} at ${o.redis}`);
  const completed = await runWorker(
    o.redis,
    queue,
    { concurrency: o.concurrency ?? 1, lockSeconds: o.lockSeconds ?? 60, exitWhenIdleSeconds: o.exitWhenIdleSeconds },
    async (job, attempt) => {
      const config = configSchema.parse(job.config);
      log.info(`worker ${process.pid}: shard ${job.shard.k}/${job.shard.of} (attempt ${attempt}) -> ${job.out}`);
      // the output lock waits for a killed attempt's lock to be found stale (same host: at once)
      const r = await scoreRun({ model: job.model, data: job.data, asOf: job.asOf, out: job.out, runs: job.runs, config, shard: job.shard, allowDrift: true, wait: 60, log });
      return { out: job.out, k: job.shard.k, of: job.shard.of, scored: r.counts.scored, worker: process.pid };
    },
  );
  log.info(`worker ${process.pid}: ${completed} shard job(s) done`);
  return { completed };
}
