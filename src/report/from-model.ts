/**
 * The model card from a model artifact: `modelCardData(inputs)` maps what `models/<id>/` holds (training.json,
 * metrics.json, calibration.json, bands.json, importance.json, model.json's spec and card.json) to ModelCardData.
 * `churn train` calls it through `renderModelCardHtml` before the artifact is written (so model_card.html is
 * checksummed with the rest); `churn report --run models/<id>` calls `modelCardDataFromDir`, which reads the
 * verified artifact back: the same inputs, so the same card.
 */
import { ConfigError } from "../errors.js";
import { artifactExtraJson, folderFormat, readArtifact } from "../io/artifact.js";
import { cardSchema } from "../io/artifact-schemas.js";
import { msg } from "../messages.js";
import { CARD_FORMAT, CARD_JSON, CARD_VERSION, type CardRecord } from "../model/card-record.js";
import type { CardInputs } from "../model/train.js";
import { renderReport } from "./index.js";
import type { ModelCardData, ReportMetrics } from "./model-card.js";

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : {});
const isScalar = (v: unknown): v is string | number | boolean => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

/** Hyper-parameters worth showing: scalar options of the model's saved spec (logistic: options; mlp: params, epochs). */
function paramsOf(kind: "logistic" | "mlp", spec: Obj): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const src = obj(kind === "logistic" ? spec["options"] : spec["params"]);
  for (const [k, v] of Object.entries(src)) {
    if (isScalar(v)) out[k] = v;
    else if (Array.isArray(v) && v.every((x) => typeof x === "number")) out[k] = v.join("-");
  }
  const training = obj(spec["training"]);
  for (const k of ["epochs", "bestEpoch"]) if (isScalar(training[k])) out[k] = training[k] as number;
  return out;
}

/**
 * What the mlp's training record says a reader must know: training stopped on the CPU budget, members dropped
 * because they did not converge, none converged, or no net beat its linear base (spec.training, written by
 * src/model/mlp.ts).
 */
function trainingWarningsOf(spec: Obj): string[] {
  const t = obj(spec["training"]);
  const out: string[] = [];
  const budget = Number(t["timeBudgetSeconds"] ?? obj(spec["params"])["timeBudgetSeconds"]);
  if (t["stoppedByTimeBudget"] === true) out.push(msg.mlpBudgetStopped(budget));
  const dropped = Array.isArray(t["dropped"]) ? t["dropped"].map(obj) : [];
  const none = typeof t["noMemberConverged"] === "string";
  for (const m of dropped) out.push(msg.mlpCardMemberDropped(String(m["member"]), String(m["reason"]), !none));
  if (typeof t["noMemberConverged"] === "string") out.push(msg.mlpCardNoneConverged(t["noMemberConverged"]));
  if (t["linearBaseOnly"] === true) out.push(msg.mlpCardLinearOnly());
  return out;
}

/** Per-epoch losses, when the model records them (spec.training.history: [{epoch, trainLoss|loss, validLoss|valLoss}]). */
function trainingCurveOf(spec: Obj): ModelCardData["trainingCurve"] {
  const history = obj(spec["training"])["history"];
  if (!Array.isArray(history)) return undefined;
  const rows: NonNullable<ModelCardData["trainingCurve"]> = [];
  for (const h of history) {
    const e = obj(h);
    const trainLoss = Number(e["trainLoss"] ?? e["loss"]);
    const v = e["validLoss"] ?? e["valLoss"];
    const validLoss = v === null || v === undefined ? Number.NaN : Number(v); // null: no validation rows (a refit)
    if (!Number.isFinite(Number(e["epoch"])) || !Number.isFinite(trainLoss)) continue;
    rows.push({ epoch: Number(e["epoch"]), trainLoss, ...(Number.isFinite(validLoss) ? { validLoss } : {}) });
  }
  return rows.length ? rows : undefined;
}

function metricsOf(m: unknown): ReportMetrics {
  const v = obj(m);
  const num = (k: string) => (typeof v[k] === "number" ? (v[k] as number) : undefined);
  const out: ReportMetrics = { auc: num("auc") ?? Number.NaN, prAuc: num("prAuc") ?? Number.NaN };
  for (const k of ["logLoss", "brier", "ece", "lift10", "capture10"] as const) {
    const x = num(k);
    if (x !== undefined) out[k] = x;
  }
  return out;
}

/** Check card.json's shape enough that a damaged file fails here with its path, not deep in a chart. */
export function parseCardRecord(value: unknown, where: string): CardRecord {
  const c = obj(value);
  const h = obj(c["holdout"]);
  const same = (a: unknown) => Array.isArray(a) && a.length === (h["labels"] as unknown[]).length;
  if (c["format"] !== CARD_FORMAT || c["version"] !== CARD_VERSION) throw new ConfigError(msg.artifactInvalid(where, `format ${JSON.stringify(c["format"])} v${String(c["version"])}, expected ${CARD_FORMAT} v${CARD_VERSION}`));
  if (!Array.isArray(h["labels"]) || !same(h["scores"]) || !same(h["uncalibrated"]) || !obj(c["data"])["features"] || !obj(c["validation"])["design"]) {
    throw new ConfigError(msg.artifactInvalid(where, "expected data, validation and holdout {labels, scores, uncalibrated} of equal length"));
  }
  return value as CardRecord;
}

/** ModelCardData from an artifact's content (pure). */
export function modelCardData(c: CardInputs): ModelCardData {
  const card = c.card;
  const training = obj(c.json["training.json"]);
  const metrics = obj(c.json["metrics.json"]);
  const method = obj(c.json["calibration.json"])["method"];
  const thresholds = obj(obj(c.json["bands.json"])["thresholds"]);
  const spec = obj(c.state.spec);
  const notes: string[] = [card.validation.design];
  if (card.holdout.sample) notes.push(`Curves are drawn from a seeded sample of ${card.holdout.sample.rows.toLocaleString("en-US")} of the ${card.holdout.rows.toLocaleString("en-US")} validation rows; the metrics use every row.`);
  if (card.champion?.error) notes.push(`The champion ${card.champion.id} could not score the validation rows (${card.champion.error}), so it is not compared.`);
  if (card.baseline) notes.push(`Rule baseline: ${card.baseline.rule.chosen === "fixed" ? `"${card.baseline.rule.name}" (${card.baseline.rule.column} ≥ 1)` : `"${card.baseline.rule.name}", the best one-column rule on the training rows`}, scored with each group's training churn rate.`);
  if (card.backtest?.skipped.length) notes.push(`Backtest (${card.backtest.requested} dates requested): ${card.backtest.skipped.map((s) => `${s.asOf} skipped, ${s.reason}`).join("; ")}.`);
  const bands = ["critical", "high", "medium"].every((k) => typeof thresholds[k] === "number") ? (thresholds as unknown as ModelCardData["model"]["bands"]) : undefined;
  const permutation = obj(c.json["importance.json"])["permutation"];
  const importanceRows = Array.isArray(permutation) ? permutation.map((r) => ({ feature: String(obj(r)["column"]), importance: Number(obj(r)["aucDrop"]) })).filter((r) => Number.isFinite(r.importance)) : [];
  const trainingCurve = trainingCurveOf(spec);
  const warnings = c.kind === "mlp" ? trainingWarningsOf(spec) : [];

  const d: ModelCardData = {
    kind: "model-card",
    model: {
      id: c.id,
      type: c.kind,
      trainedAt: c.createdAt,
      seed: Number(training["seed"] ?? 0),
      params: paramsOf(c.kind, spec),
      calibration: method === "platt" || method === "isotonic" ? method : "none",
      ...(bands ? { bands } : {}),
    },
    data: {
      rows: card.data.rows,
      ...(card.data.subscribers !== undefined ? { subscribers: card.data.subscribers } : {}),
      asOfDates: card.data.asOfDates,
      churnRate: card.data.churnRate,
      ...(card.data.horizonDays !== undefined ? { horizonDays: card.data.horizonDays } : {}),
      features: card.data.features,
      source: card.data.source,
    },
    validation: {
      design: notes.join(" "),
      trainRows: card.validation.trainRows,
      ...(card.validation.earlyStoppingRows ? { earlyStoppingRows: card.validation.earlyStoppingRows } : {}),
      ...(card.validation.calibrationRows ? { calibrationRows: card.validation.calibrationRows } : {}),
      testRows: card.validation.testRows,
    },
    holdout: { labels: card.holdout.labels, scores: card.holdout.scores, uncalibrated: card.holdout.uncalibrated },
    metrics: metricsOf(metrics["validation"]),
  };
  const t = card.champion?.test;
  if (t) d.championTest = { difference: t.difference, low: t.low, high: t.high, pOneSided: t.pOneSided, alpha: t.alpha, promoted: obj(obj(metrics["champion"]))["promoted"] === true, forced: obj(obj(metrics["champion"]))["forced"] === true };
  if (card.champion?.metrics) d.champion = { name: card.champion.id, metrics: metricsOf(card.champion.metrics), ...(card.champion.scores ? { scores: card.champion.scores } : {}) };
  if (card.baseline) d.baseline = { name: card.baseline.rule.name, metrics: metricsOf(card.baseline.metrics), scores: card.baseline.scores };
  if (importanceRows.length) d.featureImportance = { method: "permutation importance (drop in test ROC-AUC when the column is shuffled)", rows: importanceRows };
  if (trainingCurve) d.trainingCurve = trainingCurve;
  if (warnings.length) d.warnings = warnings;
  if (card.backtest?.rows.length) {
    d.backtest = card.backtest.rows.map((b) => {
      // models trained before the backtest was calibrated have no expected churners
      const expected = typeof b.expectedChurners === "number" ? b.expectedChurners : null;
      const churners = typeof b.churners === "number" ? b.churners : null;
      return {
        asOf: b.asOf,
        rows: b.rows,
        churnRate: b.churnRate,
        auc: b.auc,
        prAuc: b.prAuc,
        lift10: b.lift10,
        churners,
        expectedChurners: expected,
        expectedRatio: expected !== null && churners ? expected / churners : null,
        calibratedOn: b.calibratedOn ?? null,
      };
    });
  }
  return d;
}

/** True when `dir` holds a model artifact (manifest.json of format churn-model). */
export function isModelDir(dir: string): boolean {
  return folderFormat(dir) === "churn-model";
}

/** Read and verify `models/<id>/` and return what the card is built from. ConfigError when card.json is absent or damaged. */
export function cardInputsFromDir(dir: string): CardInputs {
  const a = readArtifact(dir);
  const bytes = a.extra[CARD_JSON];
  if (!bytes) throw new ConfigError(msg.cardMissing(dir));
  const card = artifactExtraJson(dir, CARD_JSON, bytes, cardSchema);
  return { id: a.manifest.id, kind: a.manifest.kind, createdAt: a.manifest.createdAt, state: a.state, json: a.json, card: parseCardRecord(card, `${dir}/${CARD_JSON}`) };
}

export function modelCardDataFromDir(dir: string): ModelCardData {
  return modelCardData(cardInputsFromDir(dir));
}

/** The hook `churn train` passes to trainAndRegister (TrainOptions.renderCard). */
export function renderModelCardHtml(c: CardInputs): Promise<string> {
  return renderReport(modelCardData(c), "html");
}
