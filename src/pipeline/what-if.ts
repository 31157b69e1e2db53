/**
 * The budget what-if of a scoring run (stage 6 of `churn score`): the spend → expected net return curve, planned at
 * `scoring.whatIfPoints` budgets by the run's own selection, and what the planner report needs for its slider: what
 * the period budget had left (the slider caps a budget at it, as the run does), the
 * selection problem (up to `scoring.whatIfMaxCells` worthwhile subscriber-action pairs; the page reruns the selection
 * at any budget), else the plan at each curve point. Each point costs a full selection (about 0.8 s of CPU at 100k
 * subscribers, scripts/bench/retention.mjs --what-if), so larger runs get fewer points, down to 6.
 */
import type { Config } from "../config/schema.js";
import type { WhatIfData } from "../report/what-if.js";
import type { Plan } from "../retention/plan.js";
import { encodeWhatIfProblem, whatIfAt, whatIfCurve } from "../retention/what-if.js";

/** The run's what-if, or undefined when `scoring.whatIfPoints` is 0. */
export function whatIfOf(plan: Plan, budget: number | null, config: Config["scoring"], periodAvailable?: number): WhatIfData | undefined {
  if (config.whatIfPoints === 0) return undefined;
  const w = plan.whatIf();
  const cells = w.cellSub.length;
  // each point is a full selection: a run too large for the page to recompute gets fewer (at least 6)
  const points = cells <= config.whatIfMaxCells ? config.whatIfPoints : Math.min(config.whatIfPoints, Math.max(6, Math.round((config.whatIfPoints * config.whatIfMaxCells) / cells)));
  const curve = whatIfCurve(w, points, budget === null ? [] : [budget]);
  // the run's own budget is a point of the curve when below saturation, and no limit is its last point: the same
  // selection is not run twice (a budget of 0 is selected anew: the curve's 0 point is "nothing bought")
  const atRun = (budget !== 0 ? curve.summaries.find((s) => s.budget === budget) : undefined) ?? whatIfAt(w, budget);
  const data: WhatIfData = { budget, saturation: curve.saturation, points: curve.points, atRun, atSaturation: curve.summaries[curve.summaries.length - 1]!, cells: w.cellSub.length };
  if (periodAvailable !== undefined) data.periodAvailable = periodAvailable;
  if (w.cellSub.length <= config.whatIfMaxCells) data.problem = encodeWhatIfProblem(w);
  else data.summaries = curve.summaries;
  return data;
}
