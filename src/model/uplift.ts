/**
 * Per-subscriber uplift: what each retention action changes in a subscriber's churn, learned from past
 * contacts with random control groups (the campaigns table, churn's own contacts log).
 *
 * Model: a complementary log-log regression in which the action multiplies the churn hazard over the
 * outcome window.
 *
 *   P(churn within H days of the contact) = 1 - exp(-exp(eta))
 *   eta        = c0 + c1 * log L0(x) + g . z(x) + alpha_c + treated * log m_a(x)
 *   log m_a(x) = log m0_a(x) + b_a + (v + d_a) . z(x)
 *
 *   L0(x)  baseline cumulative hazard over H days, from the churn model's probability at contact time (an
 *          offset: the churn model learned it from every subscriber, not only the contacted); c0, c1 recalibrate
 *          it on the contact rows and g corrects it by modifier (without g, where the churn model misses, the
 *          treated rows' excess churn would be read as an effect of the action)
 *   alpha_c the campaign's own intercept (one action in one wave, with its own random control group): the effect
 *          is measured against that control group, not against a baseline shared with campaigns that picked
 *          other targets
 *   m0_a(x) the anchor: the action's multiplier for the subscriber's segment (the segment cell learned from the
 *          same contacts, or the catalogue's prior where a cell is thin), so the model learns corrections of a
 *          readable, well-supported estimate, and thin data leave the cell's value
 *   b_a    the action's correction for a typical subscriber (m < 1 helps, m > 1 provokes churn)
 *   z(x)   effect modifiers: standardised features at contact time (recent contacts, complaints, usage against
 *          the subscriber's own past, contract stage, value, risk, ...)
 *   v      responsiveness, shared by every action: how much more (or less) a subscriber reacts to any contact,
 *          e.g. one contacted last month reacts less to the next (one weight per modifier, pooled over actions)
 *   d_a    what changes this action's effect beyond that (an offer pushed at someone with an open ticket
 *          annoys them while a care call helps)
 *
 * Shrinkage, as a Gaussian prior (penalised likelihood, Fisher scoring with the model's Jacobian, float64):
 *   b_a ~ N(priorLogM_a, 1/priorPrecision)   thin data stay at the anchor (priorLogM 0) or at a given prior
 *   v ~ N(0, 1/sharedPrecision),  d_a ~ N(0, 1/actionPrecision),  g ~ N(0, 1),  alpha_c ~ N(0, 1/4)
 * `fitUpliftEvidence` chooses the precisions of v and d per modifier from the data (empirical Bayes), so a
 * modifier the contacts say nothing about is shrunk to nothing.
 * Intervals: the Laplace approximation (inverse penalised information) gives var(log m_a(x)) by the delta
 * method. Harmful effects (m > 1) are estimated like any other and kept: the plan never buys them.
 */
import { envelopeCholesky, envelopeInverse, envelopeSolve } from "./linalg.js";

export interface UpliftRows {
  n: number;
  /** Effect modifiers per row. */
  K: number;
  /** log of the baseline cumulative hazard over the outcome window, per row. */
  offset: Float64Array;
  /**
   * The anchor of each row's effect: the log hazard multiplier of its action that the model corrects (the
   * segment cell's, or the catalogue prior's, for the row's segment). Absent: 0 (no effect).
   */
  effectOffset?: Float64Array;
  /** Action index per row (0..A-1). */
  action: Int32Array;
  /** 1 = treatment (contacted), 0 = control. */
  treated: Uint8Array;
  /** 1 = churned within the outcome window. */
  y: Uint8Array;
  /** Modifiers, row-major n x K. */
  z: Float32Array;
  /**
   * Campaign of each row (0..G-1; a campaign = one action in one wave, with its own random control group) and
   * the number of campaigns. Each campaign gets its own baseline intercept, so an action's effect is measured
   * against its own control group: campaigns pick their targets (a referral invite goes to happy customers),
   * and without it the selection would be read as an effect. Absent: one shared baseline.
   */
  campaign?: Int32Array;
  G?: number;
}

export interface UpliftOptions {
  /** Actions (the model has one multiplier per action). */
  actions: readonly string[];
  /** Prior mean of each action's log hazard multiplier: log(1 - catalogue prior effect). */
  priorLogM: ArrayLike<number>;
  /** Prior precision of b_a (about the number of treated churners the prior is worth). */
  priorPrecision: number;
  /** Prior precision of the responsiveness weights v (one for all, or one per modifier). */
  sharedPrecision: number | ArrayLike<number>;
  /** Prior precision of the per-action modifier weights d_a (one for all, or one per modifier). */
  actionPrecision: number | ArrayLike<number>;
  maxIter?: number;
  tol?: number;
  /** Starting values (a previous fit's theta). */
  start?: Float64Array;
}

export interface UpliftFit {
  actions: string[];
  K: number;
  /** Campaigns (their intercepts follow d in theta; 0 = one shared baseline). */
  G: number;
  /** c0, c1, g (K), b (A), v (K), d (A x K). */
  theta: Float64Array;
  /** Posterior covariance of theta (P x P). */
  cov: Float64Array;
  iterations: number;
  converged: boolean;
  /** Penalised log-likelihood at the optimum. */
  logLik: number;
}

const SMALL_PRECISION = 1e-6;
/** Prior precision of the baseline corrections g (weak: every row informs them). */
const BASELINE_PRECISION = 1;

/** Parameter layout (alpha: the campaigns' baseline intercepts, last). */
export const upliftIndex = (A: number, K: number, G = 0) => ({
  c0: 0,
  c1: 1,
  g: (k: number) => 2 + k,
  b: (a: number) => 2 + K + a,
  v: (k: number) => 2 + K + A + k,
  d: (a: number, k: number) => 2 + 2 * K + A + a * K + k,
  alpha: (c: number) => 2 + 2 * K + A + A * K + c,
  P: 2 + 2 * K + A + A * K + G,
});

/** Prior precision of the campaigns' intercepts (around the shared baseline). */
const CAMPAIGN_PRECISION = 4;

const clampEta = (eta: number) => Math.min(4, Math.max(-30, eta));

/**
 * The Fisher-scoring quantities of one row at eta (score factor r, weight w), left in FISHER (no object per row:
 * this runs for every row of every iteration).
 */
const FISHER = { r: 0, w: 0 };
function fisherTerms(eta: number, y: number): void {
  const mu = Math.exp(clampEta(eta));
  const q = Math.exp(-mu); // P(survive)
  const p = -Math.expm1(-mu); // P(churn), accurate for small mu
  const dp = mu * q;
  const v = Math.max(p * q, 1e-300);
  FISHER.r = ((y - p) / v) * dp;
  FISHER.w = (dp * dp) / v;
}

/** log-likelihood of one row at eta. */
function rowLogLik(eta: number, y: number): number {
  const mu = Math.exp(clampEta(eta));
  return y ? Math.log(Math.max(-Math.expm1(-mu), 1e-300)) : -mu;
}

/** The correction of log m_a for one row from theta (z at offset `at` of `z`): b_a + (v + d_a) . z. */
function logMultiplier(theta: ArrayLike<number>, A: number, K: number, a: number, z: ArrayLike<number>, at: number): number {
  const ix = upliftIndex(A, K);
  let t = theta[ix.b(a)]!;
  for (let k = 0; k < K; k++) t += (theta[ix.v(k)]! + theta[ix.d(a, k)]!) * z[at + k]!;
  return t;
}

function priorOf(o: UpliftOptions, K: number, G: number): { mean: Float64Array; prec: Float64Array } {
  const A = o.actions.length;
  const ix = upliftIndex(A, K, G);
  const mean = new Float64Array(ix.P);
  const prec = new Float64Array(ix.P).fill(SMALL_PRECISION);
  const per = (x: number | ArrayLike<number>, k: number) => (typeof x === "number" ? x : x[k]!);
  for (let a = 0; a < A; a++) {
    mean[ix.b(a)] = o.priorLogM[a]!;
    prec[ix.b(a)] = o.priorPrecision;
    for (let k = 0; k < K; k++) prec[ix.d(a, k)] = per(o.actionPrecision, k);
  }
  for (let k = 0; k < K; k++) {
    prec[ix.v(k)] = per(o.sharedPrecision, k);
    prec[ix.g(k)] = BASELINE_PRECISION;
  }
  for (let c = 0; c < G; c++) prec[ix.alpha(c)] = CAMPAIGN_PRECISION;
  mean[ix.c1] = 1;
  return { mean, prec };
}

/** What every row's eta reads from theta, laid out flat: g (K), b (A), v + d_a (A x K, row-major), alpha. */
interface EtaTerms {
  c0: number;
  c1: number;
  g: Float64Array;
  b: Float64Array;
  vd: Float64Array;
  alpha: Float64Array;
}

function etaTerms(theta: Float64Array, A: number, K: number): EtaTerms {
  const ix = upliftIndex(A, K);
  const vd = new Float64Array(A * K);
  for (let a = 0; a < A; a++) for (let k = 0; k < K; k++) vd[a * K + k] = theta[ix.v(k)]! + theta[ix.d(a, k)]!;
  return {
    c0: theta[ix.c0]!,
    c1: theta[ix.c1]!,
    g: theta.subarray(ix.g(0), ix.g(0) + K),
    b: theta.subarray(ix.b(0), ix.b(0) + A),
    vd,
    alpha: theta.subarray(ix.alpha(0)),
  };
}

/**
 * eta of row i: c0 + c1 offset + g.z, plus for a treated row its anchor + b_a + (v + d_a).z, plus its campaign's
 * intercept.
 */
function etaOf(rows: UpliftRows, i: number, t: EtaTerms): number {
  const K = rows.K;
  const z = rows.z;
  const zi = i * K;
  let eta = t.c0 + t.c1 * rows.offset[i]!;
  for (let k = 0; k < K; k++) eta += t.g[k]! * z[zi + k]!;
  if (rows.treated[i]) {
    const a = rows.action[i]!;
    eta += (rows.effectOffset ? rows.effectOffset[i]! : 0) + t.b[a]!;
    const at = a * K;
    for (let k = 0; k < K; k++) eta += t.vd[at + k]! * z[zi + k]!;
  }
  return rows.campaign ? eta + t.alpha[rows.campaign[i]!]! : eta;
}

function penalisedLogLik(rows: UpliftRows, theta: Float64Array, A: number, prior: { mean: Float64Array; prec: Float64Array }): number {
  const t = etaTerms(theta, A, rows.K);
  let ll = 0;
  for (let i = 0; i < rows.n; i++) ll += rowLogLik(etaOf(rows, i, t), rows.y[i]!);
  for (let j = 0; j < theta.length; j++) ll -= 0.5 * prior.prec[j]! * (theta[j]! - prior.mean[j]!) ** 2;
  return ll;
}

/**
 * The rows grouped by the parameters their eta depends on (campaign, treated, action). Within a group every
 * row's Jacobian is the same map of u = (1, offset, z): parameter params[s] reads u[src[s]] (params increasing).
 * So the information matrix is sum over groups of M' (sum of w u u') M, and a row costs (K+2)(K+3)/2 products
 * instead of (4+3K)^2/2: an order of magnitude fewer at a dozen modifiers.
 */
interface RowGroups {
  of: Int32Array;
  params: Int32Array[];
  src: Int32Array[];
  /** Each group's campaign and treated action (-1: none, a control group). */
  campaign: number[];
  action: number[];
}

function groupRows(rows: UpliftRows, A: number): RowGroups {
  const K = rows.K;
  const ix = upliftIndex(A, K);
  const of = new Int32Array(rows.n);
  const index = new Map<number, number>();
  const params: Int32Array[] = [];
  const src: Int32Array[] = [];
  const campaign: number[] = [];
  const action: number[] = [];
  for (let i = 0; i < rows.n; i++) {
    const c = rows.campaign ? rows.campaign[i]! : -1;
    const t = rows.treated[i] ? rows.action[i]! : -1;
    const key = (c + 1) * (A + 1) + (t + 1);
    let g = index.get(key);
    if (g === undefined) {
      g = params.length;
      index.set(key, g);
      const p: number[] = [ix.c0, ix.c1];
      const u: number[] = [0, 1];
      const add = (param: number, from: number) => {
        p.push(param);
        u.push(from);
      };
      for (let k = 0; k < K; k++) add(ix.g(k), 2 + k);
      if (t >= 0) {
        add(ix.b(t), 0);
        for (let k = 0; k < K; k++) add(ix.v(k), 2 + k);
        for (let k = 0; k < K; k++) add(ix.d(t, k), 2 + k);
      }
      if (c >= 0) add(ix.alpha(c), 0);
      params.push(Int32Array.from(p));
      src.push(Int32Array.from(u));
      campaign.push(c);
      action.push(t);
    }
    of[i] = g;
  }
  return { of, params, src, campaign, action };
}

/**
 * An order of the parameters in which the information matrix is an arrow: one block per action (the intercepts
 * of its campaigns, b_a, d_a), which share no row with another action's block, then the dense border (c0, c1,
 * g, v, and the intercepts of campaigns with several actions). pos: each parameter's place in that order;
 * first: the envelope of each row (the first column a group couples it with), for envelopeCholesky.
 */
function arrowOrder(groups: RowGroups, A: number, K: number, G: number): { pos: Int32Array; first: Int32Array } {
  const ix = upliftIndex(A, K, G);
  const actionsOf: Set<number>[] = Array.from({ length: G }, () => new Set<number>());
  groups.campaign.forEach((c, grp) => {
    if (c >= 0 && groups.action[grp]! >= 0) actionsOf[c]!.add(groups.action[grp]!);
  });
  const order: number[] = [];
  for (let c = 0; c < G; c++) if (actionsOf[c]!.size === 0) order.push(ix.alpha(c));
  for (let a = 0; a < A; a++) {
    for (let c = 0; c < G; c++) if (actionsOf[c]!.size === 1 && actionsOf[c]!.has(a)) order.push(ix.alpha(c));
    order.push(ix.b(a));
    for (let k = 0; k < K; k++) order.push(ix.d(a, k));
  }
  order.push(ix.c0, ix.c1);
  for (let k = 0; k < K; k++) order.push(ix.g(k));
  for (let k = 0; k < K; k++) order.push(ix.v(k));
  for (let c = 0; c < G; c++) if (actionsOf[c]!.size > 1) order.push(ix.alpha(c));
  const pos = new Int32Array(ix.P);
  order.forEach((p, i) => {
    pos[p] = i;
  });
  const first = Int32Array.from({ length: ix.P }, (_, i) => i);
  for (const params of groups.params) {
    let m = ix.P;
    for (const p of params) m = Math.min(m, pos[p]!);
    for (const p of params) first[pos[p]!] = Math.min(first[pos[p]!]!, m);
  }
  return { pos, first };
}

/**
 * Fit the uplift model.
 * @example const fit = fitUplift(rows, { actions: ["care_call"], priorLogM: [Math.log(0.88)], priorPrecision: 20, sharedPrecision: 4, actionPrecision: 10 });
 */
export function fitUplift(rows: UpliftRows, o: UpliftOptions): UpliftFit {
  const A = o.actions.length;
  const K = rows.K;
  const G = rows.campaign ? (rows.G ?? 0) : 0;
  const ix = upliftIndex(A, K, G);
  const P = ix.P;
  const prior = priorOf(o, K, G);
  const theta = Float64Array.from(o.start ?? prior.mean);
  if (!o.start) {
    // start c0 at the mean log-hazard gap between outcomes and offsets, so the first steps are small
    let churn = 0;
    let off = 0;
    for (let i = 0; i < rows.n; i++) {
      churn += rows.y[i]!;
      off += rows.offset[i]!;
    }
    if (rows.n > 0) theta[ix.c0] = Math.log(-Math.log(1 - Math.min(0.99, (churn + 0.5) / (rows.n + 1)))) - off / rows.n;
  }
  const maxIter = o.maxIter ?? 50;
  const tol = o.tol ?? 1e-7;
  const groups = groupRows(rows, A);
  const { pos, first } = arrowOrder(groups, A, K, G);
  const NG = groups.params.length;
  const U = K + 2;
  const T = (U * (U + 1)) / 2;
  const u = new Float64Array(U);
  const S = new Float64Array(NG * T);
  const R = new Float64Array(NG * U);
  let ll = penalisedLogLik(rows, theta, A, prior);
  let iterations = 0;
  let converged = false;
  // the factor of the last information matrix (undefined when it was not positive definite): the covariance's
  let factor: Float64Array | undefined;
  for (; iterations < maxIter; iterations++) {
    const g = new Float64Array(P);
    const H = new Float64Array(P * P);
    S.fill(0);
    R.fill(0);
    // per group: the sums of r u and of w u u' (lower triangle, row by row)
    const terms = etaTerms(theta, A, K);
    for (let i = 0; i < rows.n; i++) {
      fisherTerms(etaOf(rows, i, terms), rows.y[i]!);
      const r = FISHER.r;
      const w = FISHER.w;
      const grp = groups.of[i]!;
      u[0] = 1;
      u[1] = rows.offset[i]!;
      for (let k = 0; k < K; k++) u[2 + k] = rows.z[i * K + k]!;
      let at = grp * T;
      const ru = grp * U;
      for (let s = 0; s < U; s++) {
        const us = u[s]!;
        R[ru + s]! += r * us;
        const wu = w * us;
        for (let t = 0; t <= s; t++) S[at++]! += wu * u[t]!;
      }
    }
    // H = sum over groups of M' S M, g = sum of M' R; H in the arrow order, lower triangle only
    for (let grp = 0; grp < NG; grp++) {
      const params = groups.params[grp]!;
      const src = groups.src[grp]!;
      const base = grp * T;
      for (let s = 0; s < params.length; s++) {
        const ps = pos[params[s]!]!;
        const us = src[s]!;
        g[params[s]!]! += R[grp * U + us]!;
        for (let t = 0; t <= s; t++) {
          const pt = pos[params[t]!]!;
          const ut = src[t]!;
          H[ps >= pt ? ps * P + pt : pt * P + ps]! += S[base + (us >= ut ? (us * (us + 1)) / 2 + ut : (ut * (ut + 1)) / 2 + us)]!;
        }
      }
    }
    const gp = new Float64Array(P);
    for (let j = 0; j < P; j++) {
      gp[pos[j]!] = g[j]! - prior.prec[j]! * (theta[j]! - prior.mean[j]!);
      H[pos[j]! * (P + 1)]! += prior.prec[j]!;
    }
    factor = envelopeCholesky(H, P, first) ? H : undefined;
    if (!factor) break;
    const stepP = envelopeSolve(factor, P, first, gp);
    const step = Float64Array.from(pos, (q) => stepP[q]!);
    // step halving keeps every iteration an ascent of the penalised likelihood
    let scale = 1;
    let next = theta;
    let nextLl = ll;
    for (let h = 0; h < 30; h++) {
      next = Float64Array.from(theta, (v, j) => v + scale * step[j]!);
      nextLl = penalisedLogLik(rows, next, A, prior);
      if (nextLl >= ll - 1e-12) break;
      scale /= 2;
    }
    let biggest = 0;
    for (let j = 0; j < P; j++) biggest = Math.max(biggest, Math.abs(next[j]! - theta[j]!));
    theta.set(next);
    ll = nextLl;
    if (biggest < tol) {
      converged = true;
      iterations++;
      break;
    }
  }
  let cov = new Float64Array(P * P).fill(Number.NaN);
  if (factor) {
    const inv = envelopeInverse(factor, P, first);
    cov = new Float64Array(P * P);
    for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) cov[p * P + q] = inv[pos[p]! * P + pos[q]!]!;
  }
  return { actions: [...o.actions], K, G, theta, cov, iterations, converged, logLik: ll };
}

export interface EvidenceFit extends UpliftFit {
  /** The prior precisions the evidence chose, per modifier. */
  sharedPrecision: Float64Array;
  actionPrecision: Float64Array;
  rounds: number;
}

/**
 * Fit with the prior precisions of the modifiers chosen from the data (empirical Bayes: MacKay's evidence
 * updates on the Laplace approximation, one precision per modifier for v and one per modifier for the d_a):
 * a modifier the contacts say nothing about is shrunk to 0, one they support is left free. The actions'
 * multipliers keep the catalogue prior's precision. Precisions stay within [minPrecision, maxPrecision].
 */
export function fitUpliftEvidence(rows: UpliftRows, o: UpliftOptions & { rounds?: number; minPrecision?: number; maxPrecision?: number }): EvidenceFit {
  const A = o.actions.length;
  const K = rows.K;
  const ix = upliftIndex(A, K, rows.campaign ? (rows.G ?? 0) : 0);
  const lo = o.minPrecision ?? 1;
  const hi = o.maxPrecision ?? 1e4;
  const init = (x: number | ArrayLike<number>) => Float64Array.from({ length: K }, (_, k) => (typeof x === "number" ? x : x[k]!));
  const shared = init(o.sharedPrecision);
  const action = init(o.actionPrecision);
  let fit = fitUplift(rows, { ...o, sharedPrecision: shared, actionPrecision: action });
  let rounds = 1;
  for (; rounds < (o.rounds ?? 15); rounds++) {
    const P = ix.P;
    let change = 0;
    for (let k = 0; k < K; k++) {
      const jv = ix.v(k);
      const gv = Math.max(1e-6, 1 - shared[k]! * fit.cov[jv * P + jv]!);
      const nv = Math.min(hi, Math.max(lo, gv / Math.max(fit.theta[jv]! ** 2, 1e-12)));
      let gd = 0;
      let sd = 0;
      for (let a = 0; a < A; a++) {
        const j = ix.d(a, k);
        gd += 1 - action[k]! * fit.cov[j * P + j]!;
        sd += fit.theta[j]! ** 2;
      }
      const nd = Math.min(hi, Math.max(lo, Math.max(1e-6, gd) / Math.max(sd, 1e-12)));
      change = Math.max(change, Math.abs(Math.log(nv / shared[k]!)), Math.abs(Math.log(nd / action[k]!)));
      shared[k] = nv;
      action[k] = nd;
    }
    fit = fitUplift(rows, { ...o, sharedPrecision: shared, actionPrecision: action, start: fit.theta });
    if (change < 0.05) break;
  }
  return { ...fit, sharedPrecision: shared, actionPrecision: action, rounds };
}

/** What one action does: b_a, the shared responsiveness v and its own d_a (for the model card). */
export function actionTerms(fit: UpliftFit, a: number): { b: number; v: Float64Array; d: Float64Array; sdB: number } {
  const A = fit.actions.length;
  const K = fit.K;
  const ix = upliftIndex(A, K, fit.G);
  const P = ix.P;
  return {
    b: fit.theta[ix.b(a)]!,
    sdB: Math.sqrt(Math.max(0, fit.cov[ix.b(a) * P + ix.b(a)]!)),
    v: Float64Array.from({ length: K }, (_, k) => fit.theta[ix.v(k)]!),
    d: Float64Array.from({ length: K }, (_, k) => fit.theta[ix.d(a, k)]!),
  };
}

/**
 * log m_a(z) and its standard deviation (delta method on the Laplace covariance) for every row of z
 * (row-major n x K), action a.
 * @example const { logM, sd } = predictLogMultiplier(fit, 0, z, n);
 */
export function predictLogMultiplier(fit: UpliftFit, a: number, z: ArrayLike<number>, n: number, anchor?: ArrayLike<number>): { logM: Float64Array; sd: Float64Array } {
  const A = fit.actions.length;
  const K = fit.K;
  const ix = upliftIndex(A, K, fit.G);
  const P = ix.P;
  // the parameters log m_a depends on: b_a, v (K), d_a (K); their covariance block, once
  const J = [ix.b(a), ...Array.from({ length: K }, (_, k) => ix.v(k)), ...Array.from({ length: K }, (_, k) => ix.d(a, k))];
  const D = J.length;
  const C = new Float64Array(D * D);
  for (let p = 0; p < D; p++) for (let q = 0; q < D; q++) C[p * D + q] = fit.cov[J[p]! * P + J[q]!]!;
  const logM = new Float64Array(n);
  const sd = new Float64Array(n);
  const grad = new Float64Array(D);
  for (let i = 0; i < n; i++) {
    logM[i] = (anchor ? anchor[i]! : 0) + logMultiplier(fit.theta, A, K, a, z, i * K);
    grad[0] = 1;
    for (let k = 0; k < K; k++) {
      grad[1 + k] = z[i * K + k]!;
      grad[1 + K + k] = z[i * K + k]!;
    }
    let v = 0;
    for (let p = 0; p < D; p++) {
      if (grad[p] === 0) continue;
      let t = 0;
      for (let q = 0; q < D; q++) t += C[p * D + q]! * grad[q]!;
      v += grad[p]! * t;
    }
    sd[i] = Math.sqrt(Math.max(0, v));
  }
  return { logM, sd };
}

/** Probability of churning over the horizon after an action with hazard multiplier m: 1 - (1 - p)^m. */
export function probabilityAfter(p: number, m: number): number {
  return -Math.expm1(m * Math.log1p(-Math.min(p, 1 - 1e-12)));
}

/**
 * For each contact row, the model's churn probability over the outcome window without contact (p0) and with
 * the row's action (p1): p0 - p1 is the row's predicted uplift (churn prevented).
 */
export function predictRows(fit: UpliftFit, rows: UpliftRows): { p0: Float64Array; p1: Float64Array } {
  const A = fit.actions.length;
  const K = rows.K;
  const ix = upliftIndex(A, K);
  const p0 = new Float64Array(rows.n);
  const p1 = new Float64Array(rows.n);
  for (let i = 0; i < rows.n; i++) {
    let eta0 = fit.theta[ix.c0]! + fit.theta[ix.c1]! * rows.offset[i]!;
    for (let k = 0; k < K; k++) eta0 += fit.theta[ix.g(k)]! * rows.z[i * K + k]!;
    const logM = (rows.effectOffset ? rows.effectOffset[i]! : 0) + logMultiplier(fit.theta, A, K, rows.action[i]!, rows.z, i * K);
    p0[i] = -Math.expm1(-Math.exp(clampEta(eta0)));
    p1[i] = -Math.expm1(-Math.exp(clampEta(eta0 + logM)));
  }
  return { p0, p1 };
}

/** Each contact row's log multiplier for its own action: the anchor plus the model's correction. */
export function rowLogMultipliers(fit: UpliftFit, rows: UpliftRows): Float64Array {
  const A = fit.actions.length;
  return Float64Array.from({ length: rows.n }, (_, i) => (rows.effectOffset ? rows.effectOffset[i]! : 0) + logMultiplier(fit.theta, A, rows.K, rows.action[i]!, rows.z, i * rows.K));
}
