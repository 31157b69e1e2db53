import { afterEach, describe, expect, it } from "vitest";
import { ChurnError, ConfigError, InputDataError } from "../../src/errors.js";
import { checkRedis, errorFromReason, redisConnection, runWorker, submitShardJobs, waitForJobs } from "../../src/io/queue.js";
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
