import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { checkRedis, redisConnection } from "../../src/io/queue.js";

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
