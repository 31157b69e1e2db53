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
 * The end of the data: the latest date in the tables' date columns (a billed month counts to its last day).
 * Returns undefined when no table has a date.
 */
export async function dataEndOf(db: Db, columns: ReadonlyMap<TableName, ReadonlySet<string>>): Promise<Date | undefined> {
  const parts: string[] = [];
  for (const [table, cols] of columns) {
    for (const c of DATA_END_COLUMNS[table]) {
      if (!cols.has(c)) continue;
      const expr = table === "billing" && c === "month" ? `(date_trunc('month', max("${c}")) + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE` : `max("${c}")::DATE`;
      parts.push(`SELECT ${expr} AS d FROM "${table}"`);
    }
  }
  if (!parts.length) return undefined;
  const row = await db.one(`SELECT max(d) AS d FROM (${parts.join(" UNION ALL ")})`);
  const d = row?.["d"];
  return d instanceof Date ? d : undefined;
}

/** Parameters: $1 as-of, $2 as-of + horizon, $3 whether the label is known (horizon end <= data end). */
export const SPINE_SQL = `CREATE OR REPLACE TABLE feat_spine AS
SELECT * EXCLUDE (deactivation_date),
  CASE WHEN NOT $3::BOOLEAN THEN NULL
       WHEN deactivation_date IS NOT NULL AND deactivation_date <= $2::DATE THEN 1 ELSE 0 END::INTEGER AS label
FROM subscribers
WHERE activation_date <= $1::DATE AND (deactivation_date IS NULL OR deactivation_date > $1::DATE)`;

export async function buildSpine(db: Db, asOf: Date, horizonEnd: Date, labelKnown: boolean): Promise<void> {
  await db.run(SPINE_SQL, [isoDay(asOf), isoDay(horizonEnd), labelKnown]);
}
