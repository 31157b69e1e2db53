/**
 * Worker-thread entry for mlp training (mlp-pool.ts): initialises its own TensorFlow.js backend once, then trains
 * each member job it is sent (mlp-train.ts) on its thread's CPU clock, posting log lines as they come and the
 * result (weights transferred, not copied) at the end. The thread lives until the pool's process ends.
 */
import { parentPort } from "node:worker_threads";
import { threadCpuSeconds } from "../io/cpu-clock.js";
import { initBackend } from "./backend.js";
import { trainMember } from "./mlp-train.js";
import type { WorkerReply, WorkerRequest } from "./mlp-pool.js";

const port = parentPort!;
const send = (m: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on("message", (req: WorkerRequest) => {
  void (async () => {
    try {
      await initBackend(req.backend);
      const result = trainMember(req.job, (line) => send({ id: req.id, log: line }), threadCpuSeconds);
      send({ id: req.id, ok: true, result }, Object.values(result.weights).map((w) => w.values.buffer as ArrayBuffer));
    } catch (e) {
      send({ id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  })();
});
