/**
 * One batch of scoring, the part that needs no database: encode the rows with the model's preprocessing,
 * predict, calibrate, explain, and reduce the contributions to the reasons and the main driver. Shared by
 * scoreChunks on this thread and by its worker threads (score-worker.ts), so both compute the same bits.
 */
import { applyCalibration, type Calibrator } from "../model/calibration.js";
import { DRIVER_COUNT, displayValues, type Explainer, REASONS_PER_ROW, reduceReasons } from "../model/explain.js";
import type { Preprocessor } from "../model/preprocess.js";
import type { FittedModel } from "../model/types.js";
import { DriftCounter, type DriftState } from "../monitoring/drift.js";
import { IntegrityCounter, type IntegrityState } from "../monitoring/integrity.js";
import type { ReferenceDistributions, ReferenceSnapshots } from "../model/reference-bins.js";
import type { RawTable } from "../raw-table.js";

export interface BatchResult {
  /** Calibrated probabilities. */
  cal: Float32Array;
  /** The model's own probabilities. */
  raw: Float32Array;
  /** rows x DRIVER_COUNT, rows x REASONS_PER_ROW, rows x REASONS_PER_ROW (see reduceReasons). */
  driverSums: Uint8Array;
  reasonCol: Int16Array;
  reasonVal: Float32Array;
  /** This batch's drift and integrity counts (batchCounts), to add in batch order. */
  drift?: DriftState | undefined;
  integrity?: IntegrityState | undefined;
}

/** What a worker needs to count a batch's drift and integrity as the run's counters do (their constructors' arguments). */
export interface CounterSpec {
  drift: ReferenceDistributions | null;
  integrity: { reference: ReferenceSnapshots; levels: ReadonlyMap<string, readonly string[]>; reads: ReadonlySet<string> | undefined } | null;
}

export function counterSpec(drift: DriftCounter | undefined, integrity: IntegrityCounter | undefined): CounterSpec {
  return { drift: drift?.ref ?? null, integrity: integrity ? { reference: integrity.reference, levels: integrity.levels, reads: integrity.reads } : null };
}

/** The drift and integrity counts of one batch alone (added to the run's counters with addState, in batch order). */
export function batchCounts(spec: CounterSpec, table: RawTable, cal: Float32Array): Pick<BatchResult, "drift" | "integrity"> {
  const out: Pick<BatchResult, "drift" | "integrity"> = {};
  if (spec.drift) {
    const d = new DriftCounter(spec.drift);
    d.add(table, cal);
    out.drift = d.state();
  }
  if (spec.integrity) {
    const c = new IntegrityCounter(spec.integrity.reference, spec.integrity.levels, spec.integrity.reads);
    c.add(table);
    out.integrity = c.state();
  }
  return out;
}

export interface BatchScorer {
  pre: Preprocessor;
  model: Pick<FittedModel, "predict">;
  calibrator: Calibrator;
  explainer: Explainer;
  /** Rows below this calibrated probability (the low band) get no reasons and no main driver. */
  minProbability: number;
}

/**
 * Score `table`. With `into`, the reasons and drivers are written there from row `offset` on (its arrays hold
 * every row of the run); without, into arrays of this batch's own.
 */
export async function scoreBatch(
  s: BatchScorer,
  table: RawTable,
  where: string,
  into?: { driverSums: Uint8Array; reasonCol: Int16Array; reasonVal: Float32Array; offset: number },
): Promise<BatchResult> {
  const n = table.rows;
  const X = s.pre.transform(table, where);
  const raw = await s.model.predict(X);
  const cal = applyCalibration(s.calibrator, raw);
  const contrib = await s.explainer.contributions(X, raw);
  const out = into ?? {
    driverSums: new Uint8Array(n * DRIVER_COUNT),
    reasonCol: new Int16Array(n * REASONS_PER_ROW),
    reasonVal: new Float32Array(n * REASONS_PER_ROW),
    offset: 0,
  };
  reduceReasons(s.explainer.rc, contrib, displayValues(X, table), n, out.offset, out.driverSums, out.reasonCol, out.reasonVal, cal, s.minProbability);
  return { cal, raw, driverSums: out.driverSums, reasonCol: out.reasonCol, reasonVal: out.reasonVal };
}
