/**
 * JSON rendering of a ReportDoc for machines: the same sections with raw (unformatted) numbers; charts as their
 * plotted rows. Non-finite numbers become null (JSON has no NaN).
 */
import type { ReportDoc } from "./doc.js";

export function renderJson(doc: ReportDoc): string {
  const out = {
    kind: doc.kind,
    title: doc.title,
    subtitle: doc.subtitle,
    meta: Object.fromEntries(doc.meta.map((m) => [m.label, m.value])),
    currency: doc.currency,
    sections: doc.sections.map((s) => ({
      id: s.id,
      title: s.title,
      ...(s.note ? { note: s.note } : {}),
      ...(s.figures?.length ? { figures: s.figures.map((f) => ({ label: f.label, value: f.value, ...(f.band ? { band: f.band } : {}) })) } : {}),
      ...(s.items?.length ? { items: s.items } : {}),
      ...(s.tables?.length ? { tables: s.tables.map((t) => ({ caption: t.caption, columns: t.columns.map((c) => c.key), rows: t.rows })) } : {}),
      ...(s.charts?.length ? { charts: s.charts.map((c) => ({ id: c.id, title: c.title, data: c.data })) } : {}),
    })),
  };
  return `${JSON.stringify(out, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2)}\n`;
}
