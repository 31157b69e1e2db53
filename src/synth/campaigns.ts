/**
 * Past retention campaigns: each quarter a random sample of active subscribers gets a random action, with a
 * random control group. A treated subscriber's hazard is multiplied by the action's true effect for their
 * segment and history at contact time (see actions.ts) for EFFECT_DAYS days.
 */
import { ACTIONS, type ActionId } from "../contract/tables.js";
import { applyContact, type SubState } from "./hazard.js";
import type { Rng } from "./rng.js";
import type { Campaign } from "./world.js";

export interface Contact {
  day: number;
  action: ActionId;
  treated: boolean;
}

/** Is the subscriber in this campaign's sample; if treated, apply the effect to its state. */
export function drawContact(rng: Rng, s: SubState, c: Campaign): Contact | undefined {
  if (!rng.bool(c.sampleRate)) return undefined;
  const action = ACTIONS[Math.floor(rng.next() * ACTIONS.length)]!;
  const treated = !rng.bool(c.controlShare);
  if (treated) applyContact(s, action, c.day);
  return { day: c.day, action, treated };
}
