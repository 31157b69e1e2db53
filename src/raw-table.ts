/**
 * A raw feature table in memory, column-wise: numeric columns as Float64Array (NaN = missing), categorical
 * columns as strings (null = missing). Produced by io/flat-table.ts (flat CSV/Parquet or the feature table)
 * and consumed by the preprocessor.
 */

export type RawColumn =
  | { name: string; kind: "numeric"; values: Float64Array }
  | { name: string; kind: "categorical"; values: (string | null)[] };

export interface RawTable {
  rows: number;
  columns: RawColumn[];
}

/** Tokens that count as missing (after trimming spaces), the same rule as the quality-benchmark peers. */
export const MISSING_TOKENS: readonly string[] = ["", "NA", "N/A", "NaN", "nan", "null", "NULL", "?"];

export function isMissingToken(s: string): boolean {
  return MISSING_TOKENS.includes(s.trim());
}

/** The rows `idx` of a table, in that order. */
export function takeRows(t: RawTable, idx: ArrayLike<number>): RawTable {
  const n = idx.length;
  const columns = t.columns.map((c): RawColumn => {
    if (c.kind === "numeric") {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = c.values[idx[i]!]!;
      return { name: c.name, kind: "numeric", values: v };
    }
    const v = new Array<string | null>(n);
    for (let i = 0; i < n; i++) v[i] = c.values[idx[i]!] ?? null;
    return { name: c.name, kind: "categorical", values: v };
  });
  return { rows: n, columns };
}

/** Infer the kind of a column of strings: numeric when every non-missing value is a finite number. */
export function columnFromStrings(name: string, raw: (string | null)[]): RawColumn {
  const nums = new Float64Array(raw.length);
  let numeric = true;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    if (s === null || s === undefined || isMissingToken(s)) {
      nums[i] = Number.NaN;
      continue;
    }
    const t = s.trim();
    const v = Number(t);
    if (!Number.isFinite(v)) {
      numeric = false;
      break;
    }
    nums[i] = v;
  }
  if (numeric) return { name, kind: "numeric", values: nums };
  return { name, kind: "categorical", values: raw.map((s) => (s === null || isMissingToken(s) ? null : s.trim())) };
}

/** Names that read as an identifier: id, customer_id, subscriber-id, customerID, CustomerId, customerid. */
const ID_NAMES = [/^id$/i, /[_\-\s.]id$/i, /[a-z0-9](Id|ID)$/, /^(customer|client|user|subscriber|account|member|cust|contract)id$/i];

/** Does this column name read as an identifier? (a hint for the user; nothing is decided on it alone) */
export const looksLikeIdName = (name: string): boolean => ID_NAMES.some((r) => r.test(name));
