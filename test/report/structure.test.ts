/**
 * The structure of both reports, stated: section ids and headings in order, each table's column labels, the
 * charts and the headline figures. A change to a report's layout changes one of these lines on purpose.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { withDb } from "../../src/io/duckdb.js";
import type { KpiResult } from "../../src/report/kpis.js";
import { renderReport } from "../../src/report/index.js";
import { sampleKpis, sampleModelCard, samplePlannerReport } from "./sample-data.js";
import { reportStructure, type SectionShape } from "./structure.js";

const byId = (s: SectionShape[]) => Object.fromEntries(s.map((x) => [x.id, x]));
const columns = (s: SectionShape) => s.tables.map((t) => t.columns);

describe("planner report structure", () => {
  let s: SectionShape[];
  beforeAll(async () => {
    const kpis: KpiResult = await withDb(sampleKpis);
    s = reportStructure(await renderReport(samplePlannerReport({ kpis }), "html"));
  });

  it("has its sections in order", () => {
    expect(s.map((x) => `${x.id}: ${x.heading}`)).toEqual([
      "headline: At a glance",
      "what-if: Budget what-if",
      "changes: What changed since the last run",
      "matrix: Risk band × contract type",
      "actions: Actions",
      "contacts: Contact rules and holdout",
      "call-lists: Call lists",
      "top: Top 50 subscribers",
      "drift: Data drift",
      "trend: Trend against earlier runs",
      "outcome: Outcome of run run-2026-03-31-0200",
      "kpis: Loyalty KPIs",
    ]);
  });

  it("shows the headline figures, one chart per section with data, and the tables' columns", () => {
    const x = byId(s);
    expect(x["headline"]!.figures).toEqual(["critical risk", "high risk", "medium risk", "low risk", "Expected churners", "Value at risk", "Budget used", "Expected revenue saved"]);
    // one chart per KPI (small multiples were unreadable on a phone), the renewal rate from renewal events
    expect(s.flatMap((v) => v.charts.map((c) => c.split(":")[0]))).toEqual([
      "bands",
      "what-if",
      "matrix",
      "actions",
      "drift",
      "trend",
      "outcome",
      "kpi-churnrate",
      "kpi-retentionrate",
      "kpi-arpu",
      "kpi-lifetimerevenue",
      "kpi-multiproductrate",
      "kpi-complaintrate",
      "kpi-renewalrate",
    ]);
    expect(columns(x["headline"]!)).toEqual([["Band", "Subscribers", "Share", "Value at risk", "Selected for action"]]);
    expect(columns(x["matrix"]!)).toEqual([["contract type", "critical", "high", "medium", "low", "total"]]);
    expect(columns(x["actions"]!)).toEqual([
      ["Action", "Contacts", "Cost", "Expected saving", "Net", "Prior effect", "Effect used", "Effect found by", "Learned in segment cells", "95% interval", "Treated / control"],
      ["Action", "Treated (left)", "Control (left)", "Effect shown", "95% interval", "Effect this plan used", "Contacts in this plan"],
    ]);
    expect(columns(x["top"]!)).toEqual([["#", "Subscriber", "Band", "P(churn)", "contract type", "Value", "Action", "Expected net", "Reasons"]]);
    expect(columns(x["trend"]!)).toEqual([["As of", "Run", "Scored", "critical", "high", "medium", "low", "Value at risk", "Budget used", "Expected saved"]]);
    expect(columns(x["outcome"]!)).toEqual([["Band", "Subscribers", "Churned", "Churn rate"]]);
  });

  it("shows the budget what-if's figures, what changed since the last run and the call lists", () => {
    const x = byId(s);
    expect(x["what-if"]!.figures).toEqual(["Contacts", "Cost (budget spent)", "Expected revenue saved", "Expected net return", "Budget left unspent", "Return of the last unit spent"]);
    expect(x["changes"]!.figures).toEqual(["Newly critical", "Newly high", "Moved down", "Left"]);
    expect(columns(x["changes"]!)).toEqual([
      ["Before", "critical", "high", "medium", "low", "left", "not in data"],
      ["Action", "Group", "Selected", "Left", "Lower band", "Same band", "Higher band", "Not in the data"],
      ["Subscriber", "Before", "Now", "P(churn)", "Action", "Reasons"],
    ]);
    expect(columns(x["call-lists"]!)).toEqual([["File", "Contacts", "Team capacity per day", "Last contact-by"]]);
  });

  it("labels the KPI estimate lifetime revenue, never customer value (that is the plan's figure)", () => {
    const kpi = byId(s)["kpis"]!;
    expect(columns(kpi)).toEqual([
      ["Segment", "Customers at start", "Churn rate", "Retention rate", "ARPU", "Lifetime revenue", "Multi-product rate", "Complaint rate"],
      // the renewal rate comes from renewal events between runs, in a table of its own
      ["Term ended in", "Contracts", "Renewed", "Out of contract, stayed", "Left", "Renewal rate"],
    ]);
    expect(s.flatMap((x) => columns(x).flat()).filter((l) => /customer value/i.test(l))).toEqual([]);
  });
});

describe("model card structure", () => {
  it("has its sections, tables and charts", async () => {
    const s = reportStructure(await renderReport(sampleModelCard(), "html"));
    expect(s.map((x) => x.id)).toEqual(["data", "validation", "metrics", "curves", "calibration", "importance", "training", "backtest"]);
    const x = byId(s);
    expect(columns(x["metrics"]!)).toEqual([["Model", "ROC-AUC", "PR-AUC", "Log loss", "Brier", "ECE", "Lift @10%", "Capture @10%"]]);
    expect(columns(x["calibration"]!)).toEqual([["Score range", "Subscribers", "Mean predicted", "Observed churn"]]);
    expect(columns(x["backtest"]!)).toEqual([["As-of date", "Rows", "Churn rate", "ROC-AUC", "PR-AUC", "Lift @10%", "Churners", "Expected churners", "Expected ÷ churners"]]);
    expect(s.flatMap((v) => v.charts.map((c) => c.split(":")[0]))).toEqual(["roc", "pr", "gains", "lift", "calibration", "histogram", "importance", "training", "backtest"]);
    expect(x["data"]!.figures).toEqual(["Feature-table rows", "Subscribers", "As-of dates", "Churn rate", "Features"]);
  });
});
