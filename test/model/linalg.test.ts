/** The envelope (profile) Cholesky the uplift model's Newton steps use: the dense results, at a fraction of the work. */
import { describe, expect, it } from "vitest";
import { cholesky, choleskySolve, envelopeCholesky, envelopeInverse, envelopeSolve } from "../../src/model/linalg.js";
import { rng } from "../../src/rng.js";

/** The dense inverse from the dense factor, column by column: the reference for envelopeInverse. */
function choleskyInverse(L: Float64Array, D: number): Float64Array {
  const inv = new Float64Array(D * D);
  for (let j = 0; j < D; j++) {
    const e = new Float64Array(D);
    e[j] = 1;
    const col = choleskySolve(L, D, e);
    for (let i = 0; i < D; i++) inv[i * D + j] = col[i]!;
  }
  return inv;
}

/** An SPD arrow matrix: 3 diagonal blocks of 4 that share nothing, then a dense border of 3; and its envelope. */
function arrow(seed: number): { a: Float64Array; D: number; first: Int32Array } {
  const r = rng(seed);
  const blocks = [
    [0, 4],
    [4, 8],
    [8, 12],
  ];
  const D = 15;
  const first = Int32Array.from({ length: D }, (_, i) => (i < 12 ? blocks.find(([s, e]) => i >= s! && i < e!)![0]! : 0));
  // B' B over rows whose nonzeros respect the pattern, plus a ridge: SPD with exactly this envelope
  const a = new Float64Array(D * D);
  for (let row = 0; row < 200; row++) {
    const [s, e] = blocks[row % 3]!;
    const x = new Float64Array(D);
    for (let j = s!; j < e!; j++) x[j] = r() - 0.5;
    for (let j = 12; j < D; j++) x[j] = r() - 0.5;
    for (let i = 0; i < D; i++) for (let j = 0; j < D; j++) a[i * D + j]! += x[i]! * x[j]!;
  }
  for (let i = 0; i < D; i++) a[i * D + i]! += 0.1;
  return { a, D, first };
}

describe("envelope Cholesky", () => {
  it("gives the dense factor, solution and inverse of an arrow matrix", () => {
    const { a, D, first } = arrow(3);
    const dense = Float64Array.from(a);
    const env = Float64Array.from(a);
    expect(cholesky(dense, D)).toBe(true);
    expect(envelopeCholesky(env, D, first)).toBe(true);
    for (let i = 0; i < D; i++) for (let j = first[i]!; j <= i; j++) expect(env[i * D + j]).toBeCloseTo(dense[i * D + j]!, 12);
    const b = Float64Array.from({ length: D }, (_, i) => Math.sin(i + 1));
    const x = envelopeSolve(env, D, first, b);
    const y = choleskySolve(dense, D, b);
    for (let i = 0; i < D; i++) expect(x[i]).toBeCloseTo(y[i]!, 10);
    // A x = b
    for (let i = 0; i < D; i++) {
      let s = 0;
      for (let j = 0; j < D; j++) s += a[i * D + j]! * x[j]!;
      expect(s).toBeCloseTo(b[i]!, 10);
    }
    const inv = envelopeInverse(env, D, first);
    const invDense = choleskyInverse(dense, D);
    for (let k = 0; k < D * D; k++) expect(inv[k]).toBeCloseTo(invDense[k]!, 10);
  });

  it("with an envelope of zeros is the dense factorisation, and says when a matrix is not positive definite", () => {
    const { a, D } = arrow(4);
    const zeros = new Int32Array(D);
    const dense = Float64Array.from(a);
    const env = Float64Array.from(a);
    cholesky(dense, D);
    envelopeCholesky(env, D, zeros);
    for (let i = 0; i < D; i++) for (let j = 0; j <= i; j++) expect(env[i * D + j]).toBe(dense[i * D + j]);
    const bad = Float64Array.from(a);
    bad[5 * D + 5] = -1;
    expect(envelopeCholesky(bad, D, zeros)).toBe(false);
  });
});
