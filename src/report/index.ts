/**
 * The report layer's entry point: `renderReport(data, format)` for the model card and the planner report.
 *
 *   ModelCardData | PlannerReportData → build*(data) → ReportDoc → html (inline SVG charts) | md | json
 */
import { UsageError } from "../errors.js";
import { msg } from "../messages.js";
import { type ReportDoc, REPORT_FORMATS, type ReportFormat } from "./doc.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { buildModelCard, type ModelCardData } from "./model-card.js";
import { buildPlannerReport, type PlannerReportData } from "./planner-report.js";

export type { ModelCardData } from "./model-card.js";
export type { PlannerReportData } from "./planner-report.js";
export type { ReportFormat } from "./doc.js";

export type ReportData = ModelCardData | PlannerReportData;

export function buildReport(data: ReportData): ReportDoc {
  return data.kind === "model-card" ? buildModelCard(data) : buildPlannerReport(data);
}

/** Check a --format value. */
export function parseReportFormat(value: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(value)) throw new UsageError(msg.reportBadFormat(value));
  return value as ReportFormat;
}

/** Render either report as a self-contained HTML page, Markdown or JSON. */
export async function renderReport(data: ReportData, format: ReportFormat): Promise<string> {
  const doc = buildReport(data);
  switch (format) {
    case "html":
      return renderHtml(doc);
    case "md":
      return renderMarkdown(doc);
    case "json":
      return renderJson(doc);
    default:
      throw new UsageError(msg.reportBadFormat(String(format)));
  }
}
