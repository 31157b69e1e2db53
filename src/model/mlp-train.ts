/**
 * Training one mlp net (one member of the ensemble): the function MlpNet.logits defines, trained with hand-written
 * gradients, AdamW in JavaScript and early stopping on the fast inference path. A pure function of its job (rows,
 * architecture, hyper-parameters, seed) and the thread's CPU clock, so it runs the same on this thread or in a
 * worker (mlp-pool.ts), with the same bits.
 *
 * Why not tf autodiff and tf.train.adam (the first version did that): on the wasm backend an epoch's time went to
 * things that are not the network's arithmetic (scripts/bench/mlp-profile.mjs, 4 TabM members × 512 rows):
 * - the gradients of matMul multiply with transposed operands (transposeA/B), which the wasm backend runs 3-10x
 *   slower than a transpose followed by a plain matMul;
 * - sums over the batch (bias and adapter gradients) run 10-25x slower than the same sum as a matMul with a row
 *   of ones;
 * - tf.dropout draws its mask with a JS PRNG per element and multiplies twice: 4.3 ms of a 47 ms step;
 * - Adam is about a dozen kernels per variable and step.
 * Here the backward pass is written out (checked against tf autodiff of MlpNet in test/model/mlp-train.test.ts),
 * bias and adapter gradients are matMuls with ones, dropout masks come from a seeded PRNG in JS, and AdamW
 * updates Float32Arrays (mlp-adamw.ts).
 *
 * Layouts: the batch's numerics arrive both row-major [B,F] and column-major [F,B]; the PLE encoding is computed
 * from the column-major copy directly in the two layouts the forward and backward matMuls need ([F,B,T] and
 * [F,T,B]), so no big tensor is transposed for it.
 */
import * as tf from "@tensorflow/tfjs-core";
import { logLoss } from "./metrics.js";
import { AdamW } from "./mlp-adamw.js";
import { MlpInference, type MlpParts, predictRange } from "./mlp-infer.js";
import type { MlpArch, MlpWeights } from "./mlp-net.js";
import { deriveSeed, makeRng, rankAuc, shuffleInPlace } from "./mlp-util.js";

/** Hyper-parameters the training loop reads (a subset of MlpParams, mlp.ts). */
export interface MemberParams {
  dropout: number;
  learningRate: number;
  weightDecay: number;
  maxEpochs: number;
  epochRows: number;
  patience: number;
  lrDecayPatience: number;
  lrDecayFactor: number;
  /** CPU seconds of the training thread this member may use; hitting it is logged and recorded. */
  timeBudgetSeconds: number;
  predictBatch: number;
}

/** What one member trains on, and how. Plain arrays only: it is posted to worker threads as it is. */
export interface MemberJob {
  /** The member's seed (initial weights, shuffles, dropout masks). */
  seed: number;
  arch: MlpArch;
  /** Initial weights (initWeights with the member's PLE edges). */
  init: MlpWeights;
  params: MemberParams;
  batchSize: number;
  /** Training rows: numerics row-major [n,F], other columns [n,C], labels [n]. */
  n: number;
  num: Float32Array;
  other: Float32Array;
  y: Float32Array;
  /** With a linear base (arch.linear): its logit of each training row [n]; the early-stopping rows' are in valid.offsets. */
  offset: Float32Array | null;
  /** Early-stopping rows (empty in a refit). */
  valid: MlpParts;
  validY: Float32Array;
  /** Refit: the learning rate of each epoch to train, with no early stopping; null = normal fit. */
  schedule: number[] | null;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validLoss: number;
  validAuc: number;
  learningRate: number;
}

export interface TrainingInfo {
  rows: number;
  validRows: number;
  rowsPerEpoch: number;
  epochs: number;
  bestEpoch: number;
  bestValidAuc: number;
  batchSize: number;
  stoppedByTimeBudget: boolean;
  /** CPU seconds this member's training used (its thread's clock). */
  cpuSeconds: number;
  history: EpochRecord[];
}

export interface MemberResult {
  weights: MlpWeights;
  info: TrainingInfo;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Names of the trainable weights, in the order the gradients are returned. */
function trainableNames(arch: MlpArch): string[] {
  const names = arch.numericCols.length > 0 ? ["emb_W", "emb_b"] : [];
  names.push("tabm_r");
  for (let i = 0; i < arch.hidden.length; i++) names.push(`dense${i}_W`, `dense${i}_b`);
  names.push("head_W", "head_b");
  return names;
}

/** One training batch, gathered in JavaScript: numerics in both layouts, other columns, labels. */
interface Batch {
  B: number;
  numT: Float32Array; // [F,B]
  num: Float32Array; // [B,F]
  other: Float32Array; // [B,C]
  y: Float32Array; // [B]
  offset: Float32Array | null; // [B], the linear base's logits
}

/**
 * Forward and backward pass of one net on one batch: the mean binary cross-entropy over the k TabM members and
 * the gradient of every trainable weight. Holds the constant tensors (PLE edges, ones); weights are passed per
 * step. Call dispose() when done.
 */
export class MlpGradients {
  readonly names: string[];
  private readonly F: number;
  private readonly C: number;
  private readonly T: number;
  private readonly d: number;
  private readonly D0: number;
  private readonly lo: tf.Tensor | null = null; // [F,1,T]
  private readonly invW: tf.Tensor | null = null; // [F,1,T]
  private readonly loT: tf.Tensor | null = null; // [F,T,1]
  private readonly invWT: tf.Tensor | null = null; // [F,T,1]
  private readonly ones = new Map<string, tf.Tensor>();

  constructor(
    readonly arch: MlpArch,
    ple: { lo: Float32Array; width: Float32Array } | null,
  ) {
    this.names = trainableNames(arch);
    this.F = arch.numericCols.length;
    this.C = arch.otherCols.length;
    this.T = arch.nBins;
    this.d = arch.dEmb;
    this.D0 = this.F * this.d + (arch.rawNumeric ? this.F : 0) + this.C;
    if (this.F > 0 && ple) {
      const inv = Float32Array.from(ple.width, (w) => 1 / w);
      this.lo = tf.tensor3d(ple.lo, [this.F, 1, this.T]);
      this.invW = tf.tensor3d(inv, [this.F, 1, this.T]);
      this.loT = tf.tensor3d(ple.lo, [this.F, this.T, 1]);
      this.invWT = tf.tensor3d(inv, [this.F, this.T, 1]);
    }
  }

  /** A tensor of ones of the given shape, kept for later steps. */
  private onesOf(shape: number[]): tf.Tensor {
    const key = shape.join("x");
    let t = this.ones.get(key);
    if (!t) {
      t = tf.keep(tf.ones(shape)); // made inside a step's tidy: kept for later steps
      this.ones.set(key, t);
    }
    return t;
  }

  /**
   * Loss and gradients (in `names` order) for one batch. `w` holds the weights as Float32Arrays, `masks` one dropout
   * mask per hidden layer ([k·B, H]: 0 or 1/(1 − rate)) or null for none.
   */
  step(w: MlpWeights, b: Batch, masks: (Float32Array | null)[]): { loss: number; grads: Float32Array[] } {
    const { F, C, T, d, D0, arch } = this;
    const { k, hidden } = arch;
    const B = b.B;
    const kB = k * B;
    const L = hidden.length;
    const val = (name: string) => w[name]!.values;
    const out = tf.tidy(() => {
      const grads: tf.Tensor[] = [];
      // ---- forward
      const parts: tf.Tensor2D[] = [];
      let pleBT: tf.Tensor | null = null;
      let pleTB: tf.Tensor | null = null;
      let embPre: tf.Tensor | null = null;
      let embW: tf.Tensor3D | null = null;
      if (F > 0) {
        const xT = tf.tensor2d(b.numT, [F, B]);
        // PLE in the forward layout [F,B,T] and the backward layout [F,T,B], both straight from xT
        pleBT = tf.clipByValue(tf.mul(tf.sub(tf.reshape(xT, [F, B, 1]), this.lo!), this.invW!), 0, 1);
        pleTB = tf.clipByValue(tf.mul(tf.sub(tf.reshape(xT, [F, 1, B]), this.loT!), this.invWT!), 0, 1);
        embW = tf.tensor3d(val("emb_W"), [F, T, d]);
        embPre = tf.add(tf.matMul(pleBT as tf.Tensor3D, embW), tf.tensor3d(val("emb_b"), [F, 1, d]));
        const e = arch.embRelu ? tf.relu(embPre) : embPre;
        parts.push(tf.reshape(tf.transpose(e, [1, 0, 2]), [B, F * d]));
        if (arch.rawNumeric) parts.push(tf.tensor2d(b.num, [B, F]));
      }
      if (C > 0) parts.push(tf.tensor2d(b.other, [B, C]));
      const h0 = parts.length === 1 ? parts[0]! : tf.concat(parts, 1);
      const r = tf.tensor3d(val("tabm_r"), [k, 1, D0]);
      const h0r = tf.reshape(h0, [1, B, D0]);
      const acts: tf.Tensor2D[] = [tf.reshape(tf.mul(h0r, r), [kB, D0])];
      const gates: tf.Tensor[] = [];
      let fanIn = D0;
      for (let l = 0; l < L; l++) {
        const H = hidden[l]!;
        const z = tf.add(tf.matMul(acts[l]!, tf.tensor2d(val(`dense${l}_W`), [fanIn, H])), tf.tensor1d(val(`dense${l}_b`)));
        const m = masks[l];
        // gate = dropout mask × ReLU'(z); the layer's output is z × gate
        const gate = m ? tf.mul(tf.step(z), tf.tensor2d(m, [kB, H])) : tf.step(z);
        gates.push(gate);
        acts.push(tf.mul(z, gate) as tf.Tensor2D);
        fanIn = H;
      }
      const H = fanIn;
      const aL = tf.reshape(acts[L]!, [k, B, H]);
      const headW = tf.tensor3d(val("head_W"), [k, H, 1]);
      let z = tf.reshape(tf.add(tf.matMul(aL as tf.Tensor3D, headW), tf.tensor3d(val("head_b"), [k, 1, 1])), [k, B]);
      if (b.offset) z = tf.add(z, tf.tensor2d(b.offset, [1, B]));
      const y = tf.tensor2d(b.y, [1, B]);
      // stable BCE with logits: max(z,0) − z·y + log(1 + e^{−|z|}), mean over members and rows
      const loss = tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))));
      // ---- backward
      const dz = tf.div(tf.sub(tf.sigmoid(z), y), kB); // [k,B]
      const dHeadW = tf.reshape(tf.matMul(tf.reshape(dz, [k, 1, B]) as tf.Tensor3D, aL as tf.Tensor3D), [k, H, 1]);
      const dHeadB = tf.reshape(tf.sum(dz, 1), [k, 1, 1]);
      let da: tf.Tensor2D = tf.reshape(tf.mul(tf.reshape(dz, [k, B, 1]), tf.reshape(headW, [k, 1, H])), [kB, H]);
      const dense: tf.Tensor[] = [];
      for (let l = L - 1; l >= 0; l--) {
        const dzl = tf.mul(da, gates[l]!) as tf.Tensor2D;
        const inW = l === 0 ? D0 : hidden[l - 1]!;
        const outW = hidden[l]!;
        const dW = tf.matMul(tf.transpose(acts[l]!), dzl);
        const db = tf.reshape(tf.matMul(this.onesOf([1, kB]) as tf.Tensor2D, dzl), [outW]);
        dense.unshift(dW, db);
        // W is small: its transpose costs little, unlike matMul's transposeB
        da = tf.matMul(dzl, tf.transpose(tf.tensor2d(val(`dense${l}_W`), [inW, outW])));
      }
      const dh = tf.reshape(da, [k, B, D0]);
      // adapter gradient: Σ over rows of dh ⊙ h0, as a matMul with ones
      const dR = tf.reshape(tf.matMul(this.onesOf([k, 1, B]) as tf.Tensor3D, tf.mul(dh, h0r) as tf.Tensor3D), [k, D0]);
      if (F > 0) {
        // input gradient of the embedded part: Σ over members of dh ⊙ r, as a matMul with ones
        const dhr = tf.reshape(tf.mul(tf.slice(dh, [0, 0, 0], [k, B, F * d]), tf.slice(r, [0, 0, 0], [k, 1, F * d])), [k, B * F * d]);
        let de = tf.transpose(tf.reshape(tf.matMul(this.onesOf([1, k]) as tf.Tensor2D, dhr as tf.Tensor2D), [B, F, d]), [1, 0, 2]);
        if (arch.embRelu) de = tf.mul(de, tf.step(embPre!));
        grads.push(tf.matMul(pleTB as tf.Tensor3D, de as tf.Tensor3D), tf.matMul(this.onesOf([F, 1, B]) as tf.Tensor3D, de as tf.Tensor3D));
      }
      grads.push(dR, ...dense, dHeadW, dHeadB);
      return { loss, grads };
    });
    const loss = out.loss.dataSync()[0] as number;
    const grads = out.grads.map((g) => g.dataSync() as Float32Array);
    out.loss.dispose();
    for (const g of out.grads) g.dispose();
    return { loss, grads };
  }

  dispose(): void {
    for (const t of [this.lo, this.invW, this.loT, this.invWT, ...this.ones.values()]) t?.dispose();
    this.ones.clear();
  }
}

/** Dropout masks from a seeded PRNG (mulberry32 stream per step): each entry 0 with probability `rate`, else 1/(1 − rate). */
export function dropoutMask(n: number, rate: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  const keep = 1 / (1 - rate);
  const cut = Math.floor(rate * 4294967296);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) >>> 0 < cut ? 0 : keep;
  }
  return out;
}

function copyWeights(w: MlpWeights): MlpWeights {
  const out: MlpWeights = {};
  for (const [name, { shape, values }] of Object.entries(w)) out[name] = { shape: [...shape], values: Float32Array.from(values) };
  return out;
}

/** P(churn) on the early-stopping rows through the fast inference path (mlp-infer.ts). */
function predictValid(arch: MlpArch, w: MlpWeights, valid: MlpParts, batch: number): Float32Array {
  const inf = new MlpInference(arch, w);
  try {
    return predictRange([inf], valid, batch);
  } finally {
    inf.dispose();
  }
}

/**
 * Train one member with early stopping on validation AUC (the best epoch's weights are kept), reduce-on-plateau
 * learning rate, and a CPU-time budget read from `cpuSeconds` (this thread's clock). In a refit (`job.schedule`)
 * every row trains for exactly the given epochs and learning rates.
 */
export function trainMember(job: MemberJob, log: (line: string) => void, cpuSeconds: () => number): MemberResult {
  const c0 = cpuSeconds();
  const { arch, params, n, schedule } = job;
  const F = arch.numericCols.length;
  const C = arch.otherCols.length;
  const k = arch.k;
  const batch = job.batchSize;
  const w = copyWeights(job.init);
  const names = trainableNames(arch);
  for (const nm of [...names, ...(F > 0 ? ["ple_lo", "ple_width"] : [])]) if (!w[nm]) throw new Error(`mlp weight ${nm} is missing`);
  const arrays = names.map((nm) => w[nm]!.values);
  const decays = names.map((nm) => nm.endsWith("_W"));
  const adam = new AdamW(arrays.map((a) => a.length));
  const grad = new MlpGradients(arch, F > 0 ? { lo: w["ple_lo"]!.values, width: w["ple_width"]!.values } : null);
  const shuffleRng = makeRng(deriveSeed(job.seed, 3));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  // an epoch: a full pass, or on large data the next perEpoch rows of the shuffled order
  const perEpoch = params.epochRows > 0 && n > params.epochRows ? params.epochRows : n;
  let cursor = n; // shuffle before the first batch
  let lr = params.learningRate;
  let lastChange = 0;
  let best: MlpWeights | null = null;
  let bestAuc = -1;
  let bestEpoch = 0;
  let epochs = 0;
  let step = 0;
  let cut = false;
  const history: EpochRecord[] = [];
  const elapsed = () => cpuSeconds() - c0;
  // batch buffers, reused
  const bufs = { numT: new Float32Array(batch * F), num: new Float32Array(batch * F), other: new Float32Array(batch * C), y: new Float32Array(batch), offset: new Float32Array(job.offset ? batch : 0) };
  const gather = (idx: Int32Array): Batch => {
    const B = idx.length;
    const numT = bufs.numT.subarray(0, B * F);
    const num = bufs.num.subarray(0, B * F);
    const other = bufs.other.subarray(0, B * C);
    const y = bufs.y.subarray(0, B);
    const offset = job.offset ? bufs.offset.subarray(0, B) : null;
    for (let i = 0; i < B; i++) {
      const r = idx[i]!;
      for (let f = 0; f < F; f++) {
        const v = job.num[r * F + f]!;
        num[i * F + f] = v;
        numT[f * B + i] = v;
      }
      for (let c = 0; c < C; c++) other[i * C + c] = job.other[r * C + c]!;
      y[i] = job.y[r]!;
      if (offset) offset[i] = job.offset![r]!;
    }
    return { B, numT, num, other, y, offset };
  };
  if (arch.linear !== undefined && !schedule) {
    // epoch 0: the linear base alone (zero heads); an epoch must beat it to be kept
    const validP = predictValid(arch, w, job.valid, params.predictBatch);
    bestAuc = rankAuc(validP, job.validY);
    best = copyWeights(w);
    history.push({ epoch: 0, trainLoss: Number.NaN, validLoss: round6(logLoss(job.validY, validP)), validAuc: round6(bestAuc), learningRate: 0 });
    log(`mlp epoch 0 (the linear base): valid AUC ${bestAuc.toFixed(4)}`);
  }
  try {
    for (let epoch = 1; epoch <= (schedule ? schedule.length : params.maxEpochs); epoch++) {
      if (schedule) lr = schedule[epoch - 1]!;
      let lossSum = 0;
      let batches = 0;
      for (let seen = 0; seen < perEpoch; ) {
        if (elapsed() > params.timeBudgetSeconds) {
          cut = true; // mid-epoch: the rows seen so far are validated below, then training stops
          break;
        }
        if (cursor >= n) {
          shuffleInPlace(order, shuffleRng);
          cursor = 0;
        }
        const end = Math.min(cursor + batch, n, cursor + perEpoch - seen);
        const idx = order.subarray(cursor, end);
        seen += end - cursor;
        cursor = end;
        if (idx.length < 2 && n >= 2) continue; // a 1-row tail batch adds noise only
        const dropSeed = deriveSeed(job.seed, 1000 + step);
        step++;
        const b = gather(idx);
        const masks = arch.hidden.map((h, l) => (params.dropout > 0 ? dropoutMask(k * b.B * h, params.dropout, deriveSeed(dropSeed, l)) : null));
        const { loss, grads } = grad.step(w, b, masks);
        adam.step(arrays, grads, lr, params.weightDecay, decays);
        lossSum += loss;
        batches++;
      }
      epochs = epoch;
      const trainLoss = batches > 0 ? lossSum / batches : Number.NaN;
      if (schedule) {
        // refit: no validation rows; the last epoch's weights are the model
        history.push({ epoch, trainLoss: round6(trainLoss), validLoss: Number.NaN, validAuc: Number.NaN, learningRate: lr });
        bestEpoch = epoch;
        log(`mlp refit epoch ${epoch}/${schedule.length}: training loss ${trainLoss.toFixed(4)}, ${elapsed().toFixed(1)} s CPU`);
        if (cut) break;
        continue;
      }
      const validP = predictValid(arch, w, job.valid, params.predictBatch);
      const auc = rankAuc(validP, job.validY);
      history.push({ epoch, trainLoss: round6(trainLoss), validLoss: round6(logLoss(job.validY, validP)), validAuc: round6(auc), learningRate: lr });
      if (auc > bestAuc + 1e-6) {
        bestAuc = auc;
        bestEpoch = epoch;
        best = copyWeights(w);
      }
      log(`mlp epoch ${epoch}: early-stopping AUC ${auc.toFixed(4)} (best ${bestAuc.toFixed(4)} at ${bestEpoch}), ${elapsed().toFixed(1)} s CPU`);
      if (cut) {
        log(`mlp: training stopped by the ${params.timeBudgetSeconds} s CPU budget during epoch ${epoch}`);
        break;
      }
      if (epoch - bestEpoch >= params.patience) break;
      if (params.lrDecayPatience > 0 && epoch - Math.max(bestEpoch, lastChange) >= params.lrDecayPatience) {
        lr *= params.lrDecayFactor;
        lastChange = epoch;
        log(`mlp: learning rate lowered to ${lr.toExponential(2)} after epoch ${epoch}`);
      }
    }
  } finally {
    grad.dispose();
  }
  const cpu = elapsed();
  const info: TrainingInfo = {
    rows: n,
    validRows: job.valid.rows,
    rowsPerEpoch: perEpoch,
    epochs,
    bestEpoch,
    bestValidAuc: bestAuc,
    batchSize: batch,
    stoppedByTimeBudget: cut,
    cpuSeconds: round6(cpu),
    history,
  };
  log(schedule ? `mlp refit: ${epochs} epochs, ${cpu.toFixed(1)} s CPU` : `mlp: ${epochs} epochs, best early-stopping AUC ${bestAuc.toFixed(4)} at epoch ${bestEpoch}, ${cpu.toFixed(1)} s CPU`);
  return { weights: best ?? w, info };
}
