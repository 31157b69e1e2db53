/**
 * Train a model and register it: fit the pipeline on the fit rows, evaluate on the validation rows, derive
 * risk-band thresholds from the validation scores, compute feature importance, write `models/<id>/` and
 * decide whether it becomes the champion (it must beat the champion's AUC on the same validation rows,
 * or be promoted explicitly).
 *
 * The validation rows are never trained on (the mlp early-stops on part of its own training rows), so the
 * metrics are held-out, except that the calibrator (2 parameters for Platt) is fitted on them.
 *
 * Risk bands (calibrated validation scores): critical = top 5 %, high = next 10 %, medium = next 20 %,
 * low = the rest. Stored as score thresholds, so scoring needs no validation data.
 */
import { type ArtifactContent, readChampion, writeArtifact, writeChampion } from "../io/artifact.js";
import { rollingBacktest } from "./backtest.js";
import { applyBaseline, chooseBaseline } from "./baseline.js";
import { buildCardRecord, CARD_HTML, CARD_JSON, type CardRecord, type CardRecordInput } from "./card-record.js";
import type { Calibrator } from "./calibration.js";
import { type FittedPipeline, type PipelineOptions, fitPipeline } from "./fit.js";
import type { TrainingInput } from "./inputs.js";
import { LogisticModel } from "./logistic.js";
import { type Metrics, evaluate, rocAuc } from "./metrics.js";
import { loadScorer, scoreTable } from "./registry.js";
import { referenceDistributions } from "./reference-bins.js";
import { rng } from "./split.js";
import { takeRows } from "../raw-table.js";
import type { FittedModel, Labels, Matrix } from "./types.js";

export const BAND_SHARES = { critical: 0.05, high: 0.1, medium: 0.2 } as const;

export interface Bands {
  method: "validation-quantiles";
  shares: typeof BAND_SHARES;
  /** A score >= thresholds.critical is critical, else >= high is high, else >= medium is medium, else low. */
  thresholds: { critical: number; high: number; medium: number };
}

function quantile(sorted: Float64Array, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function bandThresholds(scores: ArrayLike<number>): Bands {
  const s = Float64Array.from(scores as ArrayLike<number>).sort();
  const c = BAND_SHARES.critical;
  const h = c + BAND_SHARES.high;
  const m = h + BAND_SHARES.medium;
  return { method: "validation-quantiles", shares: BAND_SHARES, thresholds: { critical: quantile(s, 1 - c), high: quantile(s, 1 - h), medium: quantile(s, 1 - m) } };
}

export interface Importance {
  /** Per source column: validation AUC drop when its matrix columns are permuted together (one seeded permutation). */
  permutation: { column: string; aucDrop: number }[];
  /** Logistic only: per source column, sum over its matrix columns of |coef x training std| (a standardised effect). */
  coefficients?: { column: string; weight: number; terms: { name: string; coef: number }[] }[];
}

/** Permutation importance on (a seeded sample of at most 20 000) validation rows. */
export async function permutationImportance(model: FittedModel, X: Matrix, y: Labels, seed: number): Promise<Importance["permutation"]> {
  const r = rng(seed);
  let rows = Array.from({ length: X.rows }, (_, i) => i);
  if (rows.length > 20_000) rows = rows.map((i) => ({ i, k: r() })).sort((a, b) => a.k - b.k).slice(0, 20_000).map((o) => o.i).sort((a, b) => a - b);
  const n = rows.length;
  const d = X.cols;
  const base = new Float32Array(n * d);
  rows.forEach((i, k) => {
    base.set(X.data.subarray(i * d, (i + 1) * d), k * d);
  });
  const yy = Float32Array.from(rows, (i) => y[i]!);
  const Xs: Matrix = { data: base, rows: n, cols: d, columns: X.columns };
  const ref = rocAuc(yy, await model.predict(Xs));
  const sources = [...new Set(X.columns.map((c) => c.source))];
  const out: Importance["permutation"] = [];
  for (const src of sources) {
    const cols = X.columns.flatMap((c, j) => (c.source === src ? [j] : []));
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    const data = base.slice();
    for (let i = 0; i < n; i++) for (const j of cols) data[i * d + j] = base[perm[i]! * d + j]!;
    const auc = rocAuc(yy, await model.predict({ ...Xs, data }));
    out.push({ column: src, aucDrop: ref - auc });
  }
  return out.sort((a, b) => b.aucDrop - a.aucDrop);
}

export function coefficientImportance(model: LogisticModel, X: { columns: Matrix["columns"] }, std: number[]): NonNullable<Importance["coefficients"]> {
  const by = new Map<string, { column: string; weight: number; terms: { name: string; coef: number }[] }>();
  X.columns.forEach((c, j) => {
    const e = by.get(c.source) ?? { column: c.source, weight: 0, terms: [] };
    const coef = model.coefficients[j]!;
    e.weight += Math.abs(coef * (std[j] ?? 0));
    e.terms.push({ name: c.name, coef });
    by.set(c.source, e);
  });
  return [...by.values()].sort((a, b) => b.weight - a.weight);
}

export interface TrainOptions extends PipelineOptions {
  modelsDir: string;
  id?: string | undefined;
  promote?: boolean | undefined;
  /** The effective config, recorded in training.json. */
  config?: unknown;
  now?: Date | undefined;
  /** Feature tables: rolling-origin backtest over the last N complete as-of dates (backtest.ts). */
  backtest?: number | undefined;
  /** Renders model_card.html from what the artifact will hold (injected by the caller: the model layer does not import report/). */
  renderCard?: ((c: CardInputs) => Promise<string>) | undefined;
}

/** Everything the model card is built from: the artifact's content before it is written (or as read back). */
export interface CardInputs {
  id: string;
  kind: "logistic" | "mlp";
  createdAt: string;
  state: ArtifactContent["state"];
  json: ArtifactContent["json"];
  card: CardRecord;
}

export interface TrainResult {
  id: string;
  dir: string;
  kind: "logistic" | "mlp";
  validation: Metrics;
  ece: { before: number; after: number; method: Calibrator["method"] };
  selection?: FittedPipeline["selection"];
  champion: { promoted: boolean; reason: string; previous?: string; previousAuc?: number };
  fitSeconds: number;
  /** Path of model_card.html when it was written. */
  modelCard?: string;
}

export async function trainAndRegister(input: TrainingInput, o: TrainOptions): Promise<TrainResult> {
  const now = o.now ?? new Date();
  const p = await fitPipeline(input.table, input.y, input.fitRows, input.validRows, { ...o, validForEarlyStopping: false });
  const validation = evaluate(p.valid.y, p.valid.calibrated);
  const before = evaluate(p.valid.y, p.valid.raw).ece;
  const Xvalid = p.pre.transform(takeRows(input.table, input.validRows));
  const importance: Importance = { permutation: await permutationImportance(p.model, Xvalid, p.valid.y, o.seed) };
  if (p.model instanceof LogisticModel) importance.coefficients = coefficientImportance(p.model, Xvalid, p.pre.state.std);
  const kind = p.model.kind;
  const id = o.id ?? `${kind}-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
  const content: ArtifactContent = {
    state: await p.model.save(),
    json: {
      "preprocessing.json": p.pre.toJSON(),
      "calibration.json": p.calibrator,
      "bands.json": bandThresholds(p.valid.calibrated),
      "metrics.json": { validation, validationRaw: evaluate(p.valid.y, p.valid.raw), ece: { bins: 10, before, after: validation.ece }, selection: p.selection ?? null },
      "importance.json": importance,
      "training.json": {
        model: o.model,
        seed: o.seed,
        calibration: o.calibration,
        input: input.source,
        split: input.split,
        preprocess: p.pre.state.options,
        config: o.config ?? null,
        fitSeconds: p.fitSeconds,
        // reference distributions for drift checks at scoring time (src/monitoring/drift.ts): the validation rows,
        // i.e. the latest snapshot the model was checked on (pooled fit snapshots would flag seasonal features)
        reference: referenceDistributions(input.table, input.validRows, p.valid.calibrated),
      },
    },
  };
  // Champion decision on the same validation rows, before writing (the new model is compared, not trusted).
  const previous = readChampion(o.modelsDir);
  let cardChampion: CardRecordInput["champion"];
  let champion: TrainResult["champion"];
  let prevAuc: number | undefined;
  let why = "";
  // The champion is scored even with --promote: the model card compares against it.
  if (previous !== undefined) {
    try {
      const scorer = await loadScorer(o.modelsDir, previous, o.backend);
      const pred = await scoreTable(scorer, takeRows(input.table, input.validRows), "validation rows");
      prevAuc = rocAuc(p.valid.y, pred.calibrated);
      scorer.model.dispose();
      cardChampion = { id: previous, metrics: evaluate(p.valid.y, pred.calibrated), allScores: pred.calibrated };
    } catch (e) {
      why = (e as Error).message.split("\n")[0] ?? "";
      cardChampion = { id: previous, error: why };
    }
  }
  if (o.promote) champion = { promoted: true, reason: "--promote" };
  else if (previous === undefined) champion = { promoted: true, reason: "no champion yet" };
  else if (prevAuc === undefined) champion = { promoted: false, reason: `champion ${previous} could not score the validation rows (${why}); use --promote to replace it`, previous };
  else if (validation.auc > prevAuc) champion = { promoted: true, reason: `validation AUC ${validation.auc.toFixed(4)} > champion ${prevAuc.toFixed(4)}`, previous, previousAuc: prevAuc };
  else champion = { promoted: false, reason: `validation AUC ${validation.auc.toFixed(4)} <= champion ${prevAuc.toFixed(4)}`, previous, previousAuc: prevAuc };
  // The model card's extras: rule baseline and backtest on the same rows, then card.json and (with renderCard) the card.
  const rule = chooseBaseline(input.table, input.y, input.fitRows, input.source.kind, o.seed);
  const ruleScores = rule ? applyBaseline(rule, input.table, input.validRows) : undefined;
  const backtest = o.backtest && input.asOf ? { requested: o.backtest, ...(await rollingBacktest(input, o.backtest, kind, o)) } : undefined;
  const card = buildCardRecord({
    input,
    kind,
    calibration: p.calibrator.method,
    seed: o.seed,
    valid: p.valid,
    ...(cardChampion ? { champion: cardChampion } : {}),
    ...(rule && ruleScores ? { baseline: { rule, metrics: evaluate(p.valid.y, ruleScores), allScores: ruleScores } } : {}),
    ...(backtest ? { backtest } : {}),
  });
  content.extra = { [CARD_JSON]: `${JSON.stringify(card)}\n` };
  if (o.renderCard) content.extra[CARD_HTML] = await o.renderCard({ id, kind, createdAt: now.toISOString(), state: content.state, json: content.json, card });
  const dir = writeArtifact(o.modelsDir, id, kind, content, now);
  if (champion.promoted) writeChampion(o.modelsDir, id, champion.reason, now);
  p.model.dispose();
  const result: TrainResult = { id, dir, kind, validation, ece: { before, after: validation.ece, method: p.calibrator.method }, champion, fitSeconds: p.fitSeconds };
  if (p.selection) result.selection = p.selection;
  if (o.renderCard) result.modelCard = `${dir}/${CARD_HTML}`;
  return result;
}
