/**
 * Columnar staging: rows produced by the simulation are buffered per column and appended to DuckDB in
 * chunks of 2,048 rows (no JS object per row survives), then the writer turns staging tables into files.
 */
import { BOOLEAN, DOUBLE, type DuckDBAppender, DuckDBDataChunk, type DuckDBType, type DuckDBValue, INTEGER, VARCHAR } from "@duckdb/node-api";
import type { Db } from "../io/duckdb.js";

const CHUNK = 2048;
export type StageType = "int" | "double" | "bool" | "text";
const TYPES: Record<StageType, DuckDBType> = { int: INTEGER, double: DOUBLE, bool: BOOLEAN, text: VARCHAR };
const SQL: Record<StageType, string> = { int: "INTEGER", double: "DOUBLE", bool: "BOOLEAN", text: "VARCHAR" };

export class Sink {
  private appender: DuckDBAppender | undefined;
  private readonly chunk: DuckDBDataChunk;
  private readonly cols: DuckDBValue[][];
  private n = 0;
  rows = 0;

  private constructor(
    readonly table: string,
    private readonly schema: readonly (readonly [string, StageType])[],
  ) {
    this.chunk = DuckDBDataChunk.create(
      schema.map(([, t]) => TYPES[t]),
      CHUNK,
    );
    this.cols = schema.map(() => new Array<DuckDBValue>(CHUNK).fill(null));
  }

  /** Create (or replace) the staging table and open its appender. `table` is a fixed internal name. */
  static async open(db: Db, table: string, schema: readonly (readonly [string, StageType])[]): Promise<Sink> {
    const cols = schema.map(([n, t]) => `${n} ${SQL[t]}`).join(", ");
    await db.run(`CREATE OR REPLACE TABLE ${table} (${cols})`);
    const s = new Sink(table, schema);
    s.appender = await db.conn.createAppender(table);
    return s;
  }

  /** Append one row; values in schema order, null for SQL NULL. */
  push(...values: DuckDBValue[]): void {
    const n = this.n;
    for (let c = 0; c < values.length; c++) this.cols[c]![n] = values[c]!;
    this.n = n + 1;
    this.rows++;
    if (this.n === CHUNK) this.flush();
  }

  private flush(): void {
    if (this.n === 0) return;
    this.chunk.rowCount = this.n;
    for (let c = 0; c < this.schema.length; c++) {
      const col = this.cols[c]!;
      this.chunk.setColumnValues(c, this.n === CHUNK ? col : col.slice(0, this.n));
    }
    this.appender!.appendDataChunk(this.chunk);
    this.n = 0;
  }

  close(): void {
    this.flush();
    this.appender?.flushSync();
    this.appender?.closeSync();
    this.appender = undefined;
  }
}
