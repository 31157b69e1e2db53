/**
 * The shapes every model stage shares, so preprocessing, the models (logistic, mlp), calibration,
 * evaluation and the registry can be built separately and plugged together.
 *
 *   raw table (columns of strings/numbers) → Preprocessor.fit(train) → Matrix → Model.fit → Model.predict → Calibrator
 */
import type { ModelState } from "../model-state.js";

/** A dense row-major float matrix: row i, column j at data[i * cols + j]. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
  columns: MatrixColumn[];
}

/** What each matrix column is, so a model can treat numerics differently (e.g. piecewise-linear embeddings). */
export interface MatrixColumn {
  /** Encoded name, e.g. "tenure_days", "tenure_days__missing", "contract_type=fixed_24m". */
  name: string;
  /** The raw input column it comes from. */
  source: string;
  /** numeric: imputed, robust-scaled and clipped value; missing: 0/1 indicator; onehot: 0/1 level indicator. */
  kind: "numeric" | "missing" | "onehot";
}

/** Labels as 0/1. */
export type Labels = Float32Array;

export interface FitOptions {
  seed: number;
  /** Held-out rows for early stopping / model choice; never the evaluation fold. */
  valid?: { X: Matrix; y: Labels };
  /**
   * Group of each row of X (a customer's repeated rows): a model that holds out its own early-stopping rows
   * keeps every row of a group on one side.
   */
  groups?: Int32Array | undefined;
  /** Progress and logs (stderr). */
  onLog?: (line: string) => void;
}

/** A trained model: returns P(churn) for each row (uncalibrated). */
export interface FittedModel {
  readonly kind: "logistic" | "mlp";
  predict(X: Matrix): Promise<Float32Array>;
  /** Serialisable state (weights etc.) for the model artifact. */
  save(): Promise<ModelState>;
  /** Release tensors. */
  dispose(): void;
}

export type { ModelState } from "../model-state.js";

export interface ModelTrainer {
  readonly kind: "logistic" | "mlp";
  fit(X: Matrix, y: Labels, opts: FitOptions): Promise<FittedModel>;
}
