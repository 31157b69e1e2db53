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

/** Turn zod issues into "a.b.c: message" lines. */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join(".") : "(top level)";
    return `${path}: ${i.message}`;
  });
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
