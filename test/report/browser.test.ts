/**
 * Each report opened in a real headless Chromium from a file URL: no console error, no exception, no CSP
 * violation, no request leaving the file; the page prints with one section per page. Screenshots go to
 * out/screenshots/. Needs /usr/bin/chromium (Debian package `chromium`): skipped with a message when it is absent,
 * unless CI=true, where its absence fails the test.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolGate } from "../tool-gate.js";
import { withDb } from "../../src/io/duckdb.js";
import { renderReport } from "../../src/report/index.js";
import type { KpiResult } from "../../src/report/kpis.js";
import { CHROMIUM, chromiumAvailable, inspectPage, pdfPageCount } from "./cdp.js";
import { sampleKpis, sampleModelCard, samplePlannerReport } from "./sample-data.js";

const browser = toolGate(`chromium (${CHROMIUM})`, chromiumAvailable(), "chromium");

const SHOTS = resolve("out/screenshots");

describe.runIf(browser.run)("reports in a real browser", () => {
  let dir = "";
  let kpis: KpiResult;
  beforeAll(async () => {
    browser.check();
    dir = mkdtempSync(join(tmpdir(), "churn-report-"));
    mkdirSync(SHOTS, { recursive: true });
    kpis = await withDb(sampleKpis);
  });
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  const cases = [
    { name: "model-card", data: () => sampleModelCard(), sections: 8, charts: 9 },
    { name: "planner-report", data: () => samplePlannerReport({ kpis }), sections: 9, charts: 7 },
  ];
  for (const c of cases) {
    it(`${c.name}: loads with no error and no outside request, prints one section per page`, async () => {
      const file = join(dir, `${c.name}.html`);
      writeFileSync(file, await renderReport(c.data(), "html"));
      const url = pathToFileURL(file).href;
      const r = await inspectPage(url);
      writeFileSync(join(SHOTS, `${c.name}.png`), r.png);
      expect(r.errors).toEqual([]);
      expect(r.externalRequests).toEqual([]);
      expect(r.dom).toMatchObject({ lang: "en", sections: c.sections, svgs: c.charts, labelledSvgs: c.charts, scripts: 0 });
      expect(r.dom.title.length).toBeGreaterThan(0);
      // PNG signature, and a page taller than one screen
      expect(r.png.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
      expect(r.png.readUInt32BE(20)).toBeGreaterThan(2000);
      expect(pdfPageCount(r.pdf)).toBeGreaterThanOrEqual(c.sections);
    });
  }

  it("the checks themselves catch an outside request, a CSP violation and a console error", async () => {
    const leaky = join(dir, "leaky.html");
    writeFileSync(leaky, `<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><img src="http://127.0.0.1:9/pixel.png" alt=""><script>console.error("boom")</script></body></html>`);
    const r1 = await inspectPage(pathToFileURL(leaky).href, { settleMs: 500 });
    expect(r1.externalRequests).toContain("http://127.0.0.1:9/pixel.png");
    expect(r1.errors.some((e) => e.includes("console.error: boom"))).toBe(true);

    const blocked = join(dir, "blocked.html");
    writeFileSync(blocked, `<!DOCTYPE html><html lang="en"><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"><title>x</title></head><body><img src="http://127.0.0.1:9/pixel.png" alt=""></body></html>`);
    const r2 = await inspectPage(pathToFileURL(blocked).href, { settleMs: 500 });
    // The CSP blocks it (logged as an error) and the attempt is still recorded: either check fails the report.
    expect(r2.errors.join("\n")).toMatch(/Content Security Policy/);
    expect(r2.externalRequests).toContain("http://127.0.0.1:9/pixel.png");
  });
});
