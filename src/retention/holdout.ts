/**
 * The holdout: of the subscribers a run selects for each action, a seeded random share is kept uncontacted
 * (group control), so later runs can learn the action's effect from treated vs held-out churn.
 *
 * Each (subscriber, action) gets a hash of (seed, run key, subscriber id, action); per action the `round(share
 * x n)` lowest hashes are held out. The draw depends on who is selected, not on their order, so one process and
 * a merge of shards hold out the same subscribers; a re-run of the same run holds out the same ones.
 */
import { fmix32 } from "../rng.js";

/** 32-bit FNV-1a of a string, then a murmur3 finaliser (mixes the low bits). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/**
 * Which of the selected (subscriber, action) pairs are held out.
 * @example assignHoldout([{ subscriberId: "S1", action: "care_call" }, ...], 0.1, 42, "2026-06-30") // [false, true, ...]
 */
export function assignHoldout(selected: readonly { subscriberId: string; action: string }[], share: number, seed: number, runKey: string): boolean[] {
  const held = new Array<boolean>(selected.length).fill(false);
  if (share <= 0) return held;
  const byAction = new Map<string, { i: number; h: number; id: string }[]>();
  selected.forEach((s, i) => {
    const list = byAction.get(s.action) ?? [];
    list.push({ i, h: hash32(`${seed}\u0000${runKey}\u0000${s.subscriberId}\u0000${s.action}`), id: s.subscriberId });
    byAction.set(s.action, list);
  });
  for (const list of byAction.values()) {
    const k = Math.round(share * list.length);
    list.sort((a, b) => a.h - b.h || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (let j = 0; j < k; j++) held[list[j]!.i] = true;
  }
  return held;
}
