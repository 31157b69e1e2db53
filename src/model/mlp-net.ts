/**
 * The mlp network, in TensorFlow.js core ops (no tfjs-layers: we need per-step dropout seeds and
 * byte-for-byte reproducible training, which a hand-written loop gives us):
 *
 *   numeric x [B,F] ──PLE──▶ [B,F,T] ──per-feature linear (+ReLU)──▶ [B,F·d] ─┐
 *   (rawNumeric: x itself [B,F]) ─────────────────────────────────────────────┤
 *   missing / onehot x [B,C] ─────────────────────────────────────────────────┴▶ h0 [B,D0]
 *   h0 ──TabM-mini: k members, member m scales h0 by its own vector r_m──▶ [k·B,D0]
 *      ──shared Dense+ReLU+Dropout × L──▶ [k·B,H] ──k separate heads──▶ logits [k,B]
 *   P(churn) = mean over the k members of sigmoid(logit).
 *
 * PLE (piecewise-linear encoding, Gorishniy et al. 2022): with quantile bin edges e_0 < … < e_T fitted on
 * training rows, component t of x is clip((x − e_{t−1}) / (e_t − e_{t−1}), 0, 1). Padded bins (features
 * with fewer distinct quantiles) have lower edge PAD_LO so they always encode to 0.
 *
 * All state lives in named Float32Arrays (`MlpWeights`): init builds them with a seeded PRNG,
 * `save()` reads them back, `load` rebuilds the net from them.
 */
import * as tf from "@tensorflow/tfjs-core";
import { makeRng } from "./mlp-util.js";

export const PAD_LO = 1e30;

export interface MlpArch {
  /** Indices of matrix columns of kind "numeric" (PLE-embedded), in order. */
  numericCols: number[];
  /** Indices of the other matrix columns ("missing", "onehot"), fed as they are. */
  otherCols: number[];
  /** Max bins per numeric feature (T). */
  nBins: number;
  /** Embedding width per numeric feature (d). */
  dEmb: number;
  /** ReLU after the per-feature linear map. */
  embRelu: boolean;
  /**
   * The numeric values themselves also go into the first layer, beside their embeddings (a linear path: sums
   * and differences of columns, such as a total of charges, are then one weight each). Absent = false.
   */
  rawNumeric?: boolean;
  /** Hidden layer widths (shared by the ensemble members). */
  hidden: number[];
  /** Ensemble members (TabM-mini). */
  k: number;
  /**
   * A logistic-regression base over all `linear` matrix columns (weights lin_W [linear], lin_b [1], fitted before
   * the net and not trained with it): the net's logits are added to the base's, so it learns what the linear model
   * misses and starts from it (its heads start at 0). Absent = no base.
   */
  linear?: number;
}

export type MlpWeights = Record<string, { shape: number[]; values: Float32Array }>;

function uniform(n: number, bound: number, rng: () => number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * bound;
  return a;
}

/** Seeded initial weights (PyTorch-style uniform ±1/√fan_in), with the fitted PLE edges. */
export function initWeights(arch: MlpArch, edges: number[][], seed: number): MlpWeights {
  const rng = makeRng(seed);
  const F = arch.numericCols.length;
  const T = arch.nBins;
  const d = arch.dEmb;
  const C = arch.otherCols.length;
  const w: MlpWeights = {};
  if (F > 0) {
    const lo = new Float32Array(F * T).fill(PAD_LO);
    const width = new Float32Array(F * T).fill(1);
    for (let f = 0; f < F; f++) {
      const e = edges[f]!;
      for (let t = 0; t < e.length - 1 && t < T; t++) {
        lo[f * T + t] = e[t]!;
        width[f * T + t] = Math.max(e[t + 1]! - e[t]!, 1e-6);
      }
    }
    w["ple_lo"] = { shape: [F, T], values: lo };
    w["ple_width"] = { shape: [F, T], values: width };
    const b = 1 / Math.sqrt(T);
    w["emb_W"] = { shape: [F, T, d], values: uniform(F * T * d, b, rng) };
    w["emb_b"] = { shape: [F, 1, d], values: uniform(F * d, b, rng) };
  }
  const d0 = F * d + (arch.rawNumeric ? F : 0) + C;
  // TabM-mini adapter: random ±1 signs make the members differ from the first step.
  const r = new Float32Array(arch.k * d0);
  for (let i = 0; i < r.length; i++) r[i] = rng() < 0.5 ? -1 : 1;
  w["tabm_r"] = { shape: [arch.k, d0], values: r };
  let fanIn = d0;
  arch.hidden.forEach((h, i) => {
    const b = 1 / Math.sqrt(fanIn);
    w[`dense${i}_W`] = { shape: [fanIn, h], values: uniform(fanIn * h, b, rng) };
    w[`dense${i}_b`] = { shape: [h], values: uniform(h, b, rng) };
    fanIn = h;
  });
  const bh = 1 / Math.sqrt(fanIn);
  w["head_W"] = { shape: [arch.k, fanIn, 1], values: uniform(arch.k * fanIn, bh, rng) };
  w["head_b"] = { shape: [arch.k, 1, 1], values: uniform(arch.k, bh, rng) };
  if (arch.linear !== undefined) {
    // with a linear base, the net starts as the base: zero heads (their gradients are not zero, so training starts)
    w["head_W"].values.fill(0);
    w["head_b"].values.fill(0);
    w["lin_W"] = { shape: [arch.linear], values: new Float32Array(arch.linear) };
    w["lin_b"] = { shape: [1], values: new Float32Array(1) };
  }
  return w;
}

/** Names of the weights that are constants (not trained). */
const CONSTANT = new Set(["ple_lo", "ple_width", "lin_W", "lin_b"]);
/** Names of the weights that get weight decay (matrices, not biases or the ±1 adapter). */
function decays(name: string): boolean {
  return name.endsWith("_W");
}

export class MlpNet {
  readonly arch: MlpArch;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly consts = new Map<string, tf.Tensor>();
  private disposed = false;

  constructor(arch: MlpArch, weights: MlpWeights) {
    this.arch = arch;
    for (const [name, { shape, values }] of Object.entries(weights)) {
      if (CONSTANT.has(name)) this.consts.set(name, tf.tensor(values, shape, "float32"));
      else {
        const init = tf.tensor(values, shape, "float32");
        this.vars.set(name, tf.variable(init, true, undefined, "float32"));
        init.dispose(); // the variable holds its own reference to the data
      }
    }
  }

  trainable(): tf.Variable[] {
    return [...this.vars.values()];
  }

  decayed(): tf.Variable[] {
    return [...this.vars.entries()].filter(([n]) => decays(n)).map(([, v]) => v);
  }

  private v(name: string): tf.Tensor {
    const t = this.vars.get(name) ?? this.consts.get(name);
    if (!t) throw new Error(`mlp weight ${name} is missing`);
    return t;
  }

  /**
   * Logits [k, B]. xNum [B,F] (null when F = 0), xOther [B,C] (null when C = 0).
   * With dropSeed set, dropout is applied with seeds derived from it (training); else none (inference).
   * `offset` [B]: the linear base's logits (arch.linear), added to every member's. Call inside tf.tidy.
   */
  logits(xNum: tf.Tensor2D | null, xOther: tf.Tensor2D | null, dropout: number, dropSeed: number | null, offset: tf.Tensor1D | null = null): tf.Tensor2D {
    const { k, hidden } = this.arch;
    const parts: tf.Tensor2D[] = [];
    let B = 0;
    if (xNum) {
      B = xNum.shape[0];
      const F = xNum.shape[1];
      const ple = tf.clipByValue(tf.div(tf.sub(tf.expandDims(xNum, 2), this.v("ple_lo")), this.v("ple_width")), 0, 1);
      let e: tf.Tensor = tf.add(tf.matMul(tf.transpose(ple, [1, 0, 2]) as tf.Tensor3D, this.v("emb_W") as tf.Tensor3D), this.v("emb_b"));
      if (this.arch.embRelu) e = tf.relu(e);
      parts.push(tf.reshape(tf.transpose(e, [1, 0, 2]), [B, F * this.arch.dEmb]));
      if (this.arch.rawNumeric) parts.push(xNum);
    }
    if (xOther) {
      B = xOther.shape[0];
      parts.push(xOther);
    }
    const h0 = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
    const d0 = h0.shape[1];
    let h: tf.Tensor2D = tf.reshape(tf.mul(tf.expandDims(h0, 0), tf.expandDims(this.v("tabm_r"), 1)), [k * B, d0]);
    hidden.forEach((_, i) => {
      h = tf.relu(tf.add(tf.matMul(h, this.v(`dense${i}_W`) as tf.Tensor2D), this.v(`dense${i}_b`))) as tf.Tensor2D;
      if (dropSeed !== null && dropout > 0) h = tf.dropout(h, dropout, undefined, dropSeed + i) as tf.Tensor2D;
    });
    const H = h.shape[1];
    const out = tf.add(tf.matMul(tf.reshape(h, [k, B, H]) as tf.Tensor3D, this.v("head_W") as tf.Tensor3D), this.v("head_b"));
    const z = tf.reshape(out, [k, B]) as tf.Tensor2D;
    return offset ? (tf.add(z, tf.reshape(offset, [1, B])) as tf.Tensor2D) : z;
  }

  /** P(churn) [B]: mean over members of sigmoid(logit). Call inside tf.tidy. */
  proba(xNum: tf.Tensor2D | null, xOther: tf.Tensor2D | null, offset: tf.Tensor1D | null = null): tf.Tensor1D {
    return tf.mean(tf.sigmoid(this.logits(xNum, xOther, 0, null, offset)), 0) as tf.Tensor1D;
  }

  /** A copy of every weight as Float32Arrays (constants included). */
  readWeights(): MlpWeights {
    const out: MlpWeights = {};
    for (const [name, t] of [...this.consts.entries(), ...this.vars.entries()]) {
      out[name] = { shape: [...t.shape], values: Float32Array.from(t.dataSync() as Float32Array) };
    }
    return out;
  }

  /** Overwrite the trainable variables with saved values (e.g. the best epoch's). */
  assign(weights: MlpWeights): void {
    for (const [name, v] of this.vars) {
      const w = weights[name];
      if (!w) continue;
      tf.tidy(() => v.assign(tf.tensor(w.values, w.shape, "float32")));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.vars.values()) t.dispose();
    for (const t of this.consts.values()) t.dispose();
  }
}
