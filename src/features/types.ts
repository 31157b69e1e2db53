/**
 * The shapes a feature family declares. A family is one file: the tables and columns it reads, the features
 * it produces (each with a type, unit, one-line description and an optional reason template for the
 * retention stage), and a SQL builder that returns one row per snapshot subscriber for one as-of date.
 */
import type { TableName } from "../contract/tables.js";

/** How a feature is stored: DOUBLE, BIGINT, 0/1 INTEGER flag, or VARCHAR category. */
export type FeatureType = "number" | "integer" | "flag" | "category";

export interface FeatureDef {
  name: string;
  type: FeatureType;
  /** e.g. "days", "MB per day", "%", "count", "0/1". */
  unit: string;
  /** One line, reused by the data dictionary and the reports. */
  description: string;
  /**
   * Readable reason the retention stage can show. Placeholders: {value} the feature's value; for changes
   * {pct} the absolute change in % and {direction} "up" or "down" (or "fell"/"rose" wording chosen there). Optional.
   */
  reason?: string;
  /** Columns this feature needs beyond the family's required tables; missing ones skip only this feature. */
  needs?: readonly { table: TableName; column: string }[];
  /**
   * The name of a 0/1 feature that says whether this feature means anything for a subscriber: when it is 0
   * (no voice line, so no voice use at all), this feature's value is a structural zero, never a reason or a
   * driver for them.
   */
  appliesIf?: string;
  /** A marker of what the subscriber holds (e.g. uses_voice): used by the model and by `appliesIf`, never a reason or a driver itself. */
  structural?: boolean;
}

/** What a family's SQL builder may rely on. */
export interface FamilyContext {
  /** Tables the loader created. */
  present: ReadonlySet<TableName>;
  /** Columns of each present table. */
  columns: ReadonlyMap<TableName, ReadonlySet<string>>;
  /** Features of this family that will be produced (the others are skipped for missing columns). */
  produces: ReadonlySet<string>;
}

export interface FeatureFamily {
  id: string;
  title: string;
  /** Every table and column the family may read. */
  reads: Partial<Record<TableName, readonly string[]>>;
  /** The family is skipped (not an error) when one of these tables is absent. */
  requires: readonly TableName[];
  /** Shared per-as-of aggregates it reads (built once per as-of, see bases.ts). */
  bases?: readonly BaseId[];
  features: readonly FeatureDef[];
  /** Features the data cannot support at all, with the reason (reported in the sidecar). */
  unsupported?: readonly { name: string; reason: string }[];
  /**
   * A SELECT returning `subscriber_id` plus one column per produced feature, one row per row of the snapshot
   * `d.rel("feat_spine")` (the subscribers' columns but deactivation_date, and the label). Written once for
   * both engines: the as-of date is `d.asOf`, relations come from `d.rel`, and what the engines spell
   * differently goes through `d` (dialect.ts). At most one JOIN per SELECT (ClickHouse 18.16).
   */
  sql(ctx: FamilyContext, d: Dialect): string;
}

export type BaseId = "usage_window" | "usage_history";

/** Relations a family may read: the snapshot, the shared usage aggregate, and the canonical input tables. */
export type RelationName =
  | "feat_spine"
  | "feat_usage_window"
  | "feat_usage_history"
  | "feat_usage_monthly"
  | "subscribers"
  | "usage"
  | "billing"
  | "complaints"
  | "products"
  | "surveys"
  | "campaigns";

export interface Dialect {
  readonly name: "duckdb" | "clickhouse";
  /** The as-of date (DuckDB: the bound parameter `$1::DATE`; ClickHouse: a literal). */
  readonly asOf: string;
  /** First date of the usage table, as a date expression, or null when usage has no rows. */
  readonly usageStart: string | null;
  /** First opened_at of the complaints table (every row, as the own-past comparison counts from it), or null. */
  readonly complaintsStart: string | null;
  /** A relation to put after FROM / JOIN (a table name, or a parenthesised subquery). */
  rel(name: RelationName): string;
  /** A date literal from YYYY-MM-DD. */
  date(iso: string): string;
  /** d + n calendar months (clamped to the month's last day), as a date; n may be negative. */
  addMonths(d: string, n: string): string;
  /** First day of d's month, as a date. */
  monthStart(d: string): string;
  /** Month boundaries crossed from a to b (DuckDB date_diff('month', a, b)). */
  monthsBetween(a: string, b: string): string;
  /** Days in the month of the date d (28 to 31). */
  daysInMonth(d: string): string;
  /** A relation of one column `col`: the integers 0 .. n-1. */
  numbers(n: number, col: string): string;
  /** x rounded half away from zero, as a 64-bit integer. */
  roundInt(x: string): string;
  /** Integer division truncated toward zero. */
  intDiv(a: string, b: string): string;
  /** Largest / smallest of the arguments (see the NULL note above). */
  greatest(...xs: string[]): string;
  least(...xs: string[]): string;
  /** `x` as an exact integer count of thousandths (rounded half away from zero; NULL stays NULL). */
  thousandths(x: string): string;
  /** Aggregate: the exact sum of x * x for an integer x (thousandths), as a number divided by `scale`. */
  sumOfSquares(x: string, scale: number): string;
  /** Aggregate: true when x is true for any row of the group. */
  anyTrue(x: string): string;
  /** A typed NULL. */
  nullOf(type: "date" | "bigint" | "boolean" | "double"): string;
  /** `x` cast to a feature's declared storage type (nullable). */
  cast(x: string, type: FeatureType): string;
  /** A string literal. */
  literal(s: string): string;
  /** How usage activity (any data, voice, SMS or sessions on a day) is aggregated and read back. */
  readonly activity: ActivityDialect;
}

/**
 * Activity days of the 90-day usage window (k = as-of - date, 0 to 89). DuckDB keeps a 90-bit mask per
 * subscriber (bits.ts); ClickHouse 18.16 has neither 128-bit integers nor bitCount, so it keeps the counts,
 * the first and last active day and the longest gap between active days, computed while aggregating.
 */
export interface ActivityDialect {
  /** Per-row columns of the usage-window base, given the row's activity flag and k. */
  rowColumns(active: string, k: string): string[];
  /** Aggregate columns over those, with aliases. */
  aggregates(): string[];
  /** Wrap the grouped SELECT into the base's final relation (may rename or combine the aggregates). */
  finish(grouped: string): string;
  /** Names of the activity columns of the base's final relation. */
  readonly columns: readonly string[];
  /** Active days among the last w days (w = 7, 30 or 90) from the base's columns prefixed `p` ("u." or ""); 0 when none. */
  activeDays(p: string, w: number): string;
  /** Days since the latest active day (0 = the as-of day); NULL when there was none. */
  sinceLast(p: string): string;
  /**
   * `from` (a SELECT with the base's columns, unprefixed) plus column `out`: the longest run of inactive days
   * among the last n observed days (`n` an integer expression over `from`'s columns, at most 90). Active days
   * lie within them: usage rows before activation are rejected and none precede the data.
   */
  withLongestInactive(from: string, n: string, out: string): string;
}
