/**
 * Model kinds by name. The mlp lives in mlp.ts (built separately) and is imported lazily: loading TF.js
 * costs startup time that the logistic model does not need, and a build without it fails with a clear message.
 */
import { ConfigError } from "../errors.js";
import { msg } from "../messages.js";
import { type BackendName, initBackend } from "./backend.js";
import { type LogisticOptions, loadLogistic, logisticTrainer } from "./logistic.js";
import type { FittedModel, ModelState, ModelTrainer } from "./types.js";

export type ModelKind = "logistic" | "mlp";
export type ModelChoice = ModelKind | "auto";
export const MODEL_CHOICES: readonly ModelChoice[] = ["logistic", "mlp", "auto"];

interface MlpModule {
  mlpTrainer: ModelTrainer;
  createMlpTrainer?: (params: Record<string, unknown>) => ModelTrainer;
  loadMlp(state: ModelState): Promise<FittedModel>;
}

async function mlpModule(backend?: BackendName): Promise<MlpModule> {
  let mod: Partial<MlpModule>;
  try {
    mod = (await import("./mlp.js")) as Partial<MlpModule>;
  } catch (e) {
    throw new ConfigError(msg.mlpUnavailable((e as Error).message.split("\n")[0] ?? "import failed"));
  }
  if (!mod.mlpTrainer || typeof mod.loadMlp !== "function") throw new ConfigError(msg.mlpUnavailable("src/model/mlp.ts does not export mlpTrainer and loadMlp"));
  await initBackend(backend);
  return mod as MlpModule;
}

export interface TrainerOptions {
  backend?: BackendName | undefined;
  logistic?: Partial<LogisticOptions> | undefined;
  /** mlp hyper-parameters (see MlpParams in mlp.ts); defaults when omitted. */
  mlp?: Record<string, unknown> | undefined;
}

export async function trainerFor(kind: ModelKind, opts: TrainerOptions = {}): Promise<ModelTrainer> {
  if (kind === "logistic") return logisticTrainer(opts.logistic ?? {});
  const mod = await mlpModule(opts.backend);
  return opts.mlp && mod.createMlpTrainer ? mod.createMlpTrainer(opts.mlp) : mod.mlpTrainer;
}

/** Rebuild a fitted model from its saved state. */
export async function loadModel(state: ModelState, backend?: BackendName): Promise<FittedModel> {
  if (state.kind === "logistic") return loadLogistic(state);
  return (await mlpModule(backend)).loadMlp(state);
}
