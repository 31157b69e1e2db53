import { expect, test } from "vitest";
import { UsageError } from "../../src/errors.js";
import { addPeriod, isoDay, parseAsOf, parseDate, parsePeriod } from "../../src/features/periods.js";
import { msg } from "../../src/messages.js";

const d = (s: string) => new Date(`${s}T00:00:00Z`);

test("periods: days, weeks, calendar months clamped to the month's end", () => {
  expect(parsePeriod("30d", "--horizon")).toEqual({ n: 30, unit: "day", text: "30d" });
  expect(parsePeriod("2w", "--horizon")).toEqual({ n: 14, unit: "day", text: "14d" });
  expect(parsePeriod("3mo", "--horizon")).toEqual({ n: 3, unit: "month", text: "3mo" });
  expect(parsePeriod("45", "--horizon").text).toBe("45d");
  expect(isoDay(addPeriod(d("2026-01-31"), parsePeriod("1mo", "x")))).toBe("2026-02-28");
  expect(isoDay(addPeriod(d("2024-01-31"), parsePeriod("1mo", "x")))).toBe("2024-02-29");
  expect(isoDay(addPeriod(d("2026-03-31"), parsePeriod("30d", "x")))).toBe("2026-04-30");
  expect(() => parsePeriod("30x", "--horizon")).toThrow(new UsageError(msg.featBadPeriod("--horizon", "30x")));
  expect(() => parsePeriod("0d", "--every")).toThrow(UsageError);
});

test("as-of lists and ranges; a month-end range stays at month ends", () => {
  expect(parseAsOf({ asOf: "2026-06-30, 2026-03-31,2026-06-30" }).map(isoDay)).toEqual(["2026-03-31", "2026-06-30"]);
  expect(parseAsOf({ range: "2026-01-31..2026-05-31", every: "1mo" }).map(isoDay)).toEqual([
    "2026-01-31",
    "2026-02-28",
    "2026-03-31",
    "2026-04-30",
    "2026-05-31",
  ]);
  // a start on a month's last day that is not the 31st: month ends too, not the 30th (or 28th) of every month
  expect(parseAsOf({ range: "2025-11-30..2026-04-30", every: "1mo" }).map(isoDay)).toEqual([
    "2025-11-30",
    "2025-12-31",
    "2026-01-31",
    "2026-02-28",
    "2026-03-31",
    "2026-04-30",
  ]);
  expect(parseAsOf({ range: "2026-02-28..2026-08-31", every: "2mo" }).map(isoDay)).toEqual(["2026-02-28", "2026-04-30", "2026-06-30", "2026-08-31"]);
  // a start in mid-month keeps its day of the month
  expect(parseAsOf({ range: "2026-01-15..2026-03-20", every: "1mo" }).map(isoDay)).toEqual(["2026-01-15", "2026-02-15", "2026-03-15"]);
  expect(parseAsOf({ range: "2026-01-01..2026-01-20", every: "7d" }).map(isoDay)).toEqual(["2026-01-01", "2026-01-08", "2026-01-15"]);
  expect(() => parseAsOf({})).toThrow(new UsageError(msg.featAsOfMissing()));
  expect(() => parseAsOf({ asOf: "2026-01-01", range: "2026-01-01..2026-02-01" })).toThrow(new UsageError(msg.featAsOfBoth()));
  expect(() => parseAsOf({ range: "2026-05-01..2026-01-01" })).toThrow(new UsageError(msg.featBadRange("2026-05-01..2026-01-01")));
  expect(() => parseAsOf({ range: "2020-01-01..2026-01-01", every: "1d" })).toThrow(UsageError);
  expect(() => parseDate("2026-02-30", "--as-of")).toThrow(new UsageError(msg.featBadDate("--as-of", "2026-02-30")));
});
