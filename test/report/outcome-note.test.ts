/**
 * The outcome section of the planner report says when the earlier run it shows was scored on one of its model's
 * own snapshots (training data flatters AUC and lift; the calibration snapshot matches expected churners by
 * construction), and says nothing when the outcome is on unseen data.
 */
import { describe, expect, it } from "vitest";
import type { msg } from "../../src/messages.js";
import { buildPlannerReport } from "../../src/report/planner-report.js";
import { renderReport } from "../../src/report/index.js";
import { samplePlannerReport } from "./sample-data.js";

const introOf = (modelSaw?: Parameters<typeof msg.evaluateModelSaw>[1]) => {
  const d = samplePlannerReport();
  const outcome = d.outcome!;
  const doc = buildPlannerReport({ ...d, outcome: modelSaw ? { ...outcome, modelSaw: { ...modelSaw, role: modelSaw.role as "training" } } : outcome });
  return doc.sections.find((s) => s.id === "outcome")?.intro ?? "";
};

describe("planner report: outcome of an earlier run", () => {
  it("notes a run scored on the model's training snapshots, and nothing for unseen ones", () => {
    const base = introOf();
    expect(base).toContain("its 90-day horizon has passed");
    const training = introOf({ role: "training", trainAsOfMax: "2026-03-31", calibAsOf: "2026-04-30", validAsOf: "2026-05-31" });
    expect(training).toContain("2026-03-31 lies in the model's training data");
    expect(training).toContain("judge the model on runs after 2026-05-31");
    expect(introOf({ role: "unseen", trainAsOfMax: "2026-01-31", validAsOf: "2026-02-28" })).toBe(base);
  });
});

describe("planner report: the expected revenue saved", () => {
  it("says how much of it rests on catalogue priors that no campaign has checked, and nothing when none does", async () => {
    const d = samplePlannerReport();
    const half = await renderReport({ ...d, expectedRevenueSavedOnPriors: d.expectedRevenueSaved / 2 }, "html");
    expect(half).toContain("50% of it rests on catalogue priors that no campaign has checked");
    expect(await renderReport({ ...d, expectedRevenueSavedOnPriors: 0 }, "html")).not.toContain("catalogue priors that no campaign has checked");
  });
});

describe("planner report: what changed since the last run", () => {
  const introOf = (contacted: NonNullable<ReturnType<typeof samplePlannerReport>["changes"]>["contacted"]) => {
    const d = samplePlannerReport();
    return buildPlannerReport({ ...d, changes: { ...d.changes!, contacted } }).sections.find((s) => s.id === "changes")?.intro ?? "";
  };

  it("says when the previous run selected no one, not that it failed to record its groups", () => {
    const none = introOf([]);
    expect(none).toContain("Run run-2026-05-31-0200 selected no one for an action.");
    expect(none).not.toContain("did not record");
    const grouped = introOf(samplePlannerReport().changes!.contacted);
    expect(grouped).toContain("shown apart: contacted, or held out");
    // a run from before the groups were recorded
    const legacy = introOf([{ action: "renewal_offer", selected: 369, left: 25, down: 110, same: 217, up: 17, notInData: 0 }]);
    expect(legacy).toContain("did not record which were contacted and which held out");
  });
});
