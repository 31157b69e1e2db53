/**
 * The report document model shared by both reports: a report is a title and a list of sections, each with
 * optional headline figures, tables, charts, bullet items and a note (shown instead when its data is absent).
 * model-card.ts and planner-report.ts build a ReportDoc from their input data; html.ts, markdown.ts and
 * json.ts render any ReportDoc. So the three formats always carry the same numbers.
 */
import type { TopLevelSpec } from "vega-lite";
import type { Band } from "./palette.js";
import type { CellFormat } from "./format.js";

export interface Figure {
  label: string;
  value: number | string | null;
  format: CellFormat;
  /** Colours the figure with its band colour. */
  band?: Band;
  /** A short line under the value, e.g. "of 12,000 scored". */
  hint?: string;
}

export interface Column {
  key: string;
  label: string;
  format: CellFormat;
  /** Numbers right-aligned by default. */
  align?: "left" | "right";
}

export interface Table {
  caption: string;
  columns: Column[];
  rows: Record<string, unknown>[];
  /** The first column labels each row (rendered as a row header). */
  rowHeader?: boolean;
}

export interface Chart {
  id: string;
  title: string;
  /** Text alternative for screen readers and for the Markdown/JSON formats. */
  alt: string;
  spec: TopLevelSpec;
  /** The plotted rows (also what the JSON format exports). */
  data: Record<string, unknown>[];
}

export interface Section {
  id: string;
  title: string;
  intro?: string;
  /** When set, the section's data was absent: this one line is shown instead of figures/tables/charts. */
  note?: string;
  figures?: Figure[];
  /** Figures per row (default: as many as fit). */
  figureColumns?: number;
  items?: { text: string; level: "info" | "warn" | "alert" }[];
  charts?: Chart[];
  tables?: Table[];
  /**
   * Interactive HTML (built and escaped by the section's builder) that the HTML rendering shows instead of the
   * section's figures, items, charts and tables; Markdown and JSON show those.
   */
  widget?: string;
}

export interface ReportDoc {
  kind: "model-card" | "planner-report";
  title: string;
  subtitle: string;
  /** Key/value facts shown under the title (run id, model id, dates). */
  meta: { label: string; value: string }[];
  currency: string;
  sections: Section[];
  /** The page's script (HTML only): `data` goes into the page as JSON (#report-data), `code` runs inline. */
  script?: { data: Record<string, unknown>; code: string };
}

export type ReportFormat = "html" | "md" | "json";
export const REPORT_FORMATS: readonly ReportFormat[] = ["html", "md", "json"];
