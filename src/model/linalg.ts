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

/** Inverse of a symmetric positive definite D x D matrix from its Cholesky factor L (column by column). */
export function choleskyInverse(L: Float64Array, D: number): Float64Array {
  const inv = new Float64Array(D * D);
  const e = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(L, D, e);
    for (let i = 0; i < D; i++) inv[i * D + j] = col[i]!;
  }
  return inv;
}
