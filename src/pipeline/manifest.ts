/**
 * The run manifest (manifest.json), written last. Its `created_at` and `durations` are the only values
 * that change when the same run is repeated: every other file of the run is byte-identical.
 */
import type { RunManifest } from "../io/run-schemas.js";
import type { DriftSummary } from "../monitoring/drift.js";

// the shape is defined (and checked when a run is read back) in io/run-schemas.ts
export type { RunManifest };

export function driftForManifest(d: DriftSummary, allowed: boolean): RunManifest["drift"] {
  const max = [...d.features].sort((a, b) => b.psi - a.psi || a.feature.localeCompare(b.feature))[0];
  return {
    checked: d.checked,
    warn: d.warn,
    threshold: d.threshold,
    score_psi: d.score?.psi ?? null,
    max_feature: max ? { feature: max.feature, psi: max.psi } : null,
    alerts: d.alerts,
    warnings: d.warnings,
    allowed,
  };
}
