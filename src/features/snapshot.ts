/**
 * Snapshot and label for one as-of date.
 *
 * Snapshot: every subscriber active at as-of: activation_date <= as-of and (no deactivation_date or
 * deactivation_date > as-of). Label: 1 when deactivated within (as-of, as-of + horizon], 0 when not, and
 * empty (unknown) when as-of + horizon lies beyond the end of the data: such rows can be scored, never trained on.
 *
 * `feat_spine` keeps the subscribers' columns except deactivation_date, so no family can read the outcome.
 */
import type { TableName } from "../contract/tables.js";
import type { Db } from "../io/duckdb.js";
import { type Dialect, duckdbDialect } from "./dialect.js";
import { isoDay } from "./periods.js";

/** The date columns that show how far the data reaches (contract_end_date looks forward, so it is not one). */
export const DATA_END_COLUMNS: Record<TableName, readonly string[]> = {
  subscribers: ["activation_date", "deactivation_date"],
  usage: ["date"],
  billing: ["month"],
  complaints: ["opened_at", "resolved_at"],
  products: ["start_date", "end_date"],
  surveys: ["date"],
  campaigns: ["date"],
};

/**
 * SQL for the latest date of one table's date column (a billed month counts to its last day), or undefined
 * when the column does not show how far the data reaches. `rel` is the relation holding the table's rows.
 */
export function dataEndExpr(d: Dialect, table: TableName, column: string): string | undefined {
  if (!DATA_END_COLUMNS[table].includes(column)) return undefined;
  return table === "billing" && column === "month" ? `${d.addMonths(d.monthStart(`max("${column}")`), "1")} - 1` : `max("${column}")`;
}

/**
 * The end of the data: the latest date in the tables' date columns (a billed month counts to its last day).
 * Returns undefined when no table has a date.
 */
export async function dataEndOf(db: Db, columns: ReadonlyMap<TableName, ReadonlySet<string>>): Promise<Date | undefined> {
  const d = duckdbDialect({ usageStart: null });
  const parts: string[] = [];
  for (const [table, cols] of columns) {
    for (const c of DATA_END_COLUMNS[table]) {
      if (!cols.has(c)) continue;
      parts.push(`SELECT CAST(${dataEndExpr(d, table, c)} AS DATE) AS d FROM "${table}"`);
    }
  }
  if (!parts.length) return undefined;
  const row = await db.one(`SELECT max(d) AS d FROM (${parts.join(" UNION ALL ")})`);
  const v = row?.["d"];
  return v instanceof Date ? v : undefined;
}

/**
 * The snapshot with its label for one as-of date, as a SELECT over `d.rel("subscribers")`: `cols` are the
 * subscribers' columns to keep (all but deactivation_date, so no family can read the outcome).
 */
export function spineSelect(d: Dialect, cols: string, horizonEnd: Date, labelKnown: boolean): string {
  const label = labelKnown
    ? d.cast(`CASE WHEN deactivation_date IS NOT NULL AND deactivation_date <= ${d.date(isoDay(horizonEnd))} THEN 1 ELSE 0 END`, "flag")
    : d.cast("NULL", "flag");
  return `SELECT ${cols}, ${label} AS label
FROM ${d.rel("subscribers")}
WHERE activation_date <= ${d.asOf} AND (deactivation_date IS NULL OR deactivation_date > ${d.asOf})`;
}

/** The snapshot into table feat_spine, reading subscribers through `d` (restricted to a shard's or a pass's, say). */
export async function buildSpine(db: Db, asOf: Date, horizonEnd: Date, labelKnown: boolean, d: Dialect): Promise<void> {
  await db.run(`CREATE OR REPLACE TABLE feat_spine AS ${spineSelect(d, "* EXCLUDE (deactivation_date)", horizonEnd, labelKnown)}`, [isoDay(asOf)]);
}
