/**
 * The input-integrity gate: is this run's input broken (stop, exit 4) rather than a population that moved
 * (a warning, src/monitoring/drift.ts)? Each column of the run is compared with what it looked like in every
 * training snapshot (src/model/reference-stats.ts), so a feature that is all zero in some normal months (a price
 * rise flag) is not flagged when it is all zero again.
 *
 *   all_missing     missing in every row; training had values in every snapshot
 *   missing_jump    its missing share is `missingJump` (0.3) above the highest of any training snapshot
 *   constant        one value in every row (all_zero when that value is 0); no training snapshot was constant, and
 *                   for all_zero the column was mostly non-zero (zero share below `mostlyZero`, 0.5) in every snapshot
 *   scale           the median of its non-zero |values| is `scaleFactor` (50) times above or below its range over
 *                   training snapshots: a change of units (cents, KB, x 1000)
 *   swapped         two numeric columns each out of their own range and each inside the other's: columns swapped
 *   unseen_levels   `missingJump` more of its values are codes never seen in training (a recoded export)
 *
 * Counts are accumulated chunk by chunk (one pass over values already in memory); the level of a column is read
 * from a histogram of log10 |value| in eighths of a decade, so it costs no memory per row.
 */
import type { ColumnSnapshotStats, ReferenceSnapshots } from "../model/reference-stats.js";
import type { RawTable } from "../raw-table.js";

export const INTEGRITY_KINDS = ["all_missing", "missing_jump", "constant", "all_zero", "scale", "swapped", "unseen_levels"] as const;
export type IntegrityKind = (typeof INTEGRITY_KINDS)[number];

export interface IntegrityFailure {
  column: string;
  kind: IntegrityKind;
  /** What was seen against what training had, in words (for the message and the report). */
  detail: string;
}

export interface IntegrityOptions {
  missingJump: number;
  /** A column whose zero share reached this in some training snapshot may be all zero (not flagged all_zero). */
  mostlyZero: number;
  scaleFactor: number;
  /** Fewer rows (or non-missing values for level checks) than this: too few to judge. */
  minRows: number;
}

export const DEFAULT_INTEGRITY: IntegrityOptions = { missingJump: 0.3, mostlyZero: 0.5, scaleFactor: 50, minRows: 50 };

const BINS_PER_DECADE = 8;
const LOG_MIN = -12;
const LOG_BINS = 24 * BINS_PER_DECADE;

interface Acc {
  ref: ColumnSnapshotStats;
  /** Present in the input (a column the model reads that no chunk had is missing from the input). */
  seen: boolean;
  n: number;
  missing: number;
  zeros: number;
  first: number | string | undefined;
  constant: boolean;
  other: number;
  otherExample: string | undefined;
  levels?: ReadonlySet<string>;
  hist?: Float64Array;
}

/** An IntegrityCounter's counts, per column (JSON). */
export type IntegrityState = {
  name: string;
  seen: boolean;
  n: number;
  missing: number;
  zeros: number;
  first: number | string | null;
  constant: boolean;
  other: number;
  otherExample: string | null;
  hist: number[] | null;
}[];

/** Per-column counts of one scoring run, added chunk by chunk. */
export class IntegrityCounter {
  private readonly accs: Acc[];
  /** `reads`: the columns the model reads (default every column of the reference). */
  constructor(
    readonly reference: ReferenceSnapshots,
    readonly levels: ReadonlyMap<string, readonly string[]>,
    readonly reads?: ReadonlySet<string>,
  ) {
    this.accs = reference.columns.filter((c) => !reads || reads.has(c.name)).map((ref) => ({
      ref,
      seen: false,
      n: 0,
      missing: 0,
      zeros: 0,
      first: undefined,
      constant: true,
      other: 0,
      otherExample: undefined,
      ...(ref.kind === "numeric" ? { hist: new Float64Array(LOG_BINS) } : { levels: new Set(levels.get(ref.name) ?? []) }),
    }));
  }

  add(table: RawTable): void {
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    for (const a of this.accs) {
      const col = byName.get(a.ref.name);
      a.n += table.rows;
      if (!col) {
        a.missing += table.rows;
        continue;
      }
      a.seen = true;
      for (let i = 0; i < table.rows; i++) {
        let v: number | string | null;
        if (col.kind === "numeric") v = Number.isNaN(col.values[i]!) ? null : col.values[i]!;
        else v = col.values[i] ?? null;
        if (v === null) {
          a.missing++;
          continue;
        }
        if (a.first === undefined) a.first = v;
        else if (v !== a.first) a.constant = false;
        if (a.hist) {
          const x = typeof v === "number" ? v : Number(v);
          if (x === 0) a.zeros++;
          else if (Number.isFinite(x)) {
            const b = Math.floor((Math.log10(Math.abs(x)) - LOG_MIN) * BINS_PER_DECADE);
            a.hist[Math.min(LOG_BINS - 1, Math.max(0, b))]!++;
          }
        } else if (a.levels && !a.levels.has(String(v))) {
          a.other++;
          a.otherExample ??= String(v);
        }
      }
    }
  }

  /** The counts so far, to add up with other counters of the same reference (shards of one run, in shard order). */
  state(): IntegrityState {
    return this.accs.map((a) => ({
      name: a.ref.name,
      seen: a.seen,
      n: a.n,
      missing: a.missing,
      zeros: a.zeros,
      first: a.first ?? null,
      constant: a.constant,
      other: a.other,
      otherExample: a.otherExample ?? null,
      hist: a.hist ? Array.from(a.hist) : null,
    }));
  }

  /** Add the counts of another counter of the same reference and columns (as if its rows came after these). */
  addState(s: IntegrityState): void {
    if (s.length !== this.accs.length || s.some((x, j) => x.name !== this.accs[j]!.ref.name)) throw new Error("integrity counts of another reference");
    this.accs.forEach((a, j) => {
      const b = s[j]!;
      a.seen ||= b.seen;
      a.n += b.n;
      a.missing += b.missing;
      a.zeros += b.zeros;
      if (b.first !== null) {
        if (a.first === undefined) {
          a.first = b.first;
          a.constant = b.constant;
        } else if (!b.constant || b.first !== a.first) a.constant = false;
      }
      a.other += b.other;
      a.otherExample ??= b.otherExample ?? undefined;
      if (a.hist && b.hist) for (let k = 0; k < b.hist.length; k++) a.hist[k]! += b.hist[k]!;
    });
  }

  /** The failures found, worst first (missing and constant columns, then units, swaps and codes). */
  failures(o: IntegrityOptions = DEFAULT_INTEGRITY): IntegrityFailure[] {
    const out: IntegrityFailure[] = [];
    const levelOf = new Map<string, number>();
    for (const a of this.accs) {
      if (a.n < o.minRows) continue;
      const r = a.ref;
      const pct = (v: number) => `${(100 * v).toFixed(v > 0 && v < 0.01 ? 1 : 0)}%`;
      const missShare = a.missing / a.n;
      const present = a.n - a.missing;
      if (!a.seen) {
        out.push({ column: r.name, kind: "all_missing", detail: "is not in the input at all (its table, or the column, is missing from the export)" });
        continue;
      }
      if (missShare >= 0.999 && r.missing[1] < 0.99) {
        out.push({ column: r.name, kind: "all_missing", detail: `missing in every row; training had values in every snapshot (missing at most ${pct(r.missing[1])})` });
        continue;
      }
      if (missShare - r.missing[1] >= o.missingJump) {
        out.push({ column: r.name, kind: "missing_jump", detail: `missing in ${pct(missShare)} of rows; at most ${pct(r.missing[1])} in any training snapshot` });
        continue;
      }
      // all zero is broken only for a column mostly non-zero in training: a count of rare events (contacts in
      // 90 days while campaigns pause) that was 0 for most subscribers may well be 0 for all of them
      const zero = a.first === 0;
      if (present >= o.minRows && a.constant && r.constantSnapshots === 0 && !(zero && (r.zeros?.[1] ?? 0) >= o.mostlyZero)) {
        out.push({
          column: r.name,
          kind: zero ? "all_zero" : "constant",
          detail: zero ? "0 in every row; it varied in every training snapshot" : `${JSON.stringify(a.first)} in every row; it varied in every training snapshot`,
        });
        continue;
      }
      if (a.hist && r.level) {
        const level = histMedian(a.hist);
        if (level !== undefined && present - a.zeros >= o.minRows) {
          levelOf.set(r.name, level);
          const [lo, hi] = r.level;
          const ratio = level > hi ? level / hi : level < lo ? level / lo : 1;
          if (ratio >= o.scaleFactor || ratio <= 1 / o.scaleFactor) {
            out.push({
              column: r.name,
              kind: "scale",
              detail: `its values are about ${ratio >= 1 ? `${fmt(ratio)} times` : `1/${fmt(1 / ratio)} of`} those in training (median of non-zero values ${fmt(level)}; ${fmt(lo)} to ${fmt(hi)} in training snapshots): a change of units?`,
            });
          }
        }
      }
      if (a.levels && r.other && present >= o.minRows) {
        const share = a.other / present;
        if (share - r.other[1] >= o.missingJump) {
          out.push({
            column: r.name,
            kind: "unseen_levels",
            detail: `${pct(share)} of its values were never seen in training (e.g. ${JSON.stringify(a.otherExample)}; at most ${pct(r.other[1])} in training snapshots): were its codes changed?`,
          });
        }
      }
    }
    // swapped columns: each out of its own range (x2) and inside the other's (/1.5)
    const inRange = (v: number, r: [number, number], f: number) => v >= r[0] / f && v <= r[1] * f;
    const numeric = this.accs.filter((a) => a.ref.level && levelOf.has(a.ref.name));
    const swapped = new Set<string>();
    for (let i = 0; i < numeric.length; i++) {
      const a = numeric[i]!;
      const la = levelOf.get(a.ref.name)!;
      if (swapped.has(a.ref.name) || inRange(la, a.ref.level!, 2)) continue;
      for (let j = i + 1; j < numeric.length; j++) {
        const b = numeric[j]!;
        const lb = levelOf.get(b.ref.name)!;
        if (swapped.has(b.ref.name) || inRange(lb, b.ref.level!, 2)) continue;
        if (inRange(la, b.ref.level!, 1.5) && inRange(lb, a.ref.level!, 1.5)) {
          swapped.add(a.ref.name).add(b.ref.name);
          out.push({
            column: a.ref.name,
            kind: "swapped",
            detail: `its values look like ${b.ref.name}'s in training and ${b.ref.name}'s look like its own (medians ${fmt(la)} and ${fmt(lb)}): two columns swapped in the export?`,
          });
          break;
        }
      }
    }
    // a swap explains the two columns' scale failures
    return out.filter((f) => !(f.kind === "scale" && swapped.has(f.column)));
  }
}

/** Median of the values in a log10 histogram (the geometric middle of the median bin). */
function histMedian(h: Float64Array): number | undefined {
  let n = 0;
  for (const c of h) n += c;
  if (n === 0) return undefined;
  let acc = 0;
  for (let b = 0; b < h.length; b++) {
    acc += h[b]!;
    if (acc >= n / 2) return 10 ** (LOG_MIN + (b + 0.5) / BINS_PER_DECADE);
  }
  return undefined;
}

const fmt = (v: number): string => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v >= 1 ? v.toFixed(1) : v.toPrecision(2));

/** "column: detail; ..." for the gate's message. */
export function describeFailures(failures: readonly IntegrityFailure[], max = 6): string {
  const shown = failures.slice(0, max).map((f) => `${f.column} ${f.detail}`);
  return failures.length > max ? `${shown.join("; ")}; and ${failures.length - max} more` : shown.join("; ");
}
