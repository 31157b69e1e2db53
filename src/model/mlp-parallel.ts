/**
 * Parallel mlp prediction: with many rows, worker threads (mlp-worker.ts) each predict a contiguous share, on
 * their own TensorFlow.js backend, while this thread predicts the first share. The wasm backend runs on one
 * thread (its threaded build does not load in Node), so this is how prediction uses more than one core.
 *
 * - Used from `minRows` rows up, with min(cores, 8) threads; `CHURN_PREDICT_THREADS=N` sets the number
 *   (1 = never). Not used with tfjs-node, which is multi-threaded itself.
 * - Shares are split at multiples of the batch size, so each row is computed in the same batch as on one
 *   thread: the probabilities are the same bits whatever the number of threads (tested).
 * - Runs only from the compiled build (dist/), where the worker script exists as JavaScript; from the
 *   TypeScript sources (tests) it predicts on this thread.
 * - A worker that fails (cannot start, crashes) is an error for the whole prediction, with its message.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { fileExists } from "../io/files.js";
import { currentBackend } from "./backend.js";
import { type MlpInference, type MlpParts, predictRange } from "./mlp-infer.js";
import type { MlpArch, MlpWeights } from "./mlp-net.js";
import type { MlpWorkerJob } from "./mlp-worker.js";

/** Below this many rows, starting workers (about 0.2 s each) costs more than it saves. */
export const PARALLEL_MIN_ROWS = 100_000;

const WORKER = new URL("./mlp-worker.js", import.meta.url);

/** Threads for a prediction of `rows` rows (1 = this thread only). */
export function predictThreads(rows: number, batch: number, minRows = PARALLEL_MIN_ROWS): number {
  const env = process.env["CHURN_PREDICT_THREADS"];
  const wanted = env !== undefined && /^\d+$/.test(env) && Number(env) >= 1 ? Number(env) : Math.min(availableParallelism(), 8);
  if (wanted <= 1 || rows < minRows || currentBackend()?.name === "node") return 1;
  if (WORKER.protocol !== "file:" || !fileExists(fileURLToPath(WORKER))) return 1;
  return Math.max(1, Math.min(wanted, Math.floor(rows / batch)));
}

function runWorker(job: MlpWorkerJob): Promise<Float32Array> {
  return new Promise((resolve, reject) => {
    const offsets = (job.offsets ?? []).flatMap((o) => (o ? [o.buffer] : []));
    const w = new Worker(WORKER, { workerData: job, transferList: [job.num.buffer, job.other.buffer, ...offsets] as ArrayBuffer[] });
    let done = false;
    w.once("message", (m: { ok: boolean; probabilities?: Float32Array; error?: string }) => {
      done = true;
      if (m.ok && m.probabilities) resolve(m.probabilities);
      else reject(new Error(`mlp prediction worker failed: ${m.error ?? "no result"}`));
    });
    w.once("error", (e) => {
      if (!done) reject(new Error(`mlp prediction worker failed: ${e.message}`));
    });
    w.once("exit", (code) => {
      if (!done) reject(new Error(`mlp prediction worker exited with code ${code} before it answered`));
    });
  });
}

/**
 * P(churn) for every row of `p`, the mean over members, on `threads` threads. `members` are this thread's
 * inference nets; `weights` the same members' weights, for the workers to build their own.
 */
export async function predictParallel(members: MlpInference[], weights: { arch: MlpArch; weights: MlpWeights }[], p: MlpParts, batch: number, threads: number): Promise<Float32Array> {
  if (threads <= 1) return predictRange(members, p, batch);
  const backend = currentBackend()?.name ?? "wasm";
  const F = p.num.length / p.rows;
  const C = p.other.length / p.rows;
  // contiguous shares in whole batches
  const batches = Math.ceil(p.rows / batch);
  const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.min(p.rows, Math.round((batches * t) / threads) * batch));
  const jobs = [];
  for (let t = 1; t < threads; t++) {
    const [a, b] = [bounds[t]!, bounds[t + 1]!];
    const offsets = p.offsets?.map((o) => (o ? o.slice(a, b) : null));
    jobs.push(runWorker({ backend, members: weights, num: p.num.slice(a * F, b * F), other: p.other.slice(a * C, b * C), rows: b - a, batch, ...(offsets ? { offsets } : {}) }));
  }
  // this thread's share while the workers run; a failure here still waits for them (no stray threads)
  let mine: Float32Array | undefined;
  let err: unknown;
  try {
    mine = predictRange(members, p, batch, 0, bounds[1]!);
  } catch (e) {
    err = e;
  }
  const theirs = await Promise.allSettled(jobs);
  if (err) throw err;
  const out = new Float32Array(p.rows);
  out.set(mine!, 0);
  theirs.forEach((r, i) => {
    if (r.status === "rejected") throw r.reason;
    out.set(r.value, bounds[i + 1]!);
  });
  return out;
}
