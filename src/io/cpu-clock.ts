/**
 * CPU time of the calling thread, in seconds: the mlp's training budget counts it per member, so a result does not
 * depend on what else runs on the machine (wall time does: on a busy machine a member got part of one epoch).
 *
 * Linux: /proc/thread-self/schedstat (nanoseconds on a CPU), else /proc/thread-self/stat (utime + stime, in the
 * kernel's fixed 100 ticks per second). Elsewhere: the process's CPU time (process.cpuUsage), which is the thread's
 * when one thread does the work. Works in worker threads: a synchronous read runs on the thread that makes it.
 */
import { readFileSync } from "node:fs";

type Clock = () => number;

function fromSchedstat(): number {
  return Number(readFileSync("/proc/thread-self/schedstat", "latin1").split(" ")[0]) / 1e9;
}

function fromStat(): number {
  const s = readFileSync("/proc/thread-self/stat", "latin1");
  // fields after the command name (which may hold spaces) start at the last ')'; utime and stime are fields 14, 15
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
}

function fromProcess(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

let clock: Clock | undefined;

function pick(): Clock {
  for (const c of [fromSchedstat, fromStat]) {
    try {
      const v = c();
      if (Number.isFinite(v) && v >= 0) return c;
    } catch {
      // not Linux, or /proc not mounted: try the next
    }
  }
  return fromProcess;
}

/** CPU seconds used by the calling thread so far (only differences are meaningful). */
export function threadCpuSeconds(): number {
  clock ??= pick();
  return clock();
}
