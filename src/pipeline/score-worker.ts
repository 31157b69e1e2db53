/**
 * Worker-thread entry for parallel scoring (score-pool.ts): makes the same preprocessing, logistic model,
 * calibrator and explainer as the main thread from plain data, then scores each batch it is sent
 * (score-batch.ts) and posts the result back, until the pool terminates it.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Calibrator } from "../model/calibration.js";
import { type ExplainerSpec, makeExplainer } from "../model/explain.js";
import { loadLogistic } from "../model/logistic.js";
import { Preprocessor, type PreprocessingState } from "../model/preprocess.js";
import type { ModelState } from "../model-state.js";
import type { RawTable } from "../raw-table.js";
import { type BatchScorer, batchCounts, type CounterSpec, scoreBatch } from "./score-batch.js";

export interface ScoreWorkerInit {
  pre: PreprocessingState;
  model: ModelState;
  calibrator: Calibrator;
  explainer: ExplainerSpec;
  minProbability: number;
  counters: CounterSpec;
}

export interface ScoreWorkerJob {
  id: number;
  table: RawTable;
  where: string;
}

const init = workerData as ScoreWorkerInit;
const port = parentPort!;
let scorer: BatchScorer;
try {
  const model = loadLogistic(init.model);
  const e = init.explainer;
  scorer = {
    pre: Preprocessor.fromJSON(init.pre),
    model,
    calibrator: init.calibrator,
    explainer: makeExplainer(model, e.columns, e.sources, e.reference, e.importance, e.features, e.reasons),
    minProbability: init.minProbability,
  };
} catch (err) {
  port.postMessage({ id: -1, ok: false, error: err instanceof Error ? err.message : String(err) });
  throw err;
}

port.on("message", (job: ScoreWorkerJob) => {
  scoreBatch(scorer, job.table, job.where).then(
    (b) => {
      const r = { ...b, ...batchCounts(init.counters, job.table, b.cal) }; port.postMessage({ id: job.id, ok: true, result: r }, [r.cal.buffer, r.raw.buffer, r.driverSums.buffer, r.reasonCol.buffer, r.reasonVal.buffer] as ArrayBuffer[]);
    },
    (err: unknown) => port.postMessage({ id: job.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});
