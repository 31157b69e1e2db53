/**
 * The pipeline config (churn.config.yaml or .json), defined once with zod. Every option has a default, so
 * an empty file (or no file) is a valid config. `churn config schema` writes the JSON Schema generated
 * from this, committed as churn.config.schema.json for editor autocompletion.
 *
 * Each stage owns one section; keep `.describe()` texts user-facing: they become the schema docs.
 */
import { z } from "zod";
import { SAFE_IDENT, SAFE_IDENT_HINT } from "../identifiers.js";
import { retentionConfigSchema } from "./retention.js";

const identifier = z
  .string()
  .regex(SAFE_IDENT, `must be a plain column name: ${SAFE_IDENT_HINT}`);

/** Map canonical column name -> the operator's column name, per table. */
const columnMap = z.record(z.string(), identifier).default({}).describe("canonical column name -> your column name");

export const csvSchema = z
  .object({
    delimiter: z
      .string()
      .min(1)
      .max(1)
      .optional()
      .describe("field delimiter; detected automatically when omitted (',', ';', tab, '|')"),
    dateFormat: z
      .string()
      .max(40)
      .regex(/^[%A-Za-z0-9 \-/.:T]+$/, "must be a strftime-style format such as %Y-%m-%d or %d/%m/%Y")
      .default("%Y-%m-%d")
      .describe("strftime format of date columns, e.g. %Y-%m-%d or %d/%m/%Y"),
    encoding: z.enum(["utf-8", "latin-1", "utf-16"]).default("utf-8").describe("file encoding (a UTF-8 BOM is always accepted)"),
    decimal: z.enum([".", ","]).default(".").describe("decimal separator of numbers"),
  })
  .strict();

export const dataSchema = z
  .object({
    dir: z.string().max(4096).optional().describe("directory holding subscribers.csv|parquet, usage, billing, ..."),
    tables: z
      .record(z.string(), z.string().max(4096))
      .default({})
      .describe("explicit file per table, e.g. {subscribers: exports/subs_2026.csv}; overrides the file found in dir"),
    csv: csvSchema.default(csvSchema.parse({})),
    columns: z
      .object({
        subscribers: columnMap,
        usage: columnMap,
        billing: columnMap,
        complaints: columnMap,
        products: columnMap,
        surveys: columnMap,
        campaigns: columnMap,
        table: z
          .record(z.string(), identifier)
          .default({})
          .describe("scoring a flat or feature table (--table, --features): the model's column name -> the file's column name, for a column renamed in the export"),
      })
      .strict()
      .default({ subscribers: {}, usage: {}, billing: {}, complaints: {}, products: {}, surveys: {}, campaigns: {}, table: {} })
      .describe("column mapping: keep your own column names"),
  })
  .strict();

export const validationSchema = z
  .object({
    maxRejectShare: z
      .number()
      .min(0)
      .max(1)
      .default(0.01)
      .describe("fail (exit 3) when more than this share of a table's rows is rejected"),
    asOf: z.string().optional().describe("treat dates after this day (YYYY-MM-DD) as future; default today"),
    cache: z
      .boolean()
      .default(true)
      .describe("keep validated tables in a cache folder, so validate, features and score validate each input file once while it and these settings do not change"),
    cacheDir: z.string().max(4096).optional().describe("the cache folder; default .churn-cache beside the outputs (--rejects of validate, --out of features and score)"),
    cacheKeepDays: z.number().min(1).max(3650).default(7).describe("cache entries no run has used for this many days are removed"),
  })
  .strict();

export const featuresSchema = z
  .object({
    horizon: z
      .string()
      .regex(/^\d{1,4}(d|w|mo)$/, "must be a whole number of days, weeks or months, e.g. 30d, 4w or 1mo")
      .default("30d")
      .describe("label horizon: a subscriber is labelled 1 when deactivated within (as-of, as-of + horizon]"),
    every: z
      .string()
      .regex(/^\d{1,4}(d|w|mo)$/, "must be a whole number of days, weeks or months, e.g. 30d, 4w or 1mo")
      .default("1mo")
      .describe("step between as-of dates of --as-of-range"),
    memoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$/, "must be a size such as 1500MB or 2GB")
      .default("2GB")
      .describe("DuckDB memory limit while building features; it spills to disk beyond it"),
  })
  .strict();

export const scoringSchema = z
  .object({
    driftWarn: z.number().min(0).default(0.1).describe("PSI above this (a feature or the score vs the training data) is reported as a warning"),
    driftFail: z
      .number()
      .min(0)
      .default(0.25)
      .describe("PSI above this (a feature or the score vs the model's training rows) is a population shift: reported with the features that moved; it stops the run only with stopOnShift"),
    stopOnShift: z
      .boolean()
      .default(false)
      .describe("also stop `churn score` (exit 4) on a population shift above driftFail; broken input (a column all missing, constant, in other units, swapped) always stops it unless --allow-drift"),
    maxDataLagDays: z
      .number()
      .int()
      .min(0)
      .max(3660)
      .default(0)
      .describe("the as-of date may be at most this many days after the last day of usage data; later is a stale export (exit 3)"),
    chunkRows: z.number().int().min(1000).max(5_000_000).default(200_000).describe("rows scored per chunk (memory vs speed)"),
    currency: z.string().max(8).default("EUR").describe("currency shown in the planner report"),
    memoryLimit: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(MB|GB|MiB|GiB)$/, "must be a size such as 1500MB or 2GB")
      .default("1GB")
      .describe("DuckDB memory limit of `churn score` (it spills to disk beyond it); the plan's arrays live outside it"),
    whatIfPoints: z
      .number()
      .int()
      .min(0)
      .max(200)
      .default(12)
      .describe(
        "budgets the planner report's spend → return curve is planned at (each one a run of the budget selection); fewer, down to 6, when the run has more than whatIfMaxCells worthwhile pairs; 0 leaves the what-if out",
      ),
    whatIfMaxCells: z
      .number()
      .int()
      .min(0)
      .max(5_000_000)
      .default(150_000)
      .describe(
        "the planner report carries the selection problem (so its budget slider recomputes the plan at any budget) up to this many worthwhile subscriber-action pairs; above it the slider steps through the curve's budgets",
      ),
  })
  .strict();

const tableNames = ["subscribers", "usage", "billing", "complaints", "products", "surveys", "campaigns"] as const;

export const clickhouseSchema = z
  .object({
    url: z
      .string()
      .max(2048)
      .optional()
      .describe("HTTP URL of the ClickHouse node that takes queries (--clickhouse wins); credentials only from CHURN_CLICKHOUSE_USER and CHURN_CLICKHOUSE_PASSWORD"),
    database: identifier.default("churn").describe("database holding the tables"),
    tables: z
      .object(Object.fromEntries(tableNames.map((t) => [t, identifier.optional()])) as Record<(typeof tableNames)[number], z.ZodOptional<typeof identifier>>)
      .strict()
      .default({})
      .describe("the Distributed table of each canonical table (default: its canonical name); churn reads their local tables shard by shard"),
    cluster: identifier.default("churn").describe("cluster of the shards (system.clusters), used by `churn load` to create the tables"),
    shards: z
      .array(z.string().max(2048))
      .optional()
      .describe("HTTP URL of each shard, in shard order, for `churn load`; default: each shard's host (system.clusters) on the query URL's port"),
    timeoutSeconds: z.number().int().min(1).max(86_400).default(3600).describe("longest a ClickHouse query may take"),
  })
  .strict();

export const trainingSchema = z
  .object({
    promotion: z
      .object({
        alpha: z
          .number()
          .gt(0)
          .lt(1)
          .default(0.05)
          .describe(
            "a new model replaces the champion only when a one-sided paired DeLong test of its validation AUC against the champion's, on the same rows, has p below this (`churn train --promote` forces it)",
          ),
      })
      .strict()
      .default({ alpha: 0.05 }),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(42).describe("seed for every shuffle, split and weight initialisation"),
    source: z.enum(["files", "clickhouse"]).default("files").describe("where the raw tables are: files (data.dir, DuckDB) or clickhouse (the clickhouse section)"),
    data: dataSchema.default(dataSchema.parse({})),
    clickhouse: clickhouseSchema.default(clickhouseSchema.parse({})).describe("the operator's ClickHouse cluster, when source is clickhouse"),
    validation: validationSchema.default(validationSchema.parse({})),
    features: featuresSchema.default(featuresSchema.parse({})),
    training: trainingSchema.default(trainingSchema.parse({})).describe("churn train: when a new model becomes the champion"),
    retention: retentionConfigSchema.default(retentionConfigSchema.parse({})).describe("retention planning: bands, segments, actions, value, budget"),
    scoring: scoringSchema.default(scoringSchema.parse({})).describe("churn score: drift gate, chunk size, currency, the report's budget what-if"),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
export type CsvOptions = z.infer<typeof csvSchema>;
export type ClickHouseConfig = z.infer<typeof clickhouseSchema>;

export const defaultConfig = (): Config => configSchema.parse({});
