import { describe, expect, it } from "vitest";
import { epochDay } from "../../src/retention/contact-rules.js";
import { assignHoldout } from "../../src/retention/holdout.js";
import { type LedgerEntry, periodPosition, periodSummary, recordRun } from "../../src/retention/period-budget.js";

const entry = (run_id: string, period: string, spent: number): LedgerEntry => ({ run_id, as_of: run_id, period, budget: 1000, spent, contacts: 1 });

describe("period budget", () => {
  const cfg = { amount: 1000, period: "month" as const };
  it("a run may spend what the period's other runs left; a re-run replaces its own spend", () => {
    let entries: LedgerEntry[] = [];
    let pos = periodPosition(entries, cfg, "2026-06-30", epochDay("2026-07-01"));
    expect(pos).toMatchObject({ period: "2026-07", spent: 0, available: 1000 });
    entries = recordRun(entries, { ...entry("2026-06-30", pos.period, 400) });
    pos = periodPosition(entries, cfg, "2026-07-01", epochDay("2026-07-02"));
    expect(pos).toMatchObject({ spent: 400, available: 600, runs: ["2026-06-30"] });
    entries = recordRun(entries, entry("2026-07-01", pos.period, 600));
    // re-running the first night: it may spend its own 400 again (not 0, not 1000)
    pos = periodPosition(entries, cfg, "2026-06-30", epochDay("2026-07-01"));
    expect(pos.available).toBe(400);
    entries = recordRun(entries, entry("2026-06-30", pos.period, 350));
    expect(entries.map((e) => [e.run_id, e.spent])).toEqual([["2026-06-30", 350], ["2026-07-01", 600]]);
    // the period is exhausted at 1000; a new month starts afresh
    expect(periodPosition(entries, cfg, "2026-07-02", epochDay("2026-07-03")).available).toBe(50);
    expect(periodPosition(entries, cfg, "2026-07-31", epochDay("2026-08-01")).available).toBe(1000);
    expect(periodSummary(periodPosition(entries, cfg, "2026-07-02", epochDay("2026-07-03")), 50)).toEqual({ period: "2026-07", amount: 1000, spent: 950, committed: 50, remaining: 0 });
  });
  it("never offers a negative amount when the budget was lowered below what was spent", () => {
    const entries = [entry("a", "2026-07", 800)];
    expect(periodPosition(entries, { amount: 500, period: "month" }, "b", epochDay("2026-07-10")).available).toBe(0);
  });
});

describe("holdout", () => {
  const selected = Array.from({ length: 200 }, (_, i) => ({ subscriberId: `S${String(i).padStart(5, "0")}`, action: i % 4 === 0 ? "care_call" : "digital_nudge" }));
  it("holds out round(share x n) of each action, the same ones whatever the order", () => {
    const held = assignHoldout(selected, 0.1, 42, "2026-06-30");
    const count = (a: string) => selected.filter((s, i) => s.action === a && held[i]).length;
    expect(count("care_call")).toBe(5);
    expect(count("digital_nudge")).toBe(15);
    const reversed = [...selected].reverse();
    const heldRev = assignHoldout(reversed, 0.1, 42, "2026-06-30");
    const ids = (list: typeof selected, h: boolean[]) => list.filter((_, i) => h[i]).map((s) => s.subscriberId).sort();
    expect(ids(reversed, heldRev)).toEqual(ids(selected, held));
  });
  it("another run or seed draws other subscribers; share 0 holds out none", () => {
    const a = assignHoldout(selected, 0.1, 42, "2026-06-30");
    const b = assignHoldout(selected, 0.1, 42, "2026-07-31");
    const c = assignHoldout(selected, 0.1, 7, "2026-06-30");
    expect(b).not.toEqual(a);
    expect(c).not.toEqual(a);
    expect(assignHoldout(selected, 0, 42, "x").some(Boolean)).toBe(false);
  });
});
