import { describe, expect, it } from "vitest";
import { defaultRetentionConfig } from "../../src/config/retention.js";
import {
  allSegmentKeys,
  contractStageIndex,
  keyTokens,
  priceIndex,
  priceSignals,
  quantile,
  quietActivityCutoff,
  segmentKey,
  tenureStageIndex,
  usageTrendIndex,
  valueTierCutoffs,
  valueTierIndex,
} from "../../src/retention/segments.js";

const cfg = defaultRetentionConfig().segments;

describe("segments", () => {
  it("computes quantiles with linear interpolation, ignoring missing values", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([10, Number.NaN, 0], 1)).toBe(10);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("splits value tiers by quantiles (top 20% high, next 40% mid) or by amounts", () => {
    const values = Array.from({ length: 101 }, (_, i) => i); // 0..100
    const cut = valueTierCutoffs(values, cfg.valueTier);
    expect(cut).toEqual({ high: 80, mid: 40 });
    expect(valueTierIndex(80, cut)).toBe(0);
    expect(valueTierIndex(79.9, cut)).toBe(1);
    expect(valueTierIndex(40, cut)).toBe(1);
    expect(valueTierIndex(39, cut)).toBe(2);
    const byAmount = valueTierCutoffs(values, { by: "arpu", method: "amount", high: 60, mid: 25 });
    expect(byAmount).toEqual({ high: 60, mid: 25 });
    // no revenue known (a flat table without an ARPU column): every value is 0, and nobody is high value
    const none = valueTierCutoffs(new Array(50).fill(0), cfg.valueTier);
    expect(valueTierIndex(0, none)).toBe(2);
  });

  it("flags price sensitivity from at least two observable signals", () => {
    const ps = cfg.priceSensitivity;
    // discount share, low ARPU, flexible contract, price increase
    expect(priceSignals(0.2, 10, "prepaid", 0.1, 15, ps)).toBe(4);
    expect(priceSignals(0.05, 30, "fixed_24m", 0, 15, ps)).toBe(0);
    expect(priceSignals(0.1, 30, "month_to_month", Number.NaN, 15, ps)).toBe(2);
    expect(priceSignals(Number.NaN, Number.NaN, null, Number.NaN, 15, ps)).toBe(0);
    expect(priceIndex(2, ps)).toBe(0); // sensitive
    expect(priceIndex(1, ps)).toBe(1);
  });

  it("stages tenure (new < 6 months, loyal > 3 years) and contract (renewal window <= 60 days)", () => {
    expect(tenureStageIndex(100, cfg.tenure)).toBe(0);
    expect(tenureStageIndex(183, cfg.tenure)).toBe(1);
    expect(tenureStageIndex(1095, cfg.tenure)).toBe(1);
    expect(tenureStageIndex(1100, cfg.tenure)).toBe(2);
    expect(contractStageIndex(61, cfg.contract)).toBe(0);
    expect(contractStageIndex(60, cfg.contract)).toBe(1);
    expect(contractStageIndex(0, cfg.contract)).toBe(1);
    expect(contractStageIndex(-3, cfg.contract)).toBe(2);
    expect(contractStageIndex(Number.NaN, cfg.contract)).toBe(2);
  });

  it("calls use falling when it is down by fallingPct against the own past, else against the last 60 days", () => {
    const cfg = { fallingPct: 30 };
    const u = (ownPast: number, recent: number, c = cfg) => usageTrendIndex(ownPast, recent, 28, 12, c);
    expect(u(-30, Number.NaN)).toBe(0);
    expect(u(-29.9, -80)).toBe(1); // an own past is known and steady: the 60-day change is not read
    expect(u(-45, Number.NaN)).toBe(0);
    expect(u(Number.NaN, -50)).toBe(0); // no own past (a young subscriber): the recent trend decides
    expect(u(Number.NaN, Number.NaN)).toBe(1);
    expect(u(-40, Number.NaN, { fallingPct: 50 })).toBe(1);
  });

  it("calls use quiet when it is not falling and the active days are at or below the cutoff", () => {
    const cfg = { fallingPct: 30 };
    expect(usageTrendIndex(0, Number.NaN, 12, 12, cfg)).toBe(2);
    expect(usageTrendIndex(0, Number.NaN, 13, 12, cfg)).toBe(1);
    expect(usageTrendIndex(-50, Number.NaN, 3, 12, cfg)).toBe(0); // falling wins: a quiet subscriber whose use fell
    expect(usageTrendIndex(0, Number.NaN, Number.NaN, 12, cfg)).toBe(1); // unknown activity: no signal
    expect(usageTrendIndex(0, Number.NaN, 3, Number.NaN, cfg)).toBe(1); // no cutoff: nobody is quiet
    // the cutoff: the quantile of the scored subscribers' active days, a fixed amount, or none
    const days = Float32Array.from({ length: 101 }, (_, i) => i % 31);
    expect(quietActivityCutoff(days, { quietQuantile: 0.2, quietActiveDays: null })).toBe(quantile(days, 0.2));
    expect(quietActivityCutoff(days, { quietQuantile: 0.2, quietActiveDays: 8 })).toBe(8);
    expect(quietActivityCutoff(days, { quietQuantile: 0, quietActiveDays: null })).toBeNaN();
    expect(quietActivityCutoff(undefined, { quietQuantile: 0.2, quietActiveDays: null })).toBeNaN();
  });

  it("builds effect-segment keys over the chosen dimensions", () => {
    const s = { value: 0, price: 1, tenure: 2, contract: 1, driver: 0, usage: 1 };
    expect(segmentKey(s, ["value", "price", "driver"])).toBe("value=high;price=insensitive;driver=network");
    expect(segmentKey(s, ["driver", "value"])).toBe("value=high;driver=network");
    expect(segmentKey(s, [])).toBe("all");
    expect(keyTokens("value=high;driver=network")).toEqual(["value=high", "driver=network"]);
    const keys = allSegmentKeys(["value", "price"]);
    expect(keys).toEqual([
      "value=high;price=sensitive",
      "value=high;price=insensitive",
      "value=mid;price=sensitive",
      "value=mid;price=insensitive",
      "value=low;price=sensitive",
      "value=low;price=insensitive",
    ]);
    expect(allSegmentKeys([])).toEqual(["all"]);
  });
});
