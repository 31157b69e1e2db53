/**
 * AdamW over plain Float32Arrays, for the mlp trainer (mlp-train.ts): the same update as tf.train.adam (β1 0.9,
 * β2 0.999, ε 1e-7, bias-corrected moments), then decoupled weight decay w ← w − lr·wd·w on the arrays that decay.
 * In JavaScript instead of TensorFlow.js ops: one loop per array instead of about a dozen kernels per variable and
 * step (measured: 19 → 13 ms per step of 128 rows on the wasm backend), and the weights stay readable for the fast
 * validation path without a copy out of the backend. Deterministic: the same gradients give the same bits.
 */
export class AdamW {
  private readonly m: Float32Array[];
  private readonly v: Float32Array[];
  private t = 0;

  constructor(
    sizes: number[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-7,
  ) {
    this.m = sizes.map((n) => new Float32Array(n));
    this.v = sizes.map((n) => new Float32Array(n));
  }

  /** One step: updates `params[i]` in place from `grads[i]`; `decays[i]` says whether array i gets weight decay. */
  step(params: Float32Array[], grads: Float32Array[], lr: number, weightDecay: number, decays: boolean[]): void {
    this.t++;
    const { beta1: b1, beta2: b2, eps } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let a = 0; a < params.length; a++) {
      const w = params[a]!;
      const g = grads[a]!;
      const m = this.m[a]!;
      const v = this.v[a]!;
      const keep = decays[a] && weightDecay > 0 ? 1 - lr * weightDecay : 1;
      for (let i = 0; i < w.length; i++) {
        const gi = g[i]!;
        const mi = b1 * m[i]! + (1 - b1) * gi;
        const vi = b2 * v[i]! + (1 - b2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        w[i] = (w[i]! - (lr * (mi / c1)) / (Math.sqrt(vi / c2) + eps)) * keep;
      }
    }
  }
}
