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
  it("measures with Helvetica/Arial advance widths", () => {
    expect(textWidth("0", 10)).toBeCloseTo(5.56, 10);
    expect(textWidth("iii", 11)).toBeLessThan(textWidth("WWW", 11) / 3);
    expect(textWidth("Churn", 12, true)).toBeCloseTo(textWidth("Churn", 12) * 1.07, 10);
  });
});
