/**
 * The true effect of each retention action on each latent segment: a multiplier on the subscriber's daily
 * churn hazard for EFFECT_DAYS days after contact. Some effects hold only under a condition at contact time
 * (near the end of a fixed term, or with a recent problem); otherwise `otherwise` applies.
 *
 * Turning a 30-day churn probability p into the probability after contact: p' = 1 - (1 - p)^m
 * (exact for a hazard multiplied by m over the whole 30 days, which holds since EFFECT_DAYS >= 30).
 */
import { ACTIONS, type ActionId } from "../contract/tables.js";
import { SEGMENTS, type Segment } from "./drivers.js";

export const EFFECT_DAYS = 60;

export type EffectCondition = "always" | "near_contract_end" | "has_problem";

export interface ActionEffect {
  segment: Segment;
  action: ActionId;
  condition: EffectCondition;
  /** Hazard multiplier when the condition holds (or always). */
  hazardMultiplier: number;
  /** Hazard multiplier when the condition does not hold. */
  otherwise: number;
}

// Per action: the condition, and per segment [when condition holds, otherwise].
// Segment order: price_hunter, value_seeker, service_first, mainstream, loyal_core, sleeping_dog.
const TABLE: Record<ActionId, { condition: EffectCondition; m: [number, number][] }> = {
  price_incentive: { condition: "always", m: [[0.45, 0.45], [0.6, 0.6], [1.0, 1.0], [0.9, 0.9], [1.0, 1.0], [1.6, 1.6]] },
  bundle_addon: { condition: "always", m: [[0.9, 0.9], [0.7, 0.7], [0.85, 0.85], [0.75, 0.75], [0.95, 0.95], [1.4, 1.4]] },
  care_call: { condition: "has_problem", m: [[0.95, 1.0], [0.85, 0.97], [0.5, 0.85], [0.75, 0.95], [0.7, 0.95], [1.7, 1.7]] },
  complaint_fasttrack: { condition: "has_problem", m: [[0.85, 1.0], [0.75, 1.0], [0.4, 1.0], [0.65, 1.0], [0.6, 1.0], [1.0, 1.0]] },
  network_fix: { condition: "has_problem", m: [[0.85, 1.0], [0.8, 1.0], [0.55, 1.0], [0.75, 1.0], [0.7, 1.0], [1.0, 1.0]] },
  renewal_offer: { condition: "near_contract_end", m: [[0.45, 0.95], [0.4, 0.95], [0.6, 0.95], [0.5, 0.95], [0.6, 1.0], [1.2, 1.5]] },
  loyalty_points: { condition: "always", m: [[0.97, 0.97], [0.92, 0.92], [0.9, 0.9], [0.9, 0.9], [0.85, 0.85], [1.3, 1.3]] },
  digital_nudge: { condition: "always", m: [[0.97, 0.97], [0.97, 0.97], [0.98, 0.98], [0.97, 0.97], [1.0, 1.0], [1.1, 1.1]] },
  referral_invite: { condition: "always", m: [[1.0, 1.0], [0.98, 0.98], [0.95, 0.95], [0.98, 0.98], [0.93, 0.93], [1.3, 1.3]] },
};

export const ACTION_EFFECTS: readonly ActionEffect[] = ACTIONS.flatMap((action) =>
  SEGMENTS.map((segment, s) => {
    const [m, o] = TABLE[action].m[s]!;
    return { segment, action, condition: TABLE[action].condition, hazardMultiplier: m, otherwise: o };
  }),
);

const SEGMENT_INDEX = new Map<string, number>(SEGMENTS.map((s, i) => [s, i]));

/** The hazard multiplier of `action` for a subscriber of `segment` in the given state at contact time. */
export function effectMultiplier(segment: Segment, action: ActionId, state: { nearContractEnd: boolean; hasProblem: boolean }): number {
  const row = TABLE[action];
  const [m, o] = row.m[SEGMENT_INDEX.get(segment)!]!;
  const holds = row.condition === "always" || (row.condition === "near_contract_end" ? state.nearContractEnd : state.hasProblem);
  return holds ? m : o;
}

/** The 30-day churn probability after contact, from the probability without it: p' = 1 - (1 - p)^m. */
export function treatedProbability(p: number, hazardMultiplier: number): number {
  return 1 - (1 - p) ** hazardMultiplier;
}
