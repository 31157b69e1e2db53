/**
 * Each report opened in a real headless Chromium from a file URL, looked at as a reader would: at 1280 px (a
 * laptop), at 390 px (a phone) and printed on A4. It fails on any console error, exception or CSP violation, any
 * request leaving the file, and any layout problem the page shows in that view (layout-check.ts: text outside its
 * box, chart labels cut at the edge or running into each other, tables or the page wider than the screen); the
 * print PDF has one page per section at least. Screenshots of every view go to out/screenshots/. Needs
 * /usr/bin/chromium (Debian package `chromium`): skipped with a message when it is absent, unless CI=true, where its
 * absence fails the test.
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
import { CHROMIUM, chromiumAvailable, describeProblems, inspectPage, openPage, pdfPageCount, VIEWS } from "./cdp.js";
import { decodeWhatIfProblem, whatIfAt } from "../../src/retention/what-if.js";
import { sampleKpis, sampleModelCard, samplePlannerReport, sampleWhatIf } from "./sample-data.js";

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
    { name: "model-card", data: () => sampleModelCard(), sections: 8, charts: 9, scripts: 0 },
    { name: "planner-report", data: () => samplePlannerReport({ kpis }), sections: 12, charts: 14, scripts: 2 },
  ];
  for (const c of cases) {
    it(`${c.name}: reads cleanly at 1280 px, at 390 px and on A4; no error, no outside request; one section per printed page`, async () => {
      const file = join(dir, `${c.name}.html`);
      writeFileSync(file, await renderReport(c.data(), "html"));
      const page = await openPage(pathToFileURL(file).href, { width: 1280 });
      try {
        const problems: string[] = [];
        for (const v of VIEWS) {
          await page.setView(v);
          problems.push(...describeProblems(v.name, await page.layoutProblems()));
          writeFileSync(join(SHOTS, `${c.name}-${v.name}.png`), await page.screenshot());
        }
        expect(problems).toEqual([]);
        const dom = await page.dom();
        expect(dom).toMatchObject({ lang: "en", sections: c.sections, svgs: c.charts, labelledSvgs: c.charts, scripts: c.scripts });
        expect(dom.title.length).toBeGreaterThan(0);
        expect(pdfPageCount(await page.pdf())).toBeGreaterThanOrEqual(c.sections);
        expect(page.errors).toEqual([]);
        expect(page.externalRequests).toEqual([]);
      } finally {
        await page.close();
      }
    });
  }

  it("the what-if slider caps a budget at what the period budget has left, as churn score does", async () => {
    const whatIf = sampleWhatIf({ budget: 150 });
    const cap = Math.round(whatIf.saturation * 0.6);
    whatIf.periodAvailable = cap;
    const file = join(dir, "period-cap.html");
    writeFileSync(file, await renderReport(samplePlannerReport({ kpis, whatIf }), "html"));
    const page = await openPage(pathToFileURL(file).href, { width: 1280 });
    try {
      const READY = `new Promise((res) => { const f = () => document.getElementById("what-if-widget").dataset.state === "ready" ? res(true) : setTimeout(f, 25); f(); })`;
      const ask = async (b: number) => {
        await page.evaluate(`(() => { const box = document.getElementById("wi-budget-n"); box.value = "${b}"; box.dispatchEvent(new Event("change")); })()`);
        await page.evaluate(READY);
        return page.evaluate<{ budget: string; contacts: string; cost: string }>(
          `(() => { const r = document.getElementById("what-if-widget"); const v = (k) => document.querySelector('#wi-figures [data-wi="' + k + '"]').dataset.value; return { budget: r.dataset.budget, contacts: v("contacts"), cost: v("cost") }; })()`,
        );
      };
      const w = decodeWhatIfProblem(whatIf.problem!);
      // above the cap: the plan at the cap; below it: the plan at the budget asked for
      const above = await ask(whatIf.saturation * 2);
      expect(Number(above.budget)).toBe(cap);
      expect(Number(above.contacts)).toBe(whatIfAt(w, cap).contacts);
      expect(Number(above.cost)).toBeCloseTo(whatIfAt(w, cap).cost, 9);
      expect(Number(above.cost)).toBeLessThanOrEqual(cap);
      const below = await ask(cap / 2);
      expect(Number(below.budget)).toBe(cap / 2);
      expect(Number(below.contacts)).toBe(whatIfAt(w, cap / 2).contacts);
      expect(await page.evaluate<string>(`document.getElementById("wi-budget-note").textContent`)).toContain("period budget");
      expect(page.errors).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it("the layout check finds overflowing text, cut and touching chart labels, and a table wider than the page", async () => {
    const bad = join(dir, "bad-layout.html");
    writeFileSync(
      bad,
      `<!DOCTYPE html><html lang="en"><head><title>x</title><style>body{margin:0;font:14px sans-serif}.card{width:60px;white-space:nowrap}</style></head><body>
      <section id="s"><div class="card">206,008 EUR saved</div>
      <svg width="200" height="60"><text x="-20" y="20">omplaint_fasttrack</text><text x="100" y="50">3,500</text><text x="131" y="50">4,000</text><text x="10" y="50">care_…</text></svg>
      <div style="overflow-x:auto;width:300px"><table><tr><td style="white-space:nowrap">${"wide ".repeat(60)}</td></tr></table></div>
      <p style="width:2000px">a paragraph wider than the screen</p></section></body></html>`,
    );
    const page = await openPage(pathToFileURL(bad).href, { width: 390 });
    try {
      const kinds = new Set((await page.layoutProblems()).map((p) => p.kind));
      expect([...kinds].sort()).toEqual(["clipped", "overlap", "page-overflow", "svg-clipped", "text-overflow", "truncated"]);
    } finally {
      await page.close();
    }
  });

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
