/** Small dense linear algebra in float64 for the Newton solvers (logistic regression, the uplift model). */

/** In-place Cholesky of a symmetric positive definite D x D matrix (lower triangle); false if not SPD. */
export function cholesky(a: Float64Array, D: number): boolean {
  for (let j = 0; j < D; j++) {
    let s = a[j * D + j]!;
    for (let k = 0; k < j; k++) s -= a[j * D + k]! ** 2;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * D + j] = l;
    for (let i = j + 1; i < D; i++) {
      let t = a[i * D + j]!;
      for (let k = 0; k < j; k++) t -= a[i * D + k]! * a[j * D + k]!;
      a[i * D + j] = t / l;
    }
  }
  return true;
}

/** Solve L L' x = b for x, given the lower Cholesky factor L (from `cholesky`). */
export function choleskySolve(L: Float64Array, D: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < D; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= L[i * D + k]! * x[k]!;
    x[i] = s / L[i * D + i]!;
  }
  for (let i = D - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < D; k++) s -= L[k * D + i]! * x[k]!;
    x[i] = s / L[i * D + i]!;
  }
  return x;
}

/**
 * The envelope (profile) versions for sparse symmetric matrices: row i of the matrix is zero left of column
 * first[i] (first[i] <= i), and so is row i of its Cholesky factor, so every sum skips those zeros. With the
 * dense blocks ordered last (an arrow matrix), a factorisation costs a fraction of the dense one; the result is
 * the same factor up to rounding. first = all zeros is the dense case.
 */
export function envelopeCholesky(a: Float64Array, D: number, first: Int32Array): boolean {
  for (let j = 0; j < D; j++) {
    const fj = first[j]!;
    let s = a[j * D + j]!;
    for (let k = fj; k < j; k++) s -= a[j * D + k]! ** 2;
    if (!(s > 0)) return false;
    const l = Math.sqrt(s);
    a[j * D + j] = l;
    for (let i = j + 1; i < D; i++) {
      const fi = first[i]!;
      if (fi > j) continue;
      let t = a[i * D + j]!;
      for (let k = fi > fj ? fi : fj; k < j; k++) t -= a[i * D + k]! * a[j * D + k]!;
      a[i * D + j] = t / l;
    }
  }
  return true;
}

/** Solve L L' x = b with an envelope factor (from `envelopeCholesky`); b's entries before `from` are zero. */
export function envelopeSolve(L: Float64Array, D: number, first: Int32Array, b: Float64Array, from = 0): Float64Array {
  const x = Float64Array.from(b);
  for (let i = from; i < D; i++) {
    let s = x[i]!;
    for (let k = Math.max(first[i]!, from); k < i; k++) s -= L[i * D + k]! * x[k]!;
    x[i] = s / L[i * D + i]!;
  }
  // L' x = y by columns of L: each solved x[i] is taken off the rows above it within row i's envelope
  for (let i = D - 1; i >= 0; i--) {
    const xi = x[i]! / L[i * D + i]!;
    x[i] = xi;
    for (let k = first[i]!; k < i; k++) x[k]! -= L[i * D + k]! * xi;
  }
  return x;
}

/** Inverse of a symmetric positive definite matrix from its envelope factor (column by column). */
export function envelopeInverse(L: Float64Array, D: number, first: Int32Array): Float64Array {
  const inv = new Float64Array(D * D);
  const e = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    e.fill(0);
    e[j] = 1;
    const col = envelopeSolve(L, D, first, e, j);
    for (let i = 0; i < D; i++) inv[i * D + j] = col[i]!;
  }
  return inv;
}
