import { describe, expect, it } from "vitest";
import type { TopLevelSpec } from "vega-lite";
import { ChartRenderError, renderSvg, textWidth } from "../../src/report/render.js";

const tiny = (extra: object): TopLevelSpec => ({ data: { values: [{ a: 1, b: 2 }] }, ...extra }) as TopLevelSpec;

describe("renderSvg", () => {
  it("renders a vega-lite spec to SVG without a browser or canvas", async () => {
    const svg = await renderSvg(tiny({ mark: "bar", encoding: { x: { field: "a", type: "quantitative", title: "A (count)" }, y: { field: "b", type: "quantitative" } } }));
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain("A (count)");
  });

  it("fails on any vega-lite warning instead of shipping a silently wrong chart", async () => {
    const spec = tiny({ mark: "bar", encoding: { x: { field: "a", type: "quantitative" }, shape: { field: "b", type: "nominal" } } });
    await expect(renderSvg(spec)).rejects.toThrow(ChartRenderError);
    await expect(renderSvg(spec)).rejects.toThrow(/shape/);
  });

  it("never loads data from a URL", async () => {
    const spec = { data: { url: "http://example.invalid/data.csv" }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } } as TopLevelSpec;
    await expect(renderSvg(spec)).rejects.toThrow(/data inline|example\.invalid/);
  });
});

describe("textWidth", () => {
  it("measures with the wider of Helvetica/Arial and DejaVu Sans advance widths", () => {
    // digits: DejaVu Sans 0.636 em (Helvetica 0.556); "i": Helvetica 0.222 em (DejaVu 0.278)
    expect(textWidth("0", 10)).toBeCloseTo(6.36, 10);
    expect(textWidth("i", 10)).toBeCloseTo(2.78, 10);
    expect(textWidth("3,500", 11)).toBeCloseTo((4 * 636 + 318) * 0.011, 10);
    expect(textWidth("iii", 11)).toBeLessThan(textWidth("WWW", 11) / 3);
    expect(textWidth("Churn", 12, true)).toBeGreaterThan(textWidth("Churn", 12) * 1.07);
    expect(textWidth("≥ 5 €", 10)).toBeCloseTo((838 + 318 + 636 + 318 + 696) * 0.01, 10);
  });
});
