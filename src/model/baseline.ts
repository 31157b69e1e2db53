/**
 * The simple rule the model card compares a model with: one column, one cut, two groups. Each group is scored
 * with its churn rate on the training rows, so the rule's probabilities are honest and its ranking is the rule's.
 *
 * - Feature table: "any complaint in 90 days" (complaints_90d > 0) when that column exists, else the best
 *   one-column rule (a level of a low-cardinality column, or a decile cut of a numeric column, either side).
 * - Flat table: the best rule on one binary or low-cardinality column (at most 10 distinct values); decile cuts
 *   of numeric columns only when the table has no such column.
 * "Best" = highest ROC-AUC on (a seeded sample of at most 50 000) training rows; for a two-group rule that is
 * (TPR + TNR) / 2. Ties keep the earlier column. Missing values are never flagged.
 */
import { rng } from "./split.js";
import type { RawColumn, RawTable } from "../raw-table.js";

export const COMPLAINT_RULE_COLUMN = "complaints_90d";
export const LOW_CARDINALITY = 10;
const SAMPLE = 50_000;

export interface RuleBaseline {
  /** Readable rule, e.g. "any complaint in 90 days", "contract_type = monthly", "tenure_days < 120". */
  name: string;
  column: string;
  op: "in" | "notIn" | "atLeast" | "below";
  value: string | number;
  /** Churn rate of flagged and other rows on the training rows: the rule's two probabilities. */
  rates: { flagged: number; other: number };
  /** How the rule was picked. */
  chosen: "fixed" | "best on training rows";
}

function flagOf(col: RawColumn, op: RuleBaseline["op"], value: string | number, i: number): boolean {
  if (col.kind === "numeric") {
    const v = col.values[i]!;
    if (Number.isNaN(v)) return false;
    if (op === "atLeast") return v >= (value as number);
    if (op === "below") return v < (value as number);
    return op === "in" ? v === value : v !== value;
  }
  const v = col.values[i];
  if (v === null || v === undefined) return false;
  return op === "in" ? v === value : op === "notIn" ? v !== value : false;
}

const fmt = (v: number) => String(Number(v.toPrecision(4)));

function ruleName(column: string, op: RuleBaseline["op"], value: string | number): string {
  const v = typeof value === "number" ? fmt(value) : value;
  return `${column} ${op === "in" ? "=" : op === "notIn" ? "≠" : op === "atLeast" ? "≥" : "<"} ${v}`;
}

/** Scores of a rule on rows `rows` (default all): the flagged group's training churn rate, else the other's. */
export function applyBaseline(rule: RuleBaseline, table: RawTable, rows?: ArrayLike<number>): Float64Array {
  const col = table.columns.find((c) => c.name === rule.column);
  const n = rows ? rows.length : table.rows;
  const out = new Float64Array(n).fill(rule.rates.other);
  if (!col) return out;
  for (let k = 0; k < n; k++) if (flagOf(col, rule.op, rule.value, rows ? rows[k]! : k)) out[k] = rule.rates.flagged;
  return out;
}

interface Candidate {
  column: string;
  op: RuleBaseline["op"];
  value: string | number;
}

function distinct(col: RawColumn, rows: number[], max: number): (string | number)[] | undefined {
  const s = new Set<string | number>();
  for (const i of rows) {
    const v = col.values[i];
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) continue;
    s.add(v);
    if (s.size > max) return undefined;
  }
  return [...s].sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b))));
}

function decileCuts(col: RawColumn, rows: number[]): number[] {
  const v = Float64Array.from(rows.map((i) => col.values[i] as number)).filter((x) => !Number.isNaN(x)).sort();
  if (v.length < 2) return [];
  const cuts = new Set<number>();
  for (let q = 1; q <= 9; q++) {
    const t = v[Math.floor((q / 10) * (v.length - 1))]!;
    if (t > v[0]!) cuts.add(t); // a cut at the minimum flags everyone
  }
  return [...cuts];
}

function candidates(col: RawColumn, rows: number[], lowCardOnly: boolean): Candidate[] {
  const levels = distinct(col, rows, LOW_CARDINALITY);
  if (levels && levels.length >= 2) {
    // A binary column needs one level only: its other level is the complement.
    const used = levels.length === 2 ? levels.slice(1) : levels;
    return used.flatMap((value) => [
      { column: col.name, op: "in" as const, value },
      { column: col.name, op: "notIn" as const, value },
    ]);
  }
  if (lowCardOnly || col.kind !== "numeric") return [];
  return decileCuts(col, rows).flatMap((value) => [
    { column: col.name, op: "atLeast" as const, value },
    { column: col.name, op: "below" as const, value },
  ]);
}

function ratesOf(table: RawTable, y: ArrayLike<number>, rows: number[], c: Candidate): { tp: number; fp: number; fn: number; tn: number } {
  const col = table.columns.find((x) => x.name === c.column)!;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const i of rows) {
    const pos = y[i]! > 0.5;
    if (flagOf(col, c.op, c.value, i)) {
      if (pos) tp++;
      else fp++;
    } else if (pos) fn++;
    else tn++;
  }
  return { tp, fp, fn, tn };
}

function finish(table: RawTable, y: ArrayLike<number>, rows: number[], c: Candidate, name: string, chosen: RuleBaseline["chosen"]): RuleBaseline {
  const r = ratesOf(table, y, rows, c);
  const all = (r.tp + r.fn) / Math.max(1, r.tp + r.fp + r.fn + r.tn);
  const flagged = r.tp + r.fp > 0 ? r.tp / (r.tp + r.fp) : all;
  const other = r.fn + r.tn > 0 ? r.fn / (r.fn + r.tn) : all;
  return { name, column: c.column, op: c.op, value: c.value, rates: { flagged, other }, chosen };
}

/**
 * Choose the rule baseline on the training rows `fitRows` (labels `y` indexed by table row).
 * Returns undefined when no column gives a usable rule.
 */
export function chooseBaseline(table: RawTable, y: ArrayLike<number>, fitRows: number[], kind: "features" | "table", seed: number): RuleBaseline | undefined {
  let rows = fitRows.filter((i) => !Number.isNaN(y[i]!));
  if (rows.length > SAMPLE) {
    const r = rng(seed);
    rows = rows.map((i) => ({ i, k: r() })).sort((a, b) => a.k - b.k).slice(0, SAMPLE).map((o) => o.i).sort((a, b) => a - b);
  }
  const complaint = table.columns.find((c) => c.name === COMPLAINT_RULE_COLUMN && c.kind === "numeric");
  if (kind === "features" && complaint) return finish(table, y, rows, { column: complaint.name, op: "atLeast", value: 1 }, "any complaint in 90 days", "fixed");
  const search = (lowCardOnly: boolean): Candidate | undefined => {
    let best: { c: Candidate; auc: number } | undefined;
    for (const col of table.columns) {
      for (const c of candidates(col, rows, lowCardOnly)) {
        const r = ratesOf(table, y, rows, c);
        const pos = r.tp + r.fn;
        const neg = r.fp + r.tn;
        if (pos === 0 || neg === 0 || r.tp + r.fp === 0 || r.fn + r.tn === 0) continue;
        const auc = 0.5 * (r.tp / pos + r.tn / neg);
        if (!best || auc > best.auc + 1e-12) best = { c, auc };
      }
    }
    return best?.c;
  };
  const c = kind === "table" ? (search(true) ?? search(false)) : search(false);
  return c ? finish(table, y, rows, c, ruleName(c.column, c.op, c.value), "best on training rows") : undefined;
}
