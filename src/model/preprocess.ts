/**
 * Preprocessing, fitted on training rows only and stored with the model (as JSON).
 *
 *   numeric:      median imputation; a `__missing` 0/1 column only when the column had missing values in
 *                 training; robust scaling (x - median) / (IQR / 1.349), clipped to [-clip, clip] (clip 10 by default: 5 cut off real signal, e.g. 4+ customer-service calls).
 *                 (IQR / 1.349 equals the standard deviation for normal data; when the IQR is 0 the standard
 *                 deviation is used, and 1 when that is 0 too.)
 *   categorical:  one 0/1 column per frequent level (at least `minLevelCount` training rows, at most
 *                 `maxLevels` levels, most frequent first) plus `=(other)` for rare and unseen levels.
 *                 A missing value is the level "(missing)", subject to the same rule.
 *
 * Example: `const pre = Preprocessor.fit(trainTable); const X = pre.transform(testTable);`
 */
import { ConfigError, InputDataError } from "../errors.js";
import { msg } from "../messages.js";
import { type RawColumn, type RawTable, isMissingToken } from "../raw-table.js";
import type { Matrix, MatrixColumn } from "./types.js";

export const PREPROCESSING_VERSION = 1;
export const OTHER_LEVEL = "(other)";
export const MISSING_LEVEL = "(missing)";

export interface PreprocessOptions {
  /** Scaled numeric values are clipped to [-clip, clip]. */
  clip: number;
  /** A level needs at least this many training rows to get its own column. */
  minLevelCount: number;
  /** At most this many level columns per categorical column (plus "(other)"). */
  maxLevels: number;
}

export const defaultPreprocessOptions: PreprocessOptions = { clip: 10, minLevelCount: 10, maxLevels: 100 };

export type ColumnSpec =
  | { name: string; kind: "numeric"; median: number; scale: number; missingIndicator: boolean }
  | { name: string; kind: "categorical"; levels: string[] };

export interface PreprocessingState {
  version: number;
  options: PreprocessOptions;
  columns: ColumnSpec[];
  /** Training mean and standard deviation of each matrix column (for explanations and importance). */
  reference: number[];
  std: number[];
}

function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

function fitNumeric(c: Extract<RawColumn, { kind: "numeric" }>): ColumnSpec {
  const sorted = c.values.filter((v) => !Number.isNaN(v)).sort();
  const median = sorted.length ? quantileSorted(sorted, 0.5) : 0;
  let scale = sorted.length ? (quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) / 1.349 : 0;
  if (!(scale > 0)) {
    let m = 0;
    for (const v of sorted) m += v;
    m /= Math.max(1, sorted.length);
    let s = 0;
    for (const v of sorted) s += (v - m) ** 2;
    scale = Math.sqrt(s / Math.max(1, sorted.length));
  }
  if (!(scale > 0)) scale = 1;
  return { name: c.name, kind: "numeric", median, scale, missingIndicator: sorted.length < c.values.length };
}

function fitCategorical(c: Extract<RawColumn, { kind: "categorical" }>, o: PreprocessOptions): ColumnSpec {
  const counts = new Map<string, number>();
  for (const v of c.values) {
    const k = v ?? MISSING_LEVEL;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const levels = [...counts.entries()]
    .filter(([, n]) => n >= o.minLevelCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, o.maxLevels)
    .map(([k]) => k)
    .sort();
  return { name: c.name, kind: "categorical", levels };
}

function matrixColumns(specs: ColumnSpec[]): MatrixColumn[] {
  const out: MatrixColumn[] = [];
  for (const s of specs) {
    if (s.kind === "numeric") {
      out.push({ name: s.name, source: s.name, kind: "numeric" });
      if (s.missingIndicator) out.push({ name: `${s.name}__missing`, source: s.name, kind: "missing" });
    } else {
      for (const l of s.levels) out.push({ name: `${s.name}=${l}`, source: s.name, kind: "onehot" });
      out.push({ name: `${s.name}=${OTHER_LEVEL}`, source: s.name, kind: "onehot" });
    }
  }
  return out;
}

export class Preprocessor {
  readonly columns: MatrixColumn[];
  private constructor(readonly state: PreprocessingState) {
    this.columns = matrixColumns(state.columns);
  }

  /** Fit on the training rows of `table` (every column of it is a feature). */
  static fit(table: RawTable, options: Partial<PreprocessOptions> = {}): Preprocessor {
    const o = { ...defaultPreprocessOptions, ...options };
    const columns = table.columns.map((c) => (c.kind === "numeric" ? fitNumeric(c) : fitCategorical(c, o)));
    const pre = new Preprocessor({ version: PREPROCESSING_VERSION, options: o, columns, reference: [], std: [] });
    const X = pre.transform(table);
    const mean = new Float64Array(X.cols);
    const sq = new Float64Array(X.cols);
    for (let i = 0; i < X.rows; i++) {
      for (let j = 0; j < X.cols; j++) {
        const v = X.data[i * X.cols + j]!;
        mean[j]! += v;
        sq[j]! += v * v;
      }
    }
    const n = Math.max(1, X.rows);
    pre.state.reference = Array.from(mean, (s) => s / n);
    pre.state.std = Array.from(sq, (s, j) => Math.sqrt(Math.max(0, s / n - (mean[j]! / n) ** 2)));
    return pre;
  }

  /** Rebuild from `toJSON()` output (validated). */
  static fromJSON(raw: unknown, where = "preprocessing.json"): Preprocessor {
    const s = raw as PreprocessingState;
    if (!s || typeof s !== "object" || !Array.isArray(s.columns) || !Array.isArray(s.reference)) {
      throw new ConfigError(msg.artifactInvalid(where, "not a preprocessing state"));
    }
    if (s.version !== PREPROCESSING_VERSION) {
      throw new ConfigError(msg.artifactInvalid(where, `preprocessing version ${s.version}, this churn reads version ${PREPROCESSING_VERSION}`));
    }
    return new Preprocessor(s);
  }

  toJSON(): PreprocessingState {
    return this.state;
  }

  /** Source columns this preprocessor needs, with their kind. */
  get inputs(): { name: string; kind: "numeric" | "categorical" }[] {
    return this.state.columns.map((c) => ({ name: c.name, kind: c.kind }));
  }

  /** Encode a table (any row count) into the model matrix. Columns are found by name; extra columns are ignored. */
  transform(table: RawTable, where = "input"): Matrix {
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    const cols = this.columns.length;
    const rows = table.rows;
    const data = new Float32Array(rows * cols);
    const clip = this.state.options.clip;
    // Resolve every input column once, then fill the matrix in row blocks: writing column by column over all
    // rows would touch a new cache line per value (row-major output), which was 5x slower on 1M rows.
    const encoders = this.state.columns.map((spec) => {
      const col = byName.get(spec.name);
      if (!col) throw new InputDataError(msg.modelColumnMissing(where, spec.name));
      if (spec.kind === "numeric") return { spec, num: numericValues(col) };
      const index = new Map(spec.levels.map((l, k) => [l, k]));
      const values = categoricalValues(col);
      // level index per row, computed once (a Map lookup per value)
      const codes = new Int32Array(rows);
      for (let i = 0; i < rows; i++) codes[i] = index.get(values[i] ?? MISSING_LEVEL) ?? spec.levels.length;
      return { spec, codes };
    });
    const BLOCK = 2048;
    for (let r0 = 0; r0 < rows; r0 += BLOCK) {
      const r1 = Math.min(rows, r0 + BLOCK);
      let j = 0;
      for (const e of encoders) {
        const spec = e.spec;
        if (spec.kind === "numeric") {
          const values = e.num!;
          const { median, scale, missingIndicator } = spec;
          for (let i = r0; i < r1; i++) {
            const v = values[i]!;
            const o = i * cols + j;
            if (Number.isNaN(v)) {
              data[o] = 0;
              if (missingIndicator) data[o + 1] = 1;
            } else {
              const z = (v - median) / scale;
              data[o] = Math.max(-clip, Math.min(clip, z));
            }
          }
          j += missingIndicator ? 2 : 1;
        } else {
          const codes = e.codes!;
          for (let i = r0; i < r1; i++) data[i * cols + j + codes[i]!] = 1;
          j += spec.levels.length + 1;
        }
      }
    }
    return { data, rows, cols, columns: this.columns.map((c) => ({ ...c })) };
  }
}

/** A numeric view of a column that may have been read as strings (non-numbers become missing). */
function numericValues(c: RawColumn): Float64Array {
  if (c.kind === "numeric") return c.values;
  return Float64Array.from(c.values, (s) => {
    if (s === null || isMissingToken(s)) return Number.NaN;
    const v = Number(s.trim());
    return Number.isFinite(v) ? v : Number.NaN;
  });
}

/** A string view of a column that may have been read as numbers. */
function categoricalValues(c: RawColumn): (string | null)[] {
  if (c.kind === "categorical") return c.values;
  return Array.from(c.values, (v) => (Number.isNaN(v) ? null : String(v)));
}
