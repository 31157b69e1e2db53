/**
 * The validation rules of the data contract, once, as data: which checks a table's rows go through, in
 * which order (a row is rejected for the first that applies), and what each reject reports. No SQL here:
 * each engine renders these rules in its own dialect (DuckDB: src/contract/sql.ts; ClickHouse: its own
 * renderer), so the two cannot disagree about what is checked.
 *
 * Two stages, so that a file validated once can be reused (src/contract/load.ts):
 * - `value` rules read only the row itself (parsing, missing values, enums, ranges, date order);
 * - `reference` rules also read the as-of date or the loaded subscribers (future dates, unknown subscriber,
 *   event outside the subscriber's active period). They run after every value rule.
 * Set rules run on the rows that pass both stages: of identical rows (same source text), the first in file
 * order is kept and the others rejected as `duplicate_row` (detail "same as row N", "... of FILE" for an
 * earlier partition file); of several subscribers rows with one id, the first is kept and the others
 * rejected as `duplicate_id` ("first row N kept").
 */
import type { RejectReason } from "./reasons.js";
import type { ColumnDef, TableDef } from "./tables.js";

export type RuleStage = "value" | "reference";

/** How a reject's `detail` is made: none, a fixed text, or a fixed prefix followed by a value of the row. */
export type RuleDetail =
  | { kind: "none" }
  | { kind: "text"; text: string }
  /** prefix + the row's (typed) column, e.g. "activation_date 2024-01-10" */
  | { kind: "column"; prefix: string; column: string; of: "row" | "subscriber" }
  /** "as of " + the as-of date */
  | { kind: "as_of" };

export type RuleTest =
  /** the id is empty (NULL, or blank after trimming spaces) */
  | { kind: "blank" }
  /** the value is empty */
  | { kind: "missing" }
  /** the value is not empty but does not parse as the column's type */
  | { kind: "unparsed" }
  /** the parsed value is not one of `values` */
  | { kind: "enum"; values: readonly string[] }
  | { kind: "negative" }
  /** the parsed value is below `min` or above `max` (either may be absent) */
  | { kind: "range"; min?: number; max?: number }
  /** the date is before the row's `other` date */
  | { kind: "before"; other: string }
  /** the date is after the as-of date */
  | { kind: "future" }
  /** no loaded subscriber has this id */
  | { kind: "unknown_subscriber" }
  /** the event date is before the subscriber's activation (by month when `monthly`) */
  | { kind: "before_activation"; monthly: boolean }
  /** the event date is after the subscriber's deactivation (by month when `monthly`) */
  | { kind: "after_deactivation"; monthly: boolean };

export interface Rule {
  reason: RejectReason;
  stage: RuleStage;
  /** The column the reject names (and whose source text it reports, except for `blank`/`missing`: ''). */
  column: string;
  /** That column's type in the contract. */
  type: ColumnDef["type"];
  test: RuleTest;
  detail: RuleDetail;
}

/** Numbers beyond this (absolute) are export errors, not amounts: 1e308 would overflow sums to Infinity. */
export const MAX_ABS_NUMBER = 1e12;

const NONE: RuleDetail = { kind: "none" };
const UNPARSED: Partial<Record<ColumnDef["type"], RejectReason>> = {
  date: "bad_date",
  number: "bad_number",
  integer: "bad_integer",
  boolean: "bad_boolean",
};

/**
 * The ordered rules of a table, given which canonical columns the file has (`present`; absent optional
 * columns are not checked). The order is the contract: id, then each column's value rules in column order,
 * then date order, then future dates, then the subscriber references.
 */
export function tableRules(def: TableDef, present: ReadonlySet<string>): Rule[] {
  const rules: Rule[] = [{ reason: "empty_id", stage: "value", column: "subscriber_id", type: "id", test: { kind: "blank" }, detail: NONE }];
  const typeOf = (name: string) => def.columns.find((c) => c.name === name)?.type ?? "text";
  const cols = def.columns.filter((c) => present.has(c.name));
  for (const c of cols) {
    if (c.type === "id") continue;
    const v = (reason: RejectReason, test: RuleTest, detail: RuleDetail = NONE) => rules.push({ reason, stage: "value", column: c.name, type: c.type, test, detail });
    if (!c.nullable) v("missing_value", { kind: "missing" });
    const unparsed = UNPARSED[c.type];
    if (unparsed) v(unparsed, { kind: "unparsed" });
    if (c.type === "enum" && c.values) v("bad_enum", { kind: "enum", values: c.values }, { kind: "text", text: `allowed: ${c.values.join(", ")}` });
    if (c.nonNegative) v("negative", { kind: "negative" });
    const numeric = c.type === "number" || c.type === "integer";
    if (c.min !== undefined || c.max !== undefined || numeric) {
      const max = c.max ?? (numeric ? MAX_ABS_NUMBER : undefined);
      const min = c.min ?? (numeric && !c.nonNegative ? -MAX_ABS_NUMBER : undefined);
      v("out_of_range", { kind: "range", ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) }, {
        kind: "text",
        text: `allowed: ${min ?? (c.nonNegative ? 0 : "-inf")} to ${max ?? "inf"}`,
      });
    }
  }
  for (const c of cols) {
    if (c.notBefore === undefined || !present.has(c.notBefore)) continue;
    rules.push({
      reason: "date_order",
      stage: "value",
      column: c.name,
      type: c.type,
      test: { kind: "before", other: c.notBefore },
      detail: { kind: "column", prefix: `${c.notBefore} `, column: c.notBefore, of: "row" },
    });
  }
  for (const c of cols) {
    if (c.type !== "date" || c.allowFuture) continue;
    rules.push({ reason: "future_date", stage: "reference", column: c.name, type: c.type, test: { kind: "future" }, detail: { kind: "as_of" } });
  }
  if (def.referencesSubscribers) {
    rules.push({ reason: "unknown_subscriber", stage: "reference", column: "subscriber_id", type: "id", test: { kind: "unknown_subscriber" }, detail: NONE });
    const ev = def.eventDate;
    if (ev !== undefined) {
      // Billing is monthly: compare months, so a bill for the activation or deactivation month is in the period.
      const monthly = ev === "month";
      rules.push({
        reason: "before_activation",
        stage: "reference",
        column: ev,
        type: typeOf(ev),
        test: { kind: "before_activation", monthly },
        detail: { kind: "column", prefix: "activation_date ", column: "activation_date", of: "subscriber" },
      });
      rules.push({
        reason: "after_deactivation",
        stage: "reference",
        column: ev,
        type: typeOf(ev),
        test: { kind: "after_deactivation", monthly },
        detail: { kind: "column", prefix: "deactivation_date ", column: "deactivation_date", of: "subscriber" },
      });
    }
  }
  return rules;
}

/**
 * The columns whose source text a reference-stage reject reports (the dates checked against the as-of date
 * and the event date): kept beside the parsed rows, so the reference stage can run again on reused rows.
 */
export function referenceColumns(def: TableDef, present: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const r of tableRules(def, present)) if (r.stage === "reference" && r.column !== "subscriber_id") out.add(r.column);
  return [...out];
}
