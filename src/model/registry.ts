/**
 * The model registry in `models/`: list, show, promote, and load a model for scoring (`loadScorer`), which
 * verifies the artifact (checksums, versions, safe weights paths) before anything is used.
 */
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { basename } from "node:path";
import { type ArtifactManifest, artifactExists, artifactExtraJson, isValidModelId, listArtifacts, readArtifact, readArtifactSummary, readChampion, type TrainingSummary, writeChampion } from "../io/artifact.js";
import type { ArtifactBands, ArtifactImportance, ArtifactMetrics, ArtifactTraining } from "../io/artifact-schemas.js";
import { msg } from "../messages.js";
import type { BackendName } from "./backend.js";
import { type ExpectedBacktest, expectedRange } from "./backtest.js";
import { applyCalibration, type Calibrator } from "./calibration.js";
import { Preprocessor } from "./preprocess.js";
import type { RawTable } from "../raw-table.js";
import { loadModel } from "./trainers.js";
import type { FittedModel } from "./types.js";

export interface Scorer {
  id: string;
  dir: string;
  manifest: ArtifactManifest;
  pre: Preprocessor;
  model: FittedModel;
  calibrator: Calibrator;
  /** Risk band thresholds chosen at training time. */
  bands: ArtifactBands;
  metrics: ArtifactMetrics;
  importance: ArtifactImportance;
  /** Training record: the split (label horizon) and the reference distributions for drift checks. */
  training: ArtifactTraining;
  /** How far the expected churners were from the real ones in the model's backtest (`train --backtest`), when run. */
  expectedBacktest?: ExpectedBacktest | undefined;
}

const cardBacktest = z.looseObject({
  backtest: z.looseObject({ rows: z.array(z.looseObject({ churners: z.number().optional(), expectedChurners: z.number().nullable().optional() })) }).optional(),
});

/** The backtest's range of expected ÷ real churners, from an artifact's card.json (undefined without one). */
export function expectedBacktestOf(dir: string, card: Uint8Array | undefined): ExpectedBacktest | undefined {
  if (!card) return undefined;
  const rows = artifactExtraJson(dir, "card.json", card, cardBacktest).backtest?.rows ?? [];
  const range = expectedRange(rows.flatMap((r) => (typeof r.expectedChurners === "number" && r.churners ? [r.expectedChurners / r.churners] : [])));
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return range && { ...range, low: round(range.low), high: round(range.high) };
}

/** Load `models/<id>` (or the champion when id is "champion" or omitted). */
export async function loadScorer(modelsDir: string, id?: string, backend?: BackendName): Promise<Scorer> {
  let target = id;
  if (target === undefined || target === "champion") {
    target = readChampion(modelsDir);
    if (target === undefined) throw new ConfigError(msg.noChampion(modelsDir));
  }
  if (!isValidModelId(target)) throw new ConfigError(msg.modelIdInvalid(target));
  if (!artifactExists(modelsDir, target)) throw new ConfigError(msg.modelNotFound(modelsDir, target));
  const a = readArtifact(`${modelsDir}/${target}`);
  const pre = Preprocessor.fromJSON(a.json["preprocessing.json"], `${a.dir}/preprocessing.json`);
  let model: FittedModel;
  try {
    model = await loadModel(a.state, backend);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(msg.artifactInvalid(`${a.dir}/model.json`, (e as Error).message));
  }
  return {
    id: target,
    dir: a.dir,
    manifest: a.manifest,
    pre,
    model,
    calibrator: a.json["calibration.json"],
    bands: a.json["bands.json"],
    metrics: a.json["metrics.json"],
    importance: a.json["importance.json"],
    training: a.json["training.json"],
    expectedBacktest: expectedBacktestOf(a.dir, a.extra["card.json"]),
  };
}

/** Raw and calibrated probabilities for a table. */
export async function scoreTable(s: Scorer, table: RawTable, where = "input"): Promise<{ raw: Float32Array; calibrated: Float32Array }> {
  const X = s.pre.transform(table, where);
  const raw = await s.model.predict(X);
  return { raw, calibrated: applyCalibration(s.calibrator, raw) };
}

export interface ModelListEntry {
  id: string;
  kind?: string;
  createdAt?: string;
  champion: boolean;
  /** Where the training data came from, in a few words: file, and as-of range or rows. */
  trainingData?: string;
  /** Validation-row metrics; aucLow/aucHigh the DeLong 95% interval (absent for models trained before it was recorded). */
  auc?: number;
  aucLow?: number;
  aucHigh?: number;
  logLoss?: number;
  ece?: number;
  validationRows?: number;
  error?: string;
}

const int = (v: unknown) => (typeof v === "number" ? v.toLocaleString("en-US") : "?");

/** "train.parquet, as-of dates to 2026-05-31 (validated on 2026-05-31)" or "telco.csv, 5,634 + 1,409 rows". */
export function trainingDataText(t: TrainingSummary): string {
  const s = t.split;
  const file = basename(t.input.path);
  if (s["method"] === "time-honest") return `${file}, trained to ${String(s["trainAsOfMax"])}, validated on ${String(s["validAsOf"])}`;
  return `${file}, ${int(s["fitRows"])} training + ${int(s["validRows"])} validation rows (seed ${String(s["seed"] ?? t.seed ?? "?")})`;
}

/** Every model in `modelsDir` with its validation metrics (damaged ones listed with their error, not thrown). */
export function listModels(modelsDir: string): ModelListEntry[] {
  const champ = readChampion(modelsDir);
  return listArtifacts(modelsDir).map((a) => {
    const e: ModelListEntry = { id: a.id, champion: a.id === champ };
    if (a.manifest) {
      e.kind = a.manifest.kind;
      e.createdAt = a.manifest.createdAt;
      try {
        const { metrics, training } = readArtifactSummary(`${modelsDir}/${a.id}`, a.manifest);
        e.trainingData = trainingDataText(training);
        const v = metrics.validation;
        if (v.auc !== null) e.auc = v.auc;
        if (metrics.aucInterval) {
          e.aucLow = metrics.aucInterval.low;
          e.aucHigh = metrics.aucInterval.high;
        }
        if (v.logLoss !== null) e.logLoss = v.logLoss;
        if (v.ece !== null) e.ece = v.ece;
        e.validationRows = v.n;
      } catch (err) {
        e.error = (err as Error).message;
      }
    }
    if (a.error) e.error = a.error;
    return e;
  });
}

/** Full description of one model (verified). */
export function showModel(modelsDir: string, id: string): Record<string, unknown> {
  if (!isValidModelId(id)) throw new ConfigError(msg.modelIdInvalid(id));
  if (!artifactExists(modelsDir, id)) throw new ConfigError(msg.modelNotFound(modelsDir, id));
  const a = readArtifact(`${modelsDir}/${id}`);
  return {
    id,
    dir: a.dir,
    champion: readChampion(modelsDir) === id,
    manifest: a.manifest,
    metrics: a.json["metrics.json"],
    bands: a.json["bands.json"],
    calibration: a.json["calibration.json"],
    importance: a.json["importance.json"],
    training: a.json["training.json"],
    expectedBacktest: expectedBacktestOf(a.dir, a.extra["card.json"]),
  };
}

export function promoteModel(modelsDir: string, id: string, now = new Date()): { id: string; previous?: string } {
  if (!isValidModelId(id)) throw new ConfigError(msg.modelIdInvalid(id));
  if (!artifactExists(modelsDir, id)) throw new ConfigError(msg.modelNotFound(modelsDir, id));
  readArtifact(`${modelsDir}/${id}`); // refuse to promote a damaged artifact
  const previous = readChampion(modelsDir);
  writeChampion(modelsDir, id, "churn models promote", now);
  return previous === undefined ? { id } : { id, previous };
}
