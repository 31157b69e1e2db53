/**
 * TensorFlow.js backend choice, once per process: `tfjs-node` (native) when it can be imported, else
 * `wasm` (SIMD; multi-threaded when the runtime allows it), else `cpu` (pure JS). `--backend node|wasm|cpu`
 * overrides the choice; an explicit choice that cannot load is an error (exit 2), not a silent fallback.
 *
 * In Node the wasm backend must be told where its .wasm binaries are: we resolve them inside
 * node_modules/@tensorflow/tfjs-backend-wasm/dist/ with createRequire (works from src/ and dist/).
 * The logistic model does not use TF.js at all (see logistic.ts); only the mlp needs a backend.
 */
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { ConfigError } from "../errors.js";
import { msg } from "../messages.js";

export type BackendName = "node" | "wasm" | "cpu";
export const BACKENDS: readonly BackendName[] = ["node", "wasm", "cpu"];

export interface BackendInfo {
  name: BackendName;
  /** The TF.js backend name (tensorflow | wasm | cpu). */
  tfName: string;
  simd?: boolean;
  threads?: boolean;
  /** Why an earlier candidate was skipped (auto mode). */
  skipped: string[];
}

let current: BackendInfo | undefined;

/** TensorFlow.js, loaded when a backend is first chosen (a logistic run never needs it: a fifth of a second of start-up). */
const tfCore = () => import("@tensorflow/tfjs-core");

async function tryNode(): Promise<string | undefined> {
  try {
    const name = "@tensorflow/tfjs-node";
    await import(name);
    const tf = await tfCore();
    return (await tf.setBackend("tensorflow")) ? undefined : "setBackend('tensorflow') returned false";
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

async function tryWasm(): Promise<{ error?: string; simd?: boolean; threads?: boolean }> {
  try {
    const tf = await tfCore();
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    const dir = dirname(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm"));
    if (!tf.findBackend("wasm") || !wasmPathsSet) {
      wasm.setWasmPaths(`${dir}/`);
      wasmPathsSet = true;
    }
    if (!(await tf.setBackend("wasm"))) return { error: "setBackend('wasm') returned false" };
    const simd = Boolean(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"));
    const threads = Boolean(await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"));
    return { simd, threads };
  } catch (e) {
    return { error: (e as Error).message.split("\n")[0] ?? "unknown error" };
  }
}
let wasmPathsSet = false;

async function tryCpu(): Promise<string | undefined> {
  try {
    const tf = await tfCore();
    await import("@tensorflow/tfjs-backend-cpu");
    return (await tf.setBackend("cpu")) ? undefined : "setBackend('cpu') returned false";
  } catch (e) {
    return (e as Error).message.split("\n")[0];
  }
}

/**
 * Select and initialise the backend. With no preference: node, then wasm, then cpu.
 * Example: `const info = await initBackend(argv.backend); log.info(describeBackend(info));`
 */
export function initBackend(preference?: BackendName): Promise<BackendInfo> {
  // one choice at a time: concurrent first calls (cross-validation folds side by side) each tried to set the wasm
  // backend while another's was initialising, got `false` and fell back to cpu, which then trained every later mlp
  // member in pure JS, about 20x slower
  const run = initQueue.then(() => chooseBackend(preference));
  initQueue = run.catch(() => undefined);
  return run;
}
let initQueue: Promise<unknown> = Promise.resolve();

async function chooseBackend(preference?: BackendName): Promise<BackendInfo> {
  if (current && (preference === undefined || preference === current.name)) return current;
  const skipped: string[] = [];
  const order: BackendName[] = preference ? [preference] : ["node", "wasm", "cpu"];
  for (const name of order) {
    if (name === "node") {
      const err = await tryNode();
      if (err === undefined) {
        current = { name, tfName: "tensorflow", skipped };
        return current;
      }
      skipped.push(`node: ${err}`);
    } else if (name === "wasm") {
      const r = await tryWasm();
      if (r.error === undefined) {
        current = { name, tfName: "wasm", simd: r.simd ?? false, threads: r.threads ?? false, skipped };
        return current;
      }
      skipped.push(`wasm: ${r.error}`);
    } else {
      const err = await tryCpu();
      if (err === undefined) {
        current = { name, tfName: "cpu", skipped };
        return current;
      }
      skipped.push(`cpu: ${err}`);
    }
  }
  throw new ConfigError(msg.backendUnavailable(preference ?? "any", skipped.join("; ")));
}

export function describeBackend(b: BackendInfo): string {
  const extra = b.name === "wasm" ? ` (SIMD ${b.simd ? "on" : "off"}, threads ${b.threads ? "on" : "off"})` : "";
  return `TensorFlow.js backend: ${b.name}${extra}`;
}

/** The backend chosen so far, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}
