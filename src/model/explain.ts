/**
 * Reasons per subscriber: a contribution per model-matrix column (on the logit scale), reduced at once to
 * what the plan and the risk list need, so nothing n x columns is kept across chunks:
 *   - the (at most) three reasons, features raising the risk, most distinctive first (selectReasons in
 *     src/retention/reasons.ts), as the column that shows each and its display value, and
 *   - the main driver, one-hot (the driver of the first reason that has one); rows below `minProbability`
 *     (the low band) get neither.
 *
 * Contributions:
 *   logistic  coef x (x - training mean), as `explainRow` of src/model/logistic.ts (tested equal): they add up
 *             to the logit.
 *   mlp       FittedModel exposes no gradient hook, so occlusion: for each row the OCCLUSION_CANDIDATES source
 *             features with the largest |x - training mean| x permutation importance are set, one at a time,
 *             to their training mean; contribution = logit(p) - logit(p with that feature at its mean),
 *             put on the column that is "on" for that row (the level, the missing flag or the value). Cost:
 *             OCCLUSION_CANDIDATES extra predictions per row. Other columns get 0 (not a reason).
 */
import type { ArtifactImportance } from "../io/artifact-schemas.js";
import { LogisticModel } from "./logistic.js";
import type { RawTable } from "../raw-table.js";
import type { Matrix } from "./types.js";
import { driverOfReasons, gateStructural, prepareReasonColumns, type ReasonColumns, type ReasonFeature, type ReasonOptions, reasonScratch, selectReasons } from "../retention/reasons.js";
import { DRIVERS } from "../ids.js";

export const OCCLUSION_CANDIDATES = 6;
export const REASONS_PER_ROW = 3;
export const DRIVER_COUNT = DRIVERS.length;

export interface Explainer {
  method: "logistic-coefficients" | "mlp-occlusion";
  rc: ReasonColumns;
  /** Contributions, row-major X.rows x X.cols. `p` = the model's raw probabilities for X. */
  contributions(X: Matrix, p: Float32Array): Promise<Float32Array>;
  /** What it was made from (makeExplainer's arguments but the model), so a worker thread can make the same one. */
  spec: ExplainerSpec;
}

/** makeExplainer's arguments besides the model: plain data, copied as they are to a worker thread. */
export interface ExplainerSpec {
  columns: readonly string[];
  sources: readonly string[];
  reference: readonly number[];
  importance: ExplainerImportance | null;
  features: readonly ReasonFeature[];
  reasons: Omit<ReasonOptions, "scale">;
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-7, Math.max(1e-7, p));
  return Math.log(q / (1 - q));
};

/** What the explainer reads of importance.json: permutation importance (mlp) and the typical contribution sizes. */
export type ExplainerImportance = Partial<Pick<ArtifactImportance, "permutation" | "contributionScale">>;

export function makeExplainer(
  model: { kind: "logistic" | "mlp"; predict(X: Matrix): Promise<Float32Array> },
  columns: readonly string[],
  sources: readonly string[],
  reference: readonly number[],
  importance: ExplainerImportance | null,
  features: readonly ReasonFeature[],
  reasons: Omit<ReasonOptions, "scale"> = {},
): Explainer {
  const scale = importance?.contributionScale;
  const rc = prepareReasonColumns(columns, features, { ...reasons, ...(scale ? { scale } : {}) });
  const imp = importance ? { ...(importance.permutation ? { permutation: importance.permutation } : {}), ...(scale ? { contributionScale: scale } : {}) } : null;
  const spec: ExplainerSpec = { columns, sources, reference, importance: imp, features, reasons };
  if (model instanceof LogisticModel) {
    return {
      method: "logistic-coefficients",
      rc,
      spec,
      async contributions(X) {
        // explainRow's formula, coef x (x - reference), written straight into one buffer: a Float64Array per
        // row (explainRow's return) made 10M-row runs spend most of their time collecting garbage
        const d = X.cols;
        const out = new Float32Array(X.rows * d);
        const w = model.coefficients;
        const data = X.data;
        for (let i = 0; i < X.rows; i++) {
          const o = i * d;
          for (let j = 0; j < d; j++) out[o + j] = w[j]! * (data[o + j]! - reference[j]!);
        }
        return out;
      },
    };
  }
  // mlp: occlusion on the top candidate sources
  const perm = new Map<string, number>();
  // an AUC drop stored as null (NaN) counts as 0, as the arithmetic on it did before artifacts were parsed
  for (const e of importance?.permutation ?? []) perm.set(e.column, e.aucDrop ?? 0);
  const srcNames = [...new Set(sources)];
  const srcCols = srcNames.map((s) => sources.flatMap((x, j) => (x === s ? [j] : [])));
  const weight = srcNames.map((s) => Math.max(0, perm.get(s) ?? 0) + 1e-6);
  return {
    method: "mlp-occlusion",
    rc,
    spec,
    async contributions(X, p) {
      const d = X.cols;
      const n = X.rows;
      const K = Math.min(OCCLUSION_CANDIDATES, srcNames.length);
      const cand = new Int32Array(n * K).fill(-1);
      const score = new Float64Array(srcNames.length);
      for (let i = 0; i < n; i++) {
        for (let s = 0; s < srcNames.length; s++) {
          let dev = 0;
          for (const j of srcCols[s]!) dev += Math.abs(X.data[i * d + j]! - reference[j]!);
          score[s] = dev * weight[s]!;
        }
        for (let k = 0; k < K; k++) {
          let best = -1;
          for (let s = 0; s < srcNames.length; s++) {
            if (score[s]! > 0 && (best < 0 || score[s]! > score[best]!)) best = s;
          }
          if (best < 0) break;
          cand[i * K + k] = best;
          score[best] = -1;
        }
      }
      const out = new Float32Array(n * d);
      for (let k = 0; k < K; k++) {
        const data = X.data.slice();
        for (let i = 0; i < n; i++) {
          const s = cand[i * K + k]!;
          if (s < 0) continue;
          for (const j of srcCols[s]!) data[i * d + j] = reference[j]!;
        }
        const q = await model.predict({ ...X, data });
        for (let i = 0; i < n; i++) {
          const s = cand[i * K + k]!;
          if (s < 0) continue;
          const c = logit(p[i]!) - logit(q[i]!);
          // the column that is "on" for this row: a set level or missing flag, else the first (the value)
          const cols = srcCols[s]!;
          let on = cols[0]!;
          for (const j of cols) if (X.columns[j]!.kind !== "numeric" && X.data[i * d + j]! === 1) on = j;
          out[i * d + on] = c;
        }
      }
      return out;
    },
  };
}

/**
 * Display values per matrix column (what the reason text shows): the raw value for numeric columns (so
 * "contract ends in 21 days", not the scaled value), the 0/1 matrix value for levels and missing flags.
 */
export function displayValues(X: Matrix, table: RawTable): Float32Array {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const d = X.cols;
  const out = new Float32Array(X.data);
  X.columns.forEach((c, j) => {
    if (c.kind !== "numeric") return;
    const col = byName.get(c.source);
    if (!col) return;
    for (let i = 0; i < X.rows; i++) {
      out[i * d + j] = col.kind === "numeric" ? col.values[i]! : col.values[i] === null ? Number.NaN : Number(col.values[i]);
    }
  });
  return out;
}

/**
 * Reduce contributions of `rows` rows to the main driver (one-hot rows x DRIVER_COUNT, at `offset` rows) and the
 * reasons (rows x 3 columns and display values; column -1 = no reason). Rows whose probability `prob` is below
 * `minProbability` (the low band) get neither. Structural zeros (a voice feature of a subscriber without voice
 * use, see gateStructural) count for neither; `contrib` is changed in place.
 */
export function reduceReasons(
  rc: ReasonColumns,
  contrib: Float32Array,
  values: Float32Array,
  rows: number,
  offset: number,
  driverSums: Uint8Array,
  reasonCol: Int16Array,
  reasonVal: Float32Array,
  prob?: ArrayLike<number>,
  minProbability = 0,
): void {
  const F = rc.columns.length;
  const R = REASONS_PER_ROW;
  gateStructural(rc, contrib, values, rows);
  const scratch = reasonScratch(rc, R);
  const none = DRIVERS.indexOf("none");
  for (let i = 0; i < rows; i++) {
    for (let r = 0; r < R; r++) {
      reasonCol[(offset + i) * R + r] = -1;
      reasonVal[(offset + i) * R + r] = Number.NaN;
    }
    if (prob && !(prob[i]! >= minProbability)) continue;
    const got = selectReasons(contrib, values, i * F, rc, scratch);
    for (let r = 0; r < got; r++) {
      const j = scratch.pick[r]!;
      reasonCol[(offset + i) * R + r] = j;
      reasonVal[(offset + i) * R + r] = values[i * F + j]!;
    }
    const d = driverOfReasons(rc, scratch.pick, got);
    if (d !== none) driverSums[(offset + i) * DRIVER_COUNT + d] = 1;
  }
}

/**
 * The typical size of each feature's contribution in a population: the root mean square over the rows of
 * the sum of its columns' contributions (importance.json `contributionScale`, for ordering reasons).
 */
export async function contributionScale(explainer: Explainer, X: Matrix, p: Float32Array): Promise<Record<string, number>> {
  const contrib = await explainer.contributions(X, p);
  const rc = explainer.rc;
  const F = rc.columns.length;
  const S = rc.sources.length;
  const sq = new Float64Array(S);
  const row = new Float64Array(S);
  for (let i = 0; i < X.rows; i++) {
    row.fill(0);
    for (let j = 0; j < F; j++) row[rc.source[j]!]! += contrib[i * F + j]!;
    for (let s = 0; s < S; s++) sq[s]! += row[s]! * row[s]!;
  }
  const out: Record<string, number> = {};
  rc.sources.forEach((name, s) => {
    out[name] = Number(Math.sqrt(sq[s]! / Math.max(1, X.rows)).toPrecision(6));
  });
  return out;
}

/** The reason texts of one row from the reduced arrays. */
export function reasonTexts(rc: ReasonColumns, reasonCol: Int16Array, reasonVal: Float32Array, i: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < REASONS_PER_ROW; r++) {
    const j = reasonCol[i * REASONS_PER_ROW + r]!;
    if (j < 0) continue;
    const t = rc.render[j]!(reasonVal[i * REASONS_PER_ROW + r]!);
    if (t !== undefined) out.push(t);
  }
  return out;
}

/** Synthetic per-driver columns for planRetention's `contributions` (its main driver = largest driver sum). */
export const DRIVER_COLUMNS: readonly string[] = DRIVERS.map((d) => `__driver_${d}`);
export const DRIVER_FEATURES: readonly ReasonFeature[] = DRIVERS.map((d) => ({ name: `__driver_${d}`, driver: d }));
