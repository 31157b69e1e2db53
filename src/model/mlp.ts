/**
 * The `mlp` model: a neural net for tabular churn data built to match gradient-boosted trees.
 *
 * - Numeric columns get piecewise-linear embeddings (PLE) over quantile bins fitted on the training rows
 *   only (the edges are part of the saved state), and with `rawNumeric` also as they are; missing indicators and
 *   one-hot columns go in as they are, except one-hot groups with more than `maxOneHotLevels` levels, which are
 *   left out.
 * - 2 shared hidden layers (ReLU, dropout) and a TabM-mini ensemble of k members (per-member input scaling
 *   and head, predictions averaged), trained with Adam and decoupled weight decay (AdamW).
 * - Early stopping on validation AUC: `opts.valid` when given, else a seeded stratified split of the
 *   training rows. The best epoch's weights are kept. The learning rate drops on validation plateaus.
 * - Deterministic: weights, shuffles and dropout masks all come from the seed; training never reads the clock
 *   except for the optional wall-clock cap (`timeBudgetSeconds`), which logs when it cuts training short.
 * - Every tensor is created inside tf.tidy or disposed; predict runs in batches of `predictBatch` rows.
 *
 * The network itself is in mlp-net.ts; PRNG, splits, bins and AUC in mlp-util.ts. `predict` does not run the
 * training graph: mlp-infer.ts computes the same function with far fewer operations, and mlp-parallel.ts spreads
 * large predictions over worker threads.
 */
import * as tf from "@tensorflow/tfjs-core";
// Side effect: registers every op's gradient in tfjs-core's global registry (tfjs-core alone ships none).
import "@tensorflow/tfjs-layers";
import { ConfigError, InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { logLoss } from "./metrics.js";
import { MlpInference, predictRange } from "./mlp-infer.js";
import { initWeights, type MlpArch, MlpNet, type MlpWeights } from "./mlp-net.js";
import { predictParallel, predictThreads } from "./mlp-parallel.js";
import { deriveSeed, makeRng, quantileEdges, rankAuc, shuffleInPlace, treeEdges } from "./mlp-util.js";
import { stratifiedSplit } from "./split.js";
import type { FitOptions, FittedModel, Labels, Matrix, MatrixColumn, ModelState, ModelTrainer } from "./types.js";

export interface MlpParams {
  /** Max PLE bins per numeric column. */
  nBins: number;
  /** PLE bin edges: training-row quantiles, or the thresholds of a one-feature tree on the labels ("tree"). */
  binning: "quantile" | "tree";
  /** Embedding width per numeric column. */
  dEmb: number;
  /** ReLU after the per-column embedding. */
  embRelu: boolean;
  /** The numeric values also go into the first layer as they are, beside their embeddings. */
  rawNumeric: boolean;
  /** One-hot groups with more levels than this are not used (0 keeps all); e.g. a 51-level US State. */
  maxOneHotLevels: number;
  /** Hidden layer widths. */
  hidden: number[];
  /**
   * Independent nets averaged (different initialisation, shuffles, dropout and, when no validation rows are
   * given, early-stopping split); 0 picks by data size (see autoMembers).
   */
  members: number;
  /** TabM-mini ensemble size; 0 picks by data size (4 below 20k training rows, 2 below 200k, else 1). */
  k: number;
  dropout: number;
  learningRate: number;
  /** Decoupled weight decay (AdamW convention: w ← w − lr·wd·w each step). */
  weightDecay: number;
  /** Rows per training step; 0 picks by data size (128 below 4k rows, 256 below 20k, else 1024). */
  batchSize: number;
  maxEpochs: number;
  /**
   * Rows per epoch on large data: when there are more training rows than this, an epoch is the next
   * `epochRows` rows of a seeded shuffle (reshuffled once all were seen), so validation, early stopping and
   * the time budget act every few minutes instead of once per full pass; 0 = always full passes.
   */
  epochRows: number;
  /** At most this many validation rows (a seeded sample) are scored after each epoch; 0 = all. */
  validMaxRows: number;
  /** Stop after this many epochs without a better validation AUC. */
  patience: number;
  /** Reduce-on-plateau: after this many epochs without a better validation AUC, multiply the learning rate by
   * `lrDecayFactor` (and count again); 0 turns it off. */
  lrDecayPatience: number;
  lrDecayFactor: number;
  /** Share of training rows held out for early stopping when opts.valid is not given. */
  validFraction: number;
  /** Wall-clock cap on training; hitting it is logged (the result then depends on machine speed). */
  timeBudgetSeconds: number;
  /**
   * Refit mode: per member, the learning rate of each epoch to train (e.g. an earlier fit's schedule up to its
   * best epoch). All rows train, nothing is held out, there is no early stopping; null = normal fit.
   */
  schedule: number[][] | null;
  /**
   * Rows per predict batch. The tfjs default of 32 is ~100x slower; 2,048 was fastest for the fast inference path
   * (one thread, beside another job: 1,024-2,048 rows 123k rows/s, 8,192 rows 108k, as the first layer's input
   * then no longer fits in cache; `scripts/bench/mlp-predict.mjs --batch N`) and no slower for the training graph.
   */
  predictBatch: number;
}

/**
 * Defaults, tuned on the quality benchmark (5 folds, mean AUC; see scripts/bench/mlp-experiments.mjs):
 * - nBins 32 (16 → 32 gave bigml-telecom +0.007, 64 was worse);
 * - learning rate 3e-3 with reduce-on-plateau (×0.3 after 4 flat epochs): same AUC as 1e-3 in about half the epochs;
 * - maxOneHotLevels 20: the 51-level US State one-hots overfit (bigml-telecom 0.894 → 0.907);
 * - by data size (n = training rows): batch 128 below 4k, 256 below 20k, else 1024; ensemble k = 4 below 20k,
 *   2 below 200k, else 1 (training cost is linear in k, k = 8 gave nothing on bigml-telecom, and the ensemble
 *   helps most where data are few: on large data the budget buys more epochs instead);
 * - members: 3 independent nets below 100k training rows, else 1 (bigml-telecom: 0.9124 → 0.9139 with 3; letting
 *   each member carve its own early-stopping rows instead of sharing the fold's validation rows gave 0.9097;
 *   cell2cell, 41k training rows per fold, with rawNumeric: see README "Measured");
 * - rawNumeric: the numeric values also enter the first layer beside their embeddings (bigml-telecom
 *   0.9154 → 0.9199, bank-churn and cell2cell up too, telco-ibm and iranian-churn unchanged; a sum of columns,
 *   such as total charges, is then a linear function of the input);
 * - large data: epochs of at most 262,144 rows, validation on at most 100,000 rows, and a 480 s training budget,
 *   so a fit on 1M rows ends within 10 minutes (scripts/bench/model-speed.mjs --model mlp).
 */
export const MLP_DEFAULTS: MlpParams = {
  nBins: 32,
  binning: "quantile",
  dEmb: 8,
  embRelu: true,
  rawNumeric: true,
  maxOneHotLevels: 20,
  hidden: [128, 128],
  members: 0,
  k: 0,
  dropout: 0.15,
  learningRate: 3e-3,
  weightDecay: 1e-2,
  batchSize: 0,
  maxEpochs: 150,
  epochRows: 262144,
  validMaxRows: 100000,
  patience: 12,
  lrDecayPatience: 4,
  lrDecayFactor: 0.3,
  validFraction: 0.2,
  timeBudgetSeconds: 480,
  predictBatch: 2048,
  schedule: null,
};

const FORMAT = "churn-mlp";
// v2: several members, weights named m<i>/<name>; v1 (one net, plain names) still loads
const VERSION = 2;

/**
 * Columns split into PLE-embedded numerics and pass-through indicators. One-hot groups (columns sharing a
 * source) with more than `maxLevels` columns are left out when maxLevels > 0.
 */
function splitColumns(columns: MatrixColumn[], maxLevels = 0): { numericCols: number[]; otherCols: number[] } {
  const numericCols: number[] = [];
  const otherCols: number[] = [];
  const levels = new Map<string, number>();
  for (const c of columns) if (c.kind === "onehot") levels.set(c.source, (levels.get(c.source) ?? 0) + 1);
  columns.forEach((c, i) => {
    if (c.kind === "numeric") numericCols.push(i);
    else if (!(maxLevels > 0 && c.kind === "onehot" && (levels.get(c.source) ?? 0) > maxLevels)) otherCols.push(i);
  });
  return { numericCols, otherCols };
}

/** Gathers the given columns (and rows, when given) of X into a dense Float32Array [rows, cols.length]. */
function takeColumns(X: Matrix, cols: number[], rows?: Int32Array): Float32Array {
  const n = rows ? rows.length : X.rows;
  const m = cols.length;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i]! : i;
    const base = r * X.cols;
    for (let j = 0; j < m; j++) out[i * m + j] = X.data[base + cols[j]!]!;
  }
  return out;
}

function takeRows(y: Labels, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = y[rows[i]!]!;
  return out;
}

interface Parts {
  num: Float32Array;
  other: Float32Array;
  rows: number;
}

function checkColumns(expected: { name: string; kind: string }[], X: Matrix): void {
  let diff = "";
  const n = Math.max(expected.length, X.columns.length);
  for (let i = 0; i < n && !diff; i++) {
    const e = expected[i];
    const g = X.columns[i];
    if (!e || !g || e.name !== g.name || e.kind !== g.kind) {
      diff = `column ${i + 1}: expected ${e ? `'${e.name}'` : "none"}, got ${g ? `'${g.name}'` : "none"}`;
    }
  }
  if (diff || X.cols !== expected.length) throw new InputDataError(msg.mlpColumnsMismatch(expected.length, X.cols, diff));
}

/** P(churn) for pre-split parts, in batches. */
function predictParts(net: MlpNet, p: Parts, batch: number): Float32Array {
  const F = net.arch.numericCols.length;
  const C = net.arch.otherCols.length;
  const out = new Float32Array(p.rows);
  for (let start = 0; start < p.rows; start += batch) {
    const end = Math.min(start + batch, p.rows);
    const b = end - start;
    const probs = tf.tidy(() => {
      const xn = F > 0 ? tf.tensor2d(p.num.subarray(start * F, end * F), [b, F]) : null;
      const xo = C > 0 ? tf.tensor2d(p.other.subarray(start * C, end * C), [b, C]) : null;
      return net.proba(xn, xo);
    });
    out.set(probs.dataSync() as Float32Array, start);
    probs.dispose();
  }
  return out;
}

class FittedMlp implements FittedModel {
  readonly kind = "mlp" as const;
  /** Built on first predict from the nets' weights (see mlp-infer.ts). */
  private inference: MlpInference[] | null = null;
  private weights: { arch: MlpArch; weights: MlpWeights }[] | null = null;
  constructor(
    private readonly nets: MlpNet[],
    private readonly spec: Record<string, unknown> & { columns: { name: string; kind: string }[]; predictBatch: number },
  ) {}

  /** P(churn): the mean over members. */
  async predict(X: Matrix): Promise<Float32Array> {
    checkColumns(this.spec.columns, X);
    const { numericCols, otherCols } = this.nets[0]!.arch;
    const parts = { num: takeColumns(X, numericCols), other: takeColumns(X, otherCols), rows: X.rows };
    // the weights are read from the nets once; workers of a parallel prediction build their nets from them too
    this.weights ??= this.nets.map((net) => ({ arch: net.arch, weights: net.readWeights() }));
    this.inference ??= this.weights.map((m) => new MlpInference(m.arch, m.weights));
    const batch = this.spec.predictBatch;
    const threads = predictThreads(X.rows, batch);
    if (threads <= 1) return predictRange(this.inference, parts, batch);
    return predictParallel(this.inference, this.weights, parts, batch, threads);
  }

  async save(): Promise<ModelState> {
    const weights: MlpWeights = {};
    this.nets.forEach((net, m) => {
      for (const [name, w] of Object.entries(net.readWeights())) weights[`m${m}/${name}`] = w;
    });
    return { kind: "mlp", spec: structuredClone(this.spec), weights };
  }

  dispose(): void {
    for (const net of this.nets) net.dispose();
    for (const inf of this.inference ?? []) inf.dispose();
    this.inference = null;
    this.weights = null;
  }
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/** Members by data size: variance between runs is largest on small data, where extra nets are also cheap. */
function autoMembers(rows: number): number {
  return rows < AUTO_MEMBERS_BELOW ? 3 : 1;
}
const AUTO_MEMBERS_BELOW = 100_000;

function autoK(n: number): number {
  if (n < 20000) return 4;
  return n < 200000 ? 2 : 1;
}

function autoBatch(n: number): number {
  if (n < 4000) return 128;
  if (n < 20000) return 256;
  return 1024;
}

/** An mlp trainer with the given hyper-parameters (the rest from MLP_DEFAULTS). */
export function createMlpTrainer(overrides: Partial<MlpParams> = {}): ModelTrainer {
  const params: MlpParams = { ...MLP_DEFAULTS, ...overrides };
  return {
    kind: "mlp",
    fit: (X, y, opts) => fitMlp(X, y, opts, params),
  };
}

export const mlpTrainer: ModelTrainer = createMlpTrainer();

interface MemberData {
  seed: number;
  n: number;
  trainNum: Float32Array;
  trainOther: Float32Array;
  trainY: Float32Array;
  valid: Parts;
  validY: Float32Array;
  edges: number[][];
}

type TrainingInfo = {
  rows: number;
  validRows: number;
  rowsPerEpoch: number;
  epochs: number;
  bestEpoch: number;
  bestValidAuc: number;
  batchSize: number;
  stoppedByTimeBudget: boolean;
  history: { epoch: number; trainLoss: number; validLoss: number; validAuc: number; learningRate: number }[];
};

/** One member's rows: its early-stopping split (its own when opts.valid is absent), columns and PLE edges. */
function memberData(X: Matrix, y: Labels, opts: FitOptions, params: MlpParams, seed: number, numericCols: number[], otherCols: number[]): MemberData {
  let trainRows: Int32Array;
  let validX: Matrix;
  let validRows: Int32Array;
  let validSource: Labels;
  if (params.schedule) {
    trainRows = Int32Array.from({ length: X.rows }, (_, i) => i);
    validX = X;
    validSource = y;
    validRows = new Int32Array(0);
  } else if (opts.valid) {
    trainRows = Int32Array.from({ length: X.rows }, (_, i) => i);
    validX = opts.valid.X;
    validSource = opts.valid.y;
    validRows = Int32Array.from({ length: validX.rows }, (_, i) => i);
  } else {
    const s = stratifiedSplit(Array.from({ length: y.length }, (_, i) => i), y, params.validFraction, deriveSeed(seed, 1));
    trainRows = Int32Array.from(s.fit);
    validRows = Int32Array.from(s.valid);
    validX = X;
    validSource = y;
  }
  if (params.validMaxRows > 0 && validRows.length > params.validMaxRows) {
    // scoring every validation row after each epoch costs too much on large data: a seeded sample
    const pick = Int32Array.from(validRows);
    shuffleInPlace(pick, makeRng(deriveSeed(seed, 4)));
    validRows = pick.slice(0, params.validMaxRows).sort();
  }
  const n = trainRows.length;
  const F = numericCols.length;
  const trainNum = takeColumns(X, numericCols, trainRows);
  const trainY = takeRows(y, trainRows);
  // PLE edges from the member's training rows only.
  const edges: number[][] = [];
  for (let f = 0; f < F; f++) {
    const col = new Float32Array(n);
    for (let i = 0; i < n; i++) col[i] = trainNum[i * F + f]!;
    edges.push(params.binning === "tree" ? treeEdges(col, trainY, params.nBins, Math.max(8, Math.floor(n / (params.nBins * 4)))) : quantileEdges(col, params.nBins));
  }
  return {
    seed,
    n,
    trainNum,
    trainOther: takeColumns(X, otherCols, trainRows),
    trainY,
    valid: { num: takeColumns(validX, numericCols, validRows), other: takeColumns(validX, otherCols, validRows), rows: validRows.length },
    validY: takeRows(validSource, validRows),
    edges,
  };
}

async function fitMlp(X: Matrix, y: Labels, opts: FitOptions, params: MlpParams): Promise<FittedModel> {
  if (X.rows === 0) throw new InputDataError(msg.mlpNoRows());
  if (opts.valid) checkColumns(X.columns, opts.valid.X);
  const log = opts.onLog ?? (() => {});
  const t0 = Date.now();
  const { numericCols, otherCols } = splitColumns(X.columns, params.maxOneHotLevels);
  if (params.schedule?.some((lrs) => lrs.length === 0 || lrs.some((x) => !(x > 0)))) throw new ConfigError(msg.mlpStateInvalid("a refit schedule needs at least one positive learning rate per member"));
  const M = params.schedule ? params.schedule.length : params.members > 0 ? params.members : autoMembers(X.rows);
  // member 0 uses the seed itself, so a one-member model is the single net of earlier versions
  const seeds = Array.from({ length: M }, (_, m) => (m === 0 ? opts.seed : deriveSeed(opts.seed, 7000 + m)));
  // with given validation rows (unsampled) or a refit, every member has the same rows: gather them and fit the edges once
  const sameRows = params.schedule || (opts.valid && !(params.validMaxRows > 0 && opts.valid.X.rows > params.validMaxRows));
  const shared = sameRows ? memberData(X, y, opts, params, opts.seed, numericCols, otherCols) : null;
  const data = seeds.map((seed) => (shared ? { ...shared, seed } : memberData(X, y, opts, params, seed, numericCols, otherCols)));
  const arch: MlpArch = {
    numericCols,
    otherCols,
    // one shape for every member: features with fewer edges are padded (initWeights)
    nBins: Math.max(1, ...data.flatMap((d) => d.edges.map((e) => e.length - 1))),
    dEmb: params.dEmb,
    embRelu: params.embRelu,
    ...(params.rawNumeric ? { rawNumeric: true } : {}),
    hidden: params.hidden,
    k: params.k > 0 ? params.k : autoK(data[0]!.n),
  };
  const nets: MlpNet[] = [];
  const infos: TrainingInfo[] = [];
  try {
    for (const [m, d] of data.entries()) {
      const r = trainMember(d, arch, params, params.schedule?.[m] ?? null, t0, M > 1 ? (l) => log(l.replace(/^mlp/, `mlp member ${m + 1}/${M}`)) : log);
      nets.push(r.net);
      infos.push(r.info);
    }
  } catch (e) {
    for (const net of nets) net.dispose();
    throw e;
  }
  const spec = {
    format: FORMAT,
    version: VERSION,
    arch,
    members: M,
    params: { ...params },
    columns: X.columns.map((c) => ({ name: c.name, source: c.source, kind: c.kind })),
    predictBatch: params.predictBatch,
    // member 1's record (the model card draws its curve), and every member's outcome
    training: { ...infos[0]!, stoppedByTimeBudget: infos.some((x) => x.stoppedByTimeBudget), members: infos.map((x) => ({ rows: x.rows, epochs: x.epochs, bestEpoch: x.bestEpoch, bestValidAuc: x.bestValidAuc, schedule: x.history.slice(0, x.bestEpoch).map((h) => h.learningRate) })) },
  };
  if (M > 1) log(`mlp: ${M} members, best early-stopping AUC ${infos.map((x) => x.bestValidAuc.toFixed(4)).join(", ")}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return new FittedMlp(nets, spec);
}

/** Train one net on a member's rows with early stopping; the time budget counts from `t0` (shared). */
function trainMember(d: MemberData, arch: MlpArch, params: MlpParams, schedule: number[] | null, t0: number, log: (l: string) => void): { net: MlpNet; info: TrainingInfo } {
  const { n, valid, validY } = d;
  const F = arch.numericCols.length;
  const C = arch.otherCols.length;
  const net = new MlpNet(arch, initWeights(arch, d.edges, deriveSeed(d.seed, 2)));
  const batch = params.batchSize > 0 ? params.batchSize : autoBatch(n);
  const optimizer = tf.train.adam(params.learningRate);
  const vars = net.trainable();
  const decayed = net.decayed();
  let lr = params.learningRate;
  let lastChange = 0;
  const xNumAll = F > 0 ? tf.tensor2d(d.trainNum, [n, F]) : null;
  const xOtherAll = C > 0 ? tf.tensor2d(d.trainOther, [n, C]) : null;
  const yAll = tf.tensor1d(d.trainY);
  const shuffleRng = makeRng(deriveSeed(d.seed, 3));
  const order = Int32Array.from({ length: n }, (_, i) => i);
  // an epoch: a full pass, or on large data the next perEpoch rows of the shuffled order
  const perEpoch = params.epochRows > 0 && n > params.epochRows ? params.epochRows : n;
  let cursor = n; // shuffle before the first batch

  let best: MlpWeights | null = null;
  let bestAuc = -1;
  let bestEpoch = 0;
  let epochs = 0;
  let step = 0;
  let cut = false;
  let lossSum: tf.Scalar | null = null;
  let batches = 0;
  // per epoch: mean training loss (with dropout), validation log loss and AUC, for the model card's curve
  const history: { epoch: number; trainLoss: number; validLoss: number; validAuc: number; learningRate: number }[] = [];
  try {
    for (let epoch = 1; epoch <= (schedule ? schedule.length : params.maxEpochs); epoch++) {
      if (schedule && schedule[epoch - 1] !== lr) {
        lr = schedule[epoch - 1]!;
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
      }
      for (let seen = 0; seen < perEpoch; ) {
        if ((Date.now() - t0) / 1000 > params.timeBudgetSeconds) {
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
        const dropSeed = deriveSeed(d.seed, 1000 + step) & 0xfffff;
        step++;
        const cost = tf.tidy(() => {
          const it = tf.tensor1d(idx, "int32");
          const xn = xNumAll ? (tf.gather(xNumAll, it) as tf.Tensor2D) : null;
          const xo = xOtherAll ? (tf.gather(xOtherAll, it) as tf.Tensor2D) : null;
          const yb = tf.gather(yAll, it);
          const c = optimizer.minimize(
            () => {
              const z = net.logits(xn, xo, params.dropout, dropSeed);
              const yk = tf.broadcastTo(tf.expandDims(yb, 0), z.shape);
              // Stable BCE with logits: max(z,0) − z·y + log(1 + e^{−|z|}).
              return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, yk)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
            },
            true,
            vars,
          ) as tf.Scalar;
          if (params.weightDecay > 0) for (const v of decayed) v.assign(tf.mul(v, 1 - lr * params.weightDecay));
          // running sum of batch losses, read once per epoch (a read per step would stall the backend)
          return (lossSum ? tf.add(lossSum, c) : c) as tf.Scalar;
        });
        lossSum?.dispose();
        lossSum = cost;
        batches++;
      }
      epochs = epoch;
      const trainLoss = lossSum ? (lossSum.dataSync()[0] as number) / Math.max(1, batches) : Number.NaN;
      lossSum?.dispose();
      lossSum = null;
      batches = 0;
      if (schedule) {
        // refit: no validation rows; the last epoch's weights are the model
        history.push({ epoch, trainLoss: round6(trainLoss), validLoss: Number.NaN, validAuc: Number.NaN, learningRate: lr });
        bestEpoch = epoch;
        log(`mlp refit epoch ${epoch}/${schedule.length}: training loss ${trainLoss.toFixed(4)}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        if (cut) break;
        continue;
      }
      const validP = predictParts(net, valid, params.predictBatch);
      const auc = rankAuc(validP, validY);
      history.push({ epoch, trainLoss: round6(trainLoss), validLoss: round6(logLoss(validY, validP)), validAuc: round6(auc), learningRate: lr });
      if (auc > bestAuc + 1e-6) {
        bestAuc = auc;
        bestEpoch = epoch;
        best = net.readWeights();
      }
      const elapsed = (Date.now() - t0) / 1000;
      log(`mlp epoch ${epoch}: early-stopping AUC ${auc.toFixed(4)} (best ${bestAuc.toFixed(4)} at ${bestEpoch}), ${elapsed.toFixed(1)} s`);
      if (cut) {
        log(`mlp: training stopped by the ${params.timeBudgetSeconds} s time budget during epoch ${epoch}; results depend on machine speed`);
        break;
      }
      if (epoch - bestEpoch >= params.patience) break;
      if (params.lrDecayPatience > 0 && epoch - Math.max(bestEpoch, lastChange) >= params.lrDecayPatience) {
        lr *= params.lrDecayFactor;
        lastChange = epoch;
        // AdamOptimizer reads its learningRate field on every step; tfjs has no public setter.
        (optimizer as unknown as { learningRate: number }).learningRate = lr;
        log(`mlp: learning rate lowered to ${lr.toExponential(2)} after epoch ${epoch}`);
      }
    }
    if (best) net.assign(best);
  } catch (e) {
    net.dispose();
    throw e;
  } finally {
    optimizer.dispose();
    lossSum?.dispose();
    xNumAll?.dispose();
    xOtherAll?.dispose();
    yAll.dispose();
  }

  const info: TrainingInfo = { rows: n, validRows: valid.rows, rowsPerEpoch: perEpoch, epochs, bestEpoch, bestValidAuc: bestAuc, batchSize: batch, stoppedByTimeBudget: cut, history };
  log(`mlp: ${epochs} epochs, best early-stopping AUC ${bestAuc.toFixed(4)} at epoch ${bestEpoch}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { net, info };
}

function isIntArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x >= 0);
}

/** Rebuilds a fitted mlp from `save()` output. Throws ConfigError when the state is damaged or mismatched. */
export async function loadMlp(state: ModelState): Promise<FittedModel> {
  const bad = (d: string): never => {
    throw new ConfigError(msg.mlpStateInvalid(d));
  };
  if (state.kind !== "mlp") bad(`kind is '${state.kind}', expected 'mlp'`);
  const spec = state.spec as Record<string, unknown>;
  const version = spec["version"];
  if (spec["format"] !== FORMAT || (version !== VERSION && version !== 1)) bad(`format ${String(spec["format"])} v${String(version)}, expected ${FORMAT} v${VERSION} (or v1)`);
  const members = version === 1 ? 1 : spec["members"];
  if (!Number.isInteger(members) || (members as number) < 1 || (members as number) > 64) bad(`members is ${JSON.stringify(members)}, expected a whole number from 1 to 64`);
  const a = spec["arch"] as Partial<MlpArch> | undefined;
  const columns = spec["columns"];
  if (
    !a ||
    !isIntArray(a.numericCols) ||
    !isIntArray(a.otherCols) ||
    !isIntArray(a.hidden) ||
    !Number.isInteger(a.nBins) ||
    !Number.isInteger(a.dEmb) ||
    !Number.isInteger(a.k) ||
    typeof a.embRelu !== "boolean" ||
    (a.rawNumeric !== undefined && typeof a.rawNumeric !== "boolean") ||
    !Array.isArray(columns)
  ) {
    return bad("the architecture description is incomplete");
  }
  const arch = a as MlpArch;
  const predictBatch = Number.isInteger(spec["predictBatch"]) ? (spec["predictBatch"] as number) : MLP_DEFAULTS.predictBatch;
  // Expected weight shapes, checked against what was stored.
  const expected = initWeights(arch, arch.numericCols.map(() => [0, 1]), 0);
  const nets: MlpNet[] = [];
  for (let m = 0; m < (members as number); m++) {
    const prefix = version === 1 ? "" : `m${m}/`;
    const weights: MlpWeights = {};
    for (const [name, w] of Object.entries(expected)) {
      const got = state.weights[prefix + name];
      if (!got) bad(`weight '${prefix + name}' is missing`);
      else if (got.shape.join("x") !== w.shape.join("x") || got.values.length !== w.values.length) {
        bad(`weight '${prefix + name}' has shape [${got.shape.join(", ")}] and ${got.values.length} values, expected [${w.shape.join(", ")}] and ${w.values.length}`);
      }
      weights[name] = state.weights[prefix + name]!;
    }
    nets.push(new MlpNet(arch, weights));
  }
  return new FittedMlp(nets, { ...structuredClone(spec), columns: columns as { name: string; kind: string }[], predictBatch });
}
