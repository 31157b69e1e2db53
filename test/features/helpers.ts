/** Tiny input tables built inline in DuckDB, typed like the loader's canonical tables. */
import { DUCKDB_TYPE, TABLES, type TableName } from "../../src/contract/tables.js";
import type { Db, Row } from "../../src/io/duckdb.js";
import { computeFeatures, type ComputeOptions, type ComputeResult } from "../../src/features/runner.js";
import { parsePeriod } from "../../src/features/periods.js";


/** Create `table` with its canonical columns (minus `omit`) and insert `rows` (missing keys are NULL). */
export async function createTable(db: Db, table: TableName, rows: Record<string, unknown>[], omit: string[] = []): Promise<void> {
  const cols = TABLES[table].columns.filter((c) => !omit.includes(c.name));
  await db.run(`DROP TABLE IF EXISTS "${table}"`);
  await db.run(`CREATE TABLE "${table}" (${cols.map((c) => `"${c.name}" ${DUCKDB_TYPE[c.type]}`).join(", ")})`);
  // batches of multi-row VALUES, every value bound as a parameter
  for (let at = 0; at < rows.length; at += 200) {
    const batch = rows.slice(at, at + 200);
    const values: unknown[] = [];
    const tuples = batch.map((r) => {
      const ph = cols.map((c) => {
        values.push(r[c.name] === undefined ? null : r[c.name]);
        return `$${values.length}::${DUCKDB_TYPE[c.type]}`;
      });
      return `(${ph.join(", ")})`;
    });
    await db.run(`INSERT INTO "${table}" VALUES ${tuples.join(", ")}`, values as never);
  }
}

/** A subscriber row with defaults. */
export const sub = (id: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  subscriber_id: id,
  activation_date: "2024-01-01",
  deactivation_date: null,
  plan: "basic",
  contract_type: "month_to_month",
  contract_end_date: null,
  monthly_fee: 30,
  region: "north",
  preferred_channel: "sms",
  ...over,
});

export interface Run {
  result: ComputeResult;
  rows: Row[];
  /** The row of one subscriber at one as-of (throws when absent). */
  get(id: string, asOf?: string): Row;
}

/** Compute features into a table and read them back, ordered by as_of, subscriber_id. */
export async function run(db: Db, asOf: string[], opts: Partial<Omit<ComputeOptions, "asOf" | "horizon">> & { horizon?: string } = {}): Promise<Run> {
  await db.run("DROP TABLE IF EXISTS feat_result");
  let first = true;
  const { horizon, ...rest } = opts;
  const result = await computeFeatures(
    db,
    { ...rest, asOf: asOf.map((d) => new Date(`${d}T00:00:00Z`)), horizon: parsePeriod(horizon ?? "30d", "--horizon") },
    async (select) => {
      await db.run(first ? `CREATE TABLE feat_result AS ${select}` : `INSERT INTO feat_result ${select}`);
      first = false;
    },
  );
  const rows = first ? [] : await db.all("SELECT * FROM feat_result ORDER BY as_of, subscriber_id");
  const get = (id: string, day?: string) => {
    const r = rows.find((x) => x["subscriber_id"] === id && (day === undefined || (x["as_of"] as Date).toISOString().startsWith(day)));
    if (!r) throw new Error(`no row for ${id} at ${day}`);
    return r;
  };
  return { result, rows, get };
}
