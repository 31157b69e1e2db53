import { describe, expect, it } from "vitest";
import { explainRow, LogisticModel } from "../../src/model/logistic.js";
import type { Matrix } from "../../src/model/types.js";
import { contributionScale, DRIVER_COUNT, makeExplainer, reasonTexts, reduceReasons } from "../../src/model/explain.js";
import { DRIVERS } from "../../src/retention/segments.js";

const columns = ["open_network_complaints", "days_to_contract_end", "contract_type=prepaid", "contract_type=(other)"];
const sources = ["open_network_complaints", "days_to_contract_end", "contract_type", "contract_type"];
const kinds = ["numeric", "numeric", "onehot", "onehot"] as const;
const X: Matrix = {
  rows: 2,
  cols: 4,
  data: Float32Array.from([3, -1, 1, 0, 0, 0, 0, 1]),
  columns: columns.map((name, j) => ({ name, source: sources[j]!, kind: kinds[j]! })),
};
const reference = [0, 0, 0.5, 0.5];
const coef = Float64Array.from([0.8, -0.5, 0.4, -0.4]);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe("explanations", () => {
  it("logistic contributions add up to the logit and give readable reasons", async () => {
    const model = new LogisticModel(coef, -2, columns, { l2: 1, tol: 1e-8, maxIter: 10 }, { iterations: 1, converged: true, objective: 0, gradientMax: 0 });
    const ex = makeExplainer(model, columns, sources, reference, { permutation: [] }, [{ name: "days_to_contract_end", unit: "days", reason: "contract ends in {value} days" }]);
    expect(ex.method).toBe("logistic-coefficients");
    const p = await model.predict(X);
    const c = await ex.contributions(X, p);
    const logit0 = Math.log(p[0]! / (1 - p[0]!));
    const base = -2 + reference.reduce((s, r, j) => s + r * coef[j]!, 0);
    expect(base + c.slice(0, 4).reduce((a, b) => a + b, 0)).toBeCloseTo(logit0, 5);
    for (let i = 0; i < 2; i++) expect(Array.from(c.slice(i * 4, i * 4 + 4))).toEqual(Array.from(Float32Array.from(explainRow(model, X, i, reference).contributions)));
    const sums = new Uint8Array(2 * DRIVER_COUNT);
    const col = new Int16Array(6);
    const val = new Float32Array(6);
    const values = Float32Array.from([3, 21, 1, 0, 0, 90, 0, 1]);
    reduceReasons(ex.rc, c, values, 2, 0, sums, col, val);
    expect(reasonTexts(ex.rc, col, val, 0)).toEqual(["3 unresolved network complaints", "contract ends in 21 days", "contract type is prepaid"]);
    expect(sums[DRIVERS.indexOf("network")]).toBe(1);
    expect(sums.slice(0, DRIVER_COUNT).reduce((a, b) => a + b, 0)).toBe(1);
    // rows below the low-band threshold get neither reasons nor a main driver
    const sums2 = new Uint8Array(2 * DRIVER_COUNT);
    reduceReasons(ex.rc, c, values, 2, 0, sums2, col, val, Float32Array.from([0.9, 0.01]), 0.05);
    expect(reasonTexts(ex.rc, col, val, 0).length).toBe(3);
    expect(reasonTexts(ex.rc, col, val, 1)).toEqual([]);
    expect(sums2.slice(DRIVER_COUNT).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it("the typical contribution size per feature (contributionScale) orders the reasons, most distinctive first", async () => {
    const model = new LogisticModel(coef, -2, columns, { l2: 1, tol: 1e-8, maxIter: 10 }, { iterations: 1, converged: true, objective: 0, gradientMax: 0 });
    const ex = makeExplainer(model, columns, sources, reference, null, []);
    const scale = await contributionScale(ex, X, await model.predict(X));
    // open_network_complaints: contributions 0.8 x 3 and 0: RMS sqrt((2.4^2 + 0) / 2)
    expect(scale["open_network_complaints"]).toBeCloseTo(Math.sqrt(2.4 ** 2 / 2), 5);
    expect(Object.keys(scale).sort()).toEqual(["contract_type", "days_to_contract_end", "open_network_complaints"]);
    // with a scale that makes the contract's contribution unusual, it comes first
    const ex2 = makeExplainer(model, columns, sources, reference, { contributionScale: { open_network_complaints: 10, days_to_contract_end: 10, contract_type: 0.01 } }, []);
    const c = await ex2.contributions(X, await model.predict(X));
    const sums = new Uint8Array(2 * DRIVER_COUNT);
    const col = new Int16Array(6);
    const val = new Float32Array(6);
    reduceReasons(ex2.rc, c, Float32Array.from([3, 21, 1, 0, 0, 90, 0, 1]), 2, 0, sums, col, val);
    expect(reasonTexts(ex2.rc, col, val, 0)[0]).toBe("contract type is prepaid");
    expect(sums[DRIVERS.indexOf("contract_end")]).toBe(1);
  });

  it("mlp: occlusion puts the contribution on the column that is on for the row", async () => {
    const model = { kind: "mlp" as const, predict: async (M: Matrix) => Float32Array.from({ length: M.rows }, (_, i) => sigmoid(-2 + [0, 1, 2, 3].reduce((s, j) => s + coef[j]! * M.data[i * 4 + j]!, 0))) };
    const ex = makeExplainer(model, columns, sources, reference, { permutation: sources.map((s) => ({ column: s, aucDrop: 0.01 })) }, []);
    expect(ex.method).toBe("mlp-occlusion");
    const p = await model.predict(X);
    const c = await ex.contributions(X, p);
    // for a linear logit, occluding a source removes exactly its coef x (x - reference) terms
    expect(c[0]).toBeCloseTo(0.8 * 3, 4);
    expect(c[1]).toBeCloseTo(0.5, 4);
    expect(c[2]).toBeCloseTo(0.4 * 0.5 - 0.4 * -0.5, 4);
    expect(c[3]).toBe(0);
    // row 2: contract_type=(other) is on
    expect(c[7]).toBeCloseTo(0.4 * (0 - 0.5) + -0.4 * (1 - 0.5), 4);
  });
});
