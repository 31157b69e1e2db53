/** Tampered model artifacts: each case edits a copy of a freshly trained one (artifacts.test.ts, docs/reliability.md). */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Text } from "../../src/io/files.js";
import { msg } from "../../src/messages.js";

export interface ArtifactCase {
  id: string;
  title: string;
  result: string;
  /** Edit the artifact folder; return the message the refusal must contain. */
  edit(dir: string): string;
}

const json = (p: string) => JSON.parse(readFileSync(p, "utf8")) as Record<string, unknown>;
/** Rewrite the manifest checksum of `file`, as an attacker who also edits the manifest would. */
const reseal = (dir: string, file: string) => {
  const m = json(join(dir, "manifest.json")) as { files: Record<string, string> };
  m.files[file] = sha256Text(readFileSync(join(dir, file)));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
};

/** The start of the refusal of a hand-edited file: the file, the field and the value it holds. */
export const invalidField = (path: string, field: string, value: unknown): string =>
  msg.artifactInvalid(path, `field ${field} is ${JSON.stringify(value)}`).replace(/\. Restore it.*$/, "");

/** A case that edits one JSON file of the artifact by hand (and reseals its checksum, as a careful editor would). */
function handEdited(file: string, title: string, edit: (j: Record<string, unknown>) => unknown, field: string, value: unknown, seal = true): ArtifactCase[] {
  return [
    {
      id: `${file.replace(/\.json$/, "")}-hand-edited`,
      title,
      result: "refused: the message names the file, the field and its value (schema check on reading)",
      edit(dir) {
        const p = join(dir, file);
        const j = json(p);
        edit(j);
        writeFileSync(p, JSON.stringify(j));
        if (seal) reseal(dir, file);
        return invalidField(p, field, value);
      },
    },
  ];
}

export const ARTIFACT_CASES: ArtifactCase[] = [
  {
    id: "weights-edited",
    title: "model.json: the intercept (a weight of the logistic model) changed",
    result: "refused: checksum mismatch names the file",
    edit(dir) {
      const p = join(dir, "model.json");
      writeFileSync(p, readFileSync(p, "utf8").replace(/"intercept": (-?)(\d)/, (_m, sign, d) => `"intercept": ${sign}${(Number(d) + 1) % 10}`));
      return msg.artifactChecksum(dir, "model.json");
    },
  },
  {
    id: "preprocessing-edited",
    title: "preprocessing.json: a value changed",
    result: "refused: checksum mismatch",
    edit(dir) {
      const p = join(dir, "preprocessing.json");
      writeFileSync(p, readFileSync(p, "utf8").replace(/(\d)/, (d) => String((Number(d) + 1) % 10)));
      return msg.artifactChecksum(dir, "preprocessing.json");
    },
  },
  {
    id: "manifest-edited",
    title: "manifest.json: a checksum changed",
    result: "refused: the file no longer matches its recorded checksum",
    edit(dir) {
      const m = json(join(dir, "manifest.json")) as { files: Record<string, string> };
      m.files["calibration.json"] = "0".repeat(64);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
      return msg.artifactChecksum(dir, "calibration.json");
    },
  },
  {
    id: "manifest-traversal",
    title: "manifest.json lists ../../etc/passwd",
    result: "refused before reading it: an unsafe file name",
    edit(dir) {
      const m = json(join(dir, "manifest.json")) as { files: Record<string, string> };
      m.files["../../etc/passwd"] = "0".repeat(64);
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
      return msg.artifactUnsafePath(dir, "../../etc/passwd");
    },
  },
  {
    id: "weights-url",
    title: "model.json points its weights at a URL (manifest resealed)",
    result: "refused: weights paths must be plain file names in the folder, never URLs; nothing is fetched",
    edit(dir) {
      const p = join(dir, "model.json");
      const mj = json(p);
      mj["weightsManifest"] = [{ paths: ["https://example.invalid/weights.bin"], weights: [{ name: "w", shape: [4], dtype: "float32" }] }];
      writeFileSync(p, JSON.stringify(mj));
      reseal(dir, "model.json");
      return msg.artifactUnsafePath(dir, "https://example.invalid/weights.bin");
    },
  },
  {
    id: "weights-traversal",
    title: "model.json weights path ../../x.bin (manifest resealed)",
    result: "refused: a weights path may not leave the folder",
    edit(dir) {
      const p = join(dir, "model.json");
      const mj = json(p);
      mj["weightsManifest"] = [{ paths: ["../../x.bin"], weights: [{ name: "w", shape: [4], dtype: "float32" }] }];
      writeFileSync(p, JSON.stringify(mj));
      reseal(dir, "model.json");
      return msg.artifactUnsafePath(dir, "../../x.bin");
    },
  },
  {
    id: "weights-unlisted",
    title: "model.json names a weights file the manifest does not checksum (manifest resealed)",
    result: "refused: every file read must have a checksum in manifest.json",
    edit(dir) {
      const p = join(dir, "model.json");
      const mj = json(p);
      mj["weightsManifest"] = [{ paths: ["extra.bin"], weights: [{ name: "w", shape: [1], dtype: "float32" }] }];
      writeFileSync(p, JSON.stringify(mj));
      writeFileSync(join(dir, "extra.bin"), Buffer.alloc(4));
      reseal(dir, "model.json");
      return "weights file extra.bin has no checksum in manifest.json";
    },
  },
  ...handEdited("manifest.json", "manifest.json: kind set to \"svm\"", (m) => (m["kind"] = "svm"), "kind", "svm", false),
  ...handEdited("model.json", "model.json: kind set to \"forest\" (manifest resealed)", (m) => (m["kind"] = "forest"), "kind", "forest"),
  ...handEdited("preprocessing.json", "preprocessing.json: version set to the text \"1\" (manifest resealed)", (m) => (m["version"] = "1"), "version", "1"),
  ...handEdited("calibration.json", "calibration.json: a Platt slope that is text (manifest resealed)", (m) => Object.assign(m, { method: "platt", a: "steep", b: 0 }), "a", "steep"),
  ...handEdited("bands.json", "bands.json: the critical threshold set to 7 (manifest resealed)", (m) => ((m["thresholds"] as Record<string, unknown>)["critical"] = 7), "thresholds.critical", 7),
  ...handEdited("metrics.json", "metrics.json: the validation AUC set to \"high\" (manifest resealed)", (m) => ((m["validation"] as Record<string, unknown>)["auc"] = "high"), "validation.auc", "high"),
  ...handEdited("importance.json", "importance.json: permutation is an object, not a list (manifest resealed)", (m) => (m["permutation"] = {}), "permutation", {}),
  ...handEdited("training.json", "training.json: the label horizon set to the number 30 (manifest resealed)", (m) => ((m["split"] as Record<string, unknown>)["horizon"] = 30), "split.horizon", 30),
  {
    id: "format-version",
    title: "manifest formatVersion 99",
    result: "refused: another artifact format version",
    edit(dir) {
      const m = json(join(dir, "manifest.json"));
      m["formatVersion"] = 99;
      writeFileSync(join(dir, "manifest.json"), JSON.stringify(m));
      return msg.artifactVersion(dir, 99, 1);
    },
  },
];

