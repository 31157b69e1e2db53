/**
 * Fast inference for one trained mlp net: the function MlpNet.proba computes, computed with far fewer operations.
 *
 * - PLE + per-column embedding in plain JS. For a value x, the bins entirely below x encode to exactly 1, the bins
 *   above it to 0, and only the bin holding x to a fraction. So e_f(x) = b_f + Σ_{t<a} E_f[t] + frac·E_f[a]: the sum
 *   is a prefix sum precomputed per column and bin, and one value costs O(d) instead of O(T·d), with no [B,F,T]
 *   tensor and no batched [F,B,T]×[F,T,d] matmul (together 80% of the time of MlpNet.proba; see
 *   scripts/bench/mlp-predict.mjs).
 * - The TabM adapters are folded into the first dense layer: (h0 ⊙ r_m)·W = h0·(diag(r_m)·W), so the k members'
 *   first layer is one matmul h0 [B,D0] × [D0, k·H] instead of a [k·B,D0] copy of the input.
 *
 * The result equals MlpNet.proba up to float rounding (test/model/mlp-infer.test.ts). Holds tensors: dispose().
 */
import * as tf from "@tensorflow/tfjs-core";
import type { MlpArch, MlpWeights } from "./mlp-net.js";
import { PAD_LO } from "./mlp-net.js";

const GRID = 256;

export class MlpInference {
  private readonly F: number;
  private readonly C: number;
  /** Raw numeric values in the first layer's input (rawNumeric): F, else 0. */
  private readonly R: number;
  private readonly d: number;
  private readonly T: number;
  /** Real (unpadded) bins per numeric column. */
  private readonly nb: Int32Array;
  /** Per column and bin: lower edge and 1 / width, as the net's ple_lo and ple_width give them. */
  private readonly lo: Float64Array;
  private readonly invWidth: Float64Array;
  /** Upper edges per column, [F, T+2], +Infinity after the real bins' (so a count can step past the last). */
  private readonly hi: Float64Array;
  /** emb_W [F,T,d]. */
  private readonly embW: Float32Array;
  /** prefix[f][a] = emb_b[f] + Σ_{t<a} emb_W[f][t], [F, T+1, d] (float64 sums). */
  private readonly prefix: Float64Array;
  private readonly relu: boolean;
  /**
   * Per column, GRID equal cells from its first to its last upper edge; grid[f][c] = the number of bins whose
   * upper edge is at or below the cell's left end, so the bin search starts there (a step or two instead of a
   * binary search of mispredicted branches).
   */
  private readonly grid: Int32Array;
  private readonly gridLo: Float64Array;
  private readonly gridScale: Float64Array;
  private readonly k: number;
  private readonly layers: { W: tf.Tensor2D; b: tf.Tensor1D }[] = [];
  private readonly headW: tf.Tensor3D;
  private readonly headB: tf.Tensor1D;
  private disposed = false;

  constructor(arch: MlpArch, w: MlpWeights) {
    const get = (name: string) => {
      const v = w[name];
      if (!v) throw new Error(`mlp weight ${name} is missing`);
      return v.values;
    };
    const F = arch.numericCols.length;
    const T = arch.nBins;
    const d = arch.dEmb;
    this.F = F;
    this.C = arch.otherCols.length;
    this.d = d;
    this.T = T;
    this.k = arch.k;
    this.relu = arch.embRelu;
    this.nb = new Int32Array(F);
    this.lo = new Float64Array(F * T);
    this.invWidth = new Float64Array(F * T);
    this.hi = new Float64Array(F * (T + 2)).fill(Number.POSITIVE_INFINITY);
    this.embW = F > 0 ? get("emb_W") : new Float32Array(0);
    this.prefix = new Float64Array(F * (T + 1) * d);
    this.grid = new Int32Array(F * GRID);
    this.gridLo = new Float64Array(F);
    this.gridScale = new Float64Array(F);
    if (F > 0) {
      const lo = get("ple_lo");
      const width = get("ple_width");
      const embB = get("emb_b");
      for (let f = 0; f < F; f++) {
        let n = 0;
        while (n < T && lo[f * T + n]! < PAD_LO) n++;
        this.nb[f] = n;
        for (let t = 0; t < T; t++) {
          this.lo[f * T + t] = lo[f * T + t]!;
          this.invWidth[f * T + t] = 1 / width[f * T + t]!;
        }
        for (let t = 0; t < n; t++) this.hi[f * (T + 2) + t] = lo[f * T + t]! + width[f * T + t]!;
        if (n > 0) {
          const first = this.hi[f * (T + 2)]!;
          const span = this.hi[f * (T + 2) + n - 1]! - first;
          this.gridLo[f] = first;
          this.gridScale[f] = span > 0 ? GRID / span : 0;
          let a = 0;
          for (let c = 0; c < GRID; c++) {
            const left = first + (span * c) / GRID;
            while (a < n && left >= this.hi[f * (T + 2) + a]!) a++;
            // one step back: the cell's left end is computed, x - first may round below it
            this.grid[f * GRID + c] = Math.max(0, a - 1);
          }
        }
        const p = this.prefix;
        const base = f * (T + 1) * d;
        for (let j = 0; j < d; j++) p[base + j] = embB[f * d + j]!;
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < d; j++) p[base + (t + 1) * d + j] = p[base + t * d + j]! + this.embW[(f * T + t) * d + j]!;
        }
      }
    }
    // first dense layer with the k adapters folded in: W0cat[i, m·H + j] = r[m, i] · W0[i, j]
    this.R = arch.rawNumeric ? F : 0;
    const d0 = F * d + this.R + this.C;
    const k = arch.k;
    const r = get("tabm_r");
    // every weight is fetched before the first tensor is made: a missing one leaks nothing
    const dense = arch.hidden.map((_, i) => ({ W: get(`dense${i}_W`), b: get(`dense${i}_b`) }));
    const head = { W: get("head_W"), b: get("head_b") };
    arch.hidden.forEach((h, i) => {
      const { W, b } = dense[i]!;
      if (i === 0) {
        const Wc = new Float32Array(d0 * k * h);
        const bc = new Float32Array(k * h);
        for (let m = 0; m < k; m++) {
          bc.set(b, m * h);
          for (let row = 0; row < d0; row++) {
            const s = r[m * d0 + row]!;
            const out = row * k * h + m * h;
            for (let j = 0; j < h; j++) Wc[out + j] = s * W[row * h + j]!;
          }
        }
        this.layers.push({ W: tf.tensor2d(Wc, [d0, k * h]), b: tf.tensor1d(bc) });
      } else {
        this.layers.push({ W: tf.tensor2d(W, [arch.hidden[i - 1]!, h]), b: tf.tensor1d(b) });
      }
    });
    const H = arch.hidden[arch.hidden.length - 1]!;
    this.headW = tf.tensor3d(head.W, [1, k, H]);
    this.headB = tf.tensor1d(head.b);
  }

  /**
   * Writes the first layer's input for rows [0, b) into h0 [b, F·d + R + C]: the embedded numerics (from num
   * [b,F]), the numerics as they are when rawNumeric, then the other columns (from other [b,C]) as they are.
   */
  private embed(num: Float32Array, other: Float32Array, b: number, h0: Float32Array): void {
    const { F, C, R, d, T, nb, lo, invWidth, hi, embW, prefix, relu, grid, gridLo, gridScale } = this;
    const d0 = F * d + R + C;
    const H = T + 2;
    for (let row = 0; row < b; row++) {
      const out0 = row * d0;
      for (let f = 0; f < F; f++) {
        const x = num[row * F + f]!;
        const base = f * T;
        const n = nb[f]!;
        // a = the number of bins x fills completely (upper edges ascending, padded with +Infinity). The grid
        // cell of x gives a count that is never too high; two branch-free steps nearly always finish the count.
        let g = (x - gridLo[f]!) * gridScale[f]!;
        g = g >= GRID ? GRID - 1 : g > 0 ? g | 0 : 0;
        let a = grid[f * GRID + g]!;
        const hb = f * H;
        a += +(x >= hi[hb + a]!);
        a += +(x >= hi[hb + a]!);
        while (x >= hi[hb + a]!) a++;
        const p = (f * (T + 1) + a) * d;
        const o = out0 + f * d;
        // the bin holding x, if any: fraction q in [0, 1] of its embedding row e
        let q = 0;
        let e = 0;
        if (a < n) {
          q = Math.max(0, Math.min((x - lo[base + a]!) * invWidth[base + a]!, 1));
          e = (base + a) * d;
        }
        if (relu && !(a + 1 < n && x > lo[base + a + 1]!)) {
          for (let j = 0; j < d; j++) {
            h0[o + j] = Math.max(prefix[p + j]! + q * embW[e + j]!, 0);
          }
          continue;
        }
        for (let j = 0; j < d; j++) h0[o + j] = prefix[p + j]! + q * embW[e + j]!;
        // further bins x is inside of: only when edges closer than the minimum width overlap (rare)
        for (let t = a + 1; t < n && x > lo[base + t]!; t++) {
          const q2 = Math.min((x - lo[base + t]!) * invWidth[base + t]!, 1);
          const e2 = (base + t) * d;
          for (let j = 0; j < d; j++) h0[o + j]! += q2 * embW[e2 + j]!;
        }
        if (relu) for (let j = 0; j < d; j++) if (!(h0[o + j]! > 0)) h0[o + j] = 0;
      }
      const oo = out0 + F * d;
      if (R > 0) for (let f = 0; f < F; f++) h0[oo + f] = num[row * F + f]!;
      const io = row * C;
      for (let j = 0; j < C; j++) h0[oo + R + j] = other[io + j]!;
    }
  }

  /** P(churn) for b rows: num [b,F] and other [b,C] row-major (as MlpNet.proba's inputs). */
  proba(num: Float32Array, other: Float32Array, b: number, scratch?: Float32Array): Float32Array {
    if (this.disposed) throw new Error("MlpInference used after dispose()");
    const d0 = this.inputWidth;
    const h0 = scratch && scratch.length >= b * d0 ? scratch.subarray(0, b * d0) : new Float32Array(b * d0);
    this.embed(num, other, b, h0);
    const k = this.k;
    const p = tf.tidy(() => {
      let h: tf.Tensor = tf.tensor2d(h0, [b, d0]);
      this.layers.forEach(({ W, b: bias }, i) => {
        h = tf.fused.matMul({ a: h as tf.Tensor2D, b: W, bias, activation: "relu" });
        // after the first layer, each member's hidden vector is a row of its own (shared layers)
        if (i === 0) h = tf.reshape(h, [b * k, W.shape[1] / k]);
      });
      const H = h.shape[1]!;
      const logits = tf.add(tf.sum(tf.mul(tf.reshape(h, [b, k, H]), this.headW), 2), this.headB);
      return tf.mean(tf.sigmoid(logits), 1);
    });
    const out = p.dataSync() as Float32Array;
    p.dispose();
    return out;
  }

  /** Floats per row of the first layer's input (size of a scratch buffer per row). */
  get inputWidth(): number {
    return this.F * this.d + this.R + this.C;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const { W, b } of this.layers) {
      W.dispose();
      b.dispose();
    }
    this.headW.dispose();
    this.headB.dispose();
  }
}

/** Rows of one prediction, split by kind of column (row-major). */
export interface MlpParts {
  num: Float32Array;
  other: Float32Array;
  rows: number;
}

/**
 * P(churn) for rows [from, to) of `p`: the mean over the members' nets, in batches of `batch` rows. Batches
 * start at `from`; callers that split rows among threads split at multiples of `batch`, so every row is
 * computed in the same batch, with the same bits, whatever the number of threads.
 */
export function predictRange(members: MlpInference[], p: MlpParts, batch: number, from = 0, to = p.rows): Float32Array {
  const F = p.rows > 0 ? p.num.length / p.rows : 0;
  const C = p.rows > 0 ? p.other.length / p.rows : 0;
  const out = new Float32Array(to - from);
  const scratch = new Float32Array(Math.min(batch, to - from) * (members[0]?.inputWidth ?? 0));
  for (const inf of members) {
    for (let start = from; start < to; start += batch) {
      const end = Math.min(start + batch, to);
      const probs = inf.proba(p.num.subarray(start * F, end * F), p.other.subarray(start * C, end * C), end - start, scratch);
      if (members.length === 1) out.set(probs, start - from);
      else for (let i = 0; i < probs.length; i++) out[start - from + i]! += probs[i]!;
    }
  }
  if (members.length > 1) for (let i = 0; i < out.length; i++) out[i]! /= members.length;
  return out;
}

