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
  validation: { design: string; trainRows: number; testRows: number };
  holdout: { rows: number; sample?: { rows: number; seed: number }; labels: number[]; scores: number[]; uncalibrated: number[] };
  /** The champion at training time, re-scored on the same held-out rows (or why it could not be). */
  champion?: { id: string; metrics?: Metrics; scores?: number[]; error?: string };
  baseline?: { rule: RuleBaseline; metrics: Metrics; scores: number[] };
  backtest?: BacktestResult & { requested: number };
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const round = (v: number) => Number(v.toPrecision(7));

function designText(input: TrainingInput, kind: "logistic" | "mlp", calibration: string): string {
  const s = input.split as Record<string, unknown>;
  const early = kind === "mlp" ? " The mlp early-stops on a seeded share of its own training rows." : "";
  const cal = calibration === "none" ? "" : ` The ${calibration} calibrator is fitted on the test rows' raw scores (2 parameters for Platt), so calibration metrics are slightly optimistic.`;
  if (s["method"] === "time-honest") {
    return (
      `Out of time: trained on ${input.fitRows.length.toLocaleString("en-US")} labelled snapshot rows with as-of dates up to ${s["trainAsOfMax"]}, ` +
      `whose ${s["horizon"]} outcome window closed by ${s["validAsOf"]}; tested on the ${s["validAsOf"]} snapshot (${input.validRows.length.toLocaleString("en-US")} rows). ` +
      `${Number(s["embargoedRows"] ?? 0).toLocaleString("en-US")} rows whose window overlaps the test period were left out; ${Number(s["unlabelledRows"] ?? 0).toLocaleString("en-US")} rows with an unknown outcome are never trained on.${early}${cal}`
    );
  }
  return (
    `Stratified random split (seed ${s["seed"]}): trained on ${input.fitRows.length.toLocaleString("en-US")} rows, tested on ${input.validRows.length.toLocaleString("en-US")} held-out rows ` +
    `(${Math.round(Number(s["validFraction"] ?? 0.2) * 100)}%). A flat table has no time axis, so this is an in-time estimate.${early}${cal}`
  );
}

export interface CardRecordInput {
  input: TrainingInput;
  kind: "logistic" | "mlp";
  calibration: string;
  seed: number;
  /** Held-out (validation) rows: labels, calibrated and raw scores. */
  valid: { y: ArrayLike<number>; calibrated: ArrayLike<number>; raw: ArrayLike<number> };
  champion?: CardRecord["champion"] & { allScores?: ArrayLike<number> };
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
    validation: { design: designText(input, a.kind, a.calibration), trainRows: input.fitRows.length, testRows: n },
    holdout: { rows: n, ...(sample ? { sample } : {}), labels: idx.map((i) => (a.valid.y[i]! > 0.5 ? 1 : 0)), scores: pick(a.valid.calibrated), uncalibrated: pick(a.valid.raw) },
  };
  if (a.champion) {
    const { allScores, ...c } = a.champion;
    rec.champion = { ...c, ...(allScores ? { scores: pick(allScores) } : {}) };
  }
  if (a.baseline) rec.baseline = { rule: a.baseline.rule, metrics: a.baseline.metrics, scores: pick(a.baseline.allScores) };
  if (a.backtest) rec.backtest = a.backtest;
  return rec;
}
