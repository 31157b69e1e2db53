/**
 * Train a model and register it: fit the pipeline on the training rows, calibrate it, evaluate on the
 * validation rows, derive risk-band thresholds from the validation scores, compute feature importance, write
 * `models/<id>/` and decide whether it becomes the champion.
 *
 * Four names for four row sets, used the same way in logs, metrics.json and the model card:
 *   training rows        what the model is fitted on
 *   early-stopping rows  (mlp) a seeded share of the training rows that picks its epoch
 *   calibration rows     out of time (feature tables: the snapshot before the validation one); the calibrator and
 *                        `auto`'s model choice are fitted there. Flat tables: the calibrator is cross-fitted on the
 *                        validation rows instead (each row calibrated by a calibrator that did not see it)
 *   validation rows      never trained, early-stopped or calibrated on: every metric, the reliability curve and
 *                        the champion test are on them
 *
 * Champion: the new model is promoted only when a one-sided paired DeLong test on the validation rows says its
 * AUC beats the champion's (p < alpha, config training.promotion.alpha, default 0.05), or with --promote.
 *
 * Risk bands (calibrated validation scores): critical = top 5 %, high = next 10 %, medium = next 20 %,
 * low = the rest. Stored as score thresholds, so scoring needs no validation data.
 */
import { type ArtifactContent, readChampion, writeArtifact, writeChampion } from "../io/artifact.js";
import { rollingBacktest } from "./backtest.js";
import { applyBaseline, chooseBaseline } from "./baseline.js";
import { buildCardRecord, CARD_HTML, CARD_JSON, type CardRecord, type CardRecordInput } from "./card-record.js";
import type { Calibrator } from "./calibration.js";
import { type AucInterval, delongAuc, delongPaired, type PairedAucTest } from "./delong.js";
import { type CalibrationInfo, type FittedPipeline, type PipelineOptions, fitPipeline, predictPipeline } from "./fit.js";
import type { TrainingInput } from "./inputs.js";
import { contributionScale, makeExplainer } from "./explain.js";
import { LogisticModel } from "./logistic.js";
import { msg } from "../messages.js";
import { type Metrics, evaluate, rocAuc } from "./metrics.js";
import { loadScorer, scoreTable } from "./registry.js";
import { trainingReference } from "./reference-stats.js";
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
  /** Per source column: the root mean square of its contribution to the logit over the validation rows (orders reasons). */
  contributionScale?: Record<string, number>;
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
    // permute this source's columns in place and put them back after (a copy of the whole matrix per source column
    // was most of the time this took)
    const saved = new Float32Array(n * cols.length);
    for (let i = 0; i < n; i++) for (let c = 0; c < cols.length; c++) saved[i * cols.length + c] = base[i * d + cols[c]!]!;
    for (let i = 0; i < n; i++) for (let c = 0; c < cols.length; c++) base[i * d + cols[c]!] = saved[perm[i]! * cols.length + c]!;
    const auc = rocAuc(yy, await model.predict(Xs));
    for (let i = 0; i < n; i++) for (let c = 0; c < cols.length; c++) base[i * d + cols[c]!] = saved[i * cols.length + c]!;
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

/** contributionScale on (a seeded sample of at most 20 000) validation rows, by the explainer scoring will use. */
async function validationContributionScale(p: FittedPipeline, X: Matrix, importance: Importance, seed: number): Promise<Record<string, number>> {
  let rows = Array.from({ length: X.rows }, (_, i) => i);
  if (rows.length > 20_000) {
    const r = rng(seed + 3);
    rows = rows.map((i) => ({ i, k: r() })).sort((a, b) => a.k - b.k).slice(0, 20_000).map((o) => o.i).sort((a, b) => a - b);
  }
  const d = X.cols;
  const data = new Float32Array(rows.length * d);
  rows.forEach((i, k) => {
    data.set(X.data.subarray(i * d, (i + 1) * d), k * d);
  });
  const Xs: Matrix = { data, rows: rows.length, cols: d, columns: X.columns };
  const explainer = makeExplainer(p.model, X.columns.map((c) => c.name), X.columns.map((c) => c.source), p.pre.state.reference, importance, []);
  return contributionScale(explainer, Xs, await p.model.predict(Xs));
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
  /** Promote only when the one-sided DeLong p-value of the AUC gain over the champion is below this (default 0.05). */
  promotionAlpha?: number | undefined;
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

export interface ChampionDecision {
  promoted: boolean;
  /** Promoted by --promote, whatever the test said. */
  forced?: boolean;
  reason: string;
  previous?: string;
  previousAuc?: number;
  /** The paired DeLong test of this model against the champion on the validation rows. */
  test?: PairedAucTest & { alpha: number };
}

export interface TrainResult {
  id: string;
  dir: string;
  kind: "logistic" | "mlp";
  /** Metrics on the validation rows (probability metrics from calibrated scores the calibrator did not fit on). */
  validation: Metrics;
  /** DeLong 95% interval of the validation AUC. */
  aucInterval: AucInterval;
  /** ECE on the validation rows before and after calibration. */
  ece: { before: number; after: number; method: Calibrator["method"] };
  calibration: CalibrationInfo;
  /** Row counts of the four row sets (see the module comment). */
  rows: { training: number; earlyStopping: number; calibration: number; validation: number };
  selection?: FittedPipeline["selection"];
  champion: ChampionDecision;
  fitSeconds: number;
  /** Path of model_card.html when it was written. */
  modelCard?: string;
  /** What the user should know about the input (e.g. a `fold` column left out of the features). */
  notes: string[];
}

/**
 * Validation metrics: ranking metrics (AUC, PR-AUC, lift) from the scores scoring will produce, probability
 * metrics (log loss, Brier, ECE) from scores calibrated without seeing their own row (the same array unless the
 * calibrator was cross-fitted).
 */
export function heldOutMetrics(y: ArrayLike<number>, ranking: ArrayLike<number>, probabilities: ArrayLike<number>): Metrics {
  const r = evaluate(y, ranking);
  if (ranking === probabilities) return r;
  const p = evaluate(y, probabilities);
  return { ...r, logLoss: p.logLoss, brier: p.brier, ece: p.ece };
}

/** Early-stopping rows the mlp carved from its training rows (from its saved spec; 0 for logistic). */
function earlyStoppingRows(spec: Record<string, unknown>): number {
  const t = spec["training"] as { members?: { validRows?: number }[]; validRows?: number } | undefined;
  const v = t?.members?.[0]?.validRows ?? t?.validRows;
  return typeof v === "number" ? v : 0;
}

/** Promote or not: --promote, no champion, or the paired test on the validation rows. */
export function decideChampion(o: { promote?: boolean | undefined; alpha: number }, previous: string | undefined, y: ArrayLike<number>, scores: ArrayLike<number>, champion: { scores?: ArrayLike<number>; error?: string }): ChampionDecision {
  let test: ChampionDecision["test"];
  if (previous !== undefined && champion.scores) test = { ...delongPaired(y, scores, champion.scores), alpha: o.alpha };
  const withTest = (d: ChampionDecision): ChampionDecision => (test ? { ...d, previousAuc: test.aucB, test } : d);
  if (o.promote) return withTest({ promoted: true, forced: true, reason: msg.promoteForced(), ...(previous !== undefined ? { previous } : {}) });
  if (previous === undefined) return { promoted: true, reason: msg.promoteFirst() };
  if (!test) return { promoted: false, reason: msg.promoteChampionFailed(previous, champion.error ?? "no scores"), previous };
  const won = test.pOneSided < o.alpha;
  return withTest({ promoted: won, reason: msg.promoteTest(won, test.aucA, test.aucB, test.difference, test.low, test.high, test.pOneSided, o.alpha, test.rows), previous });
}

export async function trainAndRegister(input: TrainingInput, o: TrainOptions): Promise<TrainResult> {
  const now = o.now ?? new Date();
  const p = await fitPipeline(input.table, input.y, input.fitRows, input.validRows, {
    ...o,
    validForEarlyStopping: false,
    calibrationRows: input.calibRows.length ? input.calibRows : "cross-fit",
    ...(input.groups ? { groups: input.groups } : {}),
  });
  const validation = heldOutMetrics(p.valid.y, p.valid.calibrated, p.valid.heldOut);
  const aucInterval = delongAuc(p.valid.y, p.valid.calibrated);
  const before = evaluate(p.valid.y, p.valid.raw).ece;
  const Xvalid = p.pre.transform(takeRows(input.table, input.validRows));
  const importance: Importance = { permutation: await permutationImportance(p.model, Xvalid, p.valid.y, o.seed) };
  if (p.model instanceof LogisticModel) importance.coefficients = coefficientImportance(p.model, Xvalid, p.pre.state.std);
  importance.contributionScale = await validationContributionScale(p, Xvalid, importance, o.seed);
  const kind = p.model.kind;
  const id = o.id ?? `${kind}-${now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
  const state = await p.model.save();
  const rows = { training: input.fitRows.length, earlyStopping: earlyStoppingRows(state.spec), calibration: p.calibration.design === "separate-rows" ? p.calibration.rows : 0, validation: input.validRows.length };
  const content: ArtifactContent = {
    state,
    json: {
      "preprocessing.json": p.pre.toJSON(),
      "calibration.json": p.calibrator,
      "bands.json": bandThresholds(p.valid.calibrated),
      "metrics.json": {
        validation,
        validationRaw: evaluate(p.valid.y, p.valid.raw),
        aucInterval,
        ece: { bins: 10, before, after: validation.ece },
        calibration: p.calibration,
        rows,
        selection: p.selection ?? null,
      },
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
        // the reference of the drift and input-integrity checks at scoring time (src/monitoring/): every training
        // row, all snapshots pooled for PSI, and each snapshot's statistics (a seasonal feature is not broken input)
        reference: await trainingReferenceOf(p, input),
      },
    },
  };
  // Champion decision on the same validation rows, before writing (the new model is compared, not trusted).
  // The champion is scored even with --promote: the model card compares against it.
  const previous = readChampion(o.modelsDir);
  let cardChampion: CardRecordInput["champion"];
  const champ: { scores?: Float32Array; error?: string } = {};
  if (previous !== undefined) {
    try {
      const scorer = await loadScorer(o.modelsDir, previous, o.backend);
      const pred = await scoreTable(scorer, takeRows(input.allColumns, input.validRows), "the validation rows");
      scorer.model.dispose();
      champ.scores = pred.calibrated;
      cardChampion = { id: previous, metrics: evaluate(p.valid.y, pred.calibrated), allScores: pred.calibrated };
    } catch (e) {
      champ.error = (e as Error).message.split("\n")[0] ?? "";
      cardChampion = { id: previous, error: champ.error };
    }
  }
  const champion = decideChampion({ promote: o.promote, alpha: o.promotionAlpha ?? 0.05 }, previous, p.valid.y, p.valid.calibrated, champ);
  (content.json["metrics.json"] as Record<string, unknown>)["champion"] = champion.test ? { id: previous, test: champion.test, promoted: champion.promoted, forced: champion.forced === true } : null;
  // The model card's extras: rule baseline and backtest on the same rows, then card.json and (with renderCard) the card.
  const rule = chooseBaseline(input.table, input.y, input.fitRows, input.source.kind, o.seed);
  const ruleScores = rule ? applyBaseline(rule, input.table, input.validRows) : undefined;
  const backtest = o.backtest && input.asOf ? { requested: o.backtest, ...(await rollingBacktest(input, o.backtest, kind, o)) } : undefined;
  const card = buildCardRecord({
    input,
    kind,
    calibration: p.calibration,
    rows,
    seed: o.seed,
    valid: { y: p.valid.y, calibrated: p.valid.heldOut, raw: p.valid.raw },
    ...(cardChampion ? { champion: cardChampion } : {}),
    ...(champion.test ? { championTest: champion.test } : {}),
    ...(rule && ruleScores ? { baseline: { rule, metrics: evaluate(p.valid.y, ruleScores), allScores: ruleScores } } : {}),
    ...(backtest ? { backtest } : {}),
  });
  content.extra = { [CARD_JSON]: `${JSON.stringify(card)}\n` };
  if (o.renderCard) content.extra[CARD_HTML] = await o.renderCard({ id, kind, createdAt: now.toISOString(), state: content.state, json: content.json, card });
  const dir = writeArtifact(o.modelsDir, id, kind, content, now);
  if (champion.promoted) writeChampion(o.modelsDir, id, champion.reason, now);
  p.model.dispose();
  const result: TrainResult = { id, dir, kind, validation, aucInterval, ece: { before, after: validation.ece, method: p.calibrator.method }, calibration: p.calibration, rows, champion, fitSeconds: p.fitSeconds, notes: input.notes ?? [] };
  if (p.selection) result.selection = p.selection;
  if (o.renderCard) result.modelCard = `${dir}/${CARD_HTML}`;
  return result;
}

/** trainingReference over fit, calibration and validation rows, the first two's calibrated scores predicted in chunks (bounded memory). */
async function trainingReferenceOf(p: FittedPipeline, input: TrainingInput): Promise<ReturnType<typeof trainingReference>> {
  const predicted = [...input.fitRows, ...input.calibRows];
  const rows = [...predicted, ...input.validRows];
  const scores = new Float32Array(rows.length);
  const CHUNK = 100_000;
  for (let k = 0; k < predicted.length; k += CHUNK) {
    const part = await predictPipeline(p, takeRows(input.table, predicted.slice(k, k + CHUNK)), "training rows");
    scores.set(part.calibrated, k);
  }
  scores.set(p.valid.calibrated, predicted.length);
  return trainingReference(input.table, rows, scores, input.asOf);
}
