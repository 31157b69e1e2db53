/**
 * The run manifest (manifest.json), written last. Its `created_at` and `durations` are the only values
 * that change when the same run is repeated: every other file of the run is byte-identical.
 */
import type { DriftSummary } from "../monitoring/drift.js";

export interface RunManifest {
  kind: "churn-run";
  version: 1;
  run_id: string;
  model: { id: string; kind: string; reasons: string };
  as_of: string | null;
  created_at: string;
  churn_version: string;
  source: "data" | "features" | "table";
  inputs: { name: string; path: string; sha256: string | null; rows: number }[];
  counts: {
    /** Subscribers in the input (rows of subscribers.*, or of the feature/flat table for that as-of). */
    in: number;
    scored: number;
    rejected: number;
    rejected_by_reason: Record<string, number>;
    per_band: Record<string, number>;
    per_action: Record<string, number>;
    /** in === scored + rejected. */
    reconciled: boolean;
    /** Per raw table (with --data): rows, loaded, rejected. */
    tables?: Record<string, { rows: number; loaded: number; rejected: number }>;
  };
  budget: number | null;
  budget_used: number;
  expected_revenue_saved: number;
  /** Sum of the churn probabilities of the scored subscribers. */
  expected_churners?: number;
  value_at_risk: number;
  effects: { source: "learned" | "prior"; note: string };
  drift: {
    checked: boolean;
    warn: number;
    threshold: number;
    score_psi: number | null;
    max_feature: { feature: string; psi: number } | null;
    alerts: string[];
    warnings: string[];
    allowed: boolean;
  };
  durations: Record<string, number>;
  /** sha256 of every other file in the run directory. */
  files: Record<string, string>;
}

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
