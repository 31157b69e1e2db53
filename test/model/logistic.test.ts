import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { explainRow, fitLogisticTheta, type LogisticModel, loadLogistic, logisticTrainer } from "../../src/model/logistic.js";
import { rocAuc } from "../../src/model/metrics.js";
import { rng } from "../../src/model/split.js";
import type { Matrix } from "../../src/model/types.js";

const ref = JSON.parse(readFileSync(new URL("../fixtures/model/sklearn-reference.json", import.meta.url), "utf8")).logistic as {
  X: number[][];
  y: number[];
  coef: number[];
  intercept: number;
  proba: number[];
};

function matrix(rows: number[][]): Matrix {
  const cols = rows[0]!.length;
  return { data: Float32Array.from(rows.flat()), rows: rows.length, cols, columns: Array.from({ length: cols }, (_, j) => ({ name: `x${j}`, source: `x${j}`, kind: "numeric" as const })) };
}

describe("logistic regression", () => {
  it("reaches scikit-learn's optimum (C = 1) to 1e-6", async () => {
    const X = matrix(ref.X);
    const m = (await logisticTrainer({ l2: 1 }).fit(X, Float32Array.from(ref.y), { seed: 1 })) as LogisticModel;
    expect(m.info.converged).toBe(true);
    m.coefficients.forEach((c, j) => {
      expect(c).toBeCloseTo(ref.coef[j]!, 6);
    });
    expect(m.intercept).toBeCloseTo(ref.intercept, 6);
    const p = await m.predict(X);
    p.forEach((v, i) => {
      expect(v).toBeCloseTo(ref.proba[i]!, 5);
    });
  });

  it("the conjugate-gradient Newton path (many columns) reaches the same optimum", () => {
    // 320 columns forces the CG path; the first 4 carry the signal, the rest are zero.
    const X = matrix(ref.X.map((r) => [...r, ...new Array(316).fill(0)]));
    const { theta } = fitLogisticTheta(X, Float32Array.from(ref.y), { l2: 1, tol: 1e-10, maxIter: 100 });
    for (let j = 0; j < 4; j++) expect(theta[j]!).toBeCloseTo(ref.coef[j]!, 6);
    expect(theta[320]!).toBeCloseTo(ref.intercept, 6);
  });

  it("learns a separable toy problem", async () => {
    const r = rng(3);
    const rows: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 400; i++) {
      const a = r() * 2 - 1;
      const b = r() * 2 - 1;
      rows.push([a, b]);
      y.push(a + 0.5 * b > 0.1 ? 1 : 0);
    }
    const X = matrix(rows);
    const m = await logisticTrainer({ l2: 1e-3 }).fit(X, Float32Array.from(y), { seed: 1 });
    const p = await m.predict(X);
    expect(rocAuc(y, p)).toBe(1);
    const acc = y.filter((v, i) => (p[i]! > 0.5 ? 1 : 0) === v).length / y.length;
    expect(acc).toBeGreaterThan(0.98);
  });

  it("reasons add up to the logit, and save/load predicts identically", async () => {
    const X = matrix(ref.X);
    const m = (await logisticTrainer().fit(X, Float32Array.from(ref.y), { seed: 1 })) as LogisticModel;
    const reference = [0.1, -0.2, 0.3, 0];
    const z = m.logits(X);
    for (const row of [0, 17, 299]) {
      const e = explainRow(m, X, row, reference);
      expect(e.base + e.contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(z[row]!, 10);
    }
    const state = JSON.parse(JSON.stringify(await m.save()));
    const again = loadLogistic(state);
    expect(Array.from(await again.predict(X))).toEqual(Array.from(await m.predict(X)));
  });
});
