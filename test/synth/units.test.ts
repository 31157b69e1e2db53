import { describe, expect, it } from "vitest";
import { addMonths, dayOf, daysInMonth, isIsoDate, isoOf, monthStartOf, monthStartsBetween } from "../../src/synth/dates.js";
import { churnProbability30, hazardCtx, newState } from "../../src/synth/hazard.js";
import { drawProfile } from "../../src/synth/cohorts.js";
import { Rng } from "../../src/synth/rng.js";
import { buildWorld } from "../../src/synth/world.js";

describe("synth dates", () => {
  it("does calendar arithmetic on epoch days", () => {
    expect(isoOf(dayOf("2026-06-30"))).toBe("2026-06-30");
    expect(isoOf(addMonths(dayOf("2024-01-31"), 1))).toBe("2024-02-29");
    expect(isoOf(addMonths(dayOf("2026-07-01"), -6))).toBe("2026-01-01");
    expect(isoOf(monthStartOf(dayOf("2026-03-17")))).toBe("2026-03-01");
    expect(daysInMonth(dayOf("2028-02-01"))).toBe(29);
    expect(monthStartsBetween(dayOf("2026-01-15"), dayOf("2026-04-01")).map(isoOf)).toEqual(["2026-02-01", "2026-03-01", "2026-04-01"]);
    expect(isIsoDate("2026-02-29")).toBe(false);
    expect(isIsoDate("2028-02-29")).toBe(true);
  });
});

describe("synth rng", () => {
  it("streams depend only on (seed, key, stream)", () => {
    const a = new Rng(1, 42, 1);
    const b = new Rng(1, 42, 1);
    const c = new Rng(1, 43, 1);
    const xa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(xa);
  });
  it("draws look uniform", () => {
    const r = new Rng(9, 1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) sum += r.next();
    expect(sum / 20000).toBeCloseTo(0.5, 1);
  });
});

describe("synth world and hazard", () => {
  const w = buildWorld({ subscribers: 10, months: 6, seed: 4 });
  it("spans the requested months ending at the fixed default end", () => {
    expect(isoOf(w.start)).toBe("2026-01-01");
    expect(isoOf(w.end)).toBe("2026-06-30");
    // a campaign every five to seven weeks
    expect(w.campaigns.length).toBeGreaterThanOrEqual(4);
    expect(w.campaigns.length).toBeLessThanOrEqual(5);
    for (let k = 1; k < w.campaigns.length; k++) {
      const gap = w.campaigns[k]!.day - w.campaigns[k - 1]!.day;
      expect(gap).toBeGreaterThanOrEqual(35);
      expect(gap).toBeLessThanOrEqual(49);
    }
    expect(w.outageMask[0]).toHaveLength(w.end - w.start + 1);
  });
  it("the 30-day probability rises when disengagement has begun", () => {
    const x = hazardCtx(w);
    const p = drawProfile(new Rng(4, 1, 1), w.start - 1000, w.start, w.end);
    const calm = newState(p);
    const gone = { ...newState(p), onset: w.start - 20 };
    const p0 = churnProbability30(x, calm, w.start);
    const p1 = churnProbability30(x, gone, w.start);
    expect(p0).toBeGreaterThan(0);
    expect(p1).toBeGreaterThan(2 * p0);
  });
});
