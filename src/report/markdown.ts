/**
 * Markdown rendering of a ReportDoc: the same sections, figures and tables as the HTML; charts become their
 * text alternative (a Markdown file cannot carry the SVG without a second file). Data strings are escaped so
 * a `|` or `<script>` in a subscriber id cannot break the table or inject HTML into a Markdown viewer.
 */
import type { ReportDoc, Section, Table } from "./doc.js";
import { formatValue } from "./format.js";

/** Backslash-escape Markdown punctuation that could change structure; newlines become spaces. */
export function escapeMd(s: unknown): string {
  return String(s)
    .replace(/[\r\n]+/g, " ")
    .replace(/[\\`*_[\]<>|#]/g, (c) => `\\${c}`);
}

function table(t: Table, currency: string): string {
  const head = `| ${t.columns.map((c) => escapeMd(c.label)).join(" | ")} |`;
  const sep = `|${t.columns.map((c) => (["int", "num", "num3", "pct", "pp", "money"].includes(c.format) ? " ---: " : " --- ")).join("|")}|`;
  const rows = t.rows.map((r) => `| ${t.columns.map((c) => escapeMd(formatValue(r[c.key], c.format, currency))).join(" | ")} |`);
  return [`**${escapeMd(t.caption)}**`, "", head, sep, ...rows].join("\n");
}

function section(s: Section, currency: string): string {
  const out: string[] = [`## ${escapeMd(s.title)}`, ""];
  if (s.intro) out.push(escapeMd(s.intro), "");
  if (s.note) {
    out.push(`_${escapeMd(s.note)}_`, "");
    return out.join("\n");
  }
  for (const f of s.figures ?? []) out.push(`- **${escapeMd(f.label)}**: ${escapeMd(formatValue(f.value, f.format, currency))}${f.hint ? ` (${escapeMd(f.hint)})` : ""}`);
  if (s.figures?.length) out.push("");
  for (const i of s.items ?? []) out.push(`- ${i.level === "info" ? "" : `**${i.level}**: `}${escapeMd(i.text)}`);
  if (s.items?.length) out.push("");
  for (const c of s.charts ?? []) out.push(`> Chart: ${escapeMd(c.title)}. ${escapeMd(c.alt)} (see the HTML report)`, "");
  for (const t of s.tables ?? []) out.push(table(t, currency), "");
  return out.join("\n");
}

export function renderMarkdown(doc: ReportDoc): string {
  const out = [`# ${escapeMd(doc.title)}`, "", escapeMd(doc.subtitle), ""];
  for (const m of doc.meta) out.push(`- ${escapeMd(m.label)}: ${escapeMd(m.value)}`);
  out.push("");
  for (const s of doc.sections) out.push(section(s, doc.currency));
  return `${out.join("\n").trimEnd()}\n`;
}
