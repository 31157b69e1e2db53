/** Sparse NPS answers: relationship surveys at random, and transactional ones after a ticket is resolved. */
import { hasProblem, isDisengaged, type SubState } from "./hazard.js";
import type { Rng } from "./rng.js";

export const SURVEY_RATE = 0.0008;
export const AFTER_TICKET_PROB = 0.2;

export function drawNps(rng: Rng, s: SubState, day: number): number {
  const p = s.p;
  let mean = [6.6, 7.3, 8.0][p.tier]!;
  if (day < s.openUntil) mean -= 3;
  else if (hasProblem(s, day)) mean -= 1.5;
  if (isDisengaged(s, day)) mean -= 2;
  if (p.dormant) mean -= 0.5;
  return Math.max(0, Math.min(10, Math.round(mean + 1.8 * rng.normal())));
}
