/**
 * The self-contained HTML shell: one file, inline CSS, inline SVG, no external requests; the only script is the
 * report's own inline one (the planner report's budget what-if), allowed by its sha256 in the Content-Security-Policy
 * meta tag, which forbids every fetch (a stray URL becomes a blocked, logged violation) and any other script.
 * Print CSS: white background, each section on a new page, figures and tables kept whole. Below 640 px wide
 * (a phone) tables turn into one card per row, each cell on its own line beside its column name.
 * Every string from data goes through `escapeHtml`.
 */
import { createHash } from "node:crypto";
import type { Chart, Column, Figure, ReportDoc, Section, Table } from "./doc.js";
import { CHART_WIDTH } from "./charts.js";
import { formatValue } from "./format.js";
import { BAND_COLORS, BAND_TEXT, BANDS, type Band, FONT_FAMILY } from "./palette.js";
import { renderSvg } from "./render.js";

export const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** The CSP of a page whose one inline script has this sha256 (base64). */
export const cspWithScript = (sha256: string): string => `${CSP}; script-src 'sha256-${sha256}'`;

/** JSON that can sit inside a <script> element: no "</script" or "<!--" can end or confuse it. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const ESC: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for HTML content and attribute values. @example escapeHtml('<b a="1">') // "&lt;b a=&quot;1&quot;&gt;" */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ESC[c]!);
}

/** A fragment id from any text: lowercase letters, digits and dashes. */
export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "x";
}

const isBand = (v: unknown): v is Band => typeof v === "string" && (BANDS as readonly string[]).includes(v);

const bandCss = BANDS.map((b) => `.band-${b}{background:${BAND_COLORS[b]};color:${BAND_TEXT[b]}}.fig-${b}{border-top-color:${BAND_COLORS[b]}}`).join("\n");

export const CSS = `
*{box-sizing:border-box}
html{background:#fff;color:#1a1a1a}
body{font-family:${FONT_FAMILY};font-size:14px;line-height:1.45;margin:0 auto;max-width:1120px;padding:24px 28px 48px;background:#fff;overflow-wrap:break-word}
h1{font-size:24px;margin:0 0 4px}
h2{font-size:19px;margin:0 0 10px;padding-bottom:4px;border-bottom:2px solid #d0d0d0}
h3{font-size:15px;margin:14px 0 6px}
.subtitle{color:#444;margin:0 0 10px}
dl.meta{display:flex;flex-wrap:wrap;gap:4px 22px;margin:0 0 14px;font-size:13px}
dl.meta div{display:flex;gap:6px;min-width:0}
dl.meta dt{color:#555}
dl.meta dd{margin:0;font-weight:bold;min-width:0}
nav ol{display:flex;flex-wrap:wrap;gap:4px 16px;padding:0;margin:0 0 18px;list-style:none;font-size:13px}
nav a{color:#1f5fa8}
section{margin:0 0 30px}
.intro{color:#333;margin:0 0 10px;max-width:880px}
.note{color:#555;font-style:italic;margin:4px 0}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:12px;margin:6px 0 14px}
.figures.cols-3{grid-template-columns:repeat(3,minmax(0,1fr))}
.figures.cols-4{grid-template-columns:repeat(4,minmax(0,1fr))}
.figure{border:1px solid #d8d8d8;border-top:5px solid #777;border-radius:4px;padding:8px 12px;min-width:0}
.figure .value{font-size:22px;font-weight:bold}
.figure .label{font-size:12.5px;color:#333}
.figure .hint{font-size:12px;color:#666}
${bandCss}
.band{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:bold;-webkit-print-color-adjust:exact;print-color-adjust:exact}
.items{margin:4px 0 12px;padding-left:20px}
.items li.warn{color:#8a4b00}
.items li.alert{color:#a0141e;font-weight:bold}
.charts{display:flex;flex-wrap:wrap;gap:16px 20px;margin:8px 0 12px}
figure.chart{margin:0;width:${CHART_WIDTH}px;max-width:100%}
figure.chart figcaption{font-weight:bold;font-size:13px;margin:0 0 4px}
figure.chart svg{max-width:100%;height:auto;display:block}
.table-wrap{margin:6px 0 14px;max-width:100%}
table{border-collapse:collapse;font-size:13px;max-width:100%}
caption{text-align:left;font-weight:bold;padding:0 0 4px;font-size:13px}
th,td{border-bottom:1px solid #e2e2e2;padding:4px 9px;vertical-align:top}
thead th{background:#f1f1f1;border-bottom:2px solid #c8c8c8;text-align:left;vertical-align:bottom}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
tbody th{text-align:left;font-weight:normal}
td.list{min-width:220px;max-width:420px}
.cl{display:none}
.what-if{display:flex;flex-wrap:wrap;gap:16px 24px;align-items:flex-start}
.wi-panel{flex:1 1 340px;min-width:0}
.wi-controls{display:flex;flex-wrap:wrap;align-items:center;gap:8px 12px;margin:0 0 6px}
.wi-controls label{font-weight:bold}
.wi-controls input[type=range]{flex:1 1 180px;min-width:0}
.wi-controls input[type=number]{width:120px;font:inherit}
.wi-controls output{font-weight:bold;min-width:90px}
.wi-tables{display:flex;flex-wrap:wrap;gap:0 24px}
.wi-tables .table-wrap{margin-top:0}
footer{color:#666;font-size:12px;border-top:1px solid #ddd;padding-top:8px}
@media screen and (max-width:640px){
  body{padding:16px 12px 32px}
  h1{font-size:21px}
  .figures.cols-3,.figures.cols-4{grid-template-columns:repeat(2,minmax(0,1fr))}
  .figure{padding:6px 9px}
  .figure .value{font-size:18px}
  /* tables become one card per row: each cell on its own line, its column name beside it */
  .table-wrap table,.table-wrap tbody,.table-wrap tr,.table-wrap td,.table-wrap tbody th{display:block;width:100%}
  .table-wrap thead{display:none}
  .table-wrap caption{display:block}
  .table-wrap tr{border:1px solid #d8d8d8;border-radius:4px;margin:0 0 8px;padding:4px 0}
  .table-wrap td,.table-wrap tbody th{border:0;padding:2px 10px;display:flex;gap:10px;justify-content:space-between;text-align:right;white-space:normal}
  .table-wrap td.list{max-width:none;min-width:0;display:block;text-align:left}
  .table-wrap .cl{display:block;flex:0 0 auto;max-width:50%;color:#555;text-align:left}
  .table-wrap td.list .cl{max-width:none}
  .table-wrap .cv{min-width:0}
  .wi-tables .table-wrap{flex:1 1 100%}
}
@media print{
  @page{size:A4;margin:14mm}
  body{max-width:none;padding:0;font-size:11.5px}
  nav{display:none}
  section{break-before:page}
  section:first-of-type{break-before:auto}
  figure.chart,table,.figures{break-inside:avoid}
  tr{break-inside:avoid}
  table{font-size:11px}
  th,td{padding:3px 4px}
  td.list{min-width:140px}
  .charts{gap:12px 12px}
  .wi-controls,#wi-budget-note{display:none}
  .figure{border-top-width:5px;-webkit-print-color-adjust:exact;print-color-adjust:exact}
  a{color:inherit;text-decoration:none}
}
`;

function renderFigure(f: Figure, currency: string): string {
  const cls = f.band ? ` fig-${f.band}` : "";
  const hint = f.hint ? `<div class="hint">${escapeHtml(f.hint)}</div>` : "";
  return `<div class="figure${cls}"><div class="value">${escapeHtml(formatValue(f.value, f.format, currency))}</div><div class="label">${escapeHtml(f.label)}</div>${hint}</div>`;
}

function isNumeric(c: Column): boolean {
  return c.align ? c.align === "right" : ["int", "num", "num3", "pct", "pp", "money"].includes(c.format);
}

/** Escaped text with a line-break opportunity after each underscore, so identifiers (complaint_fasttrack) can wrap. */
const breakable = (s: string): string => escapeHtml(s).replace(/_/g, "_<wbr>");

function renderCell(c: Column, v: unknown, currency: string): string {
  if (c.format === "band" && isBand(v)) return `<span class="band band-${v}">${escapeHtml(v)}</span>`;
  const text = formatValue(v, c.format, currency);
  return c.format === "text" || c.format === "list" ? breakable(text) : escapeHtml(text);
}

export function renderTable(t: Table, currency: string): string {
  const head = t.columns.map((c) => `<th scope="col"${isNumeric(c) ? ' class="num"' : ""}>${escapeHtml(c.label)}</th>`).join("");
  const body = t.rows
    .map((r) => {
      const cells = t.columns.map((c, i) => {
        const cls = isNumeric(c) ? ' class="num"' : c.format === "list" ? ' class="list"' : "";
        const tag = i === 0 && t.rowHeader ? 'th scope="row"' : "td";
        // the column name, shown beside the value when a narrow screen stacks the table into cards
        return `<${tag}${cls}><span class="cl" aria-hidden="true">${escapeHtml(c.label)}</span><span class="cv">${renderCell(c, r[c.key], currency)}</span></${tag.split(" ")[0]}>`;
      });
      return `<tr>${cells.join("")}</tr>`;
    })
    .join("\n");
  return `<div class="table-wrap"><table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

/** Render a chart to an accessible inline SVG figure. */
export async function renderChart(c: Chart): Promise<string> {
  const svg = await renderSvg(c.spec);
  const titleId = `chart-${slug(c.id)}-title`;
  const labelled = svg.replace(/^<svg /, `<svg role="img" aria-labelledby="${titleId}" `).replace(/(<svg[^>]*>)/, `$1<title id="${titleId}">${escapeHtml(`${c.title}. ${c.alt}`)}</title>`);
  return `<figure class="chart" id="chart-${escapeHtml(slug(c.id))}"><figcaption>${escapeHtml(c.title)}</figcaption>${labelled}</figure>`;
}

async function renderSection(s: Section, currency: string): Promise<string> {
  const hid = `h-${slug(s.id)}`;
  const parts: string[] = [`<section id="${escapeHtml(slug(s.id))}" aria-labelledby="${hid}">`, `<h2 id="${hid}">${escapeHtml(s.title)}</h2>`];
  if (s.intro) parts.push(`<p class="intro">${escapeHtml(s.intro)}</p>`);
  if (s.note) {
    parts.push(`<p class="note">${escapeHtml(s.note)}</p>`);
  } else if (s.widget) {
    parts.push(s.widget);
  } else {
    const cols = s.figureColumns === 3 || s.figureColumns === 4 ? ` cols-${s.figureColumns}` : "";
    if (s.figures?.length) parts.push(`<div class="figures${cols}">${s.figures.map((f) => renderFigure(f, currency)).join("")}</div>`);
    if (s.items?.length) parts.push(`<ul class="items">${s.items.map((i) => `<li class="${i.level}">${escapeHtml(i.text)}</li>`).join("")}</ul>`);
    if (s.charts?.length) {
      const charts: string[] = [];
      for (const c of s.charts) charts.push(await renderChart(c));
      parts.push(`<div class="charts">${charts.join("\n")}</div>`);
    }
    for (const t of s.tables ?? []) parts.push(renderTable(t, currency));
  }
  parts.push("</section>");
  return parts.join("\n");
}

/** The whole report as one self-contained HTML document. */
export async function renderHtml(doc: ReportDoc): Promise<string> {
  const sections: string[] = [];
  for (const s of doc.sections) sections.push(await renderSection(s, doc.currency));
  const meta = doc.meta.map((m) => `<div><dt>${escapeHtml(m.label)}</dt><dd>${escapeHtml(m.value)}</dd></div>`).join("");
  const nav = doc.sections.map((s) => `<li><a href="#${escapeHtml(slug(s.id))}">${escapeHtml(s.title)}</a></li>`).join("");
  const code = doc.script ? `\n${doc.script.code}\n` : "";
  if (/<\/script|<!--/i.test(code)) throw new Error("the report's script contains </script or <!--, which would end or confuse its element");
  const csp = doc.script ? cspWithScript(createHash("sha256").update(code, "utf8").digest("base64")) : CSP;
  const scripts = doc.script ? `<script type="application/json" id="report-data">${scriptJson(doc.script.data)}</script>\n<script>${code}</script>\n` : "";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(doc.title)}</h1>
<p class="subtitle">${escapeHtml(doc.subtitle)}</p>
<dl class="meta">${meta}</dl>
</header>
<nav aria-label="Sections"><ol>${nav}</ol></nav>
<main>
${sections.join("\n")}
</main>
<footer>Generated by churn. This file is self-contained: it loads nothing from the network.</footer>
${scripts}</body>
</html>
`;
}
