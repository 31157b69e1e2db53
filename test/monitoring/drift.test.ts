import { describe, expect, it } from "vitest";
import { DriftCounter } from "../../src/monitoring/drift.js";

describe("drift summary", () => {
  it("names the shifted features largest shift first (as the warning lists them), whatever their column order", () => {
    const half = { cuts: [0.5], shares: [0.5, 0.5, 0] };
    const counter = new DriftCounter({
      version: 1,
      rows: 1000,
      features: ["a", "b", "c"].map((name) => ({ name, kind: "numeric" as const, ...half })),
      score: half,
    });
    const n = 100;
    // a: 20% below the cut (PSI 0.42), b: 1% (PSI 2.25), c: as in training; scores: all below the cut
    const col = (below: number) => Float64Array.from({ length: n }, (_, i) => (i < below ? 0 : 1));
    counter.add(
      {
        rows: n,
        columns: [
          { name: "a", kind: "numeric", values: col(20) },
          { name: "b", kind: "numeric", values: col(1) },
          { name: "c", kind: "numeric", values: col(50) },
        ],
      },
      new Float64Array(n).fill(0.1),
    );
    const s = counter.summary(0.1, 0.25);
    expect(s.alerts).toEqual(["score", "b", "a"]);
    expect(s.warnings).toEqual([]);
    expect(s.features.map((f) => f.feature)).toEqual(["a", "b", "c"]);
    expect(s.features[0]!.psi).toBeCloseTo((0.2 - 0.5) * Math.log(0.2 / 0.5) + (0.8 - 0.5) * Math.log(0.8 / 0.5), 5);
  });
});
