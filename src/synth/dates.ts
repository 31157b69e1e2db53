/** Calendar arithmetic on epoch days (days since 1970-01-01, UTC): the generator's only time unit. */

const DAY_MS = 86_400_000;

export function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

export function isoOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

// Integer civil-calendar conversions (H. Hinnant's algorithms): no Date objects in hot loops.
function civil(day: number): [number, number, number] {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** Epoch day of year y, month m (1-12), day d. */
function fromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function monthLength(y: number, m: number): number {
  return m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0) ? 29 : MONTH_DAYS[m - 1]!;
}

/** Year, month (0-11) and day of month of an epoch day. */
export function ymd(day: number): { y: number; m: number; d: number } {
  const [y, m, d] = civil(day);
  return { y, m: m - 1, d };
}

/** The same day of month `k` months later (clamped to the month's length). */
export function addMonths(day: number, k: number): number {
  const [y, m, d] = civil(day);
  const t = y * 12 + (m - 1) + k;
  const ty = Math.floor(t / 12);
  const tm = t - ty * 12 + 1;
  return fromCivil(ty, tm, Math.min(d, monthLength(ty, tm)));
}

export function monthStartOf(day: number): number {
  const [, , d] = civil(day);
  return day - d + 1;
}

export function daysInMonth(monthStart: number): number {
  const [y, m] = civil(monthStart);
  return monthLength(y, m);
}

/** First days of months in [from, to]. */
export function monthStartsBetween(from: number, to: number): number[] {
  const out: number[] = [];
  let ms = monthStartOf(from);
  if (ms < from) ms = addMonths(ms, 1);
  for (; ms <= to; ms = addMonths(ms, 1)) out.push(ms);
  return out;
}

/** A valid YYYY-MM-DD calendar date? */
export function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}
