/**
 * As-of dates, horizons and steps: parsing and calendar arithmetic (pure, UTC). A period is a whole number of
 * days, weeks or calendar months: `30d`, `4w`, `1mo`, `3mo` (a bare number means days).
 */
import { UsageError } from "../errors.js";
import { msg } from "../messages.js";

export interface Period {
  n: number;
  unit: "day" | "month";
  /** As written, normalised: "30d", "1mo". */
  text: string;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parse a YYYY-MM-DD date (UTC midnight); `option` names the flag for the message. */
export function parseDate(value: string, option: string): Date {
  const m = DATE_RE.exec(value.trim());
  const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !d || Number.isNaN(d.getTime()) || isoDay(d) !== value.trim()) throw new UsageError(msg.featBadDate(option, value));
  return d;
}

export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Parse `30d`, `4w`, `1mo`, `12mo` or `30`. */
export function parsePeriod(value: string, option: string): Period {
  const m = /^\s*(\d{1,4})\s*(d|days?|w|weeks?|mo|months?)?\s*$/i.exec(value);
  const n = m ? Number(m[1]) : 0;
  if (!m || n <= 0) throw new UsageError(msg.featBadPeriod(option, value));
  const u = (m[2] ?? "d").toLowerCase();
  if (u.startsWith("w")) return { n: n * 7, unit: "day", text: `${n * 7}d` };
  if (u.startsWith("m")) return { n, unit: "month", text: `${n}mo` };
  return { n, unit: "day", text: `${n}d` };
}

/** d + k periods. Months are calendar months, clamped to the month's last day (Jan 31 + 1mo = Feb 28/29). */
export function addPeriod(d: Date, p: Period, k = 1): Date {
  if (p.unit === "day") return new Date(d.getTime() + p.n * k * 86_400_000);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth() + p.n * k;
  const last = new Date(Date.UTC(y, mo + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, mo, Math.min(d.getUTCDate(), last)));
}

/** The last day of d's month. */
function monthEnd(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0));
}

/** Whole days from a to b. */
export function daysBetween(a: Date, b: Date): number {
  return Math.round((b.getTime() - a.getTime()) / 86_400_000);
}

/** The most as-of dates one run accepts (a guard against `--every 1d` over years by mistake). */
export const MAX_AS_OF = 400;

/**
 * The as-of dates from `--as-of a,b,c` or `--as-of-range START..END --every P`: sorted, unique.
 * Range steps count from START (START + i*P). A monthly range that starts on the last day of a month steps from
 * month end to month end (2025-11-30 → 2025-12-31, 2026-01-31, 2026-02-28, ...), not to the 30th of every month.
 */
export function parseAsOf(opts: { asOf?: string | undefined; range?: string | undefined; every?: string | undefined }): Date[] {
  if (opts.asOf !== undefined && opts.range !== undefined) throw new UsageError(msg.featAsOfBoth());
  let dates: Date[];
  if (opts.asOf !== undefined) {
    const parts = opts.asOf.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    if (!parts.length) throw new UsageError(msg.featAsOfMissing());
    dates = parts.map((s) => parseDate(s, "--as-of"));
  } else if (opts.range !== undefined) {
    const m = /^\s*([^.\s]+)\s*\.\.\s*([^.\s]+)\s*$/.exec(opts.range);
    if (!m) throw new UsageError(msg.featBadRange(opts.range));
    const start = parseDate(m[1] ?? "", "--as-of-range");
    const end = parseDate(m[2] ?? "", "--as-of-range");
    if (end < start) throw new UsageError(msg.featBadRange(opts.range));
    const step = parsePeriod(opts.every ?? "1mo", "--every");
    const monthEnds = step.unit === "month" && monthEnd(start).getTime() === start.getTime();
    dates = [];
    for (let i = 0; ; i++) {
      const d = monthEnds ? monthEnd(addPeriod(start, step, i)) : addPeriod(start, step, i);
      if (d > end) break;
      dates.push(d);
      if (dates.length > MAX_AS_OF) throw new UsageError(msg.featTooManyAsOf(dates.length, MAX_AS_OF));
    }
  } else {
    throw new UsageError(msg.featAsOfMissing());
  }
  const unique = [...new Set(dates.map(isoDay))].sort();
  if (unique.length > MAX_AS_OF) throw new UsageError(msg.featTooManyAsOf(unique.length, MAX_AS_OF));
  return unique.map((s) => new Date(`${s}T00:00:00Z`));
}
