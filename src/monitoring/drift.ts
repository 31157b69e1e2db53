/**
 * Drift: population stability index (PSI) per feature and for the score, this run against the training
 * reference stored in the model (training.json `reference`, see src/model/reference-bins.ts).
 *
 *   PSI = sum over bins of (a - e) x ln(a / e),  a = this run's share, e = the training share,
 *   both floored at 1e-4 so an empty bin does not give infinity.
 * Status: ok below `warn` (0.1), warn up to `fail` (config scoring.driftFail, default 0.25), alert above.
 * Counts are accumulated chunk by chunk, so drift costs one pass over values already in memory.
 */
import type { ArtifactTraining } from "../io/artifact-schemas.js";
import { categoricalBin, numericBin, type ReferenceBins, type ReferenceDistributions } from "../model/reference-bins.js";
import type { RawTable } from "../raw-table.js";

export const PSI_FLOOR = 1e-4;

export interface DriftEntry {
  feature: string;
  psi: number;
  status: "ok" | "warn" | "alert";
}

export interface DriftSummary {
  checked: boolean;
  warn: number;
  threshold: number;
  score: DriftEntry | null;
  features: DriftEntry[];
  /** Features above the threshold (and the score, named "score"). */
  alerts: string[];
  warnings: string[];
}

export function psi(actual: readonly number[], expected: readonly number[]): number {
  let s = 0;
  for (let k = 0; k < expected.length; k++) {
    const a = Math.max(PSI_FLOOR, actual[k] ?? 0);
    const e = Math.max(PSI_FLOOR, expected[k] ?? 0);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

interface Acc {
  ref: ReferenceBins;
  counts: Float64Array;
  index?: Map<string, number>;
}

/** A counter's bin counts: rows, score bins, per feature its bins. */
export interface DriftState {
  n: number;
  score: number[];
  features: number[][];
}

/** Accumulates bin counts over chunks. */
export class DriftCounter {
  private readonly accs: Acc[];
  private readonly scoreCounts: Float64Array;
  private n = 0;
  constructor(readonly ref: ReferenceDistributions) {
    this.accs = ref.features.map((f) => ({
      ref: f,
      counts: new Float64Array(f.shares.length),
      ...(f.kind === "categorical" ? { index: new Map(f.levels.map((l, k) => [l, k])) } : {}),
    }));
    this.scoreCounts = new Float64Array(ref.score.shares.length);
  }

  add(table: RawTable, scores: ArrayLike<number>): void {
    const byName = new Map(table.columns.map((c) => [c.name, c]));
    for (const a of this.accs) {
      const col = byName.get(a.ref.name);
      if (!col) continue;
      if (a.ref.kind === "numeric") {
        const cuts = a.ref.cuts;
        if (col.kind === "numeric") for (let i = 0; i < table.rows; i++) a.counts[numericBin(cuts, col.values[i]!)]!++;
        else for (let i = 0; i < table.rows; i++) a.counts[numericBin(cuts, col.values[i] === null ? Number.NaN : Number(col.values[i]))]!++;
      } else {
        const L = a.ref.levels.length;
        const idx = a.index!;
        for (let i = 0; i < table.rows; i++) {
          const v = col.kind === "categorical" ? (col.values[i] ?? null) : Number.isNaN(col.values[i]!) ? null : String(col.values[i]);
          a.counts[categoricalBin(idx, L, v)]!++;
        }
      }
    }
    for (let i = 0; i < scores.length; i++) this.scoreCounts[numericBin(this.ref.score.cuts, scores[i]!)]!++;
    this.n += table.rows;
  }

  /** The bin counts so far, to add up with other counters of the same reference (shards of one run). */
  state(): DriftState {
    return { n: this.n, score: Array.from(this.scoreCounts), features: this.accs.map((a) => Array.from(a.counts)) };
  }

  /** Add the bin counts of another counter of the same reference. */
  addState(s: DriftState): void {
    if (s.features.length !== this.accs.length || s.score.length !== this.scoreCounts.length) throw new Error("drift counts of another reference");
    this.accs.forEach((a, j) => {
      const c = s.features[j]!;
      if (c.length !== a.counts.length) throw new Error("drift counts of another reference");
      for (let b = 0; b < c.length; b++) a.counts[b]! += c[b]!;
    });
    for (let b = 0; b < s.score.length; b++) this.scoreCounts[b]! += s.score[b]!;
    this.n += s.n;
  }

  summary(warn: number, threshold: number): DriftSummary {
    const status = (v: number): DriftEntry["status"] => (v > threshold ? "alert" : v > warn ? "warn" : "ok");
    const share = (c: Float64Array, n: number) => Array.from(c, (x) => (n > 0 ? x / n : 0));
    const round = (v: number) => Math.round(v * 1e6) / 1e6;
    const features = this.accs.map((a) => {
      const v = round(psi(share(a.counts, this.n), a.ref.shares));
      return { feature: a.ref.name, psi: v, status: status(v) };
    });
    const sv = round(psi(share(this.scoreCounts, this.n), this.ref.score.shares));
    const score: DriftEntry = { feature: "score", psi: sv, status: status(sv) };
    // the names in alerts and warnings come largest shift first, as the log's warning lists them
    const all = [score, ...features].sort((a, b) => b.psi - a.psi);
    return {
      checked: true,
      warn,
      threshold,
      score,
      features,
      alerts: all.filter((e) => e.status === "alert").map((e) => e.feature),
      warnings: all.filter((e) => e.status === "warn").map((e) => e.feature),
    };
  }
}

export function noDrift(warn: number, threshold: number): DriftSummary {
  return { checked: false, warn, threshold, score: null, features: [], alerts: [], warnings: [] };
}

/** The reference in a model's training.json (checked when the artifact was read), or undefined for models trained before drift checks. */
export function referenceOf(training: ArtifactTraining): ReferenceDistributions | undefined {
  return training.reference;
}

/** "name (PSI 0.31), ..." for messages, largest first. */
export function describeDrift(entries: readonly DriftEntry[], names: readonly string[]): string {
  return entries
    .filter((e) => names.includes(e.feature))
    .sort((a, b) => b.psi - a.psi)
    .slice(0, 8)
    .map((e) => `${e.feature} (PSI ${e.psi.toFixed(3)})`)
    .join(", ");
}
