import { describe, expect, it } from "vitest";
import { groupsOf, stratifiedFolds, stratifiedGroupFolds, stratifiedGroupSplit, stratifiedSplit, timeHonestSplit } from "../../src/model/split.js";

const day = (s: string) => Date.parse(s);
const plus30 = (t: number) => t + 30 * 86_400_000;

describe("splits", () => {
  it("stratified folds keep the churn rate and are seeded", () => {
    const y = Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? 1 : 0));
    const f = stratifiedFolds(y, 5, 7);
    for (let k = 0; k < 5; k++) {
      const rows = [...f.keys()].filter((i) => f[i] === k);
      expect(rows.length).toBe(20);
      expect(rows.filter((i) => y[i] === 1).length).toBe(4);
    }
    expect(Array.from(stratifiedFolds(y, 5, 7))).toEqual(Array.from(f));
    expect(Array.from(stratifiedFolds(y, 5, 8))).not.toEqual(Array.from(f));
    const s = stratifiedSplit([...y.keys()], y, 0.2, 1);
    expect(s.valid.length).toBe(20);
    expect(s.valid.filter((i) => y[i] === 1).length).toBe(4);
  });

  it("stratified split: a rare class keeps a row on each side; a subset of rows splits only those rows", () => {
    // 2 positives at 20%: round(0.4) = 0, but each side gets one; 1 positive cannot be split and stays in fit
    const y = [1, 1, ...Array<number>(18).fill(0)];
    const s = stratifiedSplit([...y.keys()], y, 0.2, 3);
    expect(s.valid.filter((i) => y[i] === 1)).toHaveLength(1);
    expect(s.fit.filter((i) => y[i] === 1)).toHaveLength(1);
    expect(s.valid).toHaveLength(1 + 4);
    const one = stratifiedSplit([0, 5, 6, 7, 8, 9], y, 0.5, 3);
    expect(one.fit).toContain(0);
    expect([...one.fit, ...one.valid].sort((a, b) => a - b)).toEqual([0, 5, 6, 7, 8, 9]);
    expect(stratifiedSplit([...y.keys()], y, 0.2, 3)).toEqual(s);
  });

  it("groups: only a repeated id groups rows; a row without an id is a group of its own", () => {
    expect(groupsOf(["a", "b", "c"])).toBeUndefined();
    const g = groupsOf(["a", "b", "a", null, null, "b"])!;
    expect(g.count).toBe(4);
    expect(Array.from(g.groups)).toEqual([0, 1, 0, 2, 3, 1]);
  });

  it("stratified group folds: no id in two folds, sizes and churn rates close to the row folds, seeded", () => {
    // 300 customers with 1-3 rows each; a customer's label is the same on each of its rows, 20% churn
    const ids: string[] = [];
    const y: number[] = [];
    for (let c = 0; c < 300; c++) for (let r = 0; r <= c % 3; r++) {
      ids.push(`C${c}`);
      y.push(c % 5 === 0 ? 1 : 0);
    }
    const { groups } = groupsOf(ids)!;
    const f = stratifiedGroupFolds(y, groups, 5, 7);
    const foldOf = new Map<number, number>();
    groups.forEach((g, i) => {
      expect(foldOf.get(g) ?? f[i]).toBe(f[i]);
      foldOf.set(g, f[i]!);
    });
    const rate = y.reduce((a, v) => a + v, 0) / y.length;
    for (let k = 0; k < 5; k++) {
      const rows = [...f.keys()].filter((i) => f[i] === k);
      expect(Math.abs(rows.length - y.length / 5)).toBeLessThanOrEqual(3);
      expect(Math.abs(rows.filter((i) => y[i] === 1).length / rows.length - rate)).toBeLessThan(0.03);
    }
    expect(Array.from(stratifiedGroupFolds(y, groups, 5, 7))).toEqual(Array.from(f));
    expect(Array.from(stratifiedGroupFolds(y, groups, 5, 8))).not.toEqual(Array.from(f));

    const rows = [...f.keys()].filter((i) => f[i] !== 0);
    const s = stratifiedGroupSplit(rows, y, groups, 0.2, 3);
    expect([...s.fit, ...s.valid].sort((a, b) => a - b)).toEqual(rows);
    const validGroups = new Set(s.valid.map((i) => groups[i]));
    expect(s.fit.some((i) => validGroups.has(groups[i]!))).toBe(false);
    expect(Math.abs(s.valid.length / rows.length - 0.2)).toBeLessThan(0.03);
    expect(s.valid.filter((i) => y[i] === 1).length).toBeGreaterThan(0);
    expect(stratifiedGroupSplit(rows, y, groups, 0.2, 3)).toEqual(s);
  });

  it("stratified group split: a kind with two groups keeps one on each side, with one group it stays in fit", () => {
    const y = [1, 1, 1, 0, 0, 0, 0];
    const groups = [0, 0, 1, 2, 2, 2, 2];
    const s = stratifiedGroupSplit([...y.keys()], y, groups, 0.01, 1);
    expect(new Set(s.valid.filter((i) => y[i] === 1).map((i) => groups[i])).size).toBe(1);
    expect(new Set(s.fit.filter((i) => y[i] === 1).map((i) => groups[i])).size).toBe(1);
    expect(s.valid.filter((i) => y[i] === 0)).toEqual([]);
  });

  it("time-honest: validates on the latest complete snapshot, trains only on closed outcome windows", () => {
    // snapshots monthly; the latest (Jun) has unknown labels; May is complete → validation.
    const dates = ["2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30", "2026-05-31", "2026-06-30"];
    const asOf: number[] = [];
    const labelled: boolean[] = [];
    for (const d of dates) {
      for (let k = 0; k < 3; k++) {
        asOf.push(day(d));
        labelled.push(d !== "2026-06-30");
      }
    }
    const s = timeHonestSplit(asOf, labelled, plus30);
    if ("error" in s) throw new Error(s.error);
    expect(new Date(s.validAsOf).toISOString().slice(0, 10)).toBe("2026-05-31");
    // April's window (Apr 30 + 30 d = May 30) closed before May 31; every train row is from Jan-Apr.
    expect(s.train.map((i) => new Date(asOf[i]!).toISOString().slice(0, 10))).toEqual(dates.slice(0, 4).flatMap((d) => [d, d, d]));
    expect(s.valid).toEqual([12, 13, 14]);
    // no unlabelled row is ever trained on, no training snapshot is at or after validation
    for (const i of s.train) {
      expect(labelled[i]).toBe(true);
      expect(plus30(asOf[i]!)).toBeLessThanOrEqual(s.validAsOf);
    }
    // a 45-day horizon pushes April out (embargoed)
    const s45 = timeHonestSplit(asOf, labelled, (t) => t + 45 * 86_400_000);
    if ("error" in s45) throw new Error(s45.error);
    expect(s45.train.length).toBe(9);
    expect(s45.embargoed).toBe(3);
  });

  it("explains when no split is possible", () => {
    expect(timeHonestSplit([1, 1], [false, true], plus30)).toEqual({ error: "no-validation" });
    const only = timeHonestSplit([day("2026-01-31"), day("2026-01-31")], [true, true], plus30);
    expect(only).toEqual({ error: "no-training", validAsOf: day("2026-01-31") });
  });
});
