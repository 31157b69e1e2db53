/**
 * The queue of scoring shards, for operators without Kubernetes: BullMQ on Redis. `churn queue submit` adds
 * one job per shard; `churn worker` processes them. A job whose worker dies (SIGKILL, a lost machine) stops
 * renewing its lock; after `lockSeconds` BullMQ's stalled check puts it back in the queue and another worker
 * runs it again; a shard's result is written atomically and deterministically, so the retry gives the same
 * files. Redis password from CHURN_REDIS_PASSWORD only (a URL with one is refused).
 *
 * BullMQ and ioredis are imported when first used: loading ioredis sets up a DNS resolver (it reads
 * /etc/resolv.conf), which no other command should do.
 */
import type { Job } from "bullmq";
import { z } from "zod";
import { ChurnError, ConfigError, type ExitCode, isChurnError } from "../errors.js";
import { msg } from "../messages.js";

export const DEFAULT_QUEUE = "churn-score";

/** What a shard job carries: everything `churn score --shard k/K` needs, the config included. */
export const shardJobSchema = z
  .object({
    version: z.literal(1),
    model: z.string().min(1),
    data: z.string().min(1),
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    shard: z.object({ k: z.number().int().min(0), of: z.number().int().min(1) }).strict(),
    out: z.string().min(1),
    /** The runs folder the merged run goes to (its contacts log is what the shard reads). */
    runs: z.string().min(1).optional(),
    /** The submitter's config (parsed again by the worker). */
    config: z.unknown(),
  })
  .strict();
export type ShardJob = z.infer<typeof shardJobSchema>;

export interface ShardJobResult {
  out: string;
  k: number;
  of: number;
  scored: number;
  worker: number;
}

interface RedisConnection {
  host: string;
  port: number;
  db: number;
  password?: string;
  maxRetriesPerRequest: null;
}

/** Connection options from a redis:// URL (password from the environment). */
export function redisConnection(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(msg.redisBadUrl(url));
  }
  if (u.protocol !== "redis:") throw new ConfigError(msg.redisBadUrl(url));
  if (u.password) throw new ConfigError(msg.redisPasswordInUrl());
  const password = process.env["CHURN_REDIS_PASSWORD"];
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: Number(u.pathname.replace(/^\//, "") || 0),
    ...(password ? { password } : {}),
    // BullMQ's workers block on Redis: no per-request retry limit
    maxRetriesPerRequest: null,
  };
}

/**
 * Check that Redis answers at `url` (one PING, no retries), so a wrong URL or a stopped server is a clear error
 * (exit 2) instead of BullMQ reconnecting forever.
 */
export async function checkRedis(url: string): Promise<void> {
  const { Redis } = await import("ioredis");
  const client = new Redis({ ...redisConnection(url), lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 10_000 });
  let cause: Error | undefined;
  client.on("error", (e: Error) => {
    cause ??= e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const err = cause ?? (e instanceof Error ? e : new Error(String(e)));
    throw new ConfigError(msg.redisUnreachable(url, err.message.replace(/\.$/, "")));
  } finally {
    client.disconnect();
  }
}

/** Add one job per shard; returns the job ids in shard order. */
export async function submitShardJobs(url: string, queue: string, jobs: readonly ShardJob[], attempts: number): Promise<string[]> {
  await checkRedis(url);
  const { Queue } = await import("bullmq");
  const q = new Queue(queue, { connection: redisConnection(url) });
  try {
    const added = await q.addBulk(
      jobs.map((data) => ({
        name: `shard-${data.shard.k}-of-${data.shard.of}`,
        data,
        opts: { attempts, backoff: { type: "fixed", delay: 1000 }, removeOnComplete: { age: 7 * 86_400 }, removeOnFail: { age: 30 * 86_400 } },
      })),
    );
    return added.map((j) => String(j.id));
  } finally {
    await q.close();
  }
}

/**
 * A job that failed on a user mistake (a ChurnError: bad input, config, a quality gate) carries its exit code in
 * BullMQ's failed reason, so `queue submit --wait` stops with the same code and message as `churn score` would,
 * not as an internal error. Such a job is not retried: it would fail the same way.
 */
const EXIT_TAG = "churn-exit-code:";

/** The ChurnError a failed job's reason stands for, if it was one. */
export function errorFromReason(reason: string, what: string): ChurnError | undefined {
  const m = new RegExp(`^${EXIT_TAG}(\\d) ([\\s\\S]*)$`).exec(reason);
  return m ? new ChurnError(msg.queueJobFailed(what, m[2] ?? ""), Number(m[1]) as ExitCode) : undefined;
}

/** Wait until every job has completed (its result) or one failed for good (throws its reason). */
export async function waitForJobs(url: string, queue: string, ids: readonly string[], timeoutSeconds?: number): Promise<ShardJobResult[]> {
  const connection = redisConnection(url);
  const { Queue, QueueEvents } = await import("bullmq");
  const q = new Queue(queue, { connection });
  const events = new QueueEvents(queue, { connection });
  try {
    await events.waitUntilReady();
    const out: ShardJobResult[] = [];
    for (const id of ids) {
      const job = await q.getJob(id);
      if (!job) throw new ConfigError(msg.queueJobMissing(id, queue));
      // The queue's events plus a poll of the job's state: a job that ends between waitUntilFinished's own check
      // and the first read of the event stream sends an event nobody reads (BullMQ advises against relying on
      // waitUntilFinished alone), and the wait then ran into its timeout.
      const poll = { stop: false };
      try {
        out.push((await Promise.race([job.waitUntilFinished(events, timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000), pollFinished(q, id, poll)])) as ShardJobResult);
      } catch (e) {
        throw errorFromReason((e as Error)?.message ?? String(e), `${queue}/${id}`) ?? e;
      } finally {
        poll.stop = true;
      }
    }
    return out;
  } finally {
    await events.close();
    await q.close();
  }
}

/** Resolves with the job's return value once it completed, rejects with its failed reason; never settles while running. */
export function pollFinished(q: { getJob(id: string): Promise<Job | undefined> }, id: string, poll: { stop: boolean }): Promise<unknown> {
  const run = async (): Promise<unknown> => {
    while (!poll.stop) {
      await new Promise((ok) => setTimeout(ok, POLL_MS).unref());
      if (poll.stop) break;
      try {
        const job = await q.getJob(id);
        if (!job) continue;
        const state = await job.getState();
        if (state === "completed") return job.returnvalue;
        if (state === "failed") throw new Error(job.failedReason);
      } catch (e) {
        if (poll.stop) break; // the queue is closing: the wait is over
        throw e;
      }
    }
    return new Promise(() => {});
  };
  const p = run();
  p.catch(() => {}); // a rejection after the race is settled is nobody's to handle
  return p;
}
const POLL_MS = 1000;

export interface WorkerOptions {
  concurrency: number;
  /** A job whose worker stops renewing its lock for this long is run again elsewhere. */
  lockSeconds: number;
  /** Stop when no job came for this long (default: run until SIGTERM/SIGINT). */
  exitWhenIdleSeconds?: number | undefined;
}

/**
 * Process shard jobs with `run` until stopped (SIGTERM/SIGINT: the running job finishes first) or idle.
 * Resolves with the number of jobs completed.
 */
export async function runWorker(url: string, queue: string, o: WorkerOptions, run: (job: ShardJob, attempt: number) => Promise<ShardJobResult>): Promise<number> {
  const { Worker } = await import("bullmq");
  let done = 0;
  let last = Date.now();
  let busy = 0;
  const worker = new Worker(
    queue,
    async (job: Job) => {
      busy++;
      try {
        const data = shardJobSchema.parse(job.data);
        return await run(data, job.attemptsStarted);
      } catch (e) {
        if (!isChurnError(e)) throw e;
        const { UnrecoverableError } = await import("bullmq");
        throw new UnrecoverableError(`${EXIT_TAG}${e.exitCode} ${e.message}`);
      } finally {
        busy--;
        last = Date.now();
      }
    },
    {
      connection: redisConnection(url),
      concurrency: o.concurrency,
      lockDuration: o.lockSeconds * 1000,
      stalledInterval: Math.max(1000, Math.floor((o.lockSeconds * 1000) / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on("completed", () => {
    done++;
  });
  await worker.waitUntilReady();
  await new Promise<void>((resolve) => {
    const stop = () => {
      clearInterval(idle);
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      void worker.close().then(resolve);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
    const idle = setInterval(() => {
      if (o.exitWhenIdleSeconds !== undefined && busy === 0 && Date.now() - last > o.exitWhenIdleSeconds * 1000) stop();
    }, 250);
  });
  return done;
}
