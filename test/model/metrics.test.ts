import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { averagePrecision, brier, ece, evaluate, liftCapture, logLoss, meanMetrics, rocAuc } from "../../src/model/metrics.js";
import { rng } from "../../src/rng.js";

const ref = JSON.parse(readFileSync(new URL("../fixtures/model/sklearn-reference.json", import.meta.url), "utf8")) as {
  metrics: { y: number[]; p: number[]; auc: number; prAuc: number; logLoss: number; brier: number; ece10: number; lift5: number; lift10: number; lift20: number; capture5: number; capture10: number; capture20: number }[];
};

describe("metrics, hand-worked", () => {
  it("ROC-AUC counts ties as one half", () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    // one positive and one negative tied: 0.5
    expect(rocAuc([0, 1], [0.3, 0.3])).toBe(0.5);
    // pos {0.9, 0.5}, neg {0.5, 0.1}: pairs 1 + 1 + 0.5 + 1 = 3.5 of 4
    expect(rocAuc([1, 1, 0, 0], [0.9, 0.5, 0.5, 0.1])).toBeCloseTo(0.875, 12);
    expect(Number.isNaN(rocAuc([1, 1], [0.2, 0.3]))).toBe(true);
  });

  it("ROC-AUC equals the count over every positive-negative pair exactly, with many ties and with -0", () => {
    const r = rng(7);
    for (const n of [2, 17, 500, 3000]) {
      const y = Array.from({ length: n }, (_, i) => (i === 0 ? 1 : i === 1 ? 0 : r() < 0.3 ? 1 : 0));
      const p = Array.from({ length: n }, () => (r() < 0.1 ? -0 : Math.round(r() * 40) / 40));
      let sum = 0;
      let pairs = 0;
      for (let i = 0; i < n; i++) {
        if (!y[i]) continue;
        for (let j = 0; j < n; j++) {
          if (y[j]) continue;
          pairs++;
          sum += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
        }
      }
      expect(rocAuc(y, p)).toBe(sum / pairs);
    }
    // a NaN score has no rank: NaN (before, the ranking walk never ended)
    expect(Number.isNaN(rocAuc([1, 0, 1, 0], [0.9, Number.NaN, 0.2, 0.1]))).toBe(true);
  });

  it("average precision is the step-wise sum of precision times recall gain", () => {
    // ranked: 1 (P=1, R=.5), 0, 1 (P=2/3, R=1): AP = .5*1 + .5*2/3
    expect(averagePrecision([1, 0, 1], [0.9, 0.8, 0.7])).toBeCloseTo(0.5 + 1 / 3, 12);
    // all tied: one threshold, precision = base rate
    expect(averagePrecision([1, 0, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBeCloseTo(0.5, 12);
  });

  it("log loss, Brier, ECE, lift and capture", () => {
    expect(logLoss([1, 0], [0.8, 0.4])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.6)) / 2, 12);
    expect(brier([1, 0], [0.8, 0.4])).toBeCloseTo((0.04 + 0.16) / 2, 12);
    // bins: 0.05,0.15 -> bins 0 and 1; |0-0.05| + |1-0.15| over 2
    expect(ece([0, 1], [0.05, 0.15])).toBeCloseTo((0.05 + 0.85) / 2, 12);
    // 10 rows, 2 positives at the top: top 10 % = 1 row, hit → lift 1/(2/10) = 5, capture 1/2
    const y = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    const p = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05];
    expect(liftCapture(y, p, 0.1)).toEqual({ lift: 5, capture: 0.5 });
    expect(liftCapture(y, p, 0.2)).toEqual({ lift: 5, capture: 1 });
  });

  it("averages folds", () => {
    const a = evaluate([0, 1, 0, 1], [0.1, 0.9, 0.2, 0.8]);
    const b = evaluate([0, 1, 0, 1], [0.9, 0.1, 0.2, 0.8]);
    const m = meanMetrics([a, b]);
    expect(m.auc).toBeCloseTo((a.auc + b.auc) / 2, 12);
    expect(m.n).toBe(8);
  });
});

describe("metrics against scikit-learn 1.2 (fixtures from make_sklearn_fixtures.py)", () => {
  ref.metrics.forEach((c, k) => {
    it(`case ${k} (${c.y.length} rows, with ties)`, () => {
      const m = evaluate(c.y, c.p);
      expect(m.auc).toBeCloseTo(c.auc, 12);
      expect(m.prAuc).toBeCloseTo(c.prAuc, 12);
      expect(m.logLoss).toBeCloseTo(c.logLoss, 12);
      expect(m.brier).toBeCloseTo(c.brier, 12);
      expect(m.ece).toBeCloseTo(c.ece10, 12);
      expect(m.lift5).toBeCloseTo(c.lift5, 12);
      expect(m.lift10).toBeCloseTo(c.lift10, 12);
      expect(m.lift20).toBeCloseTo(c.lift20, 12);
      expect(m.capture5).toBeCloseTo(c.capture5, 12);
      expect(m.capture10).toBeCloseTo(c.capture10, 12);
      expect(m.capture20).toBeCloseTo(c.capture20, 12);
    });
  });
});
