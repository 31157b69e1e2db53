/**
 * The HTML structure of both reports against stored snapshots. Normalised first so the snapshot checks structure
 * (sections, headings, tables, figure labels, chart slots), not floating-point noise: CSS and SVG contents are
 * dropped, every run of digits becomes "#", one tag per line. Update with `npx vitest run -u test/report`.
 */
import { describe, expect, it } from "vitest";
import { renderReport } from "../../src/report/index.js";
import { sampleModelCard, samplePlannerReport } from "./sample-data.js";

function normaliseHtml(html: string): string {
  return html
    .replace(/<style>[\s\S]*?<\/style>/g, "<style/>")
    .replace(/<svg ([^>]*?)>[\s\S]*?<\/svg>/g, (_m, attrs: string) => `<svg ${(attrs.match(/(role|aria-labelledby)="[^"]*"/g) ?? []).join(" ")}/>`)
    .replace(/(?<!<h|<\/h)\d+/g, "#")
    .replace(/>\s*</g, ">\n<")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");
}

describe("report HTML structure", () => {
  it("model card matches its snapshot", async () => {
    await expect(normaliseHtml(await renderReport(sampleModelCard(), "html"))).toMatchFileSnapshot("__snapshots__/model-card.structure.txt");
  });
  it("planner report matches its snapshot", async () => {
    await expect(normaliseHtml(await renderReport(samplePlannerReport(), "html"))).toMatchFileSnapshot("__snapshots__/planner-report.structure.txt");
  });
  it("normalisation removes numbers and SVG paths but keeps structure", () => {
    expect(normaliseHtml('<h2>Top 50</h2><p>12.5%</p> <svg role="img" aria-labelledby="t" width="3"><path d="M1,2L3,4"/></svg>')).toBe('<h2>Top #</h2>\n<p>#.#%</p>\n<svg role="img" aria-labelledby="t"/>');
  });
});
