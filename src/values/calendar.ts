// UTC calendar arithmetic for dates and times spelled as text: no Date objects (slow on hot paths,
// and Date.UTC maps years below 100 to 19xx). The RFC 3339 parser (rfc3339.ts) is built on it.

/** Days in each month of a common year (index 0 = January). */
export const MONTH_DAYS: readonly number[] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Whether `y-m-d` is a proleptic Gregorian date (any year as written: 0099 is year 99). */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : (MONTH_DAYS[m - 1] as number));
}

/** The number written by `count` ASCII digits of `text` from `from`, or -1 if any is not a digit. */
export function digits(text: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). */
export function civilDays(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Epoch seconds of the `YYYY-MM-DD?HH:MM:SS` that starts `text` (the separators at 4, 7, 10, 13
 * and 16 are the caller's to check), or undefined when a field is not digits or out of range.
 */
export function utcSeconds(text: string): number | undefined {
  const y = digits(text, 0, 4);
  const mo = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  const h = digits(text, 11, 2);
  const mi = digits(text, 14, 2);
  const s = digits(text, 17, 2);
  if (y < 0 || !isCalendarDate(y, mo, d) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return undefined;
  return civilDays(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
}
