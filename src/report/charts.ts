/**
 * Vega-lite spec builders, one small function per chart. Each takes plain rows and returns a spec with the rows
 * inline (never a URL: reports make no requests). Axis titles carry units. Bands always use BAND_COLORS.
 * render.ts turns a spec into SVG.
 */
import type { TopLevelSpec } from "vega-lite";
import { BAND_COLORS, BANDS, bandScale, CATEGORY_COLORS, FONT_FAMILY, SERIES } from "./palette.js";

type Row = Record<string, unknown>;

const W = 380;
const H = 250;

/** Shared look: font, light grid, no frame, white background (prints as-is). */
export const CHART_CONFIG = {
  font: FONT_FAMILY,
  background: "white",
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: "bold", gridColor: "#e3e3e3", domainColor: "#888", tickColor: "#888" },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: "bottom", direction: "horizontal" },
  header: { labelFontSize: 11, titleFontSize: 11 },
} as const;

function base(description: string, data: Row[], extra: Record<string, unknown>): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description,
    width: W,
    height: H,
    config: CHART_CONFIG,
    data: { values: data },
    ...extra,
  } as TopLevelSpec;
}

const pctAxis = (title: string) => ({ title, format: ".0%" });

/** A colour scale over named series, in the given order, with the project's series colours. */
function seriesScale(names: string[], colors: string[]): { domain: string[]; range: string[] } {
  return { domain: names, range: names.map((_, i) => colors[i % colors.length]!) };
}

const diagonal = { mark: { type: "rule", strokeDash: [4, 4], color: SERIES.reference }, encoding: { x: { datum: 0 }, y: { datum: 0 }, x2: { datum: 1 }, y2: { datum: 1 } } };

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
          x: { field: "fpr", type: "quantitative", axis: pctAxis("False positive rate (% of stayers flagged)"), scale: { domain: [0, 1] } },
          y: { field: "tpr", type: "quantitative", axis: pctAxis("True positive rate (% of churners found)"), scale: { domain: [0, 1] } },
          color: { field: "series", type: "nominal", title: null, scale: seriesScale(seriesOrder, [SERIES.candidate, SERIES.champion, SERIES.baseline]) },
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
    x: { field: "recall", type: "quantitative", axis: pctAxis("Recall (% of churners found)"), scale: { domain: [0, 1] } },
    y: { field: "precision", type: "quantitative", axis: pctAxis("Precision (% of flagged who churn)"), scale: { domain: [0, 1] } },
    color: { field: "series", type: "nominal", title: null, scale: seriesScale(seriesOrder, [SERIES.candidate, SERIES.champion, SERIES.baseline]) },
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
          x: { field: "fraction", type: "quantitative", axis: pctAxis("Subscribers contacted, highest scores first (%)"), scale: { domain: [0, 1] } },
          y: { field: "captured", type: "quantitative", axis: pctAxis("Churners reached (% of all churners)"), scale: { domain: [0, 1] } },
          color: { field: "series", type: "nominal", title: null, scale: seriesScale(seriesOrder, [SERIES.candidate, SERIES.champion, SERIES.baseline]) },
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
          x: { field: "fraction", type: "quantitative", axis: pctAxis("Subscribers contacted, highest scores first (%)"), scale: { domain: [0, 1] } },
          y: { field: "lift", type: "quantitative", axis: { title: "Lift (× overall churn rate)" }, scale: { zero: true } },
          color: { field: "series", type: "nominal", title: null, scale: seriesScale(seriesOrder, [SERIES.candidate, SERIES.champion, SERIES.baseline]) },
        },
      },
    ],
  });
}

/** Reliability diagram. Rows: {stage: 'before calibration'|'after calibration', meanPredicted, observedRate, count}. */
export function calibrationChart(rows: Row[]): TopLevelSpec {
  return base("Calibration: observed churn rate against mean predicted probability in ten score bins, before and after calibration; the diagonal is perfect calibration. Point size is the number of subscribers in the bin.", rows, {
    layer: [
      diagonal,
      {
        mark: { type: "line", strokeWidth: 1.5, point: { filled: true } },
        encoding: {
          x: { field: "meanPredicted", type: "quantitative", axis: pctAxis("Mean predicted churn probability (%)"), scale: { domain: [0, 1] } },
          y: { field: "observedRate", type: "quantitative", axis: pctAxis("Observed churn rate (%)"), scale: { domain: [0, 1] } },
          color: { field: "stage", type: "nominal", title: null, scale: seriesScale(["before calibration", "after calibration"], [SERIES.before, SERIES.after]) },
        },
      },
    ],
  });
}

/** Score histogram by outcome. Rows: {lo, hi, outcome: 'churned'|'stayed', share} (share of that outcome's rows). */
export function scoreHistogramChart(rows: Row[]): TopLevelSpec {
  return base("Distribution of calibrated churn probabilities for subscribers who churned and who stayed, each as a share of its own group.", rows, {
    mark: { type: "bar", opacity: 0.6, binSpacing: 0 },
    encoding: {
      x: { field: "lo", type: "quantitative", bin: { binned: true, step: 0.05 }, axis: pctAxis("Predicted churn probability (%)"), scale: { domain: [0, 1] } },
      x2: { field: "hi" },
      y: { field: "share", type: "quantitative", stack: null, axis: pctAxis("Share of group (%)") },
      color: { field: "outcome", type: "nominal", title: "Outcome", scale: seriesScale(["churned", "stayed"], [SERIES.churned, SERIES.stayed]) },
    },
  });
}

/** Horizontal bars, largest first. Rows: {feature, importance}. */
export function featureImportanceChart(rows: Row[], measure: string): TopLevelSpec {
  return {
    ...base(`Feature importance (${measure}), largest first.`, rows, {
      height: { step: 16 },
      mark: { type: "bar", color: SERIES.candidate },
      encoding: {
        y: { field: "feature", type: "nominal", sort: "-x", axis: { title: null, labelLimit: 220 } },
        x: { field: "importance", type: "quantitative", axis: { title: measure } },
      },
    }),
  } as TopLevelSpec;
}

/** Loss per epoch. Rows: {epoch, split: 'train'|'validation', loss}. */
export function trainingCurveChart(rows: Row[]): TopLevelSpec {
  return base("Training curve: log loss per epoch on the training and validation rows.", rows, {
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: { field: "epoch", type: "quantitative", axis: { title: "Epoch (passes over the training rows)", tickMinStep: 1 } },
      y: { field: "loss", type: "quantitative", axis: { title: "Log loss (nats per subscriber)" }, scale: { zero: false } },
      color: { field: "split", type: "nominal", title: null, scale: seriesScale(["training rows", "early-stopping rows"], [SERIES.before, SERIES.after]) },
    },
  });
}

/** Backtest metric per as-of date. Rows: {asOf (YYYY-MM-DD), metric, value}. */
export function backtestChart(rows: Row[]): TopLevelSpec {
  return base("Backtest: ROC-AUC and PR-AUC of the model on each as-of date, trained only on earlier dates.", rows, {
    mark: { type: "line", strokeWidth: 2, point: true },
    encoding: {
      x: { field: "asOf", type: "ordinal", axis: { title: "As-of date", labelAngle: 0 } },
      y: { field: "value", type: "quantitative", axis: { title: "Metric value (0–1)" }, scale: { domain: [0, 1] } },
      color: { field: "metric", type: "nominal", title: null, scale: seriesScale(["ROC-AUC", "PR-AUC", "churn rate"], [SERIES.candidate, SERIES.baseline, SERIES.reference]) },
    },
  });
}

/** Subscribers per band, bars in band colours. Rows: {band, subscribers}. */
export function bandCountChart(rows: Row[]): TopLevelSpec {
  return base("Number of scored subscribers in each risk band.", rows, {
    height: 160,
    mark: { type: "bar" },
    encoding: {
      y: { field: "band", type: "nominal", sort: [...BANDS], axis: { title: "Risk band" } },
      x: { field: "subscribers", type: "quantitative", axis: { title: "Subscribers (count)" } },
      color: { field: "band", type: "nominal", scale: bandScale(), legend: null },
    },
  });
}

/** Stacked bars: subscribers per segment, split by band. Rows: {segment, band, subscribers}. */
export function bandSegmentChart(rows: Row[], segmentLabel: string): TopLevelSpec {
  return base(`Subscribers per ${segmentLabel}, split by risk band.`, rows, {
    mark: { type: "bar" },
    encoding: {
      y: { field: "segment", type: "nominal", axis: { title: segmentLabel, labelLimit: 160 } },
      x: { field: "subscribers", type: "quantitative", axis: { title: "Subscribers (count)" } },
      color: { field: "band", type: "nominal", title: "Risk band", scale: bandScale() },
      order: { field: "bandOrder", type: "quantitative" },
    },
  });
}

/** Grouped bars per action: cost and expected saving. Rows: {action, measure: 'cost'|'expected saving', amount}. */
export function actionChart(rows: Row[], currency: string): TopLevelSpec {
  const order = [...new Set(rows.map((r) => String(r["action"])))];
  return base("Cost and expected saving per retention action.", rows, {
    mark: { type: "bar" },
    encoding: {
      y: { field: "action", type: "nominal", sort: order, axis: { title: null, labelLimit: 180 } },
      yOffset: { field: "measure" },
      x: { field: "amount", type: "quantitative", axis: { title: `Amount (${currency})` } },
      color: { field: "measure", type: "nominal", title: null, scale: seriesScale(["cost", "expected saving"], [SERIES.before, SERIES.after]) },
    },
  });
}

/** Subscribers per band across runs. Rows: {asOf, band, subscribers}. */
export function trendChart(rows: Row[], byRun = false): TopLevelSpec {
  return base("Subscribers in each risk band in this and earlier scoring runs.", rows, {
    mark: { type: "line", strokeWidth: 2, point: true },
    encoding: {
      // runs of flat tables have no as-of date: one point per run, oldest first
      x: byRun ? { field: "run", type: "ordinal", sort: null, axis: { title: "Run (oldest first)", labelAngle: 0 } } : { field: "asOf", type: "temporal", axis: { title: "Run as-of date", format: "%Y-%m-%d" } },
      y: { field: "subscribers", type: "quantitative", axis: { title: "Subscribers (count)" } },
      color: { field: "band", type: "nominal", title: "Risk band", scale: bandScale() },
    },
  });
}

/** PSI per feature with the alert threshold. Rows: {feature, psi, status}. */
export function driftChart(rows: Row[], threshold: number): TopLevelSpec {
  return base(`Population stability index of each drifting feature against training; the dashed line is the alert threshold ${threshold}.`, rows, {
    height: { step: 18 },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "feature", type: "nominal", sort: "-x", axis: { title: null, labelLimit: 200 } },
          x: { field: "psi", type: "quantitative", axis: { title: "PSI (unitless)" } },
          color: { field: "status", type: "nominal", title: null, scale: seriesScale(["ok", "warn", "alert"], [SERIES.reference, BAND_COLORS.high, BAND_COLORS.critical]) },
        },
      },
      { mark: { type: "rule", strokeDash: [4, 4], color: "#333" }, encoding: { x: { datum: threshold } } },
    ],
  });
}

/** Realised churn rate per band of an earlier run. Rows: {band, churnRate}. */
export function outcomeChart(rows: Row[]): TopLevelSpec {
  return base("Realised churn rate in each risk band of the evaluated run.", rows, {
    height: 160,
    mark: { type: "bar" },
    encoding: {
      y: { field: "band", type: "nominal", sort: [...BANDS], axis: { title: "Risk band" } },
      x: { field: "churnRate", type: "quantitative", axis: pctAxis("Realised churn rate (%)") },
      color: { field: "band", type: "nominal", scale: bandScale(), legend: null },
    },
  });
}

/**
 * KPI small multiples: one panel per KPI (own y scale), one line per segment. Rows: {month (YYYY-MM-01), kpi
 * (the panel title, with unit), segment, value}. `kpiOrder` fixes the panel order.
 */
export function kpiSmallMultiples(rows: Row[], kpiOrder: string[], segments: string[]): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    description: "Loyalty KPIs by month, one panel per KPI, one line per segment.",
    config: CHART_CONFIG,
    data: { values: rows },
    columns: 3,
    facet: { field: "kpi", type: "nominal", sort: kpiOrder, title: null, header: { labelFontWeight: "bold", labelFontSize: 11 } },
    spec: {
      width: 200,
      height: 120,
      mark: { type: "line", strokeWidth: 1.5, point: { size: 12 } },
      encoding: {
        x: { field: "month", type: "temporal", timeUnit: "yearmonth", axis: { title: "Month", format: "%b %y", labelAngle: 0, tickCount: 4 } },
        y: { field: "value", type: "quantitative", axis: { title: null, tickCount: 4 }, scale: { zero: false } },
        color: { field: "segment", type: "nominal", title: "Segment", scale: seriesScale(segments, ["#333333", ...CATEGORY_COLORS]) },
      },
    },
    // Independent x axes: each panel draws its own, so a wrapped last row leaves no orphan axes under empty cells.
    resolve: { scale: { y: "independent" }, axis: { x: "independent" } },
  } as TopLevelSpec;
}
