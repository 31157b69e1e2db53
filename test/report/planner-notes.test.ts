import { describe, expect, it } from "vitest";
import { msg } from "../../src/messages.js";
import { outcomeNote } from "../../src/report/planner-report.js";
import { samplePlannerReport } from "./sample-data.js";

describe("the outcome note says what really happened", () => {
  const base = samplePlannerReport({ minimal: true }); // as of 2026-06-30
  const run = (asOf: string, horizonEnd: string | null, evaluated = false) => ({ runId: `r-${asOf}`, asOf, dir: `runs/r-${asOf}`, horizonEnd, evaluated });

  it("first run: nothing earlier to evaluate", () => {
    expect(outcomeNote(base)).toBe(msg.outcomeFirstRun());
    expect(outcomeNote({ ...base, earlierRuns: [] })).toBe(msg.outcomeFirstRun());
  });

  it("an earlier run whose horizon has passed but was never evaluated: the command to run", () => {
    const d = { ...base, earlierRuns: [run("2026-03-31", "2026-04-30"), run("2026-04-30", "2026-05-30"), run("2026-05-31", "2026-06-30")] };
    // the newest run whose horizon ended (2026-06-30 is this run's as-of day, so it counts)
    expect(outcomeNote(d)).toBe(msg.outcomeNotEvaluated("r-2026-05-31", "runs/r-2026-05-31", "2026-06-30"));
    expect(outcomeNote(d)).toContain("churn evaluate --run runs/r-2026-05-31 --data DIR");
    // a horizon the manifest did not record: still the command
    expect(outcomeNote({ ...base, earlierRuns: [run("2026-05-31", null)] })).toBe(msg.outcomeNotEvaluated("r-2026-05-31", "runs/r-2026-05-31", null));
  });

  it("earlier runs still inside their horizon: when they can be evaluated", () => {
    const d = { ...base, earlierRuns: [run("2026-06-15", "2026-07-15"), run("2026-06-20", "2026-07-20")] };
    expect(outcomeNote(d)).toBe(msg.outcomePending("r-2026-06-15", "2026-06-15", "2026-07-15"));
  });
});
