import { describe, expect, it } from "vitest";
import { qini } from "../../src/model/qini.js";
import { actionTerms, fitUplift, predictLogMultiplier, predictRows, probabilityAfter, rowLogMultipliers, type UpliftRows, upliftIndex } from "../../src/model/uplift.js";
import { rng } from "../../src/rng.js";

/** Contact rows from a known world: 3 actions, 2 modifiers; the truth of each row's log multiplier is returned. */
function world(n: number, seed: number) {
  const r = rng(seed);
  const K = 2;
  const rows: UpliftRows = {
    n,
    K,
    offset: new Float64Array(n),
    action: new Int32Array(n),
    treated: new Uint8Array(n),
    y: new Uint8Array(n),
    z: new Float32Array(n * K),
  };
  const truth = new Float64Array(n);
  // action 0 helps more where z1 is high; action 1 harms everyone; action 2 helps less where z2 is high
  const logM = (a: number, z1: number, z2: number) => (a === 0 ? -0.5 + 0.6 * z1 : a === 1 ? 0.3 : -0.3 + 0.4 * z2);
  for (let i = 0; i < n; i++) {
    const p0 = 0.02 + 0.3 * r() ** 2;
    const z1 = r() < 0.3 ? 1 : 0;
    const z2 = r() * 2 - 1;
    const a = Math.floor(r() * 3);
    const t = r() < 0.7 ? 1 : 0;
    rows.offset[i] = Math.log(-Math.log(1 - p0));
    rows.action[i] = a;
    rows.treated[i] = t;
    rows.z[i * K] = z1;
    rows.z[i * K + 1] = z2;
    truth[i] = logM(a, z1, z2);
    const p = t ? probabilityAfter(p0, Math.exp(truth[i]!)) : p0;
    rows.y[i] = r() < p ? 1 : 0;
  }
  return { rows, truth };
}

const weak = { actions: ["a0", "a1", "a2"], priorLogM: [0, 0, 0], priorPrecision: 0.01, sharedPrecision: 0.01, actionPrecision: 0.01 };

describe("uplift model (cloglog GLM with per-action hazard multipliers)", () => {
  it("recovers each action's multiplier and its modifiers within their intervals", () => {
    const { rows } = world(60_000, 1);
    const fit = fitUplift(rows, weak);
    expect(fit.converged).toBe(true);
    const ix = upliftIndex(3, 2);
    const sd = (j: number) => Math.sqrt(fit.cov[j * ix.P + j]!);
    expect(Math.abs(fit.theta[ix.c1]! - 1)).toBeLessThan(4 * sd(ix.c1));
    // the learned log multiplier at a few modifier values, against the truth, within 4 standard deviations
    const truth = (a: number, z1: number, z2: number) => (a === 0 ? -0.5 + 0.6 * z1 : a === 1 ? 0.3 : -0.3 + 0.4 * z2);
    const points = [
      [0, 0],
      [1, 0],
      [0, 1],
      [0, -1],
    ] as const;
    for (let a = 0; a < 3; a++) {
      const z = Float32Array.from(points.flat());
      const got = predictLogMultiplier(fit, a, z, points.length);
      points.forEach(([z1, z2], r) => {
        expect(Math.abs(got.logM[r]! - truth(a, z1, z2))).toBeLessThan(4 * got.sd[r]! + 0.02);
      });
    }
    // the harmful action is estimated harmful, with an interval that excludes "no effect"
    const harm = predictLogMultiplier(fit, 1, Float32Array.of(0, 0), 1);
    expect(harm.logM[0]! - 2 * harm.sd[0]!).toBeGreaterThan(0);
  });

  it("stays at the catalogue prior when there are only a few contacts", () => {
    const { rows } = world(150, 2);
    const prior = { ...weak, priorLogM: [Math.log(0.8), Math.log(0.9), Math.log(0.95)], priorPrecision: 200, sharedPrecision: 50, actionPrecision: 50 };
    const fit = fitUplift(rows, prior);
    for (let a = 0; a < 3; a++) expect(actionTerms(fit, a).b).toBeCloseTo(prior.priorLogM[a]!, 1);
  });

  it("measures each action against its own campaign's control group, not a baseline shared with campaigns that picked other targets", () => {
    // two campaigns of one action each; campaign 1 picked subscribers whose churn the offset overstates 2x (the churn
    // model misses what the campaign selected on); the true effect is none for both actions
    const r = rng(5);
    const n = 30_000;
    const rows: UpliftRows = { n, K: 0, offset: new Float64Array(n), action: new Int32Array(n), treated: new Uint8Array(n), y: new Uint8Array(n), z: new Float32Array(0) };
    const campaign = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const a = i % 2;
      const p0 = 0.05 + 0.1 * r();
      const real = a === 1 ? probabilityAfter(p0, 0.5) : p0; // campaign 1's targets churn at half the hazard the offset says
      rows.offset[i] = Math.log(-Math.log(1 - p0));
      rows.action[i] = a;
      rows.treated[i] = r() < 0.75 ? 1 : 0;
      rows.y[i] = r() < real ? 1 : 0;
      campaign[i] = a;
    }
    const opts = { actions: ["a0", "a1"], priorLogM: [0, 0], priorPrecision: 0.01, sharedPrecision: 1, actionPrecision: 1 };
    const shared = fitUplift(rows, opts);
    const own = fitUplift({ ...rows, campaign, G: 2 }, opts);
    // a shared baseline reads campaign 1's selection as an effect of action 1 (about log 0.5 against action 0's targets)
    expect(actionTerms(shared, 1).b - actionTerms(shared, 0).b).toBeLessThan(-0.4);
    // its own control group says: no effect
    for (const a of [0, 1]) expect(Math.abs(actionTerms(own, a).b)).toBeLessThan(3 * actionTerms(own, a).sdB + 0.01);
  });

  it("learns corrections of an anchor: thin data leave each row at its anchor, plenty of data move it to the truth", () => {
    const { rows, truth } = world(60_000, 6);
    // anchors: the truth of action 0 and 2 at z = 0 (the "segment cell"), and no effect for action 1 (wrong: it harms)
    const anchorOf = (a: number) => (a === 0 ? -0.5 : a === 1 ? 0 : -0.3);
    const anchored: UpliftRows = { ...rows, effectOffset: Float64Array.from(rows.action, (a) => anchorOf(a)) };
    const firm = fitUplift(anchored, { ...weak, priorPrecision: 1 });
    const learned = rowLogMultipliers(firm, anchored);
    let err = 0;
    for (let i = 0; i < rows.n; i++) err += Math.abs(learned[i]! - truth[i]!);
    expect(err / rows.n).toBeLessThan(0.06);
    expect(actionTerms(firm, 1).b).toBeGreaterThan(0.15); // the harm the anchor missed is learned
    // 100 rows and a firm prior: every row stays within 0.1 of its anchor
    const few = { ...anchored, n: 100 };
    const thin = fitUplift(few, { ...weak, priorPrecision: 400, sharedPrecision: 400, actionPrecision: 400 });
    const stay = rowLogMultipliers(thin, few);
    for (let i = 0; i < 100; i++) expect(Math.abs(stay[i]! - anchorOf(rows.action[i]!))).toBeLessThan(0.1);
  });

  it("ranks contact rows by the uplift it learned better than at random (Qini on fresh rows)", () => {
    const fit = fitUplift(world(40_000, 3).rows, weak);
    const { rows, truth } = world(40_000, 4);
    const { p0, p1 } = predictRows(fit, rows);
    const learned = qini(
      p0.map((v, i) => v - p1[i]!),
      rows.treated,
      rows.y,
    );
    const oracle = qini(
      Float64Array.from(truth, (l, i) => {
        const p = -Math.expm1(-Math.exp(rows.offset[i]!));
        return p - probabilityAfter(p, Math.exp(l));
      }),
      rows.treated,
      rows.y,
    );
    const random = qini(Float64Array.from({ length: rows.n }, (_, i) => (i * 7919) % 1013), rows.treated, rows.y);
    expect(learned.qini).toBeGreaterThan(random.qini + 0.002);
    expect(learned.qini).toBeGreaterThan(0.8 * oracle.qini);
  });
});

describe("qini", () => {
  it("worked by hand: 8 rows, the ranking puts the helped first", () => {
    // score, treated, churned: the top half holds treated non-churners and churning controls
    const score = [8, 7, 6, 5, 4, 3, 2, 1];
    const treated = [1, 1, 0, 0, 1, 1, 0, 0];
    const churned = [0, 0, 1, 1, 0, 1, 0, 0];
    const q = qini(score, treated, churned);
    expect(q.rows).toBe(8);
    expect(q.treated).toBe(4);
    // top 4: nT 2, nC 2, cT 0, cC 2 -> Q = 2 * 2 / 2 - 0 = 2; all 8: nT 4, nC 4, cT 1, cC 2 -> Q = 2 - 1 = 1
    expect(q.curve[9]!.prevented).toBeCloseTo(2, 12);
    expect(q.curve[19]!.prevented).toBeCloseTo(1, 12);
    // uplift in the top half: control churn 2/2 - treated churn 0/2
    expect(q.upliftAt.find((u) => u.share === 0.5)!.uplift).toBeCloseTo(1, 12);
    expect(q.qini).toBeGreaterThan(0);
    // the reverse ranking is worse than random
    expect(qini(score.map((s) => -s), treated, churned).qini).toBeLessThan(0);
  });
});
