import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { delongAuc, delongPaired } from "../../src/model/delong.js";
import { rocAuc } from "../../src/model/metrics.js";
import { normalCdf } from "../../src/normal.js";

// Reference: test/fixtures/model/make_delong_fixture.py (DeLong by its O(m n) definition, NumPy + SciPy).
const ref = JSON.parse(readFileSync(new URL("../fixtures/model/delong.json", import.meta.url), "utf8")) as Record<string, number> & { y: number[]; a: number[]; b: number[] };

describe("DeLong's test", () => {
  it("matches the reference AUCs, standard errors, interval and one-sided p-value (scores with ties)", () => {
    const t = delongPaired(ref.y, ref.a, ref.b);
    expect(t.aucA).toBeCloseTo(ref["aucA"]!, 12);
    expect(t.aucA).toBeCloseTo(rocAuc(ref.y, ref.a), 12);
    expect(t.aucB).toBeCloseTo(ref["aucB"]!, 12);
    expect(t.difference).toBeCloseTo(ref["difference"]!, 12);
    expect(t.se).toBeCloseTo(ref["se"]!, 10);
    expect(t.z).toBeCloseTo(ref["z"]!, 8);
    expect(t.pOneSided).toBeCloseTo(ref["pOneSided"]!, 6);
    expect(t.low).toBeCloseTo(ref["low"]!, 6);
    expect(t.high).toBeCloseTo(ref["high"]!, 6);
    expect(delongAuc(ref.y, ref.a).se).toBeCloseTo(ref["seA"]!, 10);
    expect(delongAuc(ref.y, ref.b).se).toBeCloseTo(ref["seB"]!, 10);
  });

  it("gives the reversed comparison the opposite sign, and identical scores no evidence", () => {
    const ab = delongPaired(ref.y, ref.a, ref.b);
    const ba = delongPaired(ref.y, ref.b, ref.a);
    expect(ba.difference).toBeCloseTo(-ab.difference, 12);
    expect(ba.pOneSided).toBeCloseTo(1 - ab.pOneSided, 6);
    const same = delongPaired(ref.y, ref.a, ref.a);
    expect(same).toMatchObject({ difference: 0, se: 0, z: 0 });
    expect(same.pOneSided).toBeCloseTo(0.5, 6);
  });

  it("an interval covers the AUC and stays in [0, 1]; one class gives NaN", () => {
    const i = delongAuc(ref.y, ref.a);
    expect(i.low).toBeLessThan(i.auc);
    expect(i.high).toBeLessThanOrEqual(1);
    expect(i.high).toBeGreaterThan(i.auc);
    expect(Number.isNaN(delongAuc([1, 1], [0.2, 0.3]).auc)).toBe(true);
  });

  it("normal CDF matches tabulated values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.326348)).toBeCloseTo(0.01, 6);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
  });
});
