/**
 * The prior effect of a catalog action for an effect segment (the catalog itself, its schema and the default
 * actions are config: src/config/catalog.ts).
 */
import type { ActionDef } from "../config/catalog.js";

/**
 * The prior effect of an action for an effect segment key: the most specific override whose tokens all
 * appear in the key, else the default.
 */
export function priorEffect(action: ActionDef, segmentKey: string): number {
  const have = new Set(segmentKey.split(/[;&]/).map((t) => t.trim()));
  let best = action.effect.default;
  let bestSize = 0;
  for (const [key, value] of Object.entries(action.effect.segments)) {
    const tokens = key.split(/[;&]/).map((t) => t.trim());
    if (tokens.length > bestSize && tokens.every((t) => have.has(t))) {
      best = value;
      bestSize = tokens.length;
    }
  }
  return best;
}
