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
   * A SELECT returning `subscriber_id` plus one column per produced feature, one row per row of `feat_spine`
   * (the snapshot: subscriber_id, activation_date). Parameters: $1 = the as-of date as 'YYYY-MM-DD'
   * (use `$1::DATE`), further ones from `params`.
   */
  sql(ctx: FamilyContext): string;
}

export type BaseId = "usage_window" | "usage_history";
