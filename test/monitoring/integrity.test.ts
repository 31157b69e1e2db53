import { describe, expect, it } from "vitest";
import { referenceSnapshots } from "../../src/model/reference-stats.js";
import type { RawTable } from "../../src/raw-table.js";
import { IntegrityCounter } from "../../src/monitoring/integrity.js";
import { rng } from "../../src/rng.js";

/** Three training snapshots of 600 rows and a scoring month built by `month(k)`: usage levels, a 0/1 flag on in one snapshot, a plan code. */
function snapshot(k: number, n: number, seed: number, edit?: (row: Record<string, number | string | null>) => void): RawTable {
  const r = rng(seed);
  const cols: Record<string, (number | string | null)[]> = { voice_min: [], data_mb: [], price_rise: [], trend_pct: [], complaints: [], plan: [], sparse: [] };
  for (let i = 0; i < n; i++) {
    const row: Record<string, number | string | null> = {
      voice_min: Math.round(300 * (0.2 + r() * 1.6)),
      data_mb: Math.round(20000 * (0.2 + r() * 1.6)),
      price_rise: k === 1 ? 1 : 0,
      trend_pct: (r() - 0.5) * (k === 1 ? 20 : 4),
      complaints: r() < 0.05 ? 1 : 0,
      plan: ["basic", "plus", "max"][Math.floor(r() * 3)]!,
      sparse: r() < 0.1 ? null : r(),
    };
    edit?.(row);
    for (const c of Object.keys(cols)) cols[c]!.push(row[c]!);
  }
  return {
    rows: n,
    columns: Object.entries(cols).map(([name, v]) =>
      name === "plan" ? { name, kind: "categorical" as const, values: v as (string | null)[] } : { name, kind: "numeric" as const, values: Float64Array.from(v, (x) => (x === null ? Number.NaN : (x as number))) },
    ),
  };
}

function concat(tables: RawTable[]): RawTable {
  return {
    rows: tables.reduce((t, x) => t + x.rows, 0),
    columns: tables[0]!.columns.map((c, j) =>
      c.kind === "numeric"
        ? { name: c.name, kind: "numeric" as const, values: Float64Array.from(tables.flatMap((t) => Array.from(t.columns[j]!.values as Float64Array))) }
        : { name: c.name, kind: "categorical" as const, values: tables.flatMap((t) => t.columns[j]!.values as (string | null)[]) },
    ),
  };
}

const train = concat([0, 1, 2].map((k) => snapshot(k, 600, 10 + k)));
const snapOf = Array.from({ length: train.rows }, (_, i) => Math.floor(i / 600));
const levels = new Map([["plan", ["basic", "max", "plus"]]]);
const ref = referenceSnapshots(train, Array.from({ length: train.rows }, (_, i) => i), snapOf, levels);

function check(month: RawTable) {
  const c = new IntegrityCounter(ref, levels);
  // two chunks, as scoring adds them
  const half = Math.floor(month.rows / 2);
  const part = (from: number, to: number): RawTable => ({
    rows: to - from,
    columns: month.columns.map((col) => (col.kind === "numeric" ? { ...col, values: col.values.slice(from, to) } : { ...col, values: col.values.slice(from, to) })),
  });
  c.add(part(0, half));
  c.add(part(half, month.rows));
  return c.failures().map((f) => [f.column, f.kind]);
}

describe("input-integrity gate", () => {
  it("records each snapshot's range: a flag on in one snapshot only is not 'constant'", () => {
    const rise = ref.columns.find((c) => c.name === "price_rise")!;
    expect(rise.constantSnapshots).toBe(3);
    expect(ref.columns.find((c) => c.name === "sparse")!.missing[1]).toBeGreaterThan(0.05);
  });

  it("passes normal months: a new draw, a price-rise month, a wider trend", () => {
    expect(check(snapshot(0, 700, 99))).toEqual([]);
    expect(check(snapshot(1, 700, 98))).toEqual([]);
    expect(check(snapshot(2, 700, 97, (r) => { r["trend_pct"] = (r["trend_pct"] as number) * 3; }))).toEqual([]);
    // a complaints spike (an outage) is a population shift, not broken input
    expect(check(snapshot(0, 700, 96, (r) => { r["complaints"] = (r["voice_min"] as number) % 3 === 0 ? 1 : 0; }))).toEqual([]);
  });

  it("stops on a column all missing, a jump in missing values, all zero or constant", () => {
    expect(check(snapshot(0, 700, 1, (r) => { r["data_mb"] = null; }))).toEqual([["data_mb", "all_missing"]]);
    expect(check(snapshot(0, 700, 2, (r) => { if ((r["voice_min"] as number) % 2 === 0) r["sparse"] = null; }))).toEqual([["sparse", "missing_jump"]]);
    expect(check(snapshot(0, 700, 3, (r) => { r["voice_min"] = 0; }))).toEqual([["voice_min", "all_zero"]]);
    expect(check(snapshot(0, 700, 4, (r) => { r["plan"] = "basic"; }))).toEqual([["plan", "constant"]]);
  });

  it("stops on units x 1000, two columns swapped, recoded categories", () => {
    expect(check(snapshot(0, 700, 5, (r) => { r["data_mb"] = (r["data_mb"] as number) * 1000; }))).toEqual([["data_mb", "scale"]]);
    expect(check(snapshot(0, 700, 6, (r) => { r["voice_min"] = (r["voice_min"] as number) / 1000; }))).toEqual([["voice_min", "scale"]]);
    expect(check(snapshot(0, 700, 7, (r) => { const v = r["voice_min"]; r["voice_min"] = r["data_mb"]!; r["data_mb"] = v!; }))).toEqual([["voice_min", "swapped"]]);
    expect(check(snapshot(0, 700, 8, (r) => { r["plan"] = r["plan"] === "basic" ? "B" : r["plan"] === "plus" ? "P" : "M"; }))).toEqual([["plan", "unseen_levels"]]);
  });
});
