/**
 * The true effect of each retention action on each subscriber: a multiplier on the subscriber's daily churn
 * hazard for EFFECT_DAYS days after contact. It depends on the latent segment and on what can be seen in the
 * subscriber's history at contact time:
 *
 *   m = TABLE[action][segment][condition holds ? 0 : 1]      condition: near the end of a fixed term, a recent
 *                                                            problem, disengagement (usage falling), or always
 *     x OPEN_TICKET_HARM   for marketing contacts (nudge, loyalty points, referral) while a ticket is open: an
 *                          offer pushed at someone waiting for a fix annoys them (harmful for every segment)
 *     ^ REPEAT_DAMPING     when m < 1 and the subscriber was contacted in the last REPEAT_DAYS days: a second
 *                          contact does much less (harmful effects stay harmful)
 *
 * Turning a 30-day churn probability p into the probability after contact: p' = 1 - (1 - p)^m
 * (exact for a hazard multiplied by m over the whole 30 days, which holds since EFFECT_DAYS >= 30).
 */
import { ACTIONS, type ActionId } from "../contract/tables.js";
import { SEGMENTS, type Segment } from "./drivers.js";

export const EFFECT_DAYS = 60;
/** A contact within this many days before another makes the second one weaker. */
export const REPEAT_DAYS = 60;
/** m^REPEAT_DAMPING for a repeated contact (m < 1): 0.6 becomes 0.86. */
export const REPEAT_DAMPING = 0.3;
/** Hazard multiplier on top of a marketing contact's effect while a ticket is open. */
export const OPEN_TICKET_HARM = 1.25;
export const MARKETING_ACTIONS: readonly ActionId[] = ["digital_nudge", "loyalty_points", "referral_invite"];

export type EffectCondition = "always" | "near_contract_end" | "has_problem" | "disengaged";

export interface ActionEffect {
  segment: Segment;
  action: ActionId;
  condition: EffectCondition;
  /** Hazard multiplier when the condition holds (or always), before the history modifiers. */
  hazardMultiplier: number;
  /** Hazard multiplier when the condition does not hold. */
  otherwise: number;
}

/** What the effect depends on at contact time, besides the segment (all visible in the data's history). */
export interface EffectState {
  /** Fixed term ending within 60 days, or ended at most 14 days ago. */
  nearContractEnd: boolean;
  /** An open ticket, or a complaint in the last 30 days. */
  hasProblem: boolean;
  /** A complaint still unresolved. */
  openTicket?: boolean;
  /** Usage has been falling (disengagement under way). */
  disengaged?: boolean;
  /** Days since the last contact (treatment), Infinity or undefined when never contacted. */
  daysSinceContact?: number;
}

// Per action: the condition, and per segment [when condition holds, otherwise].
// Segment order: price_hunter, value_seeker, service_first, mainstream, loyal_core, sleeping_dog.
const TABLE: Record<ActionId, { condition: EffectCondition; m: [number, number][] }> = {
  price_incentive: { condition: "always", m: [[0.45, 0.45], [0.6, 0.6], [1.0, 1.0], [0.9, 0.9], [1.0, 1.0], [1.6, 1.6]] },
  bundle_addon: { condition: "disengaged", m: [[0.8, 0.9], [0.6, 0.75], [0.8, 0.9], [0.65, 0.8], [0.9, 0.97], [1.4, 1.4]] },
  care_call: { condition: "has_problem", m: [[0.95, 1.0], [0.85, 0.97], [0.5, 0.85], [0.75, 0.95], [0.7, 0.95], [1.7, 1.7]] },
  complaint_fasttrack: { condition: "has_problem", m: [[0.85, 1.0], [0.75, 1.0], [0.4, 1.0], [0.65, 1.0], [0.6, 1.0], [1.0, 1.0]] },
  network_fix: { condition: "has_problem", m: [[0.85, 1.0], [0.8, 1.0], [0.55, 1.0], [0.75, 1.0], [0.7, 1.0], [1.0, 1.0]] },
  renewal_offer: { condition: "near_contract_end", m: [[0.45, 0.95], [0.4, 0.95], [0.6, 0.95], [0.5, 0.95], [0.6, 1.0], [1.2, 1.5]] },
  loyalty_points: { condition: "always", m: [[0.97, 0.97], [0.92, 0.92], [0.9, 0.9], [0.9, 0.9], [0.85, 0.85], [1.3, 1.3]] },
  digital_nudge: { condition: "disengaged", m: [[0.8, 0.995], [0.8, 0.995], [0.85, 1.0], [0.8, 0.995], [0.9, 1.0], [1.1, 1.1]] },
  referral_invite: { condition: "always", m: [[1.0, 1.0], [0.98, 0.98], [0.95, 0.95], [0.98, 0.98], [0.93, 0.93], [1.3, 1.3]] },
};

export const ACTION_EFFECTS: readonly ActionEffect[] = ACTIONS.flatMap((action) =>
  SEGMENTS.map((segment, s) => {
    const [m, o] = TABLE[action].m[s]!;
    return { segment, action, condition: TABLE[action].condition, hazardMultiplier: m, otherwise: o };
  }),
);

const SEGMENT_INDEX = new Map<string, number>(SEGMENTS.map((s, i) => [s, i]));

function conditionHolds(c: EffectCondition, s: EffectState): boolean {
  if (c === "always") return true;
  if (c === "near_contract_end") return s.nearContractEnd;
  if (c === "has_problem") return s.hasProblem;
  return s.disengaged === true;
}

/** The hazard multiplier of `action` for a subscriber of `segment` in the given state at contact time. */
export function effectMultiplier(segment: Segment, action: ActionId, state: EffectState): number {
  const row = TABLE[action];
  const [m1, m0] = row.m[SEGMENT_INDEX.get(segment)!]!;
  let m = conditionHolds(row.condition, state) ? m1 : m0;
  if (state.openTicket && MARKETING_ACTIONS.includes(action)) m *= OPEN_TICKET_HARM;
  if (m < 1 && (state.daysSinceContact ?? Number.POSITIVE_INFINITY) < REPEAT_DAYS) m **= REPEAT_DAMPING;
  return m;
}

/** The 30-day churn probability after contact, from the probability without it: p' = 1 - (1 - p)^m. */
export function treatedProbability(p: number, hazardMultiplier: number): number {
  return 1 - (1 - p) ** hazardMultiplier;
}

/** One line per modifier, for truth/world.json. */
export const EFFECT_MODIFIERS = {
  open_ticket: `x ${OPEN_TICKET_HARM} for ${MARKETING_ACTIONS.join(", ")} while a complaint is unresolved at contact`,
  repeat_contact: `m ^ ${REPEAT_DAMPING} when m < 1 and the subscriber was contacted (treatment) in the ${REPEAT_DAYS} days before`,
};
