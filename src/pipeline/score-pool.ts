/**
 * Parallel scoring: worker threads (score-worker.ts) each score whole batches of rows (score-batch.ts) while this
 * thread reads the next rows from DuckDB; each batch's drift and integrity counts come back with it and are added in
 * batch order, as one thread adds them. A logistic model's scoring is plain
 * JavaScript on one thread, and on a 1M-subscriber run it kept one core busy for about 15 s while the other waited.
 *
 * - Used for logistic models from SCORE_PARALLEL_MIN_ROWS rows up; `CHURN_SCORE_THREADS=N` sets the number of
 *   workers (default: the cores available, at most 4; 1 = score on this thread). The mlp keeps its own parallel
 *   prediction (mlp-parallel.ts).
 * - Each row is computed by the same code on the same inputs in a worker as on this thread, and results are put
 *   in place in batch order, so the run's files are the same bytes whatever the number of threads (tested).
 * - Runs only from the compiled build (dist/), where the worker script exists as JavaScript; from the TypeScript
 *   sources (tests) it scores on this thread.
 * - A worker that fails (cannot start, crashes) fails the scoring with its message; the pool ends every worker.
 */
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { fileExists } from "../io/files.js";
import { LogisticModel } from "../model/logistic.js";
import type { Scorer } from "../model/registry.js";
import type { RawTable } from "../raw-table.js";
import type { BatchResult, CounterSpec } from "./score-batch.js";
import type { ScoreWorkerInit, ScoreWorkerJob } from "./score-worker.js";

/** Below this many rows, starting workers (0.1-0.3 s each) costs more than it saves. */
export const SCORE_PARALLEL_MIN_ROWS = 200_000;

const WORKER = new URL("./score-worker.js", import.meta.url);

/** Worker threads for scoring `rows` rows with `scorer` (1 = this thread only). */
export function scoreThreads(rows: number, scorer: Pick<Scorer, "model">, minRows = SCORE_PARALLEL_MIN_ROWS): number {
  const env = process.env["CHURN_SCORE_THREADS"];
  const wanted = env !== undefined && /^\d+$/.test(env) && Number(env) >= 1 ? Number(env) : Math.min(availableParallelism(), 4);
  if (wanted <= 1 || rows < minRows || !(scorer.model instanceof LogisticModel)) return 1;
  if (WORKER.protocol !== "file:" || !fileExists(fileURLToPath(WORKER))) return 1;
  return wanted;
}

type Reply = { id: number; ok: true; result: BatchResult } | { id: number; ok: false; error: string };

export class ScorePool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (r: BatchResult) => void; reject: (e: Error) => void }>();
  private seq = 0;
  private failure: Error | undefined;

  private constructor(threads: number, init: ScoreWorkerInit) {
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(WORKER, { workerData: init });
      w.on("message", (m: Reply) => this.reply(m));
      w.on("error", (e) => this.fail(new Error(`scoring worker failed: ${e.message}`)));
      w.on("exit", (code) => {
        if (code !== 0) this.fail(new Error(`scoring worker exited with code ${code}`));
      });
      return w;
    });
  }

  static async open(threads: number, scorer: Scorer, explainer: { spec: ScoreWorkerInit["explainer"] }, minProbability: number, counters: CounterSpec): Promise<ScorePool> {
    const init: ScoreWorkerInit = { pre: scorer.pre.toJSON(), model: await scorer.model.save(), calibrator: scorer.calibrator, explainer: explainer.spec, minProbability, counters };
    return new ScorePool(threads, init);
  }

  /** Score one batch on the next worker (round robin). Its numeric columns are moved there: `table` is not usable after. */
  run(table: RawTable, where: string): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.seq++;
    const w = this.workers[id % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      const job: ScoreWorkerJob = { id, table, where };
      // the numeric columns move to the worker (no copy of ~100 MB a batch); the caller does not read them again
      const moved = table.columns.flatMap((c) => (c.kind === "numeric" && c.values instanceof Float64Array ? [c.values.buffer as ArrayBuffer] : []));
      w.postMessage(job, moved);
    });
  }

  private reply(m: Reply): void {
    if (m.id < 0 && !m.ok) {
      this.fail(new Error(`scoring worker failed: ${m.error}`));
      return;
    }
    const p = this.waiting.get(m.id);
    if (!p) return;
    this.waiting.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(`scoring worker failed: ${m.error}`));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.waiting.values()) p.reject(this.failure);
    this.waiting.clear();
  }

  /** End every worker. */
  async close(): Promise<void> {
    this.failure ??= new Error("scoring pool closed");
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
