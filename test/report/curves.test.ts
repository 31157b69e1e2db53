import { describe, expect, it } from "vitest";
import { areaUnder, calibrationBins, gainsPoints, prPoints, rocPoints, scoreHistogram, thin } from "../../src/report/curves.js";
import { rng } from "./sample-data.js";

// Hand-worked example: positives score 0.9 and 0.7, negatives 0.8 and 0.1.
const y = [1, 0, 1, 0];
const p = [0.9, 0.8, 0.7, 0.1];

/** Rank AUC by counting pairs, ties one half: independent of the curve code. */
function pairAuc(yy: number[], pp: number[]): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < yy.length; i++)
    for (let j = 0; j < yy.length; j++)
      if (yy[i] === 1 && yy[j] === 0) {
        n++;
        s += pp[i]! > pp[j]! ? 1 : pp[i] === pp[j] ? 0.5 : 0;
      }
  return s / n;
}

describe("rocPoints", () => {
  it("steps through each distinct score from (0,0) to (1,1)", () => {
    expect(rocPoints(y, p).map((q) => [q.fpr, q.tpr])).toEqual([
      [0, 0],
      [0, 0.5],
      [0.5, 0.5],
      [0.5, 1],
      [1, 1],
    ]);
    expect(rocPoints(y, p).map((q) => q.threshold)).toEqual([Number.POSITIVE_INFINITY, 0.9, 0.8, 0.7, 0.1]);
  });
  it("groups tied scores into one step, so the area counts ties one half", () => {
    expect(rocPoints([1, 0], [0.5, 0.5]).map((q) => [q.fpr, q.tpr])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(areaUnder(rocPoints([1, 0], [0.5, 0.5]).map((q) => ({ x: q.fpr, y: q.tpr })))).toBe(0.5);
  });
  it("has an area equal to the pairwise AUC (0.75 here, and on random data with ties)", () => {
    expect(areaUnder(rocPoints(y, p).map((q) => ({ x: q.fpr, y: q.tpr })))).toBeCloseTo(0.75, 12);
    const r = rng(3);
    const yy = Array.from({ length: 300 }, () => (r() < 0.3 ? 1 : 0));
    const pp = yy.map((v) => Math.round((0.3 * v + r()) * 20) / 20); // coarse: many ties
    expect(areaUnder(rocPoints(yy, pp).map((q) => ({ x: q.fpr, y: q.tpr })))).toBeCloseTo(pairAuc(yy, pp), 12);
  });
  it("is empty when one class is missing, and refuses arrays of different lengths", () => {
    expect(rocPoints([0, 0], [0.1, 0.2])).toEqual([]);
    expect(() => rocPoints([0, 1], [0.1])).toThrow(RangeError);
  });
});

describe("prPoints", () => {
  it("gives recall and precision at each threshold", () => {
    const pts = prPoints(y, p);
    expect(pts.map((q) => q.recall)).toEqual([0.5, 0.5, 1, 1]);
    expect(pts.map((q) => q.precision)).toEqual([1, 0.5, 2 / 3, 0.5]);
    // average precision = sum (R_k - R_{k-1}) P_k = 0.5*1 + 0.5*(2/3)
    let ap = 0;
    let prev = 0;
    for (const q of pts) {
      ap += (q.recall - prev) * q.precision;
      prev = q.recall;
    }
    expect(ap).toBeCloseTo(5 / 6, 12);
  });
  it("is empty without positives", () => {
    expect(prPoints([0, 0], [0.3, 0.4])).toEqual([]);
  });
});

describe("gainsPoints", () => {
  it("contacts the top ceil(f*n) rows", () => {
    expect(gainsPoints(y, p, 4).map((g) => [g.fraction, g.captured])).toEqual([
      [0, 0],
      [0.25, 0.5],
      [0.5, 0.5],
      [0.75, 1],
      [1, 1],
    ]);
    const lifts = gainsPoints(y, p, 4).map((g) => g.lift);
    expect(lifts[0]).toBeNaN();
    expect(lifts.slice(1)).toEqual([2, 1, 4 / 3, 1]);
  });
});

describe("calibrationBins", () => {
  it("averages score and outcome per equal-width bin, dropping empty bins", () => {
    expect(calibrationBins([0, 1, 1], [0.1, 0.15, 0.9], 2)).toEqual([
      { lo: 0, hi: 0.5, count: 2, meanPredicted: 0.125, observedRate: 0.5 },
      { lo: 0.5, hi: 1, count: 1, meanPredicted: 0.9, observedRate: 1 },
    ]);
  });
  it("puts a score of exactly 1 in the last bin", () => {
    expect(calibrationBins([1], [1], 10)).toEqual([{ lo: 0.9, hi: 1, count: 1, meanPredicted: 1, observedRate: 1 }]);
  });
});

describe("scoreHistogram and thin", () => {
  it("counts rows per bin and label, keeping empty bins", () => {
    expect(scoreHistogram([0, 1, 1], [0.1, 0.6, 1], 2)).toEqual([
      { lo: 0, hi: 0.5, label: 0, count: 1 },
      { lo: 0, hi: 0.5, label: 1, count: 0 },
      { lo: 0.5, hi: 1, label: 0, count: 0 },
      { lo: 0.5, hi: 1, label: 1, count: 2 },
    ]);
  });
  it("thins a long curve keeping both ends", () => {
    expect(thin([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([0, 3, 6, 9]);
    expect(thin([1, 2], 4)).toEqual([1, 2]);
  });
});
