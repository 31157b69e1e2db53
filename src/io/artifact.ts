/**
 * Model artifacts on disk: `models/<id>/` with
 *   model.json          {format, kind, spec, weightsManifest: [{paths: ["weights.bin"], weights: [{name, shape, dtype}]}]}
 *   weights.bin         float32 little-endian, the weights in manifest order (absent when there are none)
 *   preprocessing.json, calibration.json, bands.json, metrics.json, importance.json, training.json
 *   card.json, model_card.html   optional extras (what the model card needs, and the card itself), checksummed too
 *   manifest.json       written last: format version, id, kind, library versions, sha256 of every other file
 * and `models/champion`, a small JSON pointer {"id": ...} (not a symlink: portable, atomic to replace).
 *
 * Loading verifies every checksum, refuses other format versions and weights paths that leave the folder
 * or are URLs; every failure is a ConfigError (exit 2) naming the folder and the file.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { ConfigError } from "../errors.js";
import { msg } from "../messages.js";
import type { ModelState } from "../model-state.js";
import {
  ARTIFACT_JSON,
  type ArtifactJson,
  type ArtifactJsonFile,
  type ArtifactManifest,
  artifactManifestSchema,
  championSchema,
  isValidModelId,
  modelJsonSchema,
} from "./artifact-schemas.js";
import { ensureDir, removeStaleTemps, sha256Text, writeAtomic, writeJsonAtomic } from "./files.js";
import { parseJsonText, readJsonFile } from "./json.js";

export { type ArtifactJson, type ArtifactJsonFile, type ArtifactManifest, isValidModelId };

export const ARTIFACT_FORMAT = "churn-model";
export const ARTIFACT_FORMAT_VERSION = 1;
const JSON_FILES = Object.keys(ARTIFACT_JSON) as ArtifactJsonFile[];

export interface ArtifactContent {
  state: ModelState;
  json: Record<ArtifactJsonFile, unknown>;
  /** Optional extra files (e.g. card.json, model_card.html), written as given and checksummed like the rest. */
  extra?: Record<string, string | Uint8Array>;
}

export interface LoadedArtifact extends Omit<ArtifactContent, "json"> {
  dir: string;
  /** Every JSON file, checked against its schema (artifact-schemas.ts). */
  json: ArtifactJson;
  manifest: ArtifactManifest;
  /** Every verified file not listed above (e.g. card.json, model_card.html), by name. */
  extra: Record<string, Uint8Array>;
}

const SAFE_FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

function readVersion(pkg: string): string {
  try {
    const require = createRequire(import.meta.url);
    return String((require(`${pkg}/package.json`) as { version?: string }).version ?? "unknown");
  } catch {
    return "unknown";
  }
}

/** Versions recorded in every artifact. */
export function libraryVersions(): Record<string, string> {
  let churn = "unknown";
  try {
    const pkg = parseJsonText(readFileSync(join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json"), "utf8"), packageJson);
    if (pkg.ok) churn = pkg.value.version;
  } catch {
    // keep "unknown"
  }
  return {
    churn,
    node: process.versions.node,
    "@tensorflow/tfjs-core": readVersion("@tensorflow/tfjs-core"),
    "@tensorflow/tfjs-layers": readVersion("@tensorflow/tfjs-layers"),
    "@duckdb/node-api": readVersion("@duckdb/node-api"),
  };
}

/** model.json text and weights.bin bytes for a model state (deterministic: weights in name order). */
export function encodeModelState(state: ModelState): { modelJson: string; weights: Uint8Array | undefined } {
  const names = Object.keys(state.weights).sort();
  const entries = names.map((name) => ({ name, shape: state.weights[name]!.shape, dtype: "float32" }));
  const total = names.reduce((s, n) => s + state.weights[n]!.values.length, 0);
  const buf = new Float32Array(total);
  let off = 0;
  for (const n of names) {
    buf.set(state.weights[n]!.values, off);
    off += state.weights[n]!.values.length;
  }
  const modelJson = `${JSON.stringify(
    { format: "churn-model-state", kind: state.kind, spec: state.spec, weightsManifest: names.length ? [{ paths: ["weights.bin"], weights: entries }] : [] },
    null,
    1,
  )}\n`;
  return { modelJson, weights: names.length ? new Uint8Array(buf.buffer) : undefined };
}

/** Write `<modelsDir>/<id>/` atomically (a temp folder renamed into place; manifest written last). */
export function writeArtifact(modelsDir: string, id: string, kind: "logistic" | "mlp", content: ArtifactContent, createdAt: Date): string {
  if (!isValidModelId(id)) throw new ConfigError(msg.modelIdInvalid(id));
  const dir = join(modelsDir, id);
  const tmp = join(modelsDir, `.${id}.tmp-${process.pid}`);
  removeStaleTemps(dir); // what killed trainings left
  rmSync(tmp, { recursive: true, force: true });
  ensureDir(tmp);
  try {
    const files: Record<string, string> = {};
    const put = (name: string, data: string | Uint8Array) => {
      writeAtomic(join(tmp, name), data);
      files[name] = sha256Text(data);
    };
    const { modelJson, weights } = encodeModelState(content.state);
    put("model.json", modelJson);
    if (weights) put("weights.bin", weights);
    for (const f of JSON_FILES) put(f, `${JSON.stringify(content.json[f], null, 2)}\n`);
    for (const [name, data] of Object.entries(content.extra ?? {})) {
      if (!SAFE_FILE.test(name) || name in files || name === "manifest.json") throw new ConfigError(msg.artifactUnsafePath(tmp, name));
      put(name, data);
    }
    const manifest: ArtifactManifest = {
      format: ARTIFACT_FORMAT,
      formatVersion: ARTIFACT_FORMAT_VERSION,
      id,
      kind,
      createdAt: createdAt.toISOString(),
      versions: libraryVersions(),
      files,
    };
    writeJsonAtomic(join(tmp, "manifest.json"), manifest);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/** An artifact file's JSON checked against its schema; ConfigError (exit 2) naming the file and the field. */
function parseArtifactJson<S extends z.ZodType>(path: string, text: string, schema: S): z.output<S> {
  const r = parseJsonText(text, schema);
  if (!r.ok) throw new ConfigError(msg.artifactInvalid(path, r.problem));
  return r.value;
}

/** The format of the manifest.json in `dir`, if it is JSON with a string `format` (what kind of folder it is). */
export function folderFormat(dir: string): string | undefined {
  const p = join(dir, "manifest.json");
  if (!existsSync(p)) return undefined;
  const r = parseJsonText(readFileSync(p, "utf8"), formatOnly);
  return r.ok ? r.value.format : undefined;
}
const formatOnly = z.looseObject({ format: z.string() });
const versionOnly = z.looseObject({ format: z.unknown(), formatVersion: z.unknown() });
const weightsPathsOnly = z.looseObject({ weightsManifest: z.array(z.looseObject({ paths: z.unknown() })) });
const packageJson = z.looseObject({ version: z.string() });

/** Read and verify an artifact folder. */
export function readArtifact(dir: string): LoadedArtifact {
  const manifestPath = join(dir, "manifest.json");
  if (!existsSync(manifestPath)) throw new ConfigError(msg.artifactMissing(dir, "manifest.json"));
  const text = readFileSync(manifestPath, "utf8");
  // the format version first: a manifest of another version may differ in any other field
  const version = parseJsonText(text, versionOnly);
  if (version.ok && version.value.format === ARTIFACT_FORMAT && version.value.formatVersion !== ARTIFACT_FORMAT_VERSION) {
    throw new ConfigError(msg.artifactVersion(dir, version.value.formatVersion as number | undefined, ARTIFACT_FORMAT_VERSION));
  }
  const manifest = parseArtifactJson(manifestPath, text, artifactManifestSchema);
  for (const f of ["model.json", ...JSON_FILES]) if (!(f in manifest.files)) throw new ConfigError(msg.artifactInvalid(manifestPath, `no checksum for ${f}`));
  const bytes = new Map<string, Buffer>();
  for (const [name, sha] of Object.entries(manifest.files)) {
    if (!SAFE_FILE.test(name)) throw new ConfigError(msg.artifactUnsafePath(dir, name));
    const p = join(dir, name);
    if (!existsSync(p)) throw new ConfigError(msg.artifactMissing(dir, name));
    const b = readFileSync(p);
    if (sha256Text(b) !== sha) throw new ConfigError(msg.artifactChecksum(dir, name));
    bytes.set(name, b);
  }
  const modelPath = join(dir, "model.json");
  const mjText = bytes.get("model.json")!.toString("utf8");
  // weights paths are checked for safety before the schema, so a URL or a traversal is named as such
  for (const p of weightsPathsOf(mjText)) {
    if (typeof p !== "string" || !SAFE_FILE.test(p) || p.includes("..") || p.includes(":")) throw new ConfigError(msg.artifactUnsafePath(dir, String(p)));
  }
  const mj = parseArtifactJson(modelPath, mjText, modelJsonSchema);
  const weights: ModelState["weights"] = {};
  for (const group of mj.weightsManifest) {
    const paths = group.paths;
    for (const p of paths) {
      if (!bytes.has(p)) throw new ConfigError(msg.artifactInvalid(modelPath, `weights file ${p} has no checksum in manifest.json`));
    }
    const buf = Buffer.concat(paths.map((p) => bytes.get(p)!));
    const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength - (buf.byteLength % 4)));
    let off = 0;
    for (const w of group.weights) {
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (w.dtype !== undefined && w.dtype !== "float32") throw new ConfigError(msg.artifactInvalid(modelPath, `weight ${w.name} has dtype ${w.dtype}, expected float32`));
      if (off + size > all.length) throw new ConfigError(msg.artifactInvalid(modelPath, `weights file is shorter than the manifest says (weight ${w.name})`));
      weights[w.name] = { shape: w.shape, values: all.slice(off, off + size) };
      off += size;
    }
    if (off !== all.length) throw new ConfigError(msg.artifactInvalid(modelPath, `weights file has ${all.length - off} values more than the manifest lists`));
  }
  const json = {} as Record<ArtifactJsonFile, unknown>;
  for (const f of JSON_FILES) json[f] = parseArtifactJson(join(dir, f), bytes.get(f)!.toString("utf8"), ARTIFACT_JSON[f]);
  const known = new Set<string>(["model.json", ...JSON_FILES, ...mj.weightsManifest.flatMap((g) => g.paths)]);
  const extra: Record<string, Uint8Array> = {};
  for (const [name, b] of bytes) if (!known.has(name)) extra[name] = b;
  return { dir, manifest, state: { kind: mj.kind, spec: mj.spec, weights }, json: json as ArtifactJson, extra };
}

/** Manifests of every model folder in `modelsDir` (damaged ones reported, not thrown). */
export function listArtifacts(modelsDir: string): { id: string; manifest?: ArtifactManifest; error?: string }[] {
  if (!existsSync(modelsDir)) return [];
  const out: { id: string; manifest?: ArtifactManifest; error?: string }[] = [];
  for (const name of readdirSync(modelsDir).sort()) {
    const dir = join(modelsDir, name);
    if (name.startsWith(".") || !statSync(dir).isDirectory()) continue;
    const p = join(dir, "manifest.json");
    if (!existsSync(p)) {
      out.push({ id: name, error: msg.artifactMissing(dir, "manifest.json") });
      continue;
    }
    const r = parseJsonText(readFileSync(p, "utf8"), artifactManifestSchema);
    out.push(r.ok ? { id: name, manifest: r.value } : { id: name, error: msg.artifactInvalid(p, r.problem) });
  }
  return out;
}

export function artifactExists(modelsDir: string, id: string): boolean {
  return isValidModelId(id) && existsSync(join(modelsDir, id, "manifest.json"));
}

/** The champion id, or undefined. */
export function readChampion(modelsDir: string): string | undefined {
  const p = join(modelsDir, "champion");
  if (!existsSync(p)) return undefined;
  return parseArtifactJson(p, readFileSync(p, "utf8"), championSchema).id;
}

export function writeChampion(modelsDir: string, id: string, reason: string, at: Date): void {
  writeJsonAtomic(join(modelsDir, "champion"), { id, since: at.toISOString(), reason });
}

const finite = z.number().refine(Number.isFinite);
/** What `churn models list` reads from metrics.json (older artifacts lack aucInterval). */
export const metricsSummarySchema = z
  .object({
    validation: z.object({ auc: finite.nullable(), logLoss: finite.nullable(), ece: finite.nullable(), n: z.number(), positives: z.number() }).loose(),
    aucInterval: z.object({ low: finite, high: finite, se: finite }).loose().optional(),
  })
  .loose();
/** What `churn models list` reads from training.json: where the training data came from and how it was split. */
export const trainingSummarySchema = z
  .object({
    input: z.object({ kind: z.enum(["table", "features"]), path: z.string(), sha256: z.string() }).loose(),
    split: z.record(z.string(), z.unknown()),
    seed: z.number().optional(),
  })
  .loose();
export type MetricsSummary = z.infer<typeof metricsSummarySchema>;
export type TrainingSummary = z.infer<typeof trainingSummarySchema>;

/**
 * metrics.json and training.json of one artifact, each checked against its sha256 in manifest.json and parsed
 * (not the weights: listing many large models stays fast). ConfigError naming the file when either is damaged.
 */
export function readArtifactSummary(dir: string, manifest: ArtifactManifest): { metrics: MetricsSummary; training: TrainingSummary } {
  const read = <T>(file: string, schema: z.ZodType<T>): T => {
    const p = join(dir, file);
    const sha = manifest.files?.[file];
    if (!sha) throw new ConfigError(msg.artifactInvalid(join(dir, "manifest.json"), `no checksum for ${file}`));
    if (!existsSync(p)) throw new ConfigError(msg.artifactMissing(dir, file));
    const b = readFileSync(p);
    if (sha256Text(b) !== sha) throw new ConfigError(msg.artifactChecksum(dir, file));
    return parseArtifactJson(p, b.toString("utf8"), schema);
  };
  return { metrics: read("metrics.json", metricsSummarySchema), training: read("training.json", trainingSummarySchema) };
}

/** The weights paths listed in model.json text, whatever their type (checked for safety before the schema). */
function weightsPathsOf(text: string): unknown[] {
  const r = parseJsonText(text, weightsPathsOnly);
  if (!r.ok) return [];
  return r.value.weightsManifest.flatMap((g) => (Array.isArray(g.paths) ? g.paths : []));
}

/** An extra JSON file of an artifact (e.g. card.json), from its verified bytes, checked against `schema`. */
export function artifactExtraJson<S extends z.ZodType>(dir: string, name: string, bytes: Uint8Array, schema: S): z.output<S> {
  return parseArtifactJson(join(dir, name), Buffer.from(bytes).toString("utf8"), schema);
}

const manifestFiles = z.looseObject({ files: z.record(z.string(), z.string()) });
/** The file names a folder's manifest.json checksums (a run's or a model's); [] when there is none. */
export function checksummedFiles(dir: string): string[] {
  const r = readJsonFile(join(dir, "manifest.json"), manifestFiles);
  return r.ok ? Object.keys(r.value.files) : [];
}
