import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { describeBackend, initBackend } from "../../src/model/backend.js";

describe("TensorFlow.js backend choice", () => {
  // first in this file: the calls below are the process's first choice
  it("concurrent first calls all get the same backend (folds side by side once fell back to cpu)", async () => {
    const got = await Promise.all([initBackend("wasm"), initBackend("wasm"), initBackend(), initBackend("wasm")]);
    expect(got.map((b) => b.name)).toEqual(["wasm", "wasm", "wasm", "wasm"]);
    expect(tf.getBackend()).toBe("wasm");
  });

  it("loads wasm from node_modules (SIMD reported) and cpu on request", async () => {
    const w = await initBackend("wasm");
    expect(w.name).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(typeof w.simd).toBe("boolean");
    expect(describeBackend(w)).toMatch(/^TensorFlow.js backend: wasm \(SIMD (on|off), threads (on|off)\)$/);
    const sum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    expect(Array.from(sum)).toEqual([4, 6]);
    const c = await initBackend("cpu");
    expect(c.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
  });

  it("an explicit backend that cannot load is a clear error (exit 2), not a silent fallback", async () => {
    let installed = true;
    try {
      await import("@tensorflow/tfjs-node" as string);
    } catch {
      installed = false;
    }
    if (installed) expect((await initBackend("node")).name).toBe("node");
    else await expect(initBackend("node")).rejects.toBeInstanceOf(ConfigError);
  });
});
