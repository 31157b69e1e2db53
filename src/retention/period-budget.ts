/**
 * A budget per period (calendar month or ISO week) across runs, kept in a ledger of what each run spent.
 * Pure functions over the ledger's entries; the file itself is src/io/budget-ledger.ts.
 *
 * A run's spend counts in the period of its contact day (the day after its as-of date). It may spend at most
 * what the other runs of that period left: available = amount - their spend. A re-run of the same run (same
 * run id) replaces its entry, never adds to it. Spent + committed + remaining = amount, where spent is the
 * other runs' spend in the period and committed is this run's.
 */
import type { PeriodBudgetConfig } from "../config/operation.js";
import { periodKey } from "./contact-rules.js";

export interface LedgerEntry {
  run_id: string;
  /** The run's as-of date ("" for runs without one). */
  as_of: string;
  /** The period its spend counts in, e.g. "2026-07" or "2026-W27". */
  period: string;
  /** The period budget in force when it ran. */
  budget: number;
  /** What it spent (contacted subscribers only: a holdout costs nothing). */
  spent: number;
  contacts: number;
}

export interface PeriodPosition {
  period: string;
  amount: number;
  /** Spent by the other runs of the period. */
  spent: number;
  /** What this run may spend (never below 0). */
  available: number;
  /** Other runs of the period, oldest first. */
  runs: string[];
}

const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Where the period of `contactDay` stands for run `runId` (its own earlier entry, if any, does not count).
 * @example periodPosition([{ run_id: "a", period: "2026-07", spent: 300, ... }], { amount: 1000, period: "month" }, "b", epochDay("2026-07-01")) // available 700
 */
export function periodPosition(entries: readonly LedgerEntry[], cfg: PeriodBudgetConfig, runId: string, contactDay: number): PeriodPosition {
  const period = periodKey(contactDay, cfg.period);
  const others = entries.filter((e) => e.period === period && e.run_id !== runId);
  const spent = r2(others.reduce((t, e) => t + e.spent, 0));
  return { period, amount: cfg.amount, spent, available: r2(Math.max(0, cfg.amount - spent)), runs: others.map((e) => e.run_id) };
}

/** The entries with `entry` recorded: it replaces an earlier entry of the same run, or is added (ordered by period, as-of, run id). */
export function recordRun(entries: readonly LedgerEntry[], entry: LedgerEntry): LedgerEntry[] {
  const out = entries.filter((e) => e.run_id !== entry.run_id);
  out.push({ ...entry, spent: r2(entry.spent) });
  return out.sort((a, b) => (a.period < b.period ? -1 : a.period > b.period ? 1 : a.as_of < b.as_of ? -1 : a.as_of > b.as_of ? 1 : a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
}

/** Spent (other runs), committed (this run) and remaining for the report. */
export function periodSummary(pos: PeriodPosition, committed: number): { period: string; amount: number; spent: number; committed: number; remaining: number } {
  const c = r2(committed);
  return { period: pos.period, amount: pos.amount, spent: pos.spent, committed: c, remaining: r2(Math.max(0, pos.amount - pos.spent - c)) };
}
