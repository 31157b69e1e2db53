/** The synthetic telecom world: generator, realism summary and ground truth for campaign simulation. */
export { ACTION_EFFECTS, EFFECT_DAYS, effectMultiplier, treatedProbability, type ActionEffect, type EffectCondition } from "./actions.js";
export { SEGMENT_MEANING, SEGMENTS, type Segment } from "./drivers.js";
export { generateWorld, validateGenerateOptions, type GenerateOptions, type GenerateResult } from "./generate.js";
export { summarizeWorld, formatSummary, type WorldSummary } from "./summary.js";
export { EFFECT_FORMULA, loadTruth, TRUTH_DIR, type Truth, type TruthSubscriber } from "./truth.js";
export { DEFAULT_END } from "./world.js";
