/**
 * Training and cross-validation inputs from files: a flat table (--table, --label, --positive) or the
 * feature table of `churn features` (subscriber_id, as_of, features..., label; label empty when unknown).
 * Checks here turn into exit 3 (data) or exit 2 (usage) with a message that says the fix.
 */
import { InputDataError, UsageError } from "../errors.js";
import { addPeriod, parsePeriod } from "../features/periods.js";
import { sha256File } from "../io/files.js";
import { type CsvDialect, readFlatTable } from "../io/flat-table.js";
import { msg } from "../messages.js";
import { parseLabels } from "./labels.js";
import { groupsOf, stratifiedFolds, stratifiedGroupFolds, stratifiedGroupSplit, stratifiedSplit, timeHonestSplit, timeHonestSplit3 } from "./split.js";
import { looksLikeIdName, type RawTable } from "../raw-table.js";
import type { Labels } from "./types.js";

export interface TableSpec {
  path: string;
  label: string;
  positive: string;
  id?: string | undefined;
  foldsColumn?: string | undefined;
  /** Columns that are not features (--exclude). */
  exclude?: string[] | undefined;
  /** CSV dialect of the file (config data.csv). */
  csv?: CsvDialect | undefined;
}

export interface LoadedTable {
  /** The feature columns. */
  table: RawTable;
  /** Every column but the label, id and fold column (features and --exclude'd ones): what other models score. */
  allColumns: RawTable;
  y: Labels;
  /** Fold per row when a fold column was given. */
  folds?: Int32Array;
  sha256: string;
  /** Columns that are not features: label, id, fold column, --exclude, and a column named `fold`. */
  excluded: string[];
  /** What the user should hear about the columns (e.g. a `fold` column left out), for the log. */
  notes: string[];
  /**
   * Rows grouped by the --id column when an id repeats (a customer's monthly rows): folds and validation splits
   * keep a group's rows together, so no customer is both trained on and tested on.
   */
  groups?: IdGroups;
}

/**
 * Rows that must stay together: those of a repeated id (`column`), or, without --id, rows identical in every
 * column and the label (`column` null: a table with duplicated rows). The group of each row, how many groups.
 */
export interface IdGroups {
  column: string | null;
  groups: Int32Array;
  count: number;
}

/** "grouped by customerid (9,525 ids in 20,468 rows ...)": how the rows were grouped, for the log and the card. */
export function groupingText(g: IdGroups, rows: number, side: string): string {
  const n = (v: number) => v.toLocaleString("en-US");
  return g.column === null
    ? `identical rows kept together (${n(g.count)} distinct rows in ${n(rows)}: a row and its copies ${side})`
    : `grouped by ${g.column} (${n(g.count)} ids in ${n(rows)} rows: one id's rows ${side})`;
}

/**
 * Groups of rows equal in every column of `t` and the label, when some row repeats (undefined otherwise). Rows are
 * compared by a 64-bit hash of their values: two different rows sharing a hash only end up in the same fold.
 */
function identicalRowGroups(t: RawTable, y: Labels): { groups: Int32Array; count: number } | undefined {
  const n = t.rows;
  const h1 = new Uint32Array(n).fill(2166136261);
  const h2 = new Uint32Array(n).fill(0x9747b28c);
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const mix = (i: number, a: number, b: number) => {
    h1[i] = Math.imul(h1[i]! ^ a, 16777619) ^ Math.imul(b, 0x5bd1e995);
    h2[i] = Math.imul((h2[i]! + a) | 0, 0x85ebca6b) ^ Math.imul(b ^ (h2[i]! >>> 13), 0xc2b2ae35);
  };
  const text = (v: string) => {
    let a = 0x811c9dc5;
    let b = 0x1b873593;
    for (let k = 0; k < v.length; k++) {
      const c = v.charCodeAt(k);
      a = Math.imul(a ^ c, 16777619);
      b = Math.imul(b + c, 0xcc9e2d51) ^ (b >>> 15);
    }
    return [a >>> 0, b >>> 0] as const;
  };
  for (const c of t.columns) {
    for (let i = 0; i < n; i++) {
      if (c.kind === "numeric") {
        f64[0] = c.values[i]!;
        mix(i, u32[0]!, u32[1]!);
      } else {
        const v = c.values[i];
        if (v === null || v === undefined) mix(i, 0x6e756c6c, 1);
        else {
          const [a, b] = text(v);
          mix(i, a, b);
        }
      }
    }
  }
  for (let i = 0; i < n; i++) mix(i, y[i]! > 0.5 ? 1 : 0, 7);
  return groupsOf(Array.from({ length: n }, (_, i) => `${h1[i]}:${h2[i]}`));
}

/**
 * Notes for columns that look like identifiers but were not passed as --id: one whose values repeat (rows of the
 * same customer land in different folds and the figures overstate), or one with a different value on every row
 * (a feature that only tells rows apart).
 */
function idHints(path: string, t: RawTable): string[] {
  const out: string[] = [];
  for (const c of t.columns) {
    // a column that counts the rows (1, 2, 3 ... or 0, 1, 2 ...): the file's row number, not a customer attribute
    if (c.kind === "numeric" && t.rows >= 20) {
      const v = c.values;
      const base = v[0];
      let counts = base === 0 || base === 1;
      for (let i = 1; counts && i < t.rows; i++) counts = v[i] === base! + i;
      if (counts) {
        out.push(msg.rowNumberColumn(path, c.name));
        continue;
      }
    }
    if (!looksLikeIdName(c.name)) continue;
    const seen = new Set<string | number>();
    let n = 0;
    let fractional = false;
    for (let i = 0; i < t.rows; i++) {
      const v = c.values[i];
      if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) continue;
      if (typeof v === "number" && !Number.isInteger(v)) fractional = true;
      seen.add(v);
      n++;
    }
    // an id is a name or a whole number
    if (n === 0 || fractional) continue;
    if (seen.size === n) out.push(msg.idLikeUnique(path, c.name));
    else if (seen.size >= n / 20) out.push(msg.idLikeRepeats(path, c.name, seen.size, n));
  }
  return out;
}

/** A column with this name (any case) is a fold assignment, never a feature. */
export const FOLD_COLUMN = "fold";

/** Split a --exclude value ("a,b" or repeated options) into column names. */
export function parseExclude(v: string | string[] | undefined): string[] {
  const list = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return [...new Set(list.flatMap((x) => String(x).split(",")).map((x) => x.trim()).filter(Boolean))];
}

function requireColumn(path: string, names: string[], option: string, column: string): void {
  if (!names.includes(column)) throw new UsageError(msg.columnNotInTable(path, option, column, names));
}

const positives = (y: Labels): number => y.reduce((a, v) => a + (v === 1 ? 1 : 0), 0);

/** At least 20 rows with 5 of each class: enough to fit (or calibrate) on. */
/** Enough rows to train or calibrate on: at least 20, with at least 5 of each outcome. */
export function enoughRows(y: Labels): boolean {
  const pos = positives(y);
  return y.length >= 20 && pos >= 5 && y.length - pos >= 5;
}

function checkSize(where: string, y: Labels): void {
  if (!enoughRows(y)) throw new InputDataError(msg.tooFewRows(where, y.length, positives(y)));
}

/**
 * Read a flat table: features are every column except label, id, fold column, --exclude, and a column named
 * `fold` (any case), which is left out with a note (a fold number is never a feature).
 */
export async function loadLabelledTable(spec: TableSpec): Promise<LoadedTable> {
  const exclude = spec.exclude ?? [];
  const named = [spec.label, ...(spec.id ? [spec.id] : []), ...(spec.foldsColumn ? [spec.foldsColumn] : [])];
  const t = await readFlatTable(spec.path, { raw: named, csv: spec.csv });
  const header = t.names;
  const notes: string[] = [];
  const foldLike = header.filter((n) => n.toLowerCase() === FOLD_COLUMN && !named.includes(n) && !exclude.includes(n));
  for (const f of foldLike) notes.push(msg.foldColumnExcluded(spec.path, f));
  requireColumn(spec.path, header, "--label", spec.label);
  if (spec.id) requireColumn(spec.path, header, "--id", spec.id);
  if (spec.foldsColumn) requireColumn(spec.path, header, "--folds-column", spec.foldsColumn);
  for (const c of exclude) requireColumn(spec.path, header, "--exclude", c);
  const skip = [...exclude, ...foldLike].filter((c) => !named.includes(c));
  const table = withoutColumns(t.table, skip);
  if (table.columns.length === 0) throw new InputDataError(msg.noFeatureColumns(spec.path));
  const y = parseLabels(t.raw[spec.label]!, spec.positive, { path: spec.path, column: spec.label });
  checkSize(spec.path, y);
  if (!spec.id) notes.push(...idHints(spec.path, table));
  const out: LoadedTable = { table, allColumns: t.table, y, sha256: await sha256File(spec.path), excluded: [...named, ...skip], notes };
  if (spec.id) {
    const grouped = groupsOf(t.raw[spec.id]!);
    if (grouped) out.groups = { column: spec.id, ...grouped };
  } else {
    const same = identicalRowGroups(t.table, y);
    if (same) {
      out.groups = { column: null, ...same };
      notes.push(msg.identicalRows(spec.path, y.length - same.count));
    }
  }
  if (spec.foldsColumn) {
    const raw = t.raw[spec.foldsColumn]!;
    const folds = new Int32Array(raw.length);
    raw.forEach((v, i) => {
      const f = v === null ? Number.NaN : Number(v);
      if (!Number.isInteger(f) || f < 0 || f > 1000) throw new InputDataError(msg.foldsInvalid(spec.path, spec.foldsColumn!, `row ${i} has ${v === null ? "no value" : `'${v}'`}`));
      folds[i] = f;
    });
    if (new Set(folds).size < 2) throw new InputDataError(msg.foldsInvalid(spec.path, spec.foldsColumn, "only one distinct fold"));
    out.folds = folds;
    if (out.groups) {
      const first = new Map<number, number>();
      const split = new Set<number>();
      out.groups.groups.forEach((g, i) => {
        const f = first.get(g);
        if (f === undefined) first.set(g, folds[i]!);
        else if (f !== folds[i]) split.add(g);
      });
      if (split.size > 0) notes.push(msg.foldsSplitGroups(spec.path, spec.foldsColumn, out.groups.column ?? "identical row", split.size, out.groups.count));
    }
  }
  return out;
}

/** Folds for cv: the fold column, or a seeded stratified k-fold (grouped by the --id column when an id repeats). */
export function cvFolds(t: LoadedTable, k: number | undefined, seed: number): Int32Array {
  if (t.folds) return t.folds;
  if (t.groups) return stratifiedGroupFolds(t.y, t.groups.groups, k ?? 5, seed);
  return stratifiedFolds(t.y, k ?? 5, seed);
}

/** The table without some columns (the column arrays are shared, not copied). */
export function withoutColumns(t: RawTable, drop: readonly string[]): RawTable {
  if (!drop.length) return t;
  const d = new Set(drop);
  return { rows: t.rows, columns: t.columns.filter((c) => !d.has(c.name)) };
}

export interface TrainingInput {
  /** label/positive/id/exclude: how a flat table was read (so `churn models compare` can rebuild the split). */
  source: { kind: "table" | "features"; path: string; sha256: string; excluded: string[]; label?: string; positive?: string; id?: string; exclude?: string[] };
  /** Every column of the rows, features and --exclude'd ones: what the champion (or another model) scores. */
  allColumns: RawTable;
  /** Notes for the log about the columns (e.g. a `fold` column left out). */
  notes?: string[];
  table: RawTable;
  y: Labels;
  fitRows: number[];
  /** Rows the calibrator is fitted on (out of time, seen by neither the model nor its early stopping); empty = cross-fitted on the validation rows. */
  calibRows: number[];
  validRows: number[];
  split: Record<string, unknown>;
  /** Feature tables: as-of date of each row (ms, UTC) and the end of a snapshot's outcome window, for the backtest and the card. */
  asOf?: number[];
  outcomeEnd?: (asOfMs: number) => number;
  /** Feature tables: distinct subscribers. */
  subscribers?: number;
  /** Flat tables whose --id repeats: the group of each row (the mlp's early-stopping rows keep groups whole). */
  groups?: Int32Array;
}

/**
 * Flat table: a seeded stratified 80/20 split (there is no time axis to respect), grouped by the --id column when
 * an id repeats (`group` false: the row split of a model trained before grouping, for `models compare`); the
 * calibrator is cross-fitted on the 20%.
 */
export async function tableTrainingInput(spec: TableSpec, seed: number, validFraction = 0.2, group = true): Promise<TrainingInput> {
  const t = await loadLabelledTable(spec);
  const all = Array.from({ length: t.y.length }, (_, i) => i);
  const g = group ? t.groups : undefined;
  const s = g ? stratifiedGroupSplit(all, t.y, g.groups, validFraction, seed) : stratifiedSplit(all, t.y, validFraction, seed);
  return {
    source: { kind: "table", path: spec.path, sha256: t.sha256, excluded: t.excluded, label: spec.label, positive: spec.positive, ...(spec.id ? { id: spec.id } : {}), exclude: t.excluded.filter((c) => c !== spec.label && c !== spec.id) },
    notes: t.notes,
    table: t.table,
    allColumns: t.allColumns,
    y: t.y,
    fitRows: s.fit,
    calibRows: [],
    validRows: s.valid,
    ...(g ? { groups: g.groups } : {}),
    split: {
      method: g ? "stratified-grouped" : "stratified-random",
      ...(g ? { groupedBy: g.column ?? "identical rows", groups: g.count } : {}),
      validFraction,
      seed,
      fitRows: s.fit.length,
      validRows: s.valid.length,
      calibration: "cross-fitted",
    },
  };
}

export const FEATURE_ID = "subscriber_id";
export const FEATURE_AS_OF = "as_of";
export const FEATURE_LABEL = "label";

/**
 * Feature table: time-honest split. Validation = the latest snapshot whose labels are all known; calibration =
 * the latest complete snapshot before it whose outcome window closed by then; training = labelled snapshots
 * whose outcome window (as_of + horizon) closed by the calibration date (timeHonestSplit3). When that leaves
 * too little to train or calibrate on, two ways (training closed by the validation date) and the calibrator
 * is cross-fitted on the validation rows. Rows with an empty label are never trained on.
 */
export async function featureTrainingInput(path: string, horizon: string, o: { exclude?: string[] | undefined; csv?: CsvDialect | undefined } = {}): Promise<TrainingInput> {
  const period = parsePeriod(horizon, "--horizon");
  const raw = [FEATURE_ID, FEATURE_AS_OF, FEATURE_LABEL];
  const exclude = (o.exclude ?? []).filter((c) => !raw.includes(c));
  const t = await readFlatTable(path, { raw, csv: o.csv });
  for (const c of exclude) requireColumn(path, t.names, "--exclude", c);
  for (const c of raw) if (!t.names.includes(c)) throw new InputDataError(msg.featuresColumn(path, c));
  const asOf = t.raw[FEATURE_AS_OF]!.map((v, i) => {
    const ms = v === null ? Number.NaN : Date.parse(v.slice(0, 10));
    if (Number.isNaN(ms)) throw new InputDataError(msg.foldsInvalid(path, FEATURE_AS_OF, `row ${i} has '${v}', not a date YYYY-MM-DD`));
    return ms;
  });
  const y = parseLabels(t.raw[FEATURE_LABEL]!, "1", { path, column: FEATURE_LABEL }, true);
  const labelled = Array.from(y, (v) => !Number.isNaN(v));
  const outcomeEnd = (ms: number) => addPeriod(new Date(ms), period).getTime();
  const s = timeHonestSplit(asOf, labelled, outcomeEnd);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if ("error" in s) {
    if (s.error === "no-validation") throw new InputDataError(msg.featuresNoValidation(path));
    throw new InputDataError(msg.featuresNoTraining(path, day(s.validAsOf), horizon));
  }
  checkSize(`${path} (training snapshots)`, Float32Array.from(s.train, (i) => y[i]!));
  checkSize(`${path} (validation snapshot ${day(s.validAsOf)})`, Float32Array.from(s.valid, (i) => y[i]!));
  const three = timeHonestSplit3(asOf, labelled, outcomeEnd);
  const usable = three && enoughRows(Float32Array.from(three.train, (i) => y[i]!)) && enoughRows(Float32Array.from(three.calib, (i) => y[i]!)) ? three : undefined;
  const chosen = usable ?? s;
  return {
    source: { kind: "features", path, sha256: await sha256File(path), excluded: [...raw, ...exclude], ...(exclude.length ? { exclude } : {}) },
    table: withoutColumns(t.table, exclude),
    allColumns: t.table,
    y,
    fitRows: chosen.train,
    calibRows: usable ? usable.calib : [],
    validRows: chosen.valid,
    asOf,
    outcomeEnd,
    subscribers: new Set(t.raw[FEATURE_ID]).size,
    split: {
      method: "time-honest",
      horizon,
      validAsOf: day(chosen.validAsOf),
      ...(usable ? { calibAsOf: day(usable.calibAsOf), calibRows: usable.calib.length, calibration: "separate snapshot" } : { calibration: "cross-fitted" }),
      trainAsOfMax: day(chosen.trainAsOfMax),
      fitRows: chosen.train.length,
      validRows: chosen.valid.length,
      embargoedRows: chosen.embargoed,
      unlabelledRows: labelled.filter((l) => !l).length,
    },
  };
}
