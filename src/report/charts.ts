/**
 * Vega-lite spec builders, one small function per chart. Each takes plain rows and returns a spec with the rows
 * inline (never a URL: reports make no requests). Axis titles carry units. Bands always use BAND_COLORS.
 * render.ts turns a spec into SVG.
 *
 * Every chart is CHART_WIDTH px wide in total (axes, labels and legend included: autosize "fit-x"), so one reads at
 * its natural size on a 390 px phone, three sit side by side on a 1280 px screen and two across an A4 page.
 * Long axis titles are broken into lines and legends into columns, both measured with the same text widths as
 * the renderer (render.ts `textWidth`), so nothing is cut at the chart's edge or runs into its neighbour.
 */
import type { TopLevelSpec } from "vega-lite";
import { BAND_COLORS, BANDS, bandScale, CATEGORY_COLORS, FONT_FAMILY, SERIES } from "./palette.js";
import { textWidth } from "./render.js";

type Row = Record<string, unknown>;

/** Total width of every chart in px (the planner report's and model card's CSS lay them out by this). */
export const CHART_WIDTH = 336;
const H = 220;
const FONT = 11;
/** Room the y axis (labels and title) and padding take from the plot's width in a typical chart. */
const Y_AXIS_ROOM = 70;

/** Shared look: font, light grid, no frame, white background (prints as-is). */
export const CHART_CONFIG = {
  font: FONT_FAMILY,
  background: "white",
  view: { stroke: null },
  axis: { labelFontSize: FONT, titleFontSize: FONT, titleFontWeight: "bold", gridColor: "#e3e3e3", domainColor: "#888", tickColor: "#888", labelSeparation: 4 },
  legend: { labelFontSize: FONT, titleFontSize: FONT, orient: "bottom", direction: "horizontal" },
  header: { labelFontSize: FONT, titleFontSize: FONT },
} as const;

/**
 * Break `text` into lines no wider than `maxWidth` px at the axis title font (bold), at spaces.
 * @example titleLines("Subscribers contacted, highest scores first (%)", 200) // ["Subscribers contacted, highest", "scores first (%)"]
 */
export function titleLines(text: string, maxWidth: number): string | string[] {
  const words = text.split(" ");
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (line && textWidth(next, FONT, true) > maxWidth) {
      lines.push(line);
      line = w;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines.length === 1 ? lines[0]! : lines;
}

/** Widest of `labels` in px at the label font. */
export function labelWidth(labels: readonly string[]): number {
  return Math.ceil(Math.max(0, ...labels.map((l) => textWidth(l, FONT))));
}

/**
 * Legend columns that fit the chart: each entry is a symbol, its label and padding. A bottom legend starts where
 * the plot does, so `axisWidth` (the y axis's labels, when the chart has them) is not room for it.
 */
export function legendColumns(labels: readonly string[], axisWidth = 0): number {
  const entry = labelWidth(labels) + 16 + 12;
  return Math.max(1, Math.min(labels.length, Math.floor((CHART_WIDTH - axisWidth - 8) / entry)));
}

/** A legend for these entries laid out in columns that fit the chart (right of a y axis `axisWidth` wide). */
function legend(labels: readonly string[], title: string | null = null, axisWidth = 0): Record<string, unknown> {
  return { title, columns: legendColumns(title ? [...labels, title] : labels, axisWidth), orient: "bottom", direction: "horizontal" };
}

/** The width a y axis of labels `labels` wide takes left of the plot: the labels, tick and padding. */
const yAxisWidth = (labels: number): number => labels + 12;

function base(description: string, data: Row[], extra: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description,
    width: CHART_WIDTH,
    height: H,
    autosize: { type: "fit-x", contains: "padding" },
    config: CHART_CONFIG,
    data: { values: data },
    ...extra,
  } as TopLevelSpec;
}

// Charts with one bar per category get a numeric height (categories x step): vega-lite drops "fit-x" with a
// warning when the height is given as a step.

/** Title of an x axis, broken to the plot's width. */
const xTitle = (text: string, yAxisRoom = Y_AXIS_ROOM) => titleLines(text, CHART_WIDTH - yAxisRoom - 8);
/** Title of a y axis (drawn rotated), broken to the plot's height. */
const yTitle = (text: string, height = H) => titleLines(text, height - 8);

const pctAxis = (title: string | string[], extra: Record<string, unknown> = {}) => ({ title, format: ".0%", ...extra });

/** A colour scale over named series, in the given order, with the project's series colours. */
function seriesScale(names: string[], colors: string[]): { domain: string[]; range: string[] } {
  return { domain: names, range: names.map((_, i) => colors[i % colors.length]!) };
}

const diagonal = { mark: { type: "rule", strokeDash: [4, 4], color: SERIES.reference }, encoding: { x: { datum: 0 }, y: { datum: 0 }, x2: { datum: 1 }, y2: { datum: 1 } } };

const MODEL_COLORS = [SERIES.candidate, SERIES.champion, SERIES.baseline];
/** A 0-100% axis with five ticks (0, 25, 50, 75, 100%), which stay apart at any chart size. */
const unitAxis = (title: string | string[]) => pctAxis(title, { values: [0, 0.25, 0.5, 0.75, 1] });

/**
 * ROC curves. Rows: {series, i, fpr, tpr}; `series` names in `seriesOrder` get the candidate/champion/baseline colours.
 */
export function rocChart(rows: Row[], seriesOrder: string[]): TopLevelSpec {
  return base("ROC curve: true positive rate against false positive rate for each model; the dashed diagonal is a random ranking.", rows, {
    layer: [
      diagonal,
      {
        mark: { type: "line", strokeWidth: 2, point: false },
        encoding: {
          x: { field: "fpr", type: "quantitative", axis: unitAxis(xTitle("False positive rate (% of stayers flagged)")), scale: { domain: [0, 1] } },
          y: { field: "tpr", type: "quantitative", axis: unitAxis(yTitle("True positive rate (% of churners found)")), scale: { domain: [0, 1] } },
          color: { field: "series", type: "nominal", legend: legend(seriesOrder), scale: seriesScale(seriesOrder, MODEL_COLORS) },
          order: { field: "i", type: "quantitative" },
        },
      },
    ],
  });
}

/**
 * Precision-recall curves. Rows: {series, i, recall, precision, operatingPoint}; rows with operatingPoint (a rule
 * with one or two thresholds) are drawn as points only. The dashed rule is the churn rate (a random model).
 */
export function prChart(rows: Row[], seriesOrder: string[], prevalence: number): TopLevelSpec {
  return base(`Precision against recall for each model; the dashed line is the churn rate (${(prevalence * 100).toFixed(1)}%), what a random ranking achieves.`, rows, {
    layer: [
      { mark: { type: "rule", strokeDash: [4, 4], color: SERIES.reference }, encoding: { y: { datum: prevalence } } },
      {
        transform: [{ filter: "!datum.operatingPoint" }],
        mark: { type: "line", strokeWidth: 2 },
        encoding: { ...prEncoding(seriesOrder), order: { field: "i", type: "quantitative" } },
      },
      {
        transform: [{ filter: "datum.operatingPoint" }],
        mark: { type: "point", filled: true, size: 60, shape: "diamond" },
        encoding: prEncoding(seriesOrder),
      },
    ],
  });
}

function prEncoding(seriesOrder: string[]) {
  return {
    x: { field: "recall", type: "quantitative", axis: unitAxis(xTitle("Recall (% of churners found)")), scale: { domain: [0, 1] } },
    y: { field: "precision", type: "quantitative", axis: unitAxis(yTitle("Precision (% of flagged who churn)")), scale: { domain: [0, 1] } },
    color: { field: "series", type: "nominal", legend: legend(seriesOrder), scale: seriesScale(seriesOrder, MODEL_COLORS) },
  };
}

/** Cumulative gains. Rows: {series, fraction, captured}; the diagonal is random contact. */
export function gainsChart(rows: Row[], seriesOrder: string[]): TopLevelSpec {
  return base("Cumulative gains: share of all churners reached when contacting the top share of subscribers by score; the diagonal is random contact.", rows, {
    layer: [
      diagonal,
      {
        mark: { type: "line", strokeWidth: 2, point: { size: 18 } },
        encoding: {
          x: { field: "fraction", type: "quantitative", axis: unitAxis(xTitle("Subscribers contacted, highest scores first (%)")), scale: { domain: [0, 1] } },
          y: { field: "captured", type: "quantitative", axis: unitAxis(yTitle("Churners reached (% of all churners)")), scale: { domain: [0, 1] } },
          color: { field: "series", type: "nominal", legend: legend(seriesOrder), scale: seriesScale(seriesOrder, MODEL_COLORS) },
        },
      },
    ],
  });
}

/** Cumulative lift. Rows: {series, fraction, lift} (fraction > 0); the rule at 1 is random contact. */
export function liftChart(rows: Row[], seriesOrder: string[]): TopLevelSpec {
  return base("Cumulative lift: churn rate among the top share of subscribers divided by the overall churn rate; 1 is random.", rows, {
    layer: [
      { mark: { type: "rule", strokeDash: [4, 4], color: SERIES.reference }, encoding: { y: { datum: 1 } } },
      {
        mark: { type: "line", strokeWidth: 2, point: { size: 18 } },
        encoding: {
          x: { field: "fraction", type: "quantitative", axis: unitAxis(xTitle("Subscribers contacted, highest scores first (%)")), scale: { domain: [0, 1] } },
          y: { field: "lift", type: "quantitative", axis: { title: yTitle("Lift (× overall churn rate)"), tickCount: 5 }, scale: { zero: true } },
          color: { field: "series", type: "nominal", legend: legend(seriesOrder), scale: seriesScale(seriesOrder, MODEL_COLORS) },
        },
      },
    ],
  });
}

/** Reliability diagram. Rows: {stage: 'before calibration'|'after calibration', meanPredicted, observedRate, count}. */
export function calibrationChart(rows: Row[]): TopLevelSpec {
  const stages = ["before calibration", "after calibration"];
  return base("Calibration: observed churn rate against mean predicted probability in ten score bins, before and after calibration; the diagonal is perfect calibration. Point size is the number of subscribers in the bin.", rows, {
    layer: [
      diagonal,
      {
        mark: { type: "line", strokeWidth: 1.5, point: { filled: true } },
        encoding: {
          x: { field: "meanPredicted", type: "quantitative", axis: unitAxis(xTitle("Mean predicted churn probability (%)")), scale: { domain: [0, 1] } },
          y: { field: "observedRate", type: "quantitative", axis: unitAxis(yTitle("Observed churn rate (%)")), scale: { domain: [0, 1] } },
          color: { field: "stage", type: "nominal", legend: legend(stages), scale: seriesScale(stages, [SERIES.before, SERIES.after]) },
        },
      },
    ],
  });
}

/** Score histogram by outcome. Rows: {lo, hi, outcome: 'churned'|'stayed', share} (share of that outcome's rows). */
export function scoreHistogramChart(rows: Row[]): TopLevelSpec {
  const outcomes = ["churned", "stayed"];
  return base("Distribution of calibrated churn probabilities for subscribers who churned and who stayed, each as a share of its own group.", rows, {
    mark: { type: "bar", opacity: 0.6, binSpacing: 0 },
    encoding: {
      x: { field: "lo", type: "quantitative", bin: { binned: true, step: 0.05 }, axis: unitAxis(xTitle("Predicted churn probability (%)")), scale: { domain: [0, 1] } },
      x2: { field: "hi" },
      y: { field: "share", type: "quantitative", stack: null, axis: pctAxis(yTitle("Share of group (%)"), { tickCount: 5 }) },
      color: { field: "outcome", type: "nominal", legend: legend(outcomes, "Outcome"), scale: seriesScale(outcomes, [SERIES.churned, SERIES.stayed]) },
    },
  });
}

/** Horizontal bars, largest first. Rows: {feature, importance}. */
export function featureImportanceChart(rows: Row[], measure: string): TopLevelSpec {
  const labels = labelWidth(rows.map((r) => String(r["feature"])));
  return base(`Feature importance (${measure}), largest first.`, rows, {
    height: rows.length * 16,
    mark: { type: "bar", color: SERIES.candidate },
    encoding: {
      y: { field: "feature", type: "nominal", sort: "-x", axis: { title: null, labelLimit: labels + 2 } },
      x: { field: "importance", type: "quantitative", axis: { title: xTitle(measure, labels + 16), tickCount: 3 } },
    },
  });
}

/** Loss per epoch. Rows: {epoch, split: 'training rows'|'early-stopping rows', loss}. */
export function trainingCurveChart(rows: Row[]): TopLevelSpec {
  const splits = ["training rows", "early-stopping rows"];
  return base("Training curve: log loss per epoch on the training rows and the early-stopping rows.", rows, {
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { title: xTitle("Epoch (passes over the training rows)"), tickMinStep: 1, tickCount: 5 } },
      y: { field: "loss", type: "quantitative", axis: { title: yTitle("Log loss (nats per subscriber)"), tickCount: 5 }, scale: { zero: false } },
      color: { field: "split", type: "nominal", legend: legend(splits), scale: seriesScale(splits, [SERIES.before, SERIES.after]) },
    },
  });
}

/** Backtest metric per as-of date. Rows: {asOf (YYYY-MM-DD), metric, value}. */
export function backtestChart(rows: Row[]): TopLevelSpec {
  const metrics = ["ROC-AUC", "PR-AUC", "churn rate"];
  const dates = [...new Set(rows.map((r) => String(r["asOf"])))];
  // dates are 62 px wide: turn them when they would not fit side by side
  const angle = dates.length * (labelWidth(dates) + 6) > CHART_WIDTH - Y_AXIS_ROOM ? -45 : 0;
  return base("Backtest: ROC-AUC and PR-AUC of the model on each as-of date, trained only on earlier dates.", rows, {
    mark: { type: "line", strokeWidth: 2, point: true },
    encoding: {
      x: { field: "asOf", type: "ordinal", axis: { title: "As-of date", labelAngle: angle } },
      y: { field: "value", type: "quantitative", axis: { title: yTitle("Metric value (0–1)"), tickCount: 5 }, scale: { domain: [0, 1] } },
      color: { field: "metric", type: "nominal", legend: legend(metrics), scale: seriesScale(metrics, [SERIES.candidate, SERIES.baseline, SERIES.reference]) },
    },
  });
}

/** Subscribers per band, bars in band colours. Rows: {band, subscribers}. */
export function bandCountChart(rows: Row[]): TopLevelSpec {
  return base("Number of scored subscribers in each risk band.", rows, {
    height: 150,
    mark: { type: "bar" },
    encoding: {
      y: { field: "band", type: "nominal", sort: [...BANDS], axis: { title: "Risk band" } },
      x: { field: "subscribers", type: "quantitative", axis: { title: "Subscribers (count)", tickCount: 4 } },
      color: { field: "band", type: "nominal", scale: bandScale(), legend: null },
    },
  });
}

/** Stacked bars: subscribers per segment, split by band. Rows: {segment, band, subscribers}. */
export function bandSegmentChart(rows: Row[], segmentLabel: string): TopLevelSpec {
  const segments = [...new Set(rows.map((r) => String(r["segment"])))];
  const labels = labelWidth(segments);
  return base(`Subscribers per ${segmentLabel}, split by risk band.`, rows, {
    height: segments.length * 22,
    mark: { type: "bar" },
    encoding: {
      y: { field: "segment", type: "nominal", axis: { title: null, labelLimit: labels + 2 } },
      x: { field: "subscribers", type: "quantitative", axis: { title: "Subscribers (count)", tickCount: 4 } },
      color: { field: "band", type: "nominal", legend: legend([...BANDS], "Risk band", yAxisWidth(labels)), scale: bandScale() },
      order: { field: "bandOrder", type: "quantitative" },
    },
  });
}

/** Grouped bars per action: cost and expected saving. Rows: {action, measure: 'cost'|'expected saving', amount}. */
export function actionChart(rows: Row[], currency: string): TopLevelSpec {
  const order = [...new Set(rows.map((r) => String(r["action"])))];
  const measures = ["cost", "expected saving"];
  const labels = labelWidth(order);
  return base("Cost and expected saving per retention action.", rows, {
    height: order.length * 24,
    mark: { type: "bar" },
    encoding: {
      y: { field: "action", type: "nominal", sort: order, axis: { title: null, labelLimit: labels + 2 } },
      yOffset: { field: "measure", sort: measures },
      x: { field: "amount", type: "quantitative", axis: { title: xTitle(`Amount (${currency})`, labels + 16), tickCount: 4 } },
      color: { field: "measure", type: "nominal", legend: legend(measures, null, yAxisWidth(labels)), scale: seriesScale(measures, [SERIES.before, SERIES.after]) },
    },
  });
}

/** Subscribers per band across runs. Rows: {asOf, band, subscribers}. */
export function trendChart(rows: Row[], byRun = false): TopLevelSpec {
  return base("Subscribers in each risk band in this and earlier scoring runs.", rows, {
    mark: { type: "line", strokeWidth: 2, point: true },
    encoding: {
      // runs of flat tables have no as-of date: one point per run, oldest first
      x: byRun
        ? { field: "run", type: "ordinal", sort: null, axis: { title: "Run (oldest first)", labelAngle: 0 } }
        : { field: "asOf", type: "temporal", axis: { title: "Run as-of date", format: "%b %d", tickCount: 4, labelAngle: 0 } },
      y: { field: "subscribers", type: "quantitative", axis: { title: yTitle("Subscribers (count)"), tickCount: 5 } },
      color: { field: "band", type: "nominal", legend: legend([...BANDS], "Risk band"), scale: bandScale() },
    },
  });
}

/** PSI per feature with the alert threshold. Rows: {feature, psi, status}. */
export function driftChart(rows: Row[], threshold: number): TopLevelSpec {
  const labels = labelWidth(rows.map((r) => String(r["feature"])));
  const statuses = ["ok", "warn", "alert"];
  return base(`Population stability index of each drifting feature against training; the dashed line is the alert threshold ${threshold}.`, rows, {
    height: rows.length * 18,
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "feature", type: "nominal", sort: "-x", axis: { title: null, labelLimit: labels + 2 } },
          x: { field: "psi", type: "quantitative", axis: { title: "PSI (unitless)", tickCount: 3 } },
          color: { field: "status", type: "nominal", legend: legend(statuses, null, yAxisWidth(labels)), scale: seriesScale(statuses, [SERIES.reference, BAND_COLORS.high, BAND_COLORS.critical]) },
        },
      },
      { mark: { type: "rule", strokeDash: [4, 4], color: "#333" }, encoding: { x: { datum: threshold } } },
    ],
  });
}

/** Realised churn rate per band of an earlier run. Rows: {band, churnRate}. */
export function outcomeChart(rows: Row[]): TopLevelSpec {
  return base("Realised churn rate in each risk band of the evaluated run.", rows, {
    height: 150,
    mark: { type: "bar" },
    encoding: {
      y: { field: "band", type: "nominal", sort: [...BANDS], axis: { title: "Risk band" } },
      x: { field: "churnRate", type: "quantitative", axis: pctAxis("Realised churn rate (%)", { tickCount: 4 }) },
      color: { field: "band", type: "nominal", scale: bandScale(), legend: null },
    },
  });
}

/**
 * One loyalty KPI by month, one line per segment. Rows: {month (YYYY-MM-01), segment, value}; `title` names the
 * KPI with its unit. The planner report draws one such chart per KPI (small multiples that wrap to the page).
 */
export function kpiChart(rows: Row[], title: string, segments: string[]): TopLevelSpec {
  return base(`${title} by month, one line per segment.`, rows, {
    height: 150,
    mark: { type: "line", strokeWidth: 1.5, point: { size: 12 } },
    encoding: {
      x: { field: "month", type: "temporal", timeUnit: "yearmonth", axis: { title: null, format: "%b %y", labelAngle: 0, tickCount: 4 } },
      // the figure caption names the KPI and its unit: no axis title, more room for the lines
      y: { field: "value", type: "quantitative", axis: { title: null, tickCount: 4 }, scale: { zero: false } },
      color: { field: "segment", type: "nominal", legend: legend(segments), scale: seriesScale(segments, ["#333333", ...CATEGORY_COLORS]) },
    },
  });
}
