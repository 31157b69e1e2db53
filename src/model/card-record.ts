/**
 * card.json: what the model card needs beyond the other artifact files, stored in models/<id>/ so
 * `churn report --run models/<id>` rebuilds the card from the artifact alone: the data summary, the validation
 * design, the held-out labels and scores (this model before/after calibration, the champion re-scored on the
 * same rows, the rule baseline), and the backtest. Plain JSON; src/report/from-model.ts turns it into ModelCardData.
 *
 * Held-out arrays hold every validation row up to HOLDOUT_MAX; above that a seeded sample of HOLDOUT_MAX rows
 * (the metrics in metrics.json and here are always on every row; only the curves use the sample).
 */
import { addPeriod, daysBetween, parsePeriod } from "../features/periods.js";
import type { BacktestResult } from "./backtest.js";
import type { RuleBaseline } from "./baseline.js";
import type { PairedAucTest } from "./delong.js";
import type { CalibrationInfo } from "./fit.js";
import type { TrainingInput } from "./inputs.js";
import type { Metrics } from "./metrics.js";
import { rng } from "./split.js";

export const CARD_JSON = "card.json";
export const CARD_HTML = "model_card.html";
export const CARD_FORMAT = "churn-card";
export const CARD_VERSION = 1;
export const HOLDOUT_MAX = 50_000;

export interface CardRecord {
  format: typeof CARD_FORMAT;
  version: typeof CARD_VERSION;
  data: {
    rows: number;
    labelledRows: number;
    subscribers?: number;
    asOfDates: string[];
    churnRate: number;
    horizon?: string;
    horizonDays?: number;
    features: string[];
    source: string;
  };
  /**
   * testRows = the validation rows (the name is kept for cards written before). earlyStoppingRows and
   * calibrationRows are absent on cards written before they were recorded.
   */
  validation: { design: string; trainRows: number; testRows: number; earlyStoppingRows?: number; calibrationRows?: number; calibration?: CalibrationInfo };
  /** Validation rows: labels, calibrated scores (each calibrated without its own row) and raw scores. */
  holdout: { rows: number; sample?: { rows: number; seed: number }; labels: number[]; scores: number[]; uncalibrated: number[] };
  /** The champion at training time, re-scored on the same held-out rows (or why it could not be), and the paired test. */
  champion?: { id: string; metrics?: Metrics; scores?: number[]; error?: string; test?: PairedAucTest & { alpha: number } };
  baseline?: { rule: RuleBaseline; metrics: Metrics; scores: number[] };
  backtest?: BacktestResult & { requested: number };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const round = (v: number) => Number(v.toPrecision(7));

const int = (v: number) => v.toLocaleString("en-US");

function calibrationText(c: CalibrationInfo): string {
  const how = c.method === "none" ? "No calibrator" : `The ${c.method === "platt" ? "Platt" : "isotonic"} calibrator`;
  const why = c.reason === "requested" ? "" : ` (auto: ${c.reason})`;
  if (c.design === "separate-rows") return ` ${how} is fitted on the ${int(c.rows)} calibration rows${why}, which neither trained nor early-stopped the model; every metric is on the validation rows, which none of them saw.`;
  if (c.design === "cross-fitted")
    return ` ${how}${why}: cross-fitted on the validation rows (5 folds): each validation row's probability comes from a calibrator fitted on the other folds, so log loss, Brier, ECE and the reliability curve are on rows the calibrator did not see; the calibrator kept for scoring is fitted on all of them.`;
  return ` ${how}${why} is fitted on the validation rows themselves, so the calibration metrics are optimistic.`;
}

function designText(input: TrainingInput, kind: "logistic" | "mlp", calibration: CalibrationInfo, earlyStopping: number): string {
  const s = input.split as Record<string, unknown>;
  const early = kind === "mlp" ? ` The mlp early-stops on ${earlyStopping ? `${int(earlyStopping)} ` : "a seeded share of its "}early-stopping rows carved from its own training rows.` : "";
  const cal = calibrationText(calibration);
  if (s["method"] === "time-honest") {
    const calib = s["calibAsOf"] ? `calibrated on the ${s["calibAsOf"]} snapshot (${int(Number(s["calibRows"] ?? 0))} calibration rows); ` : "";
    return (
      `Out of time: trained on ${int(input.fitRows.length)} labelled snapshot rows with as-of dates up to ${s["trainAsOfMax"]}, ` +
      `whose ${s["horizon"]} outcome window closed by ${s["calibAsOf"] ?? s["validAsOf"]}; ${calib}validated on the ${s["validAsOf"]} snapshot (${int(input.validRows.length)} validation rows). ` +
      `${int(Number(s["embargoedRows"] ?? 0))} labelled rows whose window overlaps a later period were left out; ${int(Number(s["unlabelledRows"] ?? 0))} rows with an unknown outcome are never trained on.${early}${cal}`
    );
  }
  return (
    `Stratified random split (seed ${s["seed"]}): trained on ${int(input.fitRows.length)} rows, validated on ${int(input.validRows.length)} held-out rows ` +
    `(${Math.round(Number(s["validFraction"] ?? 0.2) * 100)}%)${grouped(s)}. A flat table has no time axis, so this is an in-time estimate.${early}${cal}`
  );
}

/** How a flat table's split kept rows together (a repeated id, or identical rows); "" for a plain row split. */
function grouped(s: Record<string, unknown>): string {
  if (s["method"] !== "stratified-grouped") return "";
  const n = Number(s["groups"] ?? 0).toLocaleString("en-US");
  return s["groupedBy"] === "identical rows"
    ? `, identical rows kept on one side (${n} distinct rows), and so are the early-stopping rows`
    : `, grouped by ${String(s["groupedBy"])}: the ${n} ids each have all their rows on one side, and so do the early-stopping rows`;
}

export interface CardRecordInput {
  input: TrainingInput;
  kind: "logistic" | "mlp";
  calibration: CalibrationInfo;
  rows: { training: number; earlyStopping: number; calibration: number; validation: number };
  seed: number;
  /** Validation rows: labels, calibrated scores (each without its own row: the held-out calibration) and raw scores. */
  valid: { y: ArrayLike<number>; calibrated: ArrayLike<number>; raw: ArrayLike<number> };
  champion?: Omit<NonNullable<CardRecord["champion"]>, "test"> & { allScores?: ArrayLike<number> };
  championTest?: PairedAucTest & { alpha: number };
  baseline?: { rule: RuleBaseline; metrics: Metrics; allScores: ArrayLike<number> };
  backtest?: BacktestResult & { requested: number };
}

export function buildCardRecord(a: CardRecordInput): CardRecord {
  const { input } = a;
  const n = a.valid.y.length;
  let idx = Array.from({ length: n }, (_, i) => i);
  let sample: CardRecord["holdout"]["sample"];
  if (n > HOLDOUT_MAX) {
    const r = rng(a.seed + 17);
    idx = idx.map((i) => ({ i, k: r() })).sort((x, y) => x.k - y.k).slice(0, HOLDOUT_MAX).map((o) => o.i).sort((x, y) => x - y);
    sample = { rows: HOLDOUT_MAX, seed: a.seed + 17 };
  }
  const pick = (v: ArrayLike<number>) => idx.map((i) => round(v[i]!));
  let labelled = 0;
  let pos = 0;
  for (const v of input.y) {
    if (Number.isNaN(v)) continue;
    labelled++;
    if (v > 0.5) pos++;
  }
  const data: CardRecord["data"] = {
    rows: input.table.rows,
    labelledRows: labelled,
    asOfDates: input.asOf ? [...new Set(input.asOf)].sort((x, y) => x - y).map(day) : [],
    churnRate: labelled ? pos / labelled : 0,
    features: input.table.columns.map((c) => c.name),
    source: input.source.path,
  };
  if (input.subscribers !== undefined) data.subscribers = input.subscribers;
  const s = input.split as Record<string, unknown>;
  if (typeof s["horizon"] === "string") {
    data.horizon = s["horizon"];
    const t = Date.parse(String(s["validAsOf"]));
    if (!Number.isNaN(t)) data.horizonDays = daysBetween(new Date(t), addPeriod(new Date(t), parsePeriod(s["horizon"], "--horizon")));
  }
  const rec: CardRecord = {
    format: CARD_FORMAT,
    version: CARD_VERSION,
    data,
    validation: {
      design: designText(input, a.kind, a.calibration, a.rows.earlyStopping),
      trainRows: input.fitRows.length,
      testRows: n,
      earlyStoppingRows: a.rows.earlyStopping,
      calibrationRows: a.rows.calibration,
      calibration: a.calibration,
    },
    holdout: { rows: n, ...(sample ? { sample } : {}), labels: idx.map((i) => (a.valid.y[i]! > 0.5 ? 1 : 0)), scores: pick(a.valid.calibrated), uncalibrated: pick(a.valid.raw) },
  };
  if (a.champion) {
    const { allScores, ...c } = a.champion;
    rec.champion = { ...c, ...(allScores ? { scores: pick(allScores) } : {}), ...(a.championTest ? { test: a.championTest } : {}) };
  }
  if (a.baseline) rec.baseline = { rule: a.baseline.rule, metrics: a.baseline.metrics, scores: pick(a.baseline.allScores) };
  if (a.backtest) rec.backtest = a.backtest;
  return rec;
}
