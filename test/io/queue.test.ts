import { afterEach, describe, expect, it } from "vitest";
import { ChurnError, ConfigError, InputDataError } from "../../src/errors.js";
import { checkRedis, errorFromReason, pollFinished, redisConnection, runWorker, submitShardJobs, waitForJobs } from "../../src/io/queue.js";
import { msg } from "../../src/messages.js";
import { needsRedis, startRedis } from "../servers.js";

const redis = needsRedis();

describe("queue connection", () => {
  const saved = process.env["CHURN_REDIS_PASSWORD"];
  afterEach(() => {
    if (saved === undefined) delete process.env["CHURN_REDIS_PASSWORD"];
    else process.env["CHURN_REDIS_PASSWORD"] = saved;
  });

  it("reads host, port and database from a redis:// URL and the password from the environment only", () => {
    delete process.env["CHURN_REDIS_PASSWORD"];
    expect(redisConnection("redis://10.0.0.5:6380/3")).toEqual({ host: "10.0.0.5", port: 6380, db: 3, maxRetriesPerRequest: null });
    expect(redisConnection("redis://queue-host")).toMatchObject({ host: "queue-host", port: 6379, db: 0 });
    process.env["CHURN_REDIS_PASSWORD"] = "s3cret";
    expect(redisConnection("redis://queue-host").password).toBe("s3cret");
    expect(() => redisConnection("redis://:pw@queue-host:6379")).toThrow(/CHURN_REDIS_PASSWORD/);
    expect(() => redisConnection("http://queue-host:6379")).toThrow(ConfigError);
    expect(() => redisConnection("not a url")).toThrow(/not a redis:\/\/HOST:PORT URL/);
  });

  it("names the URL and the cause when Redis does not answer (no endless reconnecting)", async () => {
    // port 1 on loopback: nothing listens there
    await expect(checkRedis("redis://127.0.0.1:1")).rejects.toThrow(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/);
  });
});

describe("queue: waiting for a job whose end event was missed", () => {
  // a fake queue: the job is active at the first poll, then ends
  const queueOf = (end: { state: "completed" | "failed"; returnvalue?: unknown; failedReason?: string }) => {
    let polls = 0;
    const job = { getState: async () => (++polls > 1 ? end.state : "active"), returnvalue: end.returnvalue, failedReason: end.failedReason };
    return { getJob: async () => job as never, polls: () => polls };
  };

  it("the poll of the job's state gives the result of a completed job and the reason of a failed one", async () => {
    const done = queueOf({ state: "completed", returnvalue: { shard: 0, rows: 5 } });
    await expect(pollFinished(done, "1", { stop: false })).resolves.toEqual({ shard: 0, rows: 5 });
    expect(done.polls()).toBe(2);
    const failed = queueOf({ state: "failed", failedReason: "churn-exit-code:3 usage.csv: column data_mb missing" });
    await expect(pollFinished(failed, "1", { stop: false })).rejects.toThrow("churn-exit-code:3 usage.csv: column data_mb missing");
  }, 10_000);

  it("stops polling once the wait is over, and a closed queue's error then goes nowhere", async () => {
    const poll = { stop: false };
    let calls = 0;
    const closing = { getJob: async () => { calls++; poll.stop = true; throw new Error("Connection is closed."); } };
    const settled = await Promise.race([pollFinished(closing, "1", poll).then(() => "settled", () => "settled"), new Promise((ok) => setTimeout(() => ok("still waiting"), 2_500))]);
    expect(settled).toBe("still waiting");
    expect(calls).toBe(1);
  }, 10_000);
});

describe("queue: a shard that fails on a user mistake", () => {
  it("reads the exit code back from a failed job's reason; other reasons stay internal", () => {
    const e = errorFromReason("churn-exit-code:3 usage.csv: column data_mb missing", "q/7");
    expect(e).toBeInstanceOf(ChurnError);
    expect(e).toMatchObject({ exitCode: 3, message: msg.queueJobFailed("q/7", "usage.csv: column data_mb missing") });
    expect(errorFromReason("TypeError: x is undefined", "q/7")).toBeUndefined();
  });

  it.skipIf(!redis.ok)(`fails submit --wait with the worker's exit code and message, without retrying (${redis.ok ? "Redis" : redis.why})`, async () => {
    const server = await startRedis();
    try {
      const queue = `fail-${process.pid}`;
      const job = { version: 1 as const, model: "m", data: "d", asOf: "2026-05-31", shard: { k: 0, of: 1 }, out: "o", config: {} };
      const [id] = await submitShardJobs(server.url, queue, [job], 3);
      let calls = 0;
      const worker = runWorker(server.url, queue, { concurrency: 1, lockSeconds: 30, exitWhenIdleSeconds: 2 }, async () => {
        calls++;
        throw new InputDataError("usage.csv: column data_mb missing");
      });
      const err = await waitForJobs(server.url, queue, [id!], 60).catch((x: unknown) => x);
      await worker;
      expect(err).toBeInstanceOf(ChurnError);
      expect(err).toMatchObject({ exitCode: 3, message: msg.queueJobFailed(`${queue}/${id}`, "usage.csv: column data_mb missing") });
      // 3 attempts were allowed: a user mistake fails the same way every time, so it ran once
      expect(calls).toBe(1);
    } finally {
      server.stop();
    }
  }, 60_000);
});
