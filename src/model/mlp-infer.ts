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
 * - The first layer gets only the inputs that can matter, found from the weights when the net is loaded: embedding
 *   outputs that the ReLU makes 0 for every value are left out, a one-bin column's (a 0/1 flag's) outputs that are
 *   linear in its bin fraction become that one fraction, and a column without bins is a constant in the bias.
 *   Nets trained on bigml-telecom and bank-churn lose 17-31% of their first-layer inputs this way.
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
  private readonly T: number;
  /** Real (unpadded) bins per numeric column. */
  private readonly nb: Int32Array;
  /** Per column and bin: lower edge and 1 / width, as the net's ple_lo and ple_width give them. */
  private readonly lo: Float64Array;
  private readonly invWidth: Float64Array;
  /** Upper edges per column, [F, T+2], +Infinity after the real bins' (so a count can step past the last). */
  private readonly hi: Float64Array;
  /**
   * Embedding dims kept per column (kf ≤ d): with the ReLU, a dim whose pre-activation is ≤ 0 over the column's
   * whole range always outputs 0 and is left out, with its first-layer rows (20-25% of the dims of nets trained
   * on bigml-telecom). The tables below hold the kept dims only, kf per bin.
   */
  private readonly kf: Int32Array;
  /**
   * 1 when column f's first input is its bin fraction: a one-bin column (e.g. a 0/1 flag) whose dims have no kink
   * inside the bin are linear in the fraction q, p0 + q·E, so they are one input (weight Σ E·W, the p0·W go to the
   * bias) instead of one each. A column without bins is a constant, all in the bias.
   */
  private readonly qIn: Uint8Array;
  /** Where column f's inputs (its fraction when qIn, then its kept dims) start in a row of the first layer's input. */
  private readonly colOut: Int32Array;
  /** Column f's rows in embW ([T, kf]) and prefix ([T+1, kf]) start at eOff[f] and pOff[f]. */
  private readonly eOff: Int32Array;
  private readonly pOff: Int32Array;
  /** emb_W, kept dims. */
  private readonly embW: Float32Array;
  /** prefix[f][a] = emb_b[f] + Σ_{t<a} emb_W[f][t] (float64 sums), kept dims. */
  private readonly prefix: Float64Array;
  /** Kept embedding dims over all columns: the first layer's input is E + R + C wide. */
  private readonly E: number;
  private readonly relu: boolean;
  /**
   * Per column, GRID equal cells from its first to its last upper edge; grid[f][c] = the number of bins whose
   * upper edge is at or below the cell's left end, so the bin search starts there (a step or two instead of a
   * binary search of mispredicted branches).
   */
  private readonly grid: Int32Array;
  private readonly gridLo: Float64Array;
  private readonly gridScale: Float64Array;
  /**
   * 1 for a column whose bins overlap, so that a value may be inside two bins: edges closer than the minimum
   * width, or adjacent bins whose float edges differ by rounding.
   */
  private readonly overlap: Uint8Array;
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
    this.T = T;
    this.k = arch.k;
    this.relu = arch.embRelu;
    this.nb = new Int32Array(F);
    this.lo = new Float64Array(F * T);
    this.invWidth = new Float64Array(F * T);
    this.hi = new Float64Array(F * (T + 2)).fill(Number.POSITIVE_INFINITY);
    this.kf = new Int32Array(F);
    this.colOut = new Int32Array(F);
    this.qIn = new Uint8Array(F);
    this.eOff = new Int32Array(F);
    this.pOff = new Int32Array(F);
    /** For each column, its kept dims (original indices), for the first layer's rows. */
    const keptDims: number[][] = [];
    /** For each column, the dims merged into its one fraction input: the net's input row and the bin's weight. */
    const linearDims: { row: number; c: number }[][] = [];
    /** Inputs that are constants (times the net's input row), folded into the first layer's bias. */
    const bias: { row: number; c: number }[] = [];
    /** The kept dims' embedding rows and prefix sums, column after column (copied into typed arrays below). */
    const eVals: number[] = [];
    const pVals: number[] = [];
    let inputs = 0;
    this.grid = new Int32Array(F * GRID);
    this.gridLo = new Float64Array(F);
    this.gridScale = new Float64Array(F);
    this.overlap = new Uint8Array(F);
    if (F > 0) {
      const lo = get("ple_lo");
      const width = get("ple_width");
      const embB = get("emb_b");
      const embW = get("emb_W");
      for (let f = 0; f < F; f++) {
        let n = 0;
        while (n < T && lo[f * T + n]! < PAD_LO) n++;
        this.nb[f] = n;
        for (let t = 0; t < T; t++) {
          this.lo[f * T + t] = lo[f * T + t]!;
          this.invWidth[f * T + t] = 1 / width[f * T + t]!;
        }
        for (let t = 0; t < n; t++) this.hi[f * (T + 2) + t] = lo[f * T + t]! + width[f * T + t]!;
        for (let t = 0; t + 1 < n; t++) if (lo[f * T + t + 1]! < this.hi[f * (T + 2) + t]!) this.overlap[f] = 1;
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
        // full prefix sums, then the dims that can be non-zero. With x past a bins and inside bin a, the
        // pre-activation is prefix[a] + q·E[a] (q in [0, 1]), between prefix[a] and prefix[a+1], plus, where bins
        // overlap, a part of the later bins that start below bin a's upper edge: at most the largest of prefix[0..n]
        // plus the largest such overlap term.
        const full = new Float64Array((T + 1) * d);
        for (let j = 0; j < d; j++) full[j] = embB[f * d + j]!;
        for (let t = 0; t < T; t++) {
          for (let j = 0; j < d; j++) full[(t + 1) * d + j] = full[t * d + j]! + embW[(f * T + t) * d + j]!;
        }
        const kept: number[] = [];
        const linear: number[] = [];
        for (let j = 0; j < d; j++) {
          if (n === 0) {
            // no bins (a constant column): the dim is a constant, folded into the first layer's bias
            bias.push({ row: f * d + j, c: this.relu ? Math.max(full[j]!, 0) : full[j]! });
            continue;
          }
          if (n === 1 && (!this.relu || Math.min(full[j]!, full[d + j]!) >= 0)) {
            // one bin and no kink inside it: p0 + q·E exactly, for the bin's fraction q (1 past the bin)
            linear.push(j);
            bias.push({ row: f * d + j, c: full[j]! });
            continue;
          }
          let max = Number.NEGATIVE_INFINITY;
          for (let a = 0; a <= n; a++) max = Math.max(max, full[a * d + j]!);
          let slack = 0;
          for (let a = 0; a < n && this.overlap[f]; a++) {
            const hiA = this.hi[f * (T + 2) + a]!;
            let sum = 0;
            for (let t = a + 1; t < n && lo[f * T + t]! < hiA; t++) {
              sum += Math.min(1, (hiA - lo[f * T + t]!) * this.invWidth[f * T + t]!) * Math.max(embW[(f * T + t) * d + j]!, 0);
            }
            slack = Math.max(slack, sum);
          }
          if (!this.relu || max + slack > 0) kept.push(j);
        }
        this.kf[f] = kept.length;
        this.qIn[f] = linear.length > 0 ? 1 : 0;
        this.colOut[f] = inputs;
        this.eOff[f] = eVals.length;
        this.pOff[f] = pVals.length;
        inputs += this.qIn[f]! + kept.length;
        for (let t = 0; t <= T; t++) {
          for (const j of kept) {
            pVals.push(full[t * d + j]!);
            if (t < T) eVals.push(embW[(f * T + t) * d + j]!);
          }
        }
        keptDims.push(kept);
        linearDims.push(linear.map((j) => ({ row: f * d + j, c: embW[f * T * d + j]! })));
      }
    }
    this.E = inputs;
    this.embW = Float32Array.from(eVals);
    this.prefix = Float64Array.from(pVals);
    // first dense layer with the k adapters folded in, on the kept inputs: W0cat[i, m·H + j] = r[m, i] · W0[i, j]
    this.R = arch.rawNumeric ? F : 0;
    const full0 = F * d + this.R + this.C;
    const d0 = this.E + this.R + this.C;
    // each input as a combination of the net's input rows: one row, or a one-bin column's merged dims
    const src: { row: number; c: number }[][] = [];
    for (let f = 0; f < F; f++) {
      if (this.qIn[f]) src.push(linearDims[f]!);
      for (const j of keptDims[f]!) src.push([{ row: f * d + j, c: 1 }]);
    }
    for (let i = 0; i < this.R + this.C; i++) src.push([{ row: F * d + i, c: 1 }]);
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
          const bm = new Float64Array(b);
          for (const { row: from, c } of bias) {
            const s = c * r[m * full0 + from]!;
            for (let j = 0; j < h; j++) bm[j]! += s * W[from * h + j]!;
          }
          bc.set(bm, m * h);
          for (let row = 0; row < d0; row++) {
            const out = row * k * h + m * h;
            const sum = new Float64Array(h);
            for (const { row: from, c } of src[row]!) {
              const s = c * r[m * full0 + from]!;
              for (let j = 0; j < h; j++) sum[j]! += s * W[from * h + j]!;
            }
            Wc.set(sum, out);
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
   * Writes the first layer's input for rows [0, b) into h0 [b, E + R + C]: the embedded numerics (from num
   * [b,F]), the numerics as they are when rawNumeric, then the other columns (from other [b,C]) as they are.
   */
  private embed(num: Float32Array, other: Float32Array, b: number, h0: Float32Array): void {
    const { F, C, R, E, T, nb, lo, invWidth, hi, embW, prefix, relu, grid, gridLo, gridScale, overlap, kf, qIn, colOut, eOff, pOff } = this;
    const d0 = E + R + C;
    const H = T + 2;
    for (let row = 0; row < b; row++) {
      const out0 = row * d0;
      for (let f = 0; f < F; f++) {
        const x = num[row * F + f]!;
        const base = f * T;
        const n = nb[f]!;
        const d = kf[f]!;
        // a = the number of bins x fills completely (upper edges ascending, padded with +Infinity). The grid
        // cell of x gives a count that is never too high; two branch-free steps nearly always finish the count.
        let g = (x - gridLo[f]!) * gridScale[f]!;
        g = g >= GRID ? GRID - 1 : g > 0 ? g | 0 : 0;
        let a = grid[f * GRID + g]!;
        const hb = f * H;
        a += +(x >= hi[hb + a]!);
        a += +(x >= hi[hb + a]!);
        while (x >= hi[hb + a]!) a++;
        const p = pOff[f]! + a * d;
        let o = out0 + colOut[f]!;
        // the bin holding x, if any: fraction q in [0, 1] of its embedding row e
        let q = 0;
        let e = 0;
        if (a < n) {
          q = Math.max(0, Math.min((x - lo[base + a]!) * invWidth[base + a]!, 1));
          e = eOff[f]! + a * d;
        }
        if (qIn[f]) h0[o++] = a < n ? q : 1;
        if (relu && !(overlap[f] && a + 1 < n && x > lo[base + a + 1]!)) {
          // unrolled by 4 (about 1.4x faster than one output per iteration); v > 0 ? v : 0 is ReLU
          // biome-ignore-start lint/complexity/useMathMinMax: the comparison is measurably faster than Math.max here
          let j = 0;
          for (; j + 4 <= d; j += 4) {
            let v = prefix[p + j]! + q * embW[e + j]!;
            h0[o + j] = v > 0 ? v : 0;
            v = prefix[p + j + 1]! + q * embW[e + j + 1]!;
            h0[o + j + 1] = v > 0 ? v : 0;
            v = prefix[p + j + 2]! + q * embW[e + j + 2]!;
            h0[o + j + 2] = v > 0 ? v : 0;
            v = prefix[p + j + 3]! + q * embW[e + j + 3]!;
            h0[o + j + 3] = v > 0 ? v : 0;
          }
          for (; j < d; j++) {
            const v = prefix[p + j]! + q * embW[e + j]!;
            h0[o + j] = v > 0 ? v : 0;
          }
          // biome-ignore-end lint/complexity/useMathMinMax: -
          continue;
        }
        for (let j = 0; j < d; j++) h0[o + j] = prefix[p + j]! + q * embW[e + j]!;
        // further bins x is inside of: only when edges closer than the minimum width overlap (rare)
        for (let t = a + 1; t < n && x > lo[base + t]!; t++) {
          const q2 = Math.min((x - lo[base + t]!) * invWidth[base + t]!, 1);
          const e2 = eOff[f]! + t * d;
          for (let j = 0; j < d; j++) h0[o + j]! += q2 * embW[e2 + j]!;
        }
        if (relu) for (let j = 0; j < d; j++) if (!(h0[o + j]! > 0)) h0[o + j] = 0;
      }
      const oo = out0 + E;
      if (R > 0) for (let f = 0; f < F; f++) h0[oo + f] = num[row * F + f]!;
      const io = row * C;
      for (let j = 0; j < C; j++) h0[oo + R + j] = other[io + j]!;
    }
  }

  /**
   * P(churn) for b rows: num [b,F] and other [b,C] row-major (as MlpNet.proba's inputs); `offset` [b], the linear
   * base's logits (arch.linear), added to every member's logit.
   */
  proba(num: Float32Array, other: Float32Array, b: number, scratch?: Float32Array, offset?: Float32Array): Float32Array {
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
      let logits = tf.add(tf.sum(tf.mul(tf.reshape(h, [b, k, H]), this.headW), 2), this.headB);
      if (offset) logits = tf.add(logits, tf.tensor2d(offset, [b, 1]));
      return tf.mean(tf.sigmoid(logits), 1);
    });
    const out = p.dataSync() as Float32Array;
    p.dispose();
    return out;
  }

  /** Floats per row of the first layer's input (size of a scratch buffer per row). */
  get inputWidth(): number {
    return this.E + this.R + this.C;
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
  /** Per member, the linear base's logit of each row (members with arch.linear), else absent. */
  offsets?: (Float32Array | null)[] | undefined;
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
  members.forEach((inf, m) => {
    const offset = p.offsets?.[m] ?? undefined;
    for (let start = from; start < to; start += batch) {
      const end = Math.min(start + batch, to);
      const probs = inf.proba(p.num.subarray(start * F, end * F), p.other.subarray(start * C, end * C), end - start, scratch, offset?.subarray(start, end));
      if (members.length === 1) out.set(probs, start - from);
      else for (let i = 0; i < probs.length; i++) out[start - from + i]! += probs[i]!;
    }
  });
  if (members.length > 1) for (let i = 0; i < out.length; i++) out[i]! /= members.length;
  return out;
}

