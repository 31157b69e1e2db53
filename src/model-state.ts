/**
 * What a trained model saves and loads: its kind, small JSON state and named weight arrays. A leaf module so
 * io/artifact.ts (which stores it) does not import model/.
 */
export interface ModelState {
  kind: "logistic" | "mlp";
  /** JSON-serialisable hyper-parameters and small state. */
  spec: Record<string, unknown>;
  /** Named float arrays (weights). Stored as binary files in the artifact. */
  weights: Record<string, { shape: number[]; values: Float32Array }>;
}
