/**
 * mlp members train on every core: a pool of worker threads (mlp-train-worker.ts), each with its own TensorFlow.js
 * backend, takes member jobs (mlp-train.ts) from one queue, first come first served. The wasm backend runs on one
 * thread (its threaded build does not load in Node), so this is how training uses more than one core; cross-validation
 * runs folds side by side (cv.ts) so that the queue rarely runs dry.
 *
 * - `CHURN_TRAIN_THREADS=N` sets the number of threads (default: the cores available; 1 trains on this thread, with
 *   no workers). Not used with tfjs-node, which is multi-threaded itself, nor from the TypeScript sources (tests),
 *   where the worker script does not exist as JavaScript.
 * - A member's result depends only on its job, never on which thread ran it or what ran beside it: a run on N threads
 *   gives the same bits as a run on this thread (test/model/mlp-pool.test.ts).
 * - Workers live as long as the process and do not keep it alive when idle. A worker that fails (cannot start,
 *   crashes) fails its job with its message, and is replaced for the next.
 */
import { Worker } from "node:worker_threads";
import { threadCpuSeconds } from "../io/cpu-clock.js";
import { type BackendName, currentBackend } from "./backend.js";
import { wantedTrainThreads } from "./mlp-threads.js";
import { type MemberJob, type MemberResult, trainMember } from "./mlp-train.js";

const WORKER = new URL("./mlp-train-worker.js", import.meta.url);
/** Compiled build: this module is JavaScript, so the worker script beside it is too. */
const COMPILED = import.meta.url.endsWith(".js");

/** Training threads: CHURN_TRAIN_THREADS, else the cores available; 1 when workers cannot be used. */
export function trainThreads(): number {
  if (!COMPILED || currentBackend()?.name === "node") return 1;
  return wantedTrainThreads();
}

/** Messages from a training worker. */
export type WorkerReply = { id: number; log: string } | { id: number; ok: true; result: MemberResult } | { id: number; ok: false; error: string };
export interface WorkerRequest {
  id: number;
  backend: BackendName;
  job: MemberJob;
}

interface Pending {
  id: number;
  job: MemberJob;
  log: (line: string) => void;
  resolve: (r: MemberResult) => void;
  reject: (e: Error) => void;
}

class Slot {
  private worker: Worker | null = null;
  current: Pending | null = null;

  constructor(private readonly done: () => void) {}

  run(p: Pending, backend: BackendName): void {
    this.current = p;
    const w = this.ensure();
    w.ref(); // a job in flight keeps the process alive
    w.postMessage({ id: p.id, backend, job: p.job } satisfies WorkerRequest);
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER);
    w.on("message", (m: WorkerReply) => {
      const p = this.current;
      if (!p || m.id !== p.id) return;
      if ("log" in m) p.log(m.log);
      else this.finish(() => (m.ok ? p.resolve(m.result) : p.reject(new Error(`mlp training worker failed: ${m.error}`))));
    });
    w.on("error", (e) => this.fail(w, `mlp training worker failed: ${e.message}`));
    w.on("exit", (code) => this.fail(w, `mlp training worker exited with code ${code} during a job`));
    w.unref();
    this.worker = w;
    return w;
  }

  /** Ends the thread (when the pool is replaced); a job in flight fails. */
  close(): void {
    if (this.worker) this.fail(this.worker, "mlp training worker stopped: the pool was replaced");
  }

  private fail(w: Worker, message: string): void {
    if (this.worker !== w) return;
    this.worker = null; // the next job starts a new one
    void w.terminate();
    const p = this.current;
    if (p) this.finish(() => p.reject(new Error(message)));
  }

  private finish(settle: () => void): void {
    this.current = null;
    this.worker?.unref();
    settle();
    this.done();
  }
}

class Pool {
  private readonly slots: Slot[];
  private readonly queue: Pending[] = [];
  private nextId = 1;

  constructor(threads: number) {
    this.slots = Array.from({ length: threads }, () => new Slot(() => this.pump()));
  }

  submit(job: MemberJob, log: (line: string) => void): Promise<MemberResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, log, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    for (const s of this.slots) s.close();
  }

  private pump(): void {
    const backend = currentBackend()?.name ?? "wasm";
    for (const s of this.slots) {
      if (this.queue.length === 0) return;
      if (!s.current) s.run(this.queue.shift()!, backend);
    }
  }
}

let pool: Pool | null = null;
let poolThreads = 0;

/**
 * Train every job, on `trainThreads()` threads; results in job order. `logs[i]` receives job i's log lines. With
 * one thread the jobs train here, one after the other.
 */
export async function trainMembers(jobs: MemberJob[], logs: ((line: string) => void)[]): Promise<MemberResult[]> {
  const threads = trainThreads();
  if (threads <= 1) return jobs.map((job, i) => trainMember(job, logs[i]!, threadCpuSeconds));
  if (!pool || poolThreads !== threads) {
    pool?.close();
    pool = new Pool(threads);
    poolThreads = threads;
  }
  const p = pool;
  // every job is queued before any is awaited, so a failure does not leave others unstarted mid-way
  const settled = await Promise.allSettled(jobs.map((job, i) => p.submit(job, logs[i]!)));
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<MemberResult>).value);
}
