/**
 * Parse vs load: `parseConfig(text, name)` is pure; `loadConfig(path)` reads the file. Validation issues
 * become `path: message` lines inside one ConfigError (exit 2).
 */
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { ConfigError } from "../errors.js";
import { fileExists, fileSize, readText } from "../io/files.js";
import { msg } from "../messages.js";
import { type Config, configSchema, defaultConfig } from "./schema.js";

/** Largest config file accepted (1 MiB). */
export const MAX_CONFIG_BYTES = 1 << 20;

/** Turn zod issues into "a.b.c: message" lines; a misspelt key names the key that was probably meant. */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join(".") : "(top level)";
    if (i.code === "unrecognized_keys") {
      const known = knownKeys(i.path);
      const hints = i.keys.map((k) => nearestKey(k, known)).map((near, j) => (near ? `"${i.keys[j]}" (did you mean "${near}"?)` : `"${i.keys[j]}"`));
      return `${path}: unrecognized key${i.keys.length > 1 ? "s" : ""}: ${hints.join(", ")}`;
    }
    return `${path}: ${i.message}`;
  });
}

/** The keys the config schema allows at `path` (an object there), for suggestions. */
function knownKeys(path: readonly PropertyKey[]): string[] {
  // zod 4's definitions: wrappers (default, optional, nullable, pipe) lead to the object, record or array inside
  type Def = { type: string; innerType?: Node; in?: Node; shape?: Record<string, Node>; valueType?: Node; element?: Node };
  type Node = { _zod: { def: Def } };
  const unwrap = (n: Node): Node => {
    for (let i = 0; i < 20; i++) {
      const d = n._zod.def;
      const next = d.innerType ?? (d.type === "pipe" ? d.in : undefined);
      if (!next) break;
      n = next;
    }
    return n;
  };
  let node: Node | undefined = unwrap(configSchema as unknown as Node);
  for (const p of path) {
    const d: Def = node._zod.def;
    const next: Node | undefined = d.type === "object" ? d.shape?.[String(p)] : d.type === "record" ? d.valueType : d.type === "array" ? d.element : undefined;
    if (!next) return [];
    node = unwrap(next);
  }
  return node._zod.def.type === "object" ? Object.keys(node._zod.def.shape ?? {}) : [];
}

/** The known key within two edits of `key` (case and separators ignored), if exactly one is closest. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const scored = known.map((k) => ({ k, d: editDistance(norm(key), norm(k)) })).filter((x) => x.d <= 2).sort((a, b) => a.d - b.d);
  if (scored.length === 0 || (scored.length > 1 && scored[1]!.d === scored[0]!.d)) return undefined;
  return scored[0]!.k;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export function parseConfig(text: string, name: string): Config {
  let raw: unknown;
  try {
    raw = name.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new ConfigError(msg.configParse(name, (e as Error).message.split("\n")[0] ?? ""));
  }
  if (raw === null || raw === undefined) raw = {};
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(msg.configInvalid(name, issueLines(result.error)));
  return result.data;
}

/** Load a config file; with no path, look for churn.config.{yaml,yml,json} in the working directory. */
export function loadConfig(path?: string): Config {
  if (path === undefined) {
    for (const candidate of ["churn.config.yaml", "churn.config.yml", "churn.config.json"]) {
      if (fileExists(candidate)) return loadConfig(candidate);
    }
    return defaultConfig();
  }
  if (!/\.(ya?ml|json)$/i.test(path)) throw new ConfigError(msg.configExtension(path));
  if (!fileExists(path)) throw new ConfigError(msg.configNotFound(path));
  // A config is a few KB; refusing a huge one keeps a wrong --config from being parsed and echoed.
  if (fileSize(path) > MAX_CONFIG_BYTES) throw new ConfigError(msg.configTooLarge(path, fileSize(path), MAX_CONFIG_BYTES));
  return parseConfig(readText(path), path);
}
