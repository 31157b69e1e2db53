/**
 * The `mlp` model: a neural net for tabular churn data built to match gradient-boosted trees.
 *
 * - Numeric columns get piecewise-linear embeddings (PLE) over quantile bins fitted on the training rows
 *   only (the edges are part of the saved state), and with `rawNumeric` also as they are; missing indicators and
 *   one-hot columns go in as they are, except one-hot groups with more than `maxOneHotLevels` levels, which are
 *   left out.
 * - 2 shared hidden layers (ReLU, dropout) and a TabM-mini ensemble of k members (per-member input scaling
 *   and head, predictions averaged), trained with Adam and decoupled weight decay (AdamW).
 * - Several independent nets ("members") averaged; they train side by side in worker threads (mlp-pool.ts).
 * - Early stopping on validation AUC: `opts.valid` when given, else a seeded stratified split of the
 *   training rows. The best epoch's weights are kept. The learning rate drops on validation plateaus.
 * - Each member may use `timeBudgetSeconds` of CPU time (its own thread's), so what else runs on the machine does
 *   not starve it. A member that did not converge (fewer than MIN_EPOCHS epochs, or a validation AUC below logistic
 *   regression's on the same rows) is dropped and named in the log and the saved spec (the model card shows it).
 * - Deterministic: weights, shuffles and dropout masks all come from the seed, and a member's result does not
 *   depend on the thread it ran on; only a budget that runs out makes the result depend on machine speed.
 *
 * The function is defined in mlp-net.ts (MlpNet, a TF.js graph kept as the reference), trained by mlp-train.ts
 * (hand-written gradients, same function) and predicted by mlp-infer.ts (same function, far fewer operations), with
 * mlp-parallel.ts spreading large predictions over worker threads. PRNG, splits, bins and AUC are in mlp-util.ts.
 */
import { ConfigError, InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { type LogisticModel, linearProba, logisticTrainer } from "./logistic.js";
import { MlpInference, type MlpParts, predictRange } from "./mlp-infer.js";
import { initWeights, type MlpArch, type MlpWeights } from "./mlp-net.js";
import { predictParallel, predictThreads } from "./mlp-parallel.js";
import { trainMembers } from "./mlp-pool.js";
import type { MemberJob, TrainingInfo } from "./mlp-train.js";
import { deriveSeed, makeRng, quantileEdges, rankAuc, shuffleInPlace, treeEdges } from "./mlp-util.js";
import { stratifiedGroupSplit, stratifiedSplit } from "./split.js";
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
  /**
   * Start from logistic regression: a logistic model fitted on the member's training rows is a fixed base whose logit
   * is added to the net's (MlpArch.linear), so the net learns what the linear model misses, and a member is never
   * worse than it on its early-stopping rows (epoch 0 is the base alone). When no member's net beats its base, the
   * model is the base refitted on every training row: logistic regression. "auto": from LINEAR_BASE_FROM training
   * rows.
   */
  linearBase: boolean | "auto";
  /** One-hot groups with more levels than this are not used (0 keeps all); e.g. a 51-level US State. */
  maxOneHotLevels: number;
  /** Hidden layer widths. */
  hidden: number[];
  /**
   * Independent nets averaged (different initialisation, shuffles, dropout and, when no validation rows are
   * given, early-stopping split); 0 picks by data size (see autoMembers).
   */
  members: number;
  /** TabM-mini ensemble size; 0 picks by data size (2 below 200k training rows, else 1). */
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
  /**
   * CPU seconds each member may train for (its own thread's CPU time, so other work on the machine does not eat
   * it); hitting it is logged and recorded, and the result then depends on machine speed.
   */
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
 * - learning rate 3e-3 with reduce-on-plateau (×0.3 after 3 flat epochs): same AUC as 1e-3 in about half the epochs;
 * - patience 6 (was 12, with the learning rate cut after 4 flat epochs): the last ~12 epochs gained under 0.001 AUC;
 *   5 folds, k = 4: telco-ibm 0.8493 → 0.8495, iranian-churn 0.9897 → 0.9895, bigml-telecom 0.9200 → 0.9197,
 *   bank-churn 0.8679 → 0.8683, in 0.66-0.75x the CPU seconds;
 * - maxOneHotLevels 20: the 51-level US State one-hots overfit (bigml-telecom 0.894 → 0.907);
 * - by data size (n = training rows): batch 128 below 4k, 256 below 20k, else 1024; ensemble k = 2 below 200k,
 *   else 1. Training cost is linear in k. k = 4 below 20k rows cost twice as much for nothing (5 folds, with
 *   patience 6: iranian-churn 0.9895 → 0.9894, bigml-telecom 0.9197 → 0.9229, telco-ibm 0.8495 → 0.8491,
 *   bank-churn 0.8683 → 0.8680; 0.33-0.63x the CPU seconds); k = 1 lost (iranian-churn 0.9888, bigml-telecom
 *   0.9147), k = 8 gave nothing on bigml-telecom; on large data the budget buys more epochs instead;
 * - members: 3 independent nets below 100k training rows, else 2, one per core (bigml-telecom: 0.9124 → 0.9139 with 3; letting
 *   each member carve its own early-stopping rows instead of sharing the fold's validation rows gave 0.9097;
 *   cell2cell, 41k training rows per fold, with rawNumeric: see README "Measured");
 * - rawNumeric: the numeric values also enter the first layer beside their embeddings (bigml-telecom
 *   0.9154 → 0.9199, bank-churn and cell2cell up too, telco-ibm and iranian-churn unchanged; a sum of columns,
 *   such as total charges, is then a linear function of the input);
 * - large data: epochs of at most 262,144 rows, validation on at most 100,000 rows, a 240 s CPU budget per member
 *   (2 members train side by side), and from 200k rows a linear base, so that a fit on 1M rows ends within 5 minutes
 *   and is never worse than logistic regression on its early-stopping rows (scripts/bench/model-speed.mjs --model mlp).
 */
export const MLP_DEFAULTS: MlpParams = {
  nBins: 32,
  binning: "quantile",
  dEmb: 8,
  embRelu: true,
  rawNumeric: true,
  linearBase: "auto",
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
  patience: 6,
  lrDecayPatience: 3,
  lrDecayFactor: 0.3,
  validFraction: 0.2,
  timeBudgetSeconds: 240,
  predictBatch: 2048,
  schedule: null,
};

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

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

type Member = { arch: MlpArch; weights: MlpWeights };

class FittedMlp implements FittedModel {
  readonly kind = "mlp" as const;
  /** Built on first predict from the members' weights (see mlp-infer.ts). */
  private inference: MlpInference[] | null = null;
  /** The linear base alone (spec.linearOnly, float64 as fitted): the model is logistic regression. */
  private readonly linearOnly: { coefficients: Float64Array; intercept: number } | null;
  constructor(
    private readonly members: Member[],
    private readonly spec: Record<string, unknown> & { columns: { name: string; kind: string }[]; predictBatch: number },
  ) {
    const lo = spec["linearOnly"] as { coefficients: number[]; intercept: number } | undefined;
    this.linearOnly = lo ? { coefficients: Float64Array.from(lo.coefficients), intercept: lo.intercept } : null;
  }

  /** P(churn): the mean over members. */
  async predict(X: Matrix): Promise<Float32Array> {
    checkColumns(this.spec.columns, X);
    // no net beat the base: the same arithmetic as LogisticModel, so the same probabilities as logistic regression
    if (this.linearOnly) return linearProba(X, this.linearOnly.coefficients, this.linearOnly.intercept);
    const { numericCols, otherCols } = this.members[0]!.arch;
    // members with a linear base: its logit of each row, from all matrix columns
    const offsets = this.members.map((m) => (m.arch.linear !== undefined ? linearLogits(X, m.weights["lin_W"]!.values, m.weights["lin_b"]!.values[0]!) : null));
    const parts = { num: takeColumns(X, numericCols), other: takeColumns(X, otherCols), rows: X.rows, ...(offsets.some((o) => o) ? { offsets } : {}) };
    this.inference ??= this.members.map((m) => new MlpInference(m.arch, m.weights));
    const batch = this.spec.predictBatch;
    const threads = predictThreads(X.rows, batch);
    if (threads <= 1) return predictRange(this.inference, parts, batch);
    return predictParallel(this.inference, this.members, parts, batch, threads);
  }

  async save(): Promise<ModelState> {
    const weights: MlpWeights = {};
    this.members.forEach((net, m) => {
      for (const [name, w] of Object.entries(net.weights)) weights[`m${m}/${name}`] = { shape: [...w.shape], values: Float32Array.from(w.values) };
    });
    return { kind: "mlp", spec: structuredClone(this.spec), weights };
  }

  dispose(): void {
    for (const inf of this.inference ?? []) inf.dispose();
    this.inference = null;
  }
}

/** Members by data size: variance between runs is largest on small data, where extra nets are also cheap. */
function autoMembers(rows: number): number {
  return rows < AUTO_MEMBERS_BELOW ? 3 : 2;
}
const AUTO_MEMBERS_BELOW = 100_000;

/**
 * From this many training rows the nets start from a linear base (1M rows x 90 columns from a logistic model,
 * scripts/bench/model-speed.mjs: without it the mlp's held-out AUC stayed below logistic regression's; on small data
 * it cost AUC, bank-churn 0.8680 -> 0.8671).
 */
const LINEAR_BASE_FROM = 200_000;

function autoK(n: number): number {
  return n < 200000 ? 2 : 1;
}

function autoBatch(n: number): number {
  if (n < 4000) return 128;
  if (n < 20000) return 256;
  return 1024;
}

/** A member with fewer finished epochs than this did not converge (its budget ran out first). */
export const MIN_EPOCHS = 3;

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
  valid: MlpParts;
  validY: Float32Array;
  edges: number[][];
  /** Where the rows come from, for the logistic comparison: the training rows of X, the early-stopping rows of validX. */
  trainRows: Int32Array;
  validX: Matrix;
  validRows: Int32Array;
}

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
    const all = Array.from({ length: y.length }, (_, i) => i);
    const s = opts.groups ? stratifiedGroupSplit(all, y, opts.groups, params.validFraction, deriveSeed(seed, 1)) : stratifiedSplit(all, y, params.validFraction, deriveSeed(seed, 1));
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
    trainRows,
    validX,
    validRows,
  };
}

/** The rows of X at `rows`, as a matrix (all columns). */
function rowsOf(X: Matrix, rows: Int32Array): Matrix {
  if (rows.length === X.rows) return X; // every row, in order (the callers' row lists are sorted)
  return { ...X, rows: rows.length, data: takeColumns(X, Array.from({ length: X.cols }, (_, j) => j), rows) };
}

/** The logit of each row of X under a linear model (float64 sums of the float32 weights the model stores). */
export function linearLogits(X: Matrix, w: Float32Array, b: number): Float32Array {
  const out = new Float32Array(X.rows);
  const d = X.cols;
  for (let i = 0; i < X.rows; i++) {
    let z = b;
    const off = i * d;
    for (let j = 0; j < d; j++) z += X.data[off + j]! * w[j]!;
    out[i] = z;
  }
  return out;
}

/** Logistic regression fitted on a member's training rows: its float32 weights, its logits and its validation AUC. */
interface LogisticPart {
  w: Float32Array;
  b: number;
  /** Logits of the member's training rows and early-stopping rows. */
  train: Float32Array;
  valid: Float32Array;
  /** AUC on the member's early-stopping rows: the bar the member must clear to count as converged. */
  auc: number;
  /** The fit's float64 coefficients and intercept. */
  exact: { coefficients: number[]; intercept: number };
}

/** Logistic regression on all of X: its coefficients as float32 weights and its intercept, and as fitted (float64). */
async function linearFit(X: Matrix, y: Labels, seed: number): Promise<{ w: Float32Array; b: number; exact: { coefficients: number[]; intercept: number } }> {
  const model = (await logisticTrainer().fit(X, y, { seed })) as LogisticModel;
  const out = { w: Float32Array.from(model.coefficients), b: Math.fround(model.intercept), exact: { coefficients: Array.from(model.coefficients), intercept: model.intercept } };
  model.dispose();
  return out;
}

/**
 * Logistic regression fitted on each member's training rows, scored on its early-stopping rows. With given validation
 * rows (`shared`) or in a refit every member trains on all of X and one fit serves all; else each member has its own
 * split and its own fit.
 */
async function logisticParts(X: Matrix, y: Labels, data: MemberData[], shared: boolean, seed: number): Promise<LogisticPart[]> {
  const fitOne = async (d: MemberData, validX: Matrix): Promise<Omit<LogisticPart, "auc">> => {
    const { w, b, exact } = await linearFit(rowsOf(X, d.trainRows), takeRows(y, d.trainRows), seed);
    return { w, b, exact, train: linearLogits(rowsOf(X, d.trainRows), w, b), valid: linearLogits(validX, w, b) };
  };
  if (shared) {
    const d0 = data[0]!;
    // every given validation row is scored once; each member's AUC is on its own (possibly sampled) rows
    const f = await fitOne(d0, d0.validX === X ? rowsOf(X, d0.validRows) : d0.validX);
    return data.map((d) => {
      const valid = d0.validX === X ? f.valid : takeRows(f.valid, d.validRows);
      return { ...f, valid, auc: rankAuc(valid, d.validY) };
    });
  }
  const out: LogisticPart[] = [];
  for (const d of data) {
    const f = await fitOne(d, rowsOf(d.validX, d.validRows));
    out.push({ ...f, auc: rankAuc(f.valid, d.validY) });
  }
  return out;
}

async function fitMlp(X: Matrix, y: Labels, opts: FitOptions, given: MlpParams): Promise<FittedModel> {
  if (X.rows === 0) throw new InputDataError(msg.mlpNoRows());
  // the saved spec records what was used: a refit replays it (fit.ts refitMlp)
  const params: MlpParams = { ...given, linearBase: given.linearBase === "auto" ? X.rows >= LINEAR_BASE_FROM : given.linearBase };
  if (opts.valid) checkColumns(X.columns, opts.valid.X);
  const log = opts.onLog ?? (() => {});
  const t0 = performance.now();
  const { numericCols, otherCols } = splitColumns(X.columns, params.maxOneHotLevels);
  // with a linear base, a member whose best was epoch 0 (the base alone) refits for no epoch
  if (params.schedule?.some((lrs) => (lrs.length === 0 && !params.linearBase) || lrs.some((x) => !(x > 0)))) throw new ConfigError(msg.mlpStateInvalid("a refit schedule needs at least one positive learning rate per member"));
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
    ...(params.linearBase ? { linear: X.cols } : {}),
  };
  const batchSize = params.batchSize > 0 ? params.batchSize : autoBatch(data[0]!.n);
  const sharedFit = Boolean(opts.valid) || Boolean(params.schedule);
  // the linear base is needed before the nets train; otherwise the same fits only set the convergence bar, and run here
  // while the members train in worker threads
  const base = params.linearBase ? await logisticParts(X, y, data, sharedFit, opts.seed) : null;
  const jobs: MemberJob[] = data.map((d, m) => {
    const init = initWeights(arch, d.edges, deriveSeed(d.seed, 2));
    const lin = base?.[m];
    if (lin) {
      init["lin_W"]!.values.set(lin.w);
      init["lin_b"]!.values[0] = lin.b;
    }
    return {
      seed: d.seed,
      arch,
      init,
      params,
      batchSize,
      n: d.n,
      num: d.trainNum,
      other: d.trainOther,
      y: d.trainY,
      offset: lin ? lin.train : null,
      valid: lin ? { ...d.valid, offsets: [lin.valid] } : d.valid,
      validY: d.validY,
      schedule: params.schedule?.[m] ?? null,
    };
  });
  const logs = jobs.map((_, m) => (M > 1 ? (l: string) => log(l.replace(/^mlp/, `mlp member ${m + 1}/${M}`)) : log));
  const [results, parts] = await Promise.all([trainMembers(jobs, logs), base ?? (params.schedule ? null : logisticParts(X, y, data, sharedFit, opts.seed))]);
  const bars = params.schedule || !parts ? null : parts.map((x) => x.auc);
  const infos = results.map((r) => r.info);
  const { verdicts, kept, noneConverged } = params.schedule ? { verdicts: infos.map(() => null), kept: infos.map((_, m) => m), noneConverged: false } : convergence(infos, bars);
  verdicts.forEach((v, m) => {
    if (v !== null) log(msg.mlpMemberDropped(m + 1, M, v, kept.includes(m)));
  });
  // With a linear base, when no member's net beat it on the early-stopping rows (best epoch 0 in every kept member),
  // the model is the base alone: fitted on every training row, as logistic regression is, instead of an average of
  // fits on each member's share of them.
  const baseOnly = base !== null && !params.schedule && kept.every((m) => infos[m]!.bestEpoch === 0);
  let members = kept.map((m) => ({ arch, weights: results[m]!.weights }));
  let linearOnly: { coefficients: number[]; intercept: number } | null = null;
  if (baseOnly) {
    const all = sharedFit ? base[0]! : await linearFit(X, y, opts.seed);
    const weights = { ...results[kept[0]!]!.weights, lin_W: { shape: [X.cols], values: Float32Array.from(all.w) }, lin_b: { shape: [1], values: Float32Array.of(all.b) } };
    members = [{ arch, weights }];
    linearOnly = all.exact;
  }
  const stoppedByTimeBudget = infos.some((x) => x.stoppedByTimeBudget);
  const spec = {
    format: FORMAT,
    version: VERSION,
    arch,
    members: members.length,
    ...(linearOnly ? { linearOnly } : {}),
    // the values used: members kept, TabM size and batch size as chosen by data size when 0
    params: { ...params, members: members.length, k: arch.k, batchSize },
    columns: X.columns.map((c) => ({ name: c.name, source: c.source, kind: c.kind })),
    predictBatch: params.predictBatch,
    // the first kept member's record (the model card draws its curve), and every kept member's outcome
    training: {
      // CPU seconds stay out of the saved spec: the same data and seed give the same bytes
      ...omitCpu(infos[kept[0]!]!),
      stoppedByTimeBudget,
      timeBudgetSeconds: params.timeBudgetSeconds,
      ...(bars ? { logisticValidAuc: bars.map(round6) } : {}),
      members: kept.map((m) => ({ member: m + 1, ...memberSummary(infos[m]!) })),
      dropped: verdicts.flatMap((v, m) => (v !== null && !kept.includes(m) ? [{ member: m + 1, reason: v, ...memberSummary(infos[m]!) }] : [])),
      ...(noneConverged ? { noMemberConverged: verdicts[kept[0]!] } : {}),
      ...(baseOnly ? { linearBaseOnly: true } : {}),
    },
  };
  const cpu = infos.reduce((a, x) => a + x.cpuSeconds, 0).toFixed(1);
  if (params.schedule) log(`mlp refit: ${M} member${M === 1 ? "" : "s"}, ${cpu} s CPU, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  else if (M > 1) log(`mlp: ${kept.length} of ${M} members kept, best early-stopping AUC ${kept.map((m) => infos[m]!.bestValidAuc.toFixed(4)).join(", ")}, ${cpu} s CPU, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (baseOnly) log(msg.mlpBaseOnly(X.rows));
  return new FittedMlp(members, spec);
}

/**
 * Which members converged. A member did not when its CPU budget ran out before MIN_EPOCHS epochs, or when its best
 * validation AUC is below logistic regression's on the same rows (`bars[m]`, when known). Those are dropped; if none
 * converged, the one with the best validation AUC is kept (`noneConverged`), and the model says so.
 */
export function convergence(infos: Pick<TrainingInfo, "epochs" | "bestValidAuc" | "stoppedByTimeBudget">[], bars: number[] | null): { verdicts: (string | null)[]; kept: number[]; noneConverged: boolean } {
  const verdicts = infos.map((x, m) => {
    if (x.stoppedByTimeBudget && x.epochs < MIN_EPOCHS) return `${x.epochs} epoch${x.epochs === 1 ? "" : "s"} before the CPU budget ran out, fewer than ${MIN_EPOCHS}`;
    const bar = bars?.[m];
    if (bar !== undefined && x.bestValidAuc < bar) return `validation AUC ${x.bestValidAuc.toFixed(4)}, below logistic regression's ${bar.toFixed(4)} on the same rows`;
    return null;
  });
  const kept = infos.map((_, m) => m).filter((m) => verdicts[m] === null);
  if (kept.length > 0) return { verdicts, kept, noneConverged: false };
  return { verdicts, kept: [infos.reduce((b, x, m) => (x.bestValidAuc > infos[b]!.bestValidAuc ? m : b), 0)], noneConverged: true };
}

function omitCpu(x: TrainingInfo): Omit<TrainingInfo, "cpuSeconds"> {
  const { cpuSeconds: _, ...rest } = x;
  return rest;
}

function memberSummary(x: TrainingInfo) {
  const schedule = x.history.filter((h) => h.epoch >= 1 && h.epoch <= x.bestEpoch).map((h) => h.learningRate);
  return { rows: x.rows, epochs: x.epochs, bestEpoch: x.bestEpoch, bestValidAuc: x.bestValidAuc, stoppedByTimeBudget: x.stoppedByTimeBudget, schedule };
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
    (a.linear !== undefined && !(Number.isInteger(a.linear) && a.linear === (columns as unknown[] | undefined)?.length)) ||
    (a.rawNumeric !== undefined && typeof a.rawNumeric !== "boolean") ||
    !Array.isArray(columns)
  ) {
    return bad("the architecture description is incomplete");
  }
  const lo = spec["linearOnly"] as { coefficients?: unknown; intercept?: unknown } | undefined;
  if (lo !== undefined) {
    const ok = Array.isArray(lo.coefficients) && lo.coefficients.length === (columns as unknown[]).length && lo.coefficients.every(Number.isFinite) && Number.isFinite(lo.intercept);
    if (!ok) bad(`linearOnly must hold one finite coefficient per column (${(columns as unknown[]).length}) and a finite intercept`);
  }
  const arch = a as MlpArch;
  const predictBatch = Number.isInteger(spec["predictBatch"]) ? (spec["predictBatch"] as number) : MLP_DEFAULTS.predictBatch;
  // Expected weight shapes, checked against what was stored.
  const expected = initWeights(arch, arch.numericCols.map(() => [0, 1]), 0);
  const nets: Member[] = [];
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
    nets.push({ arch, weights });
  }
  return new FittedMlp(nets, { ...structuredClone(spec), columns: columns as { name: string; kind: string }[], predictBatch });
}
