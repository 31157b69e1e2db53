/**
 * The validated-table cache options shared by validate, features and score: `--cache-dir DIR` and
 * `--no-cache`, over config validation.cache / cacheDir / cacheKeepDays.
 */
import type { Argv } from "yargs";
import type { Config } from "../config/schema.js";
import { openCache, type ValidationCache } from "../io/cache.js";

export interface CacheArgs {
  cache?: boolean;
  "cache-dir"?: string;
}

export function cacheOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option("cache", {
      type: "boolean",
      default: true,
      describe: "reuse the input files validated by an earlier run (--no-cache: validate every file again, keep nothing)",
    })
    .option("cache-dir", {
      type: "string",
      describe: "folder of the validated-table cache (default validation.cacheDir, else .churn-cache beside the output)",
    }) as unknown as Argv<T>;
}

/** The cache a command uses, beside `output` unless a folder is given; undefined when disabled. */
export function cacheFrom(argv: CacheArgs, config: Config, output: string | undefined): ValidationCache | undefined {
  const v = config.validation;
  return openCache({ enabled: argv.cache !== false && v.cache, dir: argv["cache-dir"] ?? v.cacheDir, beside: output, keepDays: v.cacheKeepDays });
}
