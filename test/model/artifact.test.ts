import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { ARTIFACT_FORMAT_VERSION, readArtifact } from "../../src/io/artifact.js";
import { sha256Text } from "../../src/io/files.js";
import { msg } from "../../src/messages.js";
import { tableTrainingInput } from "../../src/model/inputs.js";
import { loadScorer, scoreTable } from "../../src/model/registry.js";
import { takeRows } from "../../src/raw-table.js";
import { trainAndRegister } from "../../src/model/train.js";
import { tempDir, writeFlatCsv } from "./helpers.js";

let models = "";
let csv = "";
const mlpParams = { hidden: [16, 16], k: 2, nBins: 4, dEmb: 4, maxEpochs: 3, patience: 2, batchSize: 64 };

/** Copy a trained artifact folder so each test damages its own copy. */
function copyOf(id: string, to: string): string {
  cpSync(join(models, id), join(models, to), { recursive: true });
  return join(models, to);
}

function rewriteManifest(dir: string, edit: (m: { formatVersion: number; files: Record<string, string> }) => void): void {
  const p = join(dir, "manifest.json");
  const m = JSON.parse(readFileSync(p, "utf8"));
  edit(m);
  writeFileSync(p, JSON.stringify(m));
}

beforeAll(async () => {
  const dir = tempDir();
  csv = join(dir, "t.csv");
  writeFlatCsv(csv, 300);
  models = join(dir, "models");
  const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 5);
  await trainAndRegister(input, { model: "logistic", seed: 5, calibration: "platt", modelsDir: models, id: "lr" });
  await trainAndRegister(input, { model: "mlp", mlp: mlpParams, seed: 5, calibration: "platt", backend: "cpu", modelsDir: models, id: "mlp", promote: true });
}, 60_000);

describe("model artifact", () => {
  it("saves and loads: the loaded mlp predicts what the trained one did, with weights in weights.bin", async () => {
    const a = readArtifact(join(models, "mlp"));
    expect(a.manifest.formatVersion).toBe(ARTIFACT_FORMAT_VERSION);
    expect(Object.keys(a.manifest.files)).toContain("weights.bin");
    expect(Object.keys(a.state.weights).length).toBeGreaterThan(0);
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 5);
    const s1 = await loadScorer(models, "mlp", "cpu");
    const s2 = await loadScorer(models, "champion", "cpu");
    const t = takeRows(input.table, input.validRows);
    expect(Array.from((await scoreTable(s1, t)).calibrated)).toEqual(Array.from((await scoreTable(s2, t)).calibrated));
    // predicting again and again does not grow the number of live tensors
    await scoreTable(s1, t);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 5; k++) await scoreTable(s1, t);
    expect(tf.memory().numTensors).toBe(before);
    s1.model.dispose();
    s2.model.dispose();
  });

  it("same seed and data give the same mlp bytes (model.json, weights.bin, calibration)", async () => {
    const input = await tableTrainingInput({ path: csv, label: "churned", positive: "yes", id: "customer" }, 5);
    await trainAndRegister(input, { model: "mlp", mlp: mlpParams, seed: 5, calibration: "platt", backend: "cpu", modelsDir: models, id: "mlp-again" });
    for (const f of ["model.json", "weights.bin", "calibration.json", "bands.json"]) {
      expect(readFileSync(join(models, "mlp-again", f)).equals(readFileSync(join(models, "mlp", f)))).toBe(true);
    }
  });

  it("refuses edited weights", async () => {
    const dir = copyOf("mlp", "mlp-edited");
    const w = readFileSync(join(dir, "weights.bin"));
    w[10] = w[10]! ^ 0xff;
    writeFileSync(join(dir, "weights.bin"), w);
    await expect(loadScorer(models, "mlp-edited", "cpu")).rejects.toThrow(new ConfigError(msg.artifactChecksum(dir, "weights.bin")));
    const lr = copyOf("lr", "lr-edited");
    writeFileSync(join(lr, "model.json"), readFileSync(join(lr, "model.json"), "utf8").replace('"intercept": ', '"intercept": 1'));
    expect(() => readArtifact(lr)).toThrow(new ConfigError(msg.artifactChecksum(lr, "model.json")));
  });

  it("refuses an edited manifest (checksum or format version)", () => {
    const dir = copyOf("lr", "lr-manifest");
    rewriteManifest(dir, (m) => {
      m.files["bands.json"] = "0".repeat(64);
    });
    expect(() => readArtifact(dir)).toThrow(new ConfigError(msg.artifactChecksum(dir, "bands.json")));
    rewriteManifest(dir, (m) => {
      m.formatVersion = 99;
    });
    expect(() => readArtifact(dir)).toThrow(new ConfigError(msg.artifactVersion(dir, 99, ARTIFACT_FORMAT_VERSION)));
  });

  it("refuses a missing file", () => {
    const dir = copyOf("lr", "lr-missing");
    rmSync(join(dir, "preprocessing.json"));
    expect(() => readArtifact(dir)).toThrow(new ConfigError(msg.artifactMissing(dir, "preprocessing.json")));
  });

  it("refuses weights paths that are URLs or leave the folder, even with matching checksums", () => {
    for (const [k, bad] of [["url", "https://example.com/w.bin"], ["up", "../lr/weights.bin"], ["abs", "/etc/passwd"]] as const) {
      const dir = copyOf("mlp", `mlp-${k}`);
      const model = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
      model.weightsManifest[0].paths = [bad];
      const text = JSON.stringify(model);
      writeFileSync(join(dir, "model.json"), text);
      rewriteManifest(dir, (m) => {
        m.files["model.json"] = sha256Text(text);
      });
      expect(() => readArtifact(dir)).toThrow(new ConfigError(msg.artifactUnsafePath(dir, bad)));
    }
  });
});
