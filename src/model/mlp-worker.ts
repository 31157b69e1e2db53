/**
 * Worker-thread entry for parallel mlp prediction (mlp-parallel.ts): builds the members' inference nets from
 * the weights it is given, predicts its share of rows on its own TensorFlow.js backend and posts the
 * probabilities back. One job per worker; the thread then ends.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendName, initBackend } from "./backend.js";
import { MlpInference, predictRange } from "./mlp-infer.js";
import type { MlpArch, MlpWeights } from "./mlp-net.js";

export interface MlpWorkerJob {
  backend: BackendName;
  members: { arch: MlpArch; weights: MlpWeights }[];
  num: Float32Array;
  other: Float32Array;
  rows: number;
  batch: number;
  /** Per member, the linear base's logits of these rows (see MlpParts.offsets). */
  offsets?: (Float32Array | null)[];
}

async function main(job: MlpWorkerJob): Promise<void> {
  await initBackend(job.backend);
  const members = job.members.map((m) => new MlpInference(m.arch, m.weights));
  try {
    const out = predictRange(members, { num: job.num, other: job.other, rows: job.rows, offsets: job.offsets }, job.batch);
    parentPort!.postMessage({ ok: true, probabilities: out }, [out.buffer as ArrayBuffer]);
  } finally {
    for (const m of members) m.dispose();
    tf.disposeVariables();
  }
}

main(workerData as MlpWorkerJob).catch((e: unknown) => {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
});
