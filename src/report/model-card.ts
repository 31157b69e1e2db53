/**
 * The model card (written by `churn train`): what the model was trained on, how it was validated, how it
 * compares with the current champion and with a simple rule, and the curves a data scientist checks before
 * promoting it. `buildModelCard(data)` returns a ReportDoc; render it with renderReport (index.ts).
 *
 * Curves are computed here from the held-out (label, score) pairs, so the trainer only hands over arrays.
 * Sections whose data is absent (no champion, no backtest, no training curve for logistic) show one line instead.
 */
import { type BandThresholds, BANDS } from "../retention/bands.js";
import { expectedRange } from "../model/backtest.js";
import {
  backtestChart,
  calibrationChart,
  featureImportanceChart,
  gainsChart,
  liftChart,
  prChart,
  rocChart,
  scoreHistogramChart,
  trainingCurveChart,
} from "./charts.js";
import { areaUnder, calibrationBins, gainsPoints, prPoints, rocPoints, scoreHistogram, thin } from "./curves.js";
import type { Chart, ReportDoc, Section, Table } from "./doc.js";
import { pValueText } from "../messages.js";

/** Metrics as src/model/metrics.ts `evaluate` returns them (its `Metrics` is assignable to this). */
export interface ReportMetrics {
  auc: number;
  prAuc: number;
  logLoss?: number;
  brier?: number;
  ece?: number;
  lift10?: number;
  capture10?: number;
}

/** A model compared against the candidate on the same held-out rows. */
export interface ComparedModel {
  /** e.g. the champion's model id, or the rule's name ("any complaint in 90 days"). */
  name: string;
  metrics: ReportMetrics;
  /** Its scores on the same held-out rows (same order as `holdout.labels`): adds its curves to ROC/PR/gains. */
  scores?: ArrayLike<number>;
}

export interface ModelCardData {
  kind: "model-card";
  model: {
    id: string;
    type: "logistic" | "mlp";
    /** ISO timestamp of training (taken from the artifact, so the card is reproducible). */
    trainedAt: string;
    seed: number;
    /** Hyper-parameters worth showing (layers, learning rate, epochs, l2, ...). */
    params?: Record<string, string | number | boolean>;
    /** Calibration method used after training. */
    calibration: "platt" | "isotonic" | "none";
    /** Band thresholds frozen in the artifact. */
    bands?: BandThresholds;
  };
  data: {
    /** Feature-table rows used (all splits). */
    rows: number;
    subscribers?: number;
    /** As-of dates (YYYY-MM-DD) in the training table, ascending. */
    asOfDates: string[];
    /** Share of labelled rows that churned within the horizon. */
    churnRate: number;
    /** Outcome horizon in days; absent for a flat table whose label has no stated horizon. */
    horizonDays?: number;
    /** Feature names fed to the model (raw columns, before one-hot encoding). */
    features: string[];
    /** Where the data came from (paths or a dataset name). */
    source?: string;
  };
  validation: {
    /** One or two sentences, e.g. "Trained on as-of dates up to 2026-03-01, validated on 2026-04-01 (out of time)". */
    design: string;
    trainRows: number;
    /** mlp: training rows held out to pick the epoch (part of trainRows). */
    earlyStoppingRows?: number;
    /** Rows the calibrator was fitted on (none when it was cross-fitted on the validation rows). */
    calibrationRows?: number;
    /** Validation rows: every metric and curve of the card. */
    testRows: number;
  };
  /** The paired test against the champion on the validation rows, when there was one. */
  championTest?: { difference: number; low: number; high: number; pOneSided: number; alpha: number; promoted: boolean; forced?: boolean };
  /** Held-out rows the metrics and curves are computed on. All arrays have the same length and order. */
  holdout: {
    labels: ArrayLike<number>;
    /** Calibrated probabilities (what scoring uses). */
    scores: ArrayLike<number>;
    /** Probabilities before calibration, for the before/after calibration plot. */
    uncalibrated?: ArrayLike<number>;
  };
  metrics: ReportMetrics;
  champion?: ComparedModel;
  baseline?: ComparedModel;
  featureImportance?: { method: string; rows: { feature: string; importance: number }[] };
  /** Things a reader must know before trusting the model (e.g. training stopped on its budget, members dropped). */
  warnings?: string[];
  /** Loss per epoch (mlp); absent for logistic. */
  trainingCurve?: { epoch: number; trainLoss: number; validLoss?: number }[];
  /** One row per backtest as-of date, oldest first. */
  backtest?: {
    asOf: string;
    rows: number;
    churnRate: number;
    auc: number;
    prAuc: number;
    lift10?: number;
    churners?: number | null;
    /** Sum of the calibrated probabilities (null: no calibration snapshot before this date). */
    expectedChurners?: number | null;
    expectedRatio?: number | null;
    calibratedOn?: string | null;
  }[];
}

const CURVE_POINTS = 200;

function metricsTable(d: ModelCardData): Table {
  const rows: Record<string, unknown>[] = [{ model: `${d.model.id} (this model)`, ...d.metrics }];
  if (d.champion) rows.push({ model: `${d.champion.name} (champion)`, ...d.champion.metrics });
  if (d.baseline) rows.push({ model: `${d.baseline.name} (rule baseline)`, ...d.baseline.metrics });
  const diffs: Record<string, unknown>[] = [];
  if (d.champion) diffs.push({ model: "this model − champion", auc: d.metrics.auc - d.champion.metrics.auc, prAuc: d.metrics.prAuc - d.champion.metrics.prAuc, lift10: diff(d.metrics.lift10, d.champion.metrics.lift10) });
  if (d.baseline) diffs.push({ model: "this model − baseline", auc: d.metrics.auc - d.baseline.metrics.auc, prAuc: d.metrics.prAuc - d.baseline.metrics.prAuc, lift10: diff(d.metrics.lift10, d.baseline.metrics.lift10) });
  return {
    caption: "Validation-row metrics (higher is better for AUC, PR-AUC, lift and capture; lower for log loss, Brier and ECE)",
    rowHeader: true,
    columns: [
      { key: "model", label: "Model", format: "text" },
      { key: "auc", label: "ROC-AUC", format: "num3" },
      { key: "prAuc", label: "PR-AUC", format: "num3" },
      { key: "logLoss", label: "Log loss", format: "num3" },
      { key: "brier", label: "Brier", format: "num3" },
      { key: "ece", label: "ECE", format: "num3" },
      { key: "lift10", label: "Lift @10%", format: "num" },
      { key: "capture10", label: "Capture @10%", format: "pct" },
    ],
    rows: [...rows, ...diffs],
  };
}

function diff(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

/** The candidate plus any compared model with scores, in legend order. */
function scoredSeries(d: ModelCardData): { name: string; scores: ArrayLike<number> }[] {
  // Short legend names; the metrics table names the models in full.
  const s = [{ name: "this model", scores: d.holdout.scores }];
  if (d.champion?.scores) s.push({ name: "champion", scores: d.champion.scores });
  if (d.baseline?.scores) s.push({ name: "rule baseline", scores: d.baseline.scores });
  return s;
}

function curveCharts(d: ModelCardData): Chart[] {
  const y = d.holdout.labels;
  const series = scoredSeries(d);
  const order = series.map((s) => s.name);
  const roc = series.flatMap((s) =>
    thin(rocPoints(y, s.scores), CURVE_POINTS).map((p, i) => ({ series: s.name, i, fpr: p.fpr, tpr: p.tpr })),
  );
  const pr = series.flatMap((s) => {
    const pts = thin(prPoints(y, s.scores), CURVE_POINTS);
    // A rule has only one or two operating points: mark them, a line between them would suggest a curve.
    return pts.map((p, i) => ({ series: s.name, i, recall: p.recall, precision: p.precision, operatingPoint: pts.length <= 3 }));
  });
  const gains = series.flatMap((s) => gainsPoints(y, s.scores, 20).map((p) => ({ series: s.name, fraction: p.fraction, captured: p.captured, lift: p.lift })));
  let pos = 0;
  for (let i = 0; i < y.length; i++) if (y[i]! > 0.5) pos++;
  const prevalence = y.length ? pos / y.length : 0;
  const aucText = series.map((s) => `${s.name} AUC ${areaUnder(rocPoints(y, s.scores).map((p) => ({ x: p.fpr, y: p.tpr }))).toFixed(3)}`).join(", ");
  return [
    { id: "roc", title: "ROC curve", alt: `ROC curves: ${aucText}.`, spec: rocChart(roc, order), data: roc },
    { id: "pr", title: "Precision-recall curve", alt: `Precision against recall; churn rate ${(prevalence * 100).toFixed(1)}%.`, spec: prChart(pr, order, prevalence), data: pr },
    { id: "gains", title: "Cumulative gains", alt: "Share of churners reached by contacting the top share of subscribers.", spec: gainsChart(gains, order), data: gains },
    { id: "lift", title: "Cumulative lift", alt: "Lift over random contact at each share of subscribers contacted.", spec: liftChart(gains.filter((g) => g.fraction > 0), order), data: gains.filter((g) => g.fraction > 0) },
  ];
}

function calibrationSection(d: ModelCardData): Section {
  const y = d.holdout.labels;
  const after = calibrationBins(y, d.holdout.scores, 10).map((b) => ({ stage: "after calibration", ...b }));
  const before = d.holdout.uncalibrated ? calibrationBins(y, d.holdout.uncalibrated, 10).map((b) => ({ stage: "before calibration", ...b })) : [];
  const rows = [...before, ...after];
  const hist = scoreHistogram(y, d.holdout.scores, 20);
  const totals = { 0: 0, 1: 0 };
  for (const h of hist) totals[h.label] += h.count;
  const histRows = hist.map((h) => ({ lo: h.lo, hi: h.hi, outcome: h.label === 1 ? "churned" : "stayed", count: h.count, share: totals[h.label] ? h.count / totals[h.label] : 0 }));
  const intro =
    d.model.calibration === "none"
      ? "The model's probabilities were not calibrated after training (held-out checks found them calibrated already). The curves are drawn from the validation rows."
      : `Probabilities were calibrated with ${d.model.calibration === "platt" ? "Platt scaling (a logistic fit on held-out scores)" : "isotonic regression"}; the curves are drawn from the validation rows, which the calibrator did not see. Points near the diagonal mean a predicted 30% churns about 30% of the time.`;
  return {
    id: "calibration",
    title: "Calibration and score distribution",
    intro: d.holdout.uncalibrated ? intro : `${intro} Uncalibrated scores were not given, so only the calibrated curve is shown.`,
    charts: [
      { id: "calibration", title: "Calibration (reliability diagram)", alt: "Observed churn rate against mean predicted probability per score bin, before and after calibration.", spec: calibrationChart(rows), data: rows },
      { id: "histogram", title: "Score distribution by outcome", alt: "Histogram of calibrated churn probabilities for churners and stayers.", spec: scoreHistogramChart(histRows), data: histRows },
    ],
    tables: [
      {
        caption: "Calibration bins (calibrated scores)",
        columns: [
          { key: "range", label: "Score range", format: "text" },
          { key: "count", label: "Subscribers", format: "int" },
          { key: "meanPredicted", label: "Mean predicted", format: "pct" },
          { key: "observedRate", label: "Observed churn", format: "pct" },
        ],
        rows: after.map((b) => ({ range: `${(b.lo * 100).toFixed(0)}–${(b.hi * 100).toFixed(0)}%`, count: b.count, meanPredicted: b.meanPredicted, observedRate: b.observedRate })),
      },
    ],
  };
}

/** Build the model card document from its data. */
export function buildModelCard(d: ModelCardData): ReportDoc {
  const sections: Section[] = [];
  const dates = d.data.asOfDates;
  const positives = Array.from(d.holdout.labels).filter((v) => v > 0.5).length;

  sections.push({
    id: "data",
    title: "Data",
    figures: [
      { label: "Feature-table rows", value: d.data.rows, format: "int" },
      ...(d.data.subscribers !== undefined ? [{ label: "Subscribers", value: d.data.subscribers, format: "int" as const }] : []),
      { label: "As-of dates", value: dates.length, format: "int", hint: dates.length ? `${dates[0]} to ${dates[dates.length - 1]}` : "none" },
      { label: "Churn rate", value: d.data.churnRate, format: "pct", hint: d.data.horizonDays !== undefined ? `within ${d.data.horizonDays} days` : "as labelled in the table" },
      { label: "Features", value: d.data.features.length, format: "int" },
    ],
    tables: [
      {
        caption: "Features used",
        columns: [{ key: "features", label: "Features (raw columns, before encoding)", format: "list" }],
        rows: [{ features: d.data.features }],
      },
    ],
    ...(d.data.source ? { intro: `Source: ${d.data.source}.` } : {}),
  });

  sections.push({
    id: "validation",
    title: "Validation design",
    intro: d.validation.design,
    ...(d.warnings?.length ? { items: d.warnings.map((text) => ({ text, level: "warn" as const })) } : {}),
    figures: [
      { label: "Training rows", value: d.validation.trainRows, format: "int" },
      ...(d.validation.earlyStoppingRows ? [{ label: "Early-stopping rows", value: d.validation.earlyStoppingRows, format: "int" as const, hint: "part of the training rows" }] : []),
      ...(d.validation.calibrationRows ? [{ label: "Calibration rows", value: d.validation.calibrationRows, format: "int" as const }] : []),
      { label: "Validation rows", value: d.validation.testRows, format: "int", hint: `${positives} churners` },
    ],
    tables: [
      {
        caption: "Model",
        rowHeader: true,
        columns: [
          { key: "k", label: "Setting", format: "text" },
          { key: "v", label: "Value", format: "text" },
        ],
        rows: [
          { k: "model type", v: d.model.type },
          { k: "seed", v: String(d.model.seed) },
          { k: "calibration", v: d.model.calibration },
          ...(d.model.bands ? [{ k: "band thresholds", v: `${BANDS.slice(0, 3).map((b) => `${b} ≥ ${Number(d.model.bands![b as "critical"].toPrecision(4))}`).join(", ")}` }] : []),
          ...Object.entries(d.model.params ?? {}).map(([k, v]) => ({ k, v: String(v) })),
        ],
      },
    ],
  });

  const notes: string[] = [];
  if (!d.champion) notes.push("No champion model yet: this is the first model, nothing to compare against.");
  if (d.championTest) {
    const t = d.championTest;
    const p = pValueText(t.pOneSided);
    notes.push(
      `Against the champion on the same validation rows: AUC difference ${t.difference >= 0 ? "+" : ""}${t.difference.toFixed(4)} (95% interval ${t.low.toFixed(4)} to ${t.high.toFixed(4)}), one-sided DeLong p = ${p}; ${t.pOneSided < t.alpha ? `a significant gain at alpha ${t.alpha}` : `not a significant gain at alpha ${t.alpha}`}. ${t.promoted ? (t.forced ? "This model was promoted to champion by --promote." : "This model was promoted to champion.") : "This model was not promoted."}`,
    );
  }
  if (!d.baseline) notes.push("No rule baseline was given.");
  sections.push({
    id: "metrics",
    title: "Metrics against champion and baseline",
    ...(notes.length ? { intro: notes.join(" ") } : {}),
    tables: [metricsTable(d)],
  });

  sections.push({
    id: "curves",
    title: "Ranking curves",
    intro: "How well the scores rank churners above stayers on the validation rows. Gains and lift answer: if we contact the top X%, what share of churners do we reach?",
    charts: curveCharts(d),
  });

  sections.push(calibrationSection(d));

  if (d.featureImportance?.rows.length) {
    const rows = [...d.featureImportance.rows].sort((a, b) => b.importance - a.importance || a.feature.localeCompare(b.feature)).slice(0, 25);
    sections.push({
      id: "importance",
      title: "Feature importance",
      intro: `Measured as ${d.featureImportance.method}. Top ${rows.length} features.`,
      charts: [{ id: "importance", title: "Feature importance", alt: `Top features by ${d.featureImportance.method}: ${rows.slice(0, 5).map((r) => r.feature).join(", ")}.`, spec: featureImportanceChart(rows, d.featureImportance.method), data: rows }],
    });
  } else {
    sections.push({ id: "importance", title: "Feature importance", note: "Feature importance was not computed for this model." });
  }

  if (d.trainingCurve?.length) {
    const rows = d.trainingCurve.flatMap((e) => [
      { epoch: e.epoch, split: "training rows", loss: e.trainLoss },
      ...(e.validLoss !== undefined ? [{ epoch: e.epoch, split: "early-stopping rows", loss: e.validLoss }] : []),
    ]);
    sections.push({ id: "training", title: "Training curve", charts: [{ id: "training", title: "Loss per epoch", alt: `Loss on the training rows and on the early-stopping rows over ${d.trainingCurve.length} epochs.`, spec: trainingCurveChart(rows), data: rows }] });
  } else {
    sections.push({ id: "training", title: "Training curve", note: `No training curve: a ${d.model.type} model is ${d.model.type === "logistic" ? "fitted in one solve, without epochs to plot" : "missing its per-epoch losses"}.` });
  }

  if (d.backtest?.length) {
    const rows = d.backtest.flatMap((b) => [
      { asOf: b.asOf, metric: "ROC-AUC", value: b.auc },
      { asOf: b.asOf, metric: "PR-AUC", value: b.prAuc },
      { asOf: b.asOf, metric: "churn rate", value: b.churnRate },
    ]);
    sections.push({
      id: "backtest",
      title: "Backtest across as-of dates",
      intro: backtestIntro(d.backtest),
      charts: [{ id: "backtest", title: "Backtest metrics by as-of date", alt: `ROC-AUC from ${Math.min(...d.backtest.map((b) => b.auc)).toFixed(3)} to ${Math.max(...d.backtest.map((b) => b.auc)).toFixed(3)} over ${d.backtest.length} as-of dates.`, spec: backtestChart(rows), data: rows }],
      tables: [
        {
          caption: "Backtest",
          rowHeader: true,
          columns: [
            { key: "asOf", label: "As-of date", format: "date" },
            { key: "rows", label: "Rows", format: "int" },
            { key: "churnRate", label: "Churn rate", format: "pct" },
            { key: "auc", label: "ROC-AUC", format: "num3" },
            { key: "prAuc", label: "PR-AUC", format: "num3" },
            { key: "lift10", label: "Lift @10%", format: "num" },
            { key: "churners", label: "Churners", format: "int" },
            { key: "expectedChurners", label: "Expected churners", format: "num" },
            { key: "expectedRatio", label: "Expected ÷ churners", format: "num" },
          ],
          rows: d.backtest.map((b) => ({ ...b })),
        },
      ],
    });
  } else {
    sections.push({ id: "backtest", title: "Backtest across as-of dates", note: "No backtest was run for this model (train on a feature table with --backtest N to get one)." });
  }

  return {
    kind: "model-card",
    title: `Model card: ${d.model.id}`,
    subtitle: `${d.model.type === "mlp" ? "Neural network (MLP)" : "Logistic regression"} predicting churn${d.data.horizonDays !== undefined ? ` within ${d.data.horizonDays} days` : " (label as given in the table)"}.`,
    meta: [
      { label: "Model", value: d.model.id },
      { label: "Trained", value: d.model.trainedAt },
      { label: "Held-out ROC-AUC", value: d.metrics.auc.toFixed(3) },
      ...(d.champion ? [{ label: "Champion", value: d.champion.name }] : []),
    ],
    currency: "",
    sections,
  };
}

/**
 * The backtest's introduction: what it shows, and how far its expected churners (each date calibrated on the snapshot
 * before it, as the model itself was) were from the churners each date really had.
 */
function backtestIntro(rows: NonNullable<ModelCardData["backtest"]>): string {
  const base =
    "Each as-of date is scored the way this model was built, moved back in time: trained only on earlier snapshots, calibrated on the one before the date. A stable line means the model keeps working as time moves on.";
  const r = expectedRange(rows.map((b) => b.expectedRatio).filter((x): x is number => typeof x === "number" && Number.isFinite(x)));
  if (!r) return base;
  return `${base} Expected churners (the sum of the calibrated probabilities, what a scoring run reports) were ${r.low.toFixed(2)}-${r.high.toFixed(2)} times the churners each date really had, within ±10% on ${r.within10} of ${r.dates} dates: when the churn level moves from one month to the next, so does this error, and a run's expected churners can be off by as much.`;
}
