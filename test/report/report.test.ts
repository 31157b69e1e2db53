import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/errors.js";
import { msg } from "../../src/messages.js";
import { escapeHtml } from "../../src/report/html.js";
import { buildReport, parseReportFormat, renderReport } from "../../src/report/index.js";
import { escapeMd } from "../../src/report/markdown.js";
import { BAND_COLORS, BANDS } from "../../src/report/palette.js";
import { sampleModelCard, samplePlannerReport } from "./sample-data.js";

const EVIL = "<script>alert('x')</script>";

/** Every URL-ish reference in the page other than the SVG namespace declarations. */
function externalRefs(html: string): string[] {
  const noNs = html.replace(/xmlns(:xlink)?="http:\/\/www\.w3\.org\/[^"]*"/g, "");
  const refs = [...noNs.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
  const attrs = [...noNs.matchAll(/\s(?:src|href|xlink:href|action|srcset)="([^"]*)"/g)].map((m) => m[1]!).filter((v) => !v.startsWith("#"));
  const css = [...noNs.matchAll(/url\(|@import/g)].map((m) => m[0]);
  return [...refs, ...attrs, ...css];
}

describe("planner report", () => {
  it("escapes data strings in HTML: a <script> subscriber id and markup in reasons stay text", async () => {
    const html = await renderReport(samplePlannerReport({ minimal: true }), "html");
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(escapeHtml(EVIL));
    expect(html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(html).toContain("reason with &lt;b&gt;markup&lt;/b&gt; &amp; ampersand");
  });

  it("escapes data strings in Markdown, including table pipes", async () => {
    const d = samplePlannerReport({ minimal: true });
    d.top[0]!.subscriberId = "S|1";
    const md = await renderReport(d, "md");
    expect(md).toContain(escapeMd(EVIL));
    expect(md).toContain("\\<script\\>alert('x')\\</script\\>");
    expect(md).not.toMatch(/(^|[^\\])<script/);
    expect(md).toContain("S\\|1");
  });

  it("is one self-contained page: CSP, lang, title, headed tables, labelled charts, no outside reference", async () => {
    const html = await renderReport(samplePlannerReport(), "html");
    // the one inline script (the budget what-if) is allowed by its hash, nothing else runs or loads
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(1);
    const hash = createHash("sha256").update(scripts[0]!, "utf8").digest("base64");
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'sha256-${hash}'">`);
    expect(html.match(/<script/g)).toHaveLength(2); // the script and its JSON data (type application/json, never run)
    expect(html).toContain('<script type="application/json" id="report-data">');
    expect(html).toMatch(/<html lang="en">/);
    expect(html).toMatch(/<title>Retention plan: 2026-06-30<\/title>/);
    expect(externalRefs(html)).toEqual([]);
    const svgs = html.match(/<svg /g)?.length ?? 0;
    expect(svgs).toBeGreaterThanOrEqual(6);
    expect(html.match(/<svg role="img" aria-labelledby="chart-[a-z0-9-]+-title"/g)?.length).toBe(svgs);
    expect(html.match(/<table[ >]/g)?.length).toBe(html.match(/<thead><tr><th scope="col"/g)?.length);
    expect(html).toContain("@media print");
    expect(html).toContain("break-before:page");
  });

  it("uses the one band palette in CSS chips and chart marks", async () => {
    const html = await renderReport(samplePlannerReport({ minimal: true }), "html");
    for (const b of BANDS) {
      expect(html).toContain(`.band-${b}{background:${BAND_COLORS[b]}`);
      expect(html).toContain(`fill="${BAND_COLORS[b]}"`);
    }
  });

  it("says the contact history moves because subscribers are contacted, not that the data broke", async () => {
    const d = samplePlannerReport();
    const drift = { threshold: 0.25, items: [...d.drift!.items, { feature: "contacts_90d", psi: 1.04, status: "alert" as const }] };
    const md = await renderReport({ ...d, drift }, "md");
    const line = (f: string) => md.split("\n").find((l) => l.includes(`${f.replaceAll("_", "\\_")}: PSI`)) ?? "";
    expect(line("contacts_90d")).toContain("contact history, moved by the contacts made since the training data");
    expect(line("active_days_30d_vs_own_past_pct")).toContain("(above the threshold 0.25)");
    expect(line("active_days_30d_vs_own_past_pct")).not.toContain("contact history");
  });

  it("shows the top 50 only, and one-line notes for absent drift, trend, outcome and KPIs", async () => {
    const d = samplePlannerReport({ minimal: true });
    expect(d.top.length).toBe(60);
    const doc = JSON.parse(await renderReport(d, "json"));
    const sec = (id: string) => doc.sections.find((s: { id: string }) => s.id === id);
    expect(sec("top").tables[0].rows.length).toBe(50);
    for (const id of ["drift", "trend", "outcome", "kpis"]) expect(sec(id).note).toMatch(/\w/);
    expect(sec("headline").figures.map((f: { label: string }) => f.label)).toEqual(["critical risk", "high risk", "medium risk", "low risk", "Expected churners", "Value at risk", "Budget used", "Expected revenue saved"]);
    const budgetLine = async (budget: typeof d.budget) => (await renderReport({ ...d, budget }, "md")).split("\n").find((l) => l.includes("**Budget used**"));
    expect(await budgetLine({ total: 400, used: 100 })).toContain("(of 400 EUR (25%))");
    // a run without a budget: not "100% of a budget" that equals the spend
    expect(await budgetLine({ total: 100, used: 100, unlimited: true })).toContain("(no budget limit");
    expect(await budgetLine({ total: 100, used: 100, unlimited: true })).not.toContain("100%");
    // how far the model's expected churners were from the real ones in its backtest, beside the figure
    expect(await renderReport(d, "md")).toContain(
      "**Expected churners**: 1,843 (Σ P(churn) over the scored subscribers, without any action; in the model's backtest 0.59-1.41x the real churners (within ±10% on 1 of 6 dates))",
    );
  });

  it("sets each action's pooled campaign evidence beside the effect the plan used, and says how that effect was found", async () => {
    const doc = JSON.parse(await renderReport(samplePlannerReport(), "json"));
    const [summary, evidence] = doc.sections.find((s: { id: string }) => s.id === "actions").tables;
    expect(summary.rows.map((r: { action: string; used: number; basis: string }) => [r.action, r.used, r.basis])).toEqual([
      ["renewal_offer", 0.094, "learned segment cells (prior where thin)"],
      ["care_call", 0.041, "learned segment cells (prior where thin)"],
      ["complaint_fasttrack", 0.1, "catalogue prior"],
      ["price_incentive", 0.022, "learned segment cells (prior where thin)"],
      ["digital_nudge", 0.01, "catalogue prior"],
    ]);
    expect(evidence.caption).toContain("every segment pooled and no prior");
    // group sizes with the share that left; an action the plan did not buy has no effect used and no contacts
    expect(evidence.rows.map((r: { action: string; treated: string; control: string; ci: string; used: number | null; contacts: number }) => [r.action, r.treated, r.control, r.ci, r.used, r.contacts])).toEqual([
      ["renewal_offer", "1,850 (8.0%)", "610 (9.0%)", "-18.6% to 34.2%", 0.094, 420],
      ["care_call", "2,400 (5.0%)", "800 (5.3%)", "-32.9% to 32.7%", 0.041, 610],
      ["bundle_addon", "700 (7.0%)", "240 (5.8%)", "-106.8% to 33.4%", null, 0],
    ]);
  });

  it("rebuilds the action summary of a run written before the effect used was recorded as it was then", async () => {
    const d = samplePlannerReport();
    d.actions = d.actions.map(({ effectUsed: _u, effectBasis: _b, ...a }) => a);
    const doc = JSON.parse(await renderReport(d, "json"));
    const summary = doc.sections.find((s: { id: string }) => s.id === "actions").tables[0];
    // no effect used, no basis: the columns of before
    expect(summary.columns).toEqual(["action", "contacts", "cost", "expectedSaving", "net", "prior", "learned", "ci", "n"]);
    expect(summary.rows.find((r: { action: string }) => r.action === "digital_nudge").ci).toBe("prior only");
  });

  it("shows how the uplift model ranked held-out contacts against segment cells and one effect per action, and which one the plan used", async () => {
    const d = samplePlannerReport();
    const row = (method: "uplift" | "no_heterogeneity" | "segment_cells", label: string, qini: number) => ({ method, label, qini, upliftAt10: 0.05, upliftAt30: null, logLoss: 0.3 });
    d.uplift = {
      method: "uplift",
      waves: ["2026-03-02", "2026-04-06"],
      rows: 4210,
      methods: [row("uplift", "each subscriber's own effect", 0.021), row("no_heterogeneity", "one effect per action", 0.004), row("segment_cells", "effects per segment cell", 0.006)],
    };
    const doc = JSON.parse(await renderReport(d, "json"));
    const table = doc.sections.find((s: { id: string }) => s.id === "actions").tables.find((t: { caption: string }) => t.caption.startsWith("Who the actions help"));
    expect(table.caption).toContain("4210 later contacts (2 held-out wave(s) from 2026-03-02)");
    expect(table.rows.map((r: { used: string }) => r.used)).toEqual(["yes", "", ""]);
    expect(table.rows[0].qini).toBe(0.021);
    const html = await renderReport(d, "html");
    expect(html).toContain("Uplift in top 10%");
  });

  it("labels charts without truncating text (no ellipsis from vega's label limit)", async () => {
    const html = await renderReport(samplePlannerReport(), "html");
    expect(html).not.toContain("…");
  });

  it("renders the same bytes twice", async () => {
    const d = samplePlannerReport();
    expect(await renderReport(d, "html")).toBe(await renderReport(d, "html"));
  });
});

describe("model card", () => {
  it("has every section with data, labelled charts and no outside reference", async () => {
    const html = await renderReport(sampleModelCard(), "html");
    expect(externalRefs(html)).toEqual([]);
    const ids = [...html.matchAll(/<section id="([a-z-]+)"/g)].map((m) => m[1]);
    expect(ids).toEqual(["data", "validation", "metrics", "curves", "calibration", "importance", "training", "backtest"]);
    for (const c of ["roc", "pr", "gains", "lift", "calibration", "histogram", "importance", "training", "backtest"]) expect(html).toContain(`id="chart-${c}"`);
    expect(html).not.toContain('class="note"');
    expect(html).not.toContain("…");
  });

  it("shows a one-line note for absent champion, training curve and backtest (logistic model)", async () => {
    const doc = buildReport(sampleModelCard({ minimal: true }));
    const sec = (id: string) => doc.sections.find((s) => s.id === id)!;
    expect(sec("training").note).toContain("logistic");
    expect(sec("backtest").note).toMatch(/No backtest/);
    expect(sec("metrics").intro).toMatch(/No champion/);
    expect(sec("metrics").tables![0]!.rows.map((r) => r["model"])).toEqual([
      "m-2026-06-30-mlp-a1b2 (this model)",
      "any complaint in 90 days (rule baseline)",
      "this model − baseline",
    ]);
    const html = await renderReport(sampleModelCard({ minimal: true }), "html");
    expect(html.match(/class="note"/g)?.length).toBe(2);
  });

  it("exports JSON with curve rows and null for non-finite numbers", async () => {
    const doc = JSON.parse(await renderReport(sampleModelCard(), "json"));
    const curves = doc.sections.find((s: { id: string }) => s.id === "curves");
    const gains = curves.charts.find((c: { id: string }) => c.id === "gains").data;
    expect(gains[0]).toEqual({ series: "this model", fraction: 0, captured: 0, lift: null });
    const roc = curves.charts.find((c: { id: string }) => c.id === "roc").data;
    expect(roc.filter((r: { series: string }) => r.series === "this model").length).toBeLessThanOrEqual(200);
  });

  it("the metrics table's AUC matches the area under the plotted ROC curve", async () => {
    const d = sampleModelCard();
    const md = await renderReport(d, "md");
    expect(md).toContain(`| m-2026-06-30-mlp-a1b2 (this model) | ${d.metrics.auc.toFixed(3)} |`);
    const alt = buildReport(d).sections.find((s) => s.id === "curves")!.charts![0]!.alt;
    expect(alt).toContain(`this model AUC ${d.metrics.auc.toFixed(3)}`);
  });
});

describe("parseReportFormat", () => {
  it("accepts html, md, json and names the fix otherwise", () => {
    expect(parseReportFormat("md")).toBe("md");
    expect(() => parseReportFormat("pdf")).toThrow(new UsageError(msg.reportBadFormat("pdf")));
  });
});
