/**
 * Reading DuckDB result chunks column by column without boxing every value.
 *
 * `chunk.getColumnValues(j)` builds a JavaScript array of every value and tests each one's validity bit with BigInt
 * arithmetic: on a 1M-subscriber `churn score` that took 8.8 of its 32 s of scoring, for columns that are plain
 * DOUBLEs. Here a DOUBLE column is read as the Float64Array DuckDB's vector already is, and its validity mask (when
 * there is one: DuckDB leaves it out when no value is NULL) as bytes, through `@duckdb/node-bindings`: the C API layer
 * @duckdb/node-api itself is built on, pinned to the same version in package.json.
 */
import ddb from "@duckdb/node-bindings";
import type { DuckDBDataChunk } from "@duckdb/node-api";

/**
 * Copy column `j` of `chunk` into `out` from position `at`: NULL as NaN, rows whose `keep` byte is 0 skipped (null =
 * every row). Returns the position after the last value written. A column that is not DOUBLE is read through
 * getColumnValues (numbers as they are, anything else NaN), so the result never depends on the fast path.
 */
export function gatherDoubles(chunk: DuckDBDataChunk, j: number, out: Float64Array, at: number, keep: Uint8Array | null): number {
  const n = chunk.rowCount;
  if (n === 0) return at;
  const vec = ddb.data_chunk_get_vector(chunk.chunk, j);
  if (ddb.get_type_id(ddb.vector_get_column_type(vec)) !== ddb.Type.DOUBLE) {
    const v = chunk.getColumnValues(j);
    let k = at;
    for (let r = 0; r < n; r++) {
      if (keep && !keep[r]) continue;
      const x = v[r];
      out[k++] = typeof x === "number" ? x : Number.NaN;
    }
    return k;
  }
  const bytes = ddb.vector_get_data(vec, n * Float64Array.BYTES_PER_ELEMENT);
  const items = new Float64Array(bytes.buffer, bytes.byteOffset, n);
  const mask = ddb.vector_get_validity(vec, Math.ceil(n / 64) * 8);
  if (!keep) {
    out.set(items, at);
    // then NaN where the mask says NULL, eight rows per byte (a byte of 0xff: all eight hold values)
    if (mask) {
      for (let b = 0, nb = (n + 7) >> 3; b < nb; b++) {
        const m = mask[b]!;
        if (m === 0xff) continue;
        for (let bit = 0, r = b << 3; bit < 8 && r < n; bit++, r++) if ((m & (1 << bit)) === 0) out[at + r] = Number.NaN;
      }
    }
    return at + n;
  }
  let k = at;
  for (let r = 0; r < n; r++) {
    if (!keep[r]) continue;
    // the mask is uint64 words, little-endian: row r is bit (r & 7) of byte r >> 3
    out[k++] = mask && (mask[r >> 3]! & (1 << (r & 7))) === 0 ? Number.NaN : items[r]!;
  }
  return k;
}
