/**
 * An output-directory lock: `RUN_DIR.lock`, created exclusively (O_EXCL), holding {pid, started, host}.
 * A second run on the same output waits up to `waitSeconds` (polling) and then stops with a UsageError
 * (exit 2) naming the holder. A lock whose pid is no longer alive on this host is stale: it is taken over.
 */
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { UsageError } from "../errors.js";
import { processAlive } from "./files.js";
import { readJsonFile } from "./json.js";
import { lockSchema } from "./run-schemas.js";
import { msg } from "../messages.js";

export interface LockInfo {
  pid: number;
  started: string;
  host: string;
}

export interface Lock {
  path: string;
  release(): void;
}

export const lockPathFor = (dir: string): string => `${dir.replace(/[\\/]+$/, "")}.lock`;

function readLock(path: string): LockInfo | undefined {
  const r = readJsonFile(path, lockSchema);
  return r.ok ? { pid: r.value.pid, started: r.value.started ?? "?", host: r.value.host ?? "?" } : undefined;
}

function tryCreate(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new UsageError(msg.lockUnwritable(path, (e as Error).message));
  }
  try {
    writeSync(fd, `${JSON.stringify({ pid: process.pid, started: new Date().toISOString(), host: hostname() })}\n`);
  } finally {
    closeSync(fd);
  }
  return true;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Take the lock for `dir`, waiting up to `waitSeconds` for another run to finish.
 * @example const lock = await acquireLock("out/run", 0); try { ... } finally { lock.release(); }
 */
export async function acquireLock(dir: string, waitSeconds = 0, pollMs = 200): Promise<Lock> {
  const path = lockPathFor(dir);
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + Math.max(0, waitSeconds) * 1000;
  for (;;) {
    if (tryCreate(path)) break;
    const holder = readLock(path);
    // stale: the holder died (same host), or the file is unreadable garbage left by a crash mid-write
    if (!holder || (holder.host === hostname() && !processAlive(holder.pid))) {
      rmSync(path, { force: true });
      continue;
    }
    if (Date.now() >= deadline) throw new UsageError(msg.lockHeld(dir, path, holder.pid, holder.started, waitSeconds));
    await sleep(pollMs);
  }
  let released = false;
  return {
    path,
    release() {
      if (released) return;
      released = true;
      const holder = readLock(path);
      if (holder?.pid === process.pid) rmSync(path, { force: true });
    },
  };
}
