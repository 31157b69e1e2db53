/**
 * L2-regularised logistic regression trained to convergence by Newton's method (IRLS) on the full batch.
 *
 * Objective (scikit-learn's, with C = 1 / l2):  sum_i logloss(y_i, sigmoid(b + x_i.w)) + l2 / 2 * ||w||^2,
 * the intercept b is not penalised.
 *
 * Implemented in plain typed arrays with float64 accumulation, not TensorFlow.js ops: TF.js computes in
 * float32 and has no linear solver, while Newton needs an exact d x d solve (Cholesky here) and float64 sums
 * over up to millions of rows to converge to 1e-8. The Hessian costs n * d^2 / 2 multiply-adds per step and
 * Newton converges in ~6-10 steps, so for d <= 300 this is both exact and fast. Above that the Newton
 * step is solved by conjugate gradients on Hessian-vector products (n * d per product).
 */
import { cholesky, choleskySolve } from "./linalg.js";
import type { FitOptions, FittedModel, Labels, Matrix, ModelState, ModelTrainer } from "./types.js";

export interface LogisticOptions {
  /** L2 penalty on the summed log loss (scikit-learn C = 1 / l2). */
  l2: number;
  /** Stop when the largest Newton step component is below this. */
  tol: number;
  maxIter: number;
}

export const defaultLogisticOptions: LogisticOptions = { l2: 1, tol: 1e-8, maxIter: 100 };

const DIRECT_SOLVE_MAX_COLS = 300;

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** log(1 + exp(z)) without overflow. */
function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** theta = [w_0..w_{d-1}, b]. Linear predictor for every row. */
function linear(X: Matrix, theta: Float64Array, out: Float64Array): void {
  const d = X.cols;
  const b = theta[d]!;
  const data = X.data;
  for (let i = 0; i < X.rows; i++) {
    let z = b;
    const o = i * d;
    for (let j = 0; j < d; j++) z += data[o + j]! * theta[j]!;
    out[i] = z;
  }
}

function objective(z: Float64Array, y: Labels, theta: Float64Array, l2: number, d: number): number {
  let f = 0;
  for (let i = 0; i < z.length; i++) f += softplus(z[i]!) - y[i]! * z[i]!;
  let r = 0;
  for (let j = 0; j < d; j++) r += theta[j]! ** 2;
  return f + 0.5 * l2 * r;
}

/** Newton direction from the explicit Hessian X'WX + l2 I (bias unpenalised). */
function directStep(X: Matrix, w: Float64Array, g: Float64Array, l2: number): Float64Array {
  const d = X.cols;
  const D = d + 1;
  const H = new Float64Array(D * D);
  const row = new Float64Array(D);
  row[d] = 1;
  const data = X.data;
  // Only the non-zero entries of a row contribute (one-hot columns are mostly zero): loop over those pairs.
  const nz = new Int32Array(D);
  for (let i = 0; i < X.rows; i++) {
    const wi = w[i]!;
    if (wi < 1e-300) continue;
    const o = i * d;
    let m = 0;
    for (let j = 0; j < d; j++) {
      const v = data[o + j]!;
      row[j] = v;
      if (v !== 0) nz[m++] = j;
    }
    nz[m++] = d; // bias
    // Lower triangle only: H[a][b] for b <= a (nz is increasing).
    for (let s = 0; s < m; s++) {
      const a = nz[s]!;
      const va = wi * row[a]!;
      const base = a * D;
      for (let t = 0; t <= s; t++) {
        const b = nz[t]!;
        H[base + b]! += va * row[b]!;
      }
    }
  }
  for (let a = 0; a < d; a++) H[a * D + a]! += l2;
  H[d * D + d]! += 1e-10; // keeps the bias row positive definite on degenerate data
  const neg = Float64Array.from(g, (v) => -v);
  if (!cholesky(H, D)) {
    for (let a = 0; a < D; a++) H[a * D + a]! += 1e-6;
    if (!cholesky(H, D)) return neg; // gradient step; the line search still guarantees descent
  }
  return choleskySolve(H, D, neg);
}

/** Newton direction by conjugate gradients on Hessian-vector products (large d). */
function cgStep(X: Matrix, w: Float64Array, g: Float64Array, l2: number): Float64Array {
  const d = X.cols;
  const D = d + 1;
  const data = X.data;
  const Hv = (v: Float64Array): Float64Array => {
    const out = new Float64Array(D);
    for (let i = 0; i < X.rows; i++) {
      const o = i * d;
      let z = v[d]!;
      for (let j = 0; j < d; j++) z += data[o + j]! * v[j]!;
      z *= w[i]!;
      for (let j = 0; j < d; j++) out[j]! += data[o + j]! * z;
      out[d]! += z;
    }
    for (let j = 0; j < d; j++) out[j]! += l2 * v[j]!;
    out[d]! += 1e-10 * v[d]!;
    return out;
  };
  const x = new Float64Array(D);
  const r = Float64Array.from(g, (v) => -v);
  const p = Float64Array.from(r);
  let rr = r.reduce((s, v) => s + v * v, 0);
  const stop = 1e-20 + 1e-12 * rr;
  for (let it = 0; it < Math.min(D, 250) && rr > stop; it++) {
    const Ap = Hv(p);
    let pAp = 0;
    for (let j = 0; j < D; j++) pAp += p[j]! * Ap[j]!;
    if (!(pAp > 0)) break;
    const alpha = rr / pAp;
    let rrNew = 0;
    for (let j = 0; j < D; j++) {
      x[j]! += alpha * p[j]!;
      r[j]! -= alpha * Ap[j]!;
      rrNew += r[j]! ** 2;
    }
    const beta = rrNew / rr;
    for (let j = 0; j < D; j++) p[j] = r[j]! + beta * p[j]!;
    rr = rrNew;
  }
  return x;
}

export interface LogisticFitInfo {
  iterations: number;
  converged: boolean;
  objective: number;
  /** Largest absolute gradient component at the end. */
  gradientMax: number;
}

/** Fit theta = [w, b]. */
export function fitLogisticTheta(X: Matrix, y: Labels, o: LogisticOptions, onLog?: (line: string) => void): { theta: Float64Array; info: LogisticFitInfo } {
  const d = X.cols;
  const D = d + 1;
  const n = X.rows;
  const theta = new Float64Array(D);
  // Start at the base rate: b = logit(mean y).
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, pos / Math.max(1, n)));
  theta[d] = Math.log(rate / (1 - rate));
  const z = new Float64Array(n);
  const w = new Float64Array(n);
  const resid = new Float64Array(n);
  linear(X, theta, z);
  let f = objective(z, y, theta, o.l2, d);
  let it = 0;
  let converged = false;
  let gmax = Number.POSITIVE_INFINITY;
  const data = X.data;
  for (; it < o.maxIter; it++) {
    const g = new Float64Array(D);
    for (let i = 0; i < n; i++) {
      const p = sigmoid(z[i]!);
      w[i] = p * (1 - p);
      resid[i] = p - y[i]!;
    }
    for (let i = 0; i < n; i++) {
      const r = resid[i]!;
      if (r === 0) continue;
      const off = i * d;
      for (let j = 0; j < d; j++) g[j]! += data[off + j]! * r;
      g[d]! += r;
    }
    for (let j = 0; j < d; j++) g[j]! += o.l2 * theta[j]!;
    gmax = g.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    if (gmax < 1e-10 * Math.max(1, n)) {
      converged = true;
      break;
    }
    const step = d <= DIRECT_SOLVE_MAX_COLS ? directStep(X, w, g, o.l2) : cgStep(X, w, g, o.l2);
    // Backtracking line search (Armijo); a full Newton step is accepted almost always.
    let slope = 0;
    for (let j = 0; j < D; j++) slope += g[j]! * step[j]!;
    let t = 1;
    const trial = new Float64Array(D);
    let fNew = f;
    for (let k = 0; k < 40; k++) {
      for (let j = 0; j < D; j++) trial[j] = theta[j]! + t * step[j]!;
      linear(X, trial, z);
      fNew = objective(z, y, trial, o.l2, d);
      if (fNew <= f + 1e-4 * t * slope || !(slope < 0)) break;
      t *= 0.5;
    }
    theta.set(trial);
    const stepMax = step.reduce((m, v) => Math.max(m, Math.abs(v)), 0) * t;
    const decrease = f - fNew;
    f = fNew;
    if (stepMax < o.tol || decrease <= 1e-14 * Math.abs(f)) {
      converged = true;
      it++;
      break;
    }
  }
  onLog?.(`logistic: ${it} Newton iterations, ${converged ? "converged" : "NOT converged"}, objective ${f.toFixed(6)}`);
  return { theta, info: { iterations: it, converged, objective: f, gradientMax: gmax } };
}

/** P(churn) of each row under a linear model: float64 sums, float32 probabilities (what LogisticModel predicts). */
export function linearProba(X: Matrix, coefficients: Float64Array, intercept: number): Float32Array {
  const theta = new Float64Array(X.cols + 1);
  theta.set(coefficients);
  theta[X.cols] = intercept;
  const z = new Float64Array(X.rows);
  linear(X, theta, z);
  return Float32Array.from(z, sigmoid);
}

export class LogisticModel implements FittedModel {
  readonly kind = "logistic" as const;
  constructor(
    /** One coefficient per matrix column. */
    readonly coefficients: Float64Array,
    readonly intercept: number,
    readonly columnNames: string[],
    readonly options: LogisticOptions,
    readonly info: LogisticFitInfo,
  ) {}

  /** The logit (log-odds) of each row. */
  logits(X: Matrix): Float64Array {
    const theta = new Float64Array(X.cols + 1);
    theta.set(this.coefficients);
    theta[X.cols] = this.intercept;
    const z = new Float64Array(X.rows);
    linear(X, theta, z);
    return z;
  }

  async predict(X: Matrix): Promise<Float32Array> {
    return this.predictSync(X);
  }

  predictSync(X: Matrix): Float32Array {
    if (X.cols !== this.coefficients.length) throw new Error(`logistic: matrix has ${X.cols} columns, model has ${this.coefficients.length}`);
    return linearProba(X, this.coefficients, this.intercept);
  }

  async save(): Promise<ModelState> {
    return {
      kind: "logistic",
      spec: {
        options: { ...this.options },
        fit: { ...this.info },
        intercept: this.intercept,
        columns: this.columnNames,
        coefficients: Array.from(this.coefficients),
      },
      weights: {},
    };
  }

  dispose(): void {}
}

export function loadLogistic(state: ModelState): LogisticModel {
  const s = state.spec as { options?: LogisticOptions; fit?: LogisticFitInfo; intercept?: number; columns?: string[]; coefficients?: number[] };
  if (state.kind !== "logistic" || !Array.isArray(s.coefficients) || typeof s.intercept !== "number" || !Array.isArray(s.columns) || s.columns.length !== s.coefficients.length) {
    throw new Error("not a logistic model state");
  }
  return new LogisticModel(Float64Array.from(s.coefficients), s.intercept, s.columns, s.options ?? defaultLogisticOptions, s.fit ?? { iterations: 0, converged: true, objective: 0, gradientMax: 0 });
}

export function logisticTrainer(options: Partial<LogisticOptions> = {}): ModelTrainer {
  const o = { ...defaultLogisticOptions, ...options };
  return {
    kind: "logistic",
    async fit(X: Matrix, y: Labels, opts: FitOptions): Promise<LogisticModel> {
      const { theta, info } = fitLogisticTheta(X, y, o, opts.onLog);
      return new LogisticModel(theta.slice(0, X.cols), theta[X.cols]!, X.columns.map((c) => c.name), o, info);
    },
  };
}

/**
 * Reasons for one row: contribution_j = coef_j * (x_j - reference_j), where reference is the training mean
 * of each matrix column. base + sum(contributions) equals the row's logit exactly.
 */
export function explainRow(model: LogisticModel, X: Matrix, row: number, reference: ArrayLike<number>): { base: number; contributions: Float64Array } {
  const d = X.cols;
  let base = model.intercept;
  const contributions = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    base += model.coefficients[j]! * reference[j]!;
    contributions[j] = model.coefficients[j]! * (X.data[row * d + j]! - reference[j]!);
  }
  return { base, contributions };
}
