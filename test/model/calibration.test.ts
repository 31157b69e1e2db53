import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { applyCalibration, eceBeforeAfter, fitIsotonic, fitPlatt } from "../../src/model/calibration.js";
import { rocAuc } from "../../src/model/metrics.js";
import { rng } from "../../src/model/split.js";

const iso = JSON.parse(readFileSync(new URL("../fixtures/model/sklearn-reference.json", import.meta.url), "utf8")).isotonic as {
  s: number[];
  y: number[];
  grid: number[];
  pred: number[];
};

/** True probability q; the model reports an over-confident q' = sigmoid(3 * logit(q) + 1). */
function miscalibrated(n: number, seed: number) {
  const r = rng(seed);
  const p: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = 0.05 + 0.6 * r();
    const z = 3 * Math.log(q / (1 - q)) + 1;
    p.push(1 / (1 + Math.exp(-z)));
    y.push(r() < q ? 1 : 0);
  }
  return { p, y };
}

describe("calibration", () => {
  it("isotonic matches scikit-learn's IsotonicRegression (clip out of bounds)", () => {
    const c = fitIsotonic(iso.s, iso.y);
    const out = applyCalibration(c, iso.grid);
    iso.pred.forEach((v, i) => {
      expect(out[i]!).toBeCloseTo(v, 6);
    });
  });

  it("Platt and isotonic lower ECE on a miscalibrated toy (fitted on one half, measured on the other)", () => {
    const fit = miscalibrated(4000, 1);
    const test = miscalibrated(4000, 2);
    for (const c of [fitPlatt(fit.p, fit.y), fitIsotonic(fit.p, fit.y)]) {
      const e = eceBeforeAfter(c, test.p, test.y);
      expect(e.before).toBeGreaterThan(0.08);
      expect(e.after).toBeLessThan(0.03);
    }
  });

  it("Platt is monotone: ranking (AUC) is unchanged", () => {
    const d = miscalibrated(1000, 5);
    const c = fitPlatt(d.p, d.y);
    expect(c.method === "platt" && c.a).toBeGreaterThan(0);
    expect(rocAuc(d.y, applyCalibration(c, d.p))).toBeCloseTo(rocAuc(d.y, d.p), 10);
  });
});
