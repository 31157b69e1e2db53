/**
 * How many threads mlp training asks for: `CHURN_TRAIN_THREADS` (a whole number ≥ 1), else the cores available.
 * Apart from mlp-pool.ts so that cross-validation can plan its folds without loading TensorFlow.js.
 */
import { availableParallelism } from "node:os";

export function wantedTrainThreads(): number {
  const env = process.env["CHURN_TRAIN_THREADS"]?.trim();
  const n = env !== undefined && /^\d+$/.test(env) && Number(env) >= 1 ? Number(env) : availableParallelism();
  return Math.min(n, 64);
}
