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

/** The process id of the Redis answering on a loopback port (INFO server), or undefined when none answers. */
function redisPid(port: number): Promise<number | undefined> {
  return new Promise((ok) => {
    const s = new Socket();
    let reply = "";
    const done = (pid: number | undefined) => {
      s.destroy();
      ok(pid);
    };
    s.setTimeout(2000, () => done(undefined));
    s.once("error", () => done(undefined));
    s.on("data", (d) => {
      reply += d.toString("utf8");
      const m = /process_id:(\d+)/.exec(reply);
      if (m) done(Number(m[1]));
    });
    s.connect(port, "127.0.0.1", () => s.write("INFO server\r\n"));
  });
}

/**
 * The Redis of CHURN_TEST_REDIS_URL, or a new one on a free loopback port without persistence. Two test files
 * starting one at the same moment may be handed the same free port: the one whose server lost the race (it exits,
 * port in use) would talk to the other file's Redis and hang when that one stops, so the server answering must be
 * ours (its process id), else another port is tried.
 */
export async function startRedis(): Promise<Server> {
  const given = process.env["CHURN_TEST_REDIS_URL"];
  if (given) return { url: given, stop: () => {} };
  const bin = onPath("redis-server", ["/usr/bin", "/usr/sbin"]) ?? "redis-server";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "churn-redis-"));
    const child = spawn(bin, ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], { stdio: "ignore" });
    let ours = false;
    for (let i = 0; i < 200 && child.exitCode === null && child.signalCode === null; i++) {
      const pid = await redisPid(port);
      if (pid !== undefined) {
        ours = pid === child.pid;
        break;
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
    const stop = () => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    };
    if (ours) return { url: `redis://127.0.0.1:${port}`, stop };
    stop();
  }
  throw new Error(`could not start ${bin} on a free loopback port (5 attempts)`);
}

/** A database name no other test file uses at the same time. */
export function uniqueDatabase(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
}
