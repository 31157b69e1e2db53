/**
 * The JSON files of a model artifact (`models/<id>/`) and the champion pointer, as zod schemas: what io/artifact.ts
 * checks every file against when it reads one back, and the types the model layer uses for them. Fields that only
 * the model card shows are kept loose (unknown extra fields pass), so an artifact of a newer churn still loads;
 * the fields scoring relies on are checked strictly.
 */
import { z } from "zod";

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/** A model id is also a folder name: letters, digits, `_ . -`, no `..`. */
export function isValidModelId(id: string): boolean {
  return SAFE_ID.test(id) && !id.includes("..");
}

const modelId = z.string().refine(isValidModelId, "a model id: letters, digits, _ . - (at most 100)");
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a sha256 checksum (64 hex digits)");

export const artifactManifestSchema = z.looseObject({
  format: z.literal("churn-model"),
  formatVersion: z.number(),
  id: modelId,
  kind: z.enum(["logistic", "mlp"]),
  createdAt: z.string(),
  versions: z.record(z.string(), z.string()),
  /** file name → sha256 (hex). */
  files: z.record(z.string(), sha256),
});
export type ArtifactManifest = z.infer<typeof artifactManifestSchema>;

export const modelJsonSchema = z.looseObject({
  kind: z.enum(["logistic", "mlp"]),
  spec: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(
    z.looseObject({
      paths: z.array(z.string()),
      weights: z.array(z.looseObject({ name: z.string(), shape: z.array(z.number().int().min(0)), dtype: z.string().optional() })),
    }),
  ),
});

const threshold = z.number().gt(0).max(1);
export const bandsSchema = z.looseObject({
  method: z.string().optional(),
  shares: z.record(z.string(), z.number()).optional(),
  /** A score >= thresholds.critical is critical, else >= high is high, else >= medium is medium, else low. */
  thresholds: z.object({ critical: threshold, high: threshold, medium: threshold }),
});
export type ArtifactBands = z.infer<typeof bandsSchema>;

const finite = z.number().refine(Number.isFinite, "a finite number");
export const calibrationSchema = z.discriminatedUnion("method", [
  z.object({ method: z.literal("none") }),
  z.object({ method: z.literal("platt"), a: finite, b: finite }),
  z
    .object({ method: z.literal("isotonic"), x: z.array(finite), y: z.array(finite) })
    .refine((c) => c.x.length === c.y.length, "x and y of the same length"),
]);
export type ArtifactCalibration = z.infer<typeof calibrationSchema>;

/** A metric may be null: JSON has no NaN (e.g. AUC on one class). */
const metric = z.number().nullable();
export const metricValuesSchema = z.looseObject({ n: z.number(), positives: z.number(), auc: metric, prAuc: metric, logLoss: metric, brier: metric });
export const metricsSchema = z.looseObject({ validation: metricValuesSchema });
export type ArtifactMetrics = z.infer<typeof metricsSchema>;

export const importanceSchema = z.looseObject({
  /** Per source column: validation AUC drop when its matrix columns are permuted together. */
  permutation: z.array(z.object({ column: z.string(), aucDrop: z.number().nullable() })),
  /** Logistic only: per source column, sum over its matrix columns of |coef x training std|. */
  coefficients: z.array(z.object({ column: z.string(), weight: z.number().nullable(), terms: z.array(z.object({ name: z.string(), coef: z.number() })) })).optional(),
  /** Per feature: the typical size of its contribution (orders reasons, most distinctive first). */
  contributionScale: z.record(z.string(), z.number()).optional(),
});
export type ArtifactImportance = z.infer<typeof importanceSchema>;

const referenceBinsSchema = z.discriminatedUnion("kind", [
  z.object({ name: z.string(), kind: z.literal("numeric"), cuts: z.array(z.number()), shares: z.array(z.number()), percentiles: z.array(z.number()).exactOptional() }),
  z.object({ name: z.string(), kind: z.literal("categorical"), levels: z.array(z.string()), shares: z.array(z.number()) }),
]);
/** Training reference distributions (drift checks at scoring time; see model/reference-bins.ts). */
const range = z.tuple([z.number(), z.number()]);
/** What one column looked like over the training snapshots (computed in model/reference-stats.ts). */
const columnSnapshotStatsSchema = z.object({
  name: z.string(),
  kind: z.enum(["numeric", "categorical"]),
  /** [min, max] over snapshots. */
  missing: range,
  /** Snapshots in which every non-missing value was the same (or none was present). */
  constantSnapshots: z.number(),
  /** numeric: [min, max] over snapshots of the zero share among non-missing values. */
  zeros: range.exactOptional(),
  /** numeric: [min, max] over snapshots of the median |value| among non-zero values (absent when never non-zero). */
  level: range.exactOptional(),
  /** categorical: [min, max] over snapshots of the share of non-missing values outside `levels`. */
  other: range.exactOptional(),
});
const referenceSnapshotsSchema = z.object({
  snapshots: z.number(),
  /** Smallest snapshot, in rows. */
  minRows: z.number(),
  columns: z.array(columnSnapshotStatsSchema),
});
export const referenceSchema = z.object({
  version: z.literal(1),
  rows: z.number(),
  features: z.array(referenceBinsSchema),
  score: z.object({ cuts: z.array(z.number()), shares: z.array(z.number()) }),
  /** Per-snapshot statistics for the input-integrity gate (model/reference-stats.ts); absent in older models. */
  snapshots: referenceSnapshotsSchema.exactOptional(),
  /** What the reference is, for messages ("the model's 182,000 training rows (11 snapshots)"). */
  basis: z.string().exactOptional(),
});
export type ReferenceDistributions = z.infer<typeof referenceSchema>;
export type ReferenceBins = z.infer<typeof referenceBinsSchema>;
export type ReferenceSnapshots = z.infer<typeof referenceSnapshotsSchema>;
export type ColumnSnapshotStats = z.infer<typeof columnSnapshotStatsSchema>;

export const trainingSchema = z.looseObject({
  /** The label horizon the model was trained for (e.g. "30d"), when trained on a feature table. */
  split: z.looseObject({ horizon: z.string().optional() }).optional(),
  /** Absent (or of another version) in models trained before drift checks: scoring then warns and skips them. */
  reference: referenceSchema.optional().catch(undefined),
});
export type ArtifactTraining = z.infer<typeof trainingSchema>;

export const preprocessingSchema = z.looseObject({ version: z.number(), columns: z.array(z.unknown()), reference: z.array(z.unknown()) });

/** The JSON files every artifact has, and their schemas. */
export const ARTIFACT_JSON = {
  "preprocessing.json": preprocessingSchema,
  "calibration.json": calibrationSchema,
  "bands.json": bandsSchema,
  "metrics.json": metricsSchema,
  "importance.json": importanceSchema,
  "training.json": trainingSchema,
} as const;
export type ArtifactJsonFile = keyof typeof ARTIFACT_JSON;
export type ArtifactJson = { [F in ArtifactJsonFile]: z.infer<(typeof ARTIFACT_JSON)[F]> };

/** models/champion: {"id": ..., "since": ..., "reason": ...}. */
export const championSchema = z.looseObject({ id: modelId, since: z.string().optional(), reason: z.string().optional() });

/** card.json: what the model card is drawn from (model/card-record.ts checks the rest of its shape). */
export const cardSchema = z.looseObject({
  format: z.string(),
  version: z.number(),
  data: z.looseObject({ features: z.array(z.string()) }),
  validation: z.looseObject({ design: z.string() }),
  holdout: z.looseObject({ labels: z.array(z.number()), scores: z.array(z.number()), uncalibrated: z.array(z.number()) }),
});
