/**
 * Training and cross-validation inputs from files: a flat table (--table, --label, --positive) or the
 * feature table of `churn features` (subscriber_id, as_of, features..., label; label empty when unknown).
 * Checks here turn into exit 3 (data) or exit 2 (usage) with a message that says the fix.
 */
import { InputDataError, UsageError } from "../errors.js";
import { addPeriod, parsePeriod } from "../features/periods.js";
import { sha256File } from "../io/files.js";
import { readFlatTable } from "../io/flat-table.js";
import { msg } from "../messages.js";
import { parseLabels } from "./labels.js";
import { stratifiedFolds, stratifiedSplit, timeHonestSplit } from "./split.js";
import type { RawTable } from "../raw-table.js";
import type { Labels } from "./types.js";

export interface TableSpec {
  path: string;
  label: string;
  positive: string;
  id?: string | undefined;
  foldsColumn?: string | undefined;
}

export interface LoadedTable {
  table: RawTable;
  y: Labels;
  /** Fold per row when a fold column was given. */
  folds?: Int32Array;
  sha256: string;
  excluded: string[];
}

function requireColumn(path: string, names: string[], option: string, column: string): void {
  if (!names.includes(column)) throw new UsageError(msg.columnNotInTable(path, option, column, names));
}

function checkSize(where: string, y: Labels): void {
  let pos = 0;
  for (const v of y) if (v === 1) pos++;
  if (y.length < 20 || pos < 5 || y.length - pos < 5) throw new InputDataError(msg.tooFewRows(where, y.length, pos));
}

/** Read a flat table: features are every column except label, id and fold. */
export async function loadLabelledTable(spec: TableSpec): Promise<LoadedTable> {
  const excluded = [spec.label, ...(spec.id ? [spec.id] : []), ...(spec.foldsColumn ? [spec.foldsColumn] : [])];
  const t = await readFlatTable(spec.path, { raw: excluded });
  requireColumn(spec.path, t.names, "--label", spec.label);
  if (spec.id) requireColumn(spec.path, t.names, "--id", spec.id);
  if (spec.foldsColumn) requireColumn(spec.path, t.names, "--folds-column", spec.foldsColumn);
  if (t.table.columns.length === 0) throw new InputDataError(msg.noFeatureColumns(spec.path));
  const y = parseLabels(t.raw[spec.label]!, spec.positive, { path: spec.path, column: spec.label });
  checkSize(spec.path, y);
  const out: LoadedTable = { table: t.table, y, sha256: await sha256File(spec.path), excluded };
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
  }
  return out;
}

/** Folds for cv: the fold column, or a seeded stratified k-fold. */
export function cvFolds(t: LoadedTable, k: number | undefined, seed: number): Int32Array {
  if (t.folds) return t.folds;
  return stratifiedFolds(t.y, k ?? 5, seed);
}

export interface TrainingInput {
  source: { kind: "table" | "features"; path: string; sha256: string; excluded: string[] };
  table: RawTable;
  y: Labels;
  fitRows: number[];
  validRows: number[];
  split: Record<string, unknown>;
  /** Feature tables: as-of date of each row (ms, UTC) and the end of a snapshot's outcome window, for the backtest and the card. */
  asOf?: number[];
  outcomeEnd?: (asOfMs: number) => number;
  /** Feature tables: distinct subscribers. */
  subscribers?: number;
}

/** Flat table: a seeded stratified 80/20 split (there is no time axis to respect). */
export async function tableTrainingInput(spec: TableSpec, seed: number, validFraction = 0.2): Promise<TrainingInput> {
  const t = await loadLabelledTable(spec);
  const all = Array.from({ length: t.y.length }, (_, i) => i);
  const s = stratifiedSplit(all, t.y, validFraction, seed);
  return {
    source: { kind: "table", path: spec.path, sha256: t.sha256, excluded: t.excluded },
    table: t.table,
    y: t.y,
    fitRows: s.fit,
    validRows: s.valid,
    split: { method: "stratified-random", validFraction, seed, fitRows: s.fit.length, validRows: s.valid.length },
  };
}

export const FEATURE_ID = "subscriber_id";
export const FEATURE_AS_OF = "as_of";
export const FEATURE_LABEL = "label";

/**
 * Feature table: time-honest split. Validation = the latest snapshot whose labels are all known; training =
 * labelled snapshots whose outcome window (as_of + horizon) closed by then. Rows with an empty label are
 * never trained on.
 */
export async function featureTrainingInput(path: string, horizon: string): Promise<TrainingInput> {
  const period = parsePeriod(horizon, "--horizon");
  const raw = [FEATURE_ID, FEATURE_AS_OF, FEATURE_LABEL];
  const t = await readFlatTable(path, { raw });
  for (const c of raw) if (!t.names.includes(c)) throw new InputDataError(msg.featuresColumn(path, c));
  const asOf = t.raw[FEATURE_AS_OF]!.map((v, i) => {
    const ms = v === null ? Number.NaN : Date.parse(v.slice(0, 10));
    if (Number.isNaN(ms)) throw new InputDataError(msg.foldsInvalid(path, FEATURE_AS_OF, `row ${i} has '${v}', not a date YYYY-MM-DD`));
    return ms;
  });
  const y = parseLabels(t.raw[FEATURE_LABEL]!, "1", { path, column: FEATURE_LABEL }, true);
  const labelled = Array.from(y, (v) => !Number.isNaN(v));
  const s = timeHonestSplit(asOf, labelled, (ms) => addPeriod(new Date(ms), period).getTime());
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  if ("error" in s) {
    if (s.error === "no-validation") throw new InputDataError(msg.featuresNoValidation(path));
    throw new InputDataError(msg.featuresNoTraining(path, day(s.validAsOf), horizon));
  }
  checkSize(`${path} (training snapshots)`, Float32Array.from(s.train, (i) => y[i]!));
  checkSize(`${path} (validation snapshot ${day(s.validAsOf)})`, Float32Array.from(s.valid, (i) => y[i]!));
  return {
    source: { kind: "features", path, sha256: await sha256File(path), excluded: raw },
    table: t.table,
    y,
    fitRows: s.train,
    validRows: s.valid,
    asOf,
    outcomeEnd: (ms) => addPeriod(new Date(ms), period).getTime(),
    subscribers: new Set(t.raw[FEATURE_ID]).size,
    split: {
      method: "time-honest",
      horizon,
      validAsOf: day(s.validAsOf),
      trainAsOfMax: day(s.trainAsOfMax),
      fitRows: s.train.length,
      validRows: s.valid.length,
      embargoedRows: s.embargoed,
      unlabelledRows: labelled.filter((l) => !l).length,
    },
  };
}
