/**
 * The mlp trainer's hand-written gradients (mlp-train.ts) equal TF.js autodiff of the reference graph (MlpNet), its
 * AdamW equals tf.train.adam followed by decoupled weight decay, and its dropout masks drop the right share.
 */
import * as tf from "@tensorflow/tfjs-core";
// registers the gradients of every op, for the autodiff reference
import "@tensorflow/tfjs-layers";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../src/model/backend.js";
import { AdamW } from "../../src/model/mlp-adamw.js";
import { type MlpArch, MlpNet, initWeights } from "../../src/model/mlp-net.js";
import { dropoutMask, MlpGradients } from "../../src/model/mlp-train.js";
import { makeRng } from "../../src/model/mlp-util.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const cases = [
  { name: "numerics (raw too) and other columns, ReLU embeddings, k = 3", F: 3, C: 2, raw: true, relu: true, k: 3, offset: false },
  { name: "no numeric columns", F: 0, C: 4, raw: false, relu: true, k: 2, offset: false },
  { name: "no other columns, linear embeddings, k = 1", F: 4, C: 0, raw: false, relu: false, k: 1, offset: false },
  { name: "a linear base's logits added (offset)", F: 3, C: 2, raw: true, relu: true, k: 2, offset: true },
];

describe("MlpGradients", () => {
  for (const c of cases) {
    it(`gives tf autodiff's loss and gradients: ${c.name}`, () => {
      const B = 9;
      const arch: MlpArch = {
        numericCols: Array.from({ length: c.F }, (_, i) => i),
        otherCols: Array.from({ length: c.C }, (_, i) => c.F + i),
        nBins: 5,
        dEmb: 4,
        embRelu: c.relu,
        ...(c.raw ? { rawNumeric: true } : {}),
        hidden: [6, 5],
        k: c.k,
      };
      // a one-bin column (padded bins) beside five-bin ones
      const edges = Array.from({ length: c.F }, (_, f) => (f === 1 ? [0, 0.5] : [-1, -0.5, 0, 0.5, 1, 1.5]));
      const w = initWeights(arch, edges, 3);
      const rng = makeRng(5);
      for (const v of Object.values(w)) if (v.shape.length > 0 && v !== w["ple_lo"] && v !== w["ple_width"]) for (let i = 0; i < v.values.length; i++) v.values[i]! += (rng() - 0.5) * 0.2;
      const num = Float32Array.from({ length: B * c.F }, () => rng() * 3 - 1.2);
      const other = Float32Array.from({ length: B * c.C }, () => (rng() < 0.5 ? 1 : 0));
      const y = Float32Array.from({ length: B }, (_, i) => i % 2);
      const offset = c.offset ? Float32Array.from({ length: B }, () => rng() * 2 - 1) : null;
      const numT = new Float32Array(B * c.F);
      for (let i = 0; i < B; i++) for (let f = 0; f < c.F; f++) numT[f * B + i] = num[i * c.F + f]!;
      const g = new MlpGradients(arch, c.F > 0 ? { lo: w["ple_lo"]!.values, width: w["ple_width"]!.values } : null);
      const first = g.step(w, { B, numT, num, other, y, offset }, [null, null]);
      // the first step keeps its constants (rows of ones); later steps leave no tensor behind
      const before = tf.memory().numTensors;
      const mine = g.step(w, { B, numT, num, other, y, offset }, [null, null]);
      expect(tf.memory().numTensors).toBe(before);
      expect(mine.grads.map((a) => Array.from(a))).toEqual(first.grads.map((a) => Array.from(a)));
      const net = new MlpNet(arch, w);
      const { value, grads } = tf.variableGrads(() =>
        tf.tidy(() => {
          const z = net.logits(c.F ? tf.tensor2d(num, [B, c.F]) : null, c.C ? tf.tensor2d(other, [B, c.C]) : null, 0, null, offset ? tf.tensor1d(offset) : null);
          const yk = tf.broadcastTo(tf.expandDims(tf.tensor1d(y), 0), z.shape);
          return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, yk)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
        }),
      );
      expect(mine.loss).toBeCloseTo(value.dataSync()[0]!, 6);
      // variableGrads names the variables; MlpNet creates them in weight-name order
      const varNames = new Map(net.trainable().map((v, i) => [Object.keys(w).filter((n) => n !== "ple_lo" && n !== "ple_width")[i]!, v.name]));
      g.names.forEach((name, i) => {
        const ref = grads[varNames.get(name)!]!.dataSync();
        expect(mine.grads[i]!.length, name).toBe(ref.length);
        let diff = 0;
        for (let j = 0; j < ref.length; j++) diff = Math.max(diff, Math.abs(mine.grads[i]![j]! - ref[j]!));
        expect(diff, name).toBeLessThan(1e-6);
      });
      tf.dispose([value, ...Object.values(grads)]);
      net.dispose();
      g.dispose();
    });
  }
});

describe("AdamW", () => {
  it("takes the steps tf.train.adam takes, then decays the arrays marked to decay", () => {
    const w0 = Float32Array.from([0.5, -1.2, 2, 0.01]);
    const b0 = Float32Array.from([0.3]);
    const target = tf.tensor1d([1, 2, -1, 0]);
    const lr = 0.05;
    const wd = 0.1;
    // reference: tf adam on variables, then w *= 1 - lr·wd for the decayed one
    const vw = tf.variable(tf.tensor1d(w0));
    const vb = tf.variable(tf.tensor1d(b0));
    const opt = tf.train.adam(lr);
    const loss = () => tf.add(tf.sum(tf.square(tf.sub(vw, target))), tf.sum(tf.square(tf.mul(vb, 3)))) as tf.Scalar;
    const mine = [Float32Array.from(w0), Float32Array.from(b0)];
    const adam = new AdamW([4, 1]);
    for (let s = 0; s < 5; s++) {
      // the same gradients, computed from my weights before the step
      const gw = mine[0]!.map((v, i) => 2 * (v - [1, 2, -1, 0][i]!));
      const gb = mine[1]!.map((v) => 18 * v);
      adam.step(mine, [gw, gb], lr, wd, [true, false]);
      opt.minimize(loss, false, [vw, vb]);
      tf.tidy(() => vw.assign(tf.mul(vw, 1 - lr * wd)));
    }
    const ref = [vw.dataSync(), vb.dataSync()];
    for (let a = 0; a < 2; a++) for (let i = 0; i < ref[a]!.length; i++) expect(mine[a]![i]!).toBeCloseTo(ref[a]![i]!, 5);
    tf.dispose([vw, vb, target]);
    opt.dispose();
  });
});

describe("dropoutMask", () => {
  it("drops about `rate` of the entries, scales the rest by 1/(1 − rate), and repeats for the same seed", () => {
    const m = dropoutMask(20000, 0.15, 42);
    const zeros = m.filter((v) => v === 0).length / m.length;
    expect(zeros).toBeGreaterThan(0.14);
    expect(zeros).toBeLessThan(0.16);
    expect(new Set(m.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.85)]));
    expect(Array.from(dropoutMask(100, 0.15, 42))).toEqual(Array.from(m.subarray(0, 100)));
    expect(Array.from(dropoutMask(100, 0.15, 43))).not.toEqual(Array.from(m.subarray(0, 100)));
  });
});
