/**
 * The servers some tests need: a 2-shard ClickHouse cluster (scripts/cluster.sh) and Redis. `.ci/run` starts
 * them once and passes their URLs (CHURN_TEST_CLICKHOUSE_URL, CHURN_TEST_REDIS_URL); otherwise a test file
 * starts its own when the program is installed, and stops it by PID afterwards. Without the program the
 * tests are skipped with a note saying what they need, except under CI=true, where they fail instead.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const ROOT = join(import.meta.dirname, "..");

function onPath(program: string, extra: string[] = []): string | undefined {
  const dirs = [...(process.env["PATH"] ?? "").split(delimiter), ...extra];
  for (const d of dirs) if (d && existsSync(join(d, program))) return join(d, program);
  return undefined;
}

export interface Needs {
  /** True when the tests can run. */
  ok: boolean;
  /** Why they cannot (names the Debian package), for the skip note. */
  why: string;
}

/** Whether a ClickHouse cluster is available (given by CI, or startable here). */
export function needsClickHouse(): Needs {
  if (process.env["CHURN_TEST_CLICKHOUSE_URL"]) return { ok: true, why: "" };
  if (onPath("clickhouse-server", ["/usr/sbin", "/usr/bin"])) return { ok: true, why: "" };
  return requireUnderCi("needs a ClickHouse cluster: install Debian's clickhouse-server (apt-get install clickhouse-server clickhouse-client)");
}

/** Whether Redis is available (given by CI, or startable here). */
export function needsRedis(): Needs {
  if (process.env["CHURN_TEST_REDIS_URL"]) return { ok: true, why: "" };
  if (onPath("redis-server", ["/usr/bin", "/usr/sbin"])) return { ok: true, why: "" };
  return requireUnderCi("needs Redis: install Debian's redis-server (apt-get install redis-server)");
}

function requireUnderCi(why: string): Needs {
  if (process.env["CI"] === "true") throw new Error(`CI=true: this test ${why}`);
  console.warn(`skipped: this test ${why}`);
  return { ok: false, why };
}

export interface Server {
  url: string;
  stop(): void;
}

/** The cluster of CHURN_TEST_CLICKHOUSE_URL, or a new one under a temporary folder (stopped by `stop`). */
export function startClickHouse(): Server {
  const given = process.env["CHURN_TEST_CLICKHOUSE_URL"];
  if (given) return { url: given, stop: () => {} };
  const dir = mkdtempSync(join(tmpdir(), "churn-cluster-"));
  const r = spawnSync(join(ROOT, "scripts/cluster.sh"), ["start", dir], { encoding: "utf8" });
  const url = /CHURN_CLICKHOUSE_URL=(\S+)/.exec(r.stdout ?? "")?.[1];
  if (r.status !== 0 || !url) throw new Error(`scripts/cluster.sh start failed (${r.status}): ${r.stderr}`);
  return {
    url,
    stop: () => {
      spawnSync(join(ROOT, "scripts/cluster.sh"), ["stop", dir], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

/** The Redis of CHURN_TEST_REDIS_URL, or a new one on a free loopback port without persistence. */
export async function startRedis(): Promise<Server> {
  const given = process.env["CHURN_TEST_REDIS_URL"];
  if (given) return { url: given, stop: () => {} };
  const bin = onPath("redis-server", ["/usr/bin", "/usr/sbin"]) ?? "redis-server";
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "churn-redis-"));
  const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((ok) => {
      const s = new Socket();
      s.once("error", () => ok(false));
      s.connect(port, "127.0.0.1", () => {
        s.destroy();
        ok(true);
      });
    });
    if (up) break;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return {
    url,
    stop: () => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A database name no other test file uses at the same time. */
export function uniqueDatabase(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}
