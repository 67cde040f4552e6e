// UTC time as text: RFC 3339 timestamps and `YYYY-MM-DD` dates ↔ epoch microseconds and days. The
// one parser, with one rule, for the invoice domain (`occurred_at`, `--as-of`, its outputs read
// back) and the Delta writer (the pipeline's timestamps and dates). Plain arithmetic on the
// characters: no Date (Date.UTC reads years 0–99 as 19xx), no regex on the hot path.
//
// The rule: `YYYY-MM-DD` `T`|`t` `HH:MM:SS`, an optional fraction of any length, then `Z`|`z` or a
// `±HH:MM` offset (RFC 3339 section 5.6; no leap second, no space for the `T`). Digits past the
// microsecond are truncated: the contract's `occurred_at` is any RFC 3339 timestamp, and the
// pipeline keeps microseconds. The instant must fall in years 0000–9999 in UTC, what RFC 3339 can
// write (an offset can move a timestamp out: 9999-12-31T23:00:00-05:00 is refused).
import { civilDays, digits, isCalendarDate, utcSeconds } from './calendar.ts';

/** Microseconds in one day. */
export const MICROS_PER_DAY = 86_400_000_000;

/** The last day `YYYY-MM-DD` can write, 9999-12-31, in days since the epoch. */
export const MAX_DAY = civilDays(9999, 12, 31);

// Readable instants: 0000-01-01T00:00:00Z up to, not including, 10000-01-01T00:00:00Z (µs).
const MIN_MICROS = civilDays(0, 1, 1) * MICROS_PER_DAY;
const END_MICROS = (MAX_DAY + 1) * MICROS_PER_DAY;
const MIN_MICROS_EXACT = BigInt(MIN_MICROS);
const END_MICROS_EXACT = BigInt(END_MICROS);

/**
 * Epoch microseconds of an RFC 3339 timestamp as a double, or undefined when the text breaks the
 * rule. Past 2^53 µs (after 2255-06-05) the double rounds to a few µs (up to 32 in year 9999), and
 * the range is checked on that value: the last µs of 9999-12-31, which round to year 10000, are
 * refused. Text `formatTimestamp` wrote reads back as the very same double.
 */
export function parseTimestamp(text: string): number | undefined {
  // An event's time is formatted once and read back three times (its record's timestamp, Avro's
  // timestamp-micros, the latency metric): the text formatted last parses to the µs it came from,
  // when those were a whole number of µs in the readable range (what the parse would accept).
  if (text === formattedText && Number.isInteger(formattedMicros) && formattedMicros >= MIN_MICROS && formattedMicros < END_MICROS) return formattedMicros;
  const seconds = epochSeconds(text);
  if (seconds !== seconds) return undefined; // NaN
  // seconds × 10^6 (= seconds × 15625 × 2^6) is exact; adding the fraction rounds once past 2^53.
  const micros = seconds * 1_000_000 + fractionMicros(text);
  return micros >= MIN_MICROS && micros < END_MICROS ? micros : undefined;
}

/** Epoch microseconds of an RFC 3339 timestamp, exact in every year, or undefined when the text breaks the rule. */
export function parseTimestampExact(text: string): bigint | undefined {
  const seconds = epochSeconds(text);
  if (seconds !== seconds) return undefined;
  const micros = BigInt(seconds) * 1_000_000n + BigInt(fractionMicros(text));
  return micros >= MIN_MICROS_EXACT && micros < END_MICROS_EXACT ? micros : undefined;
}

/** Days since the epoch of a calendar date `YYYY-MM-DD` (proleptic Gregorian, years 0000–9999), or undefined when it is not one. */
export function parseDate(text: string): number | undefined {
  if (text.length !== 10 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined;
  const y = digits(text, 0, 4);
  const m = digits(text, 5, 2);
  const d = digits(text, 8, 2);
  return y >= 0 && isCalendarDate(y, m, d) ? civilDays(y, m, d) : undefined;
}

// Epoch seconds of the whole text, its offset applied and its fraction checked but not read; NaN
// when the text breaks the rule (the callers check the years on their own representation).
function epochSeconds(text: string): number {
  const len = text.length;
  const t = text.charCodeAt(10);
  if (len < 20 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (t !== 84 && t !== 116) ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return Number.NaN;
  const local = utcSeconds(text);
  if (local === undefined) return Number.NaN;
  let i = 19;
  if (text.charCodeAt(i) === 46) {
    for (i++; i < len; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
    }
    if (i === 20) return Number.NaN; // a '.' without digits
  }
  const zone = text.charCodeAt(i);
  let seconds: number;
  if (zone === 90 || zone === 122) {
    if (i + 1 !== len) return Number.NaN;
    seconds = local;
  } else {
    if ((zone !== 43 && zone !== 45) || i + 6 !== len || text.charCodeAt(i + 3) !== 58) return Number.NaN;
    const oh = digits(text, i + 1, 2);
    const om = digits(text, i + 4, 2);
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return Number.NaN;
    const offset = oh * 3600 + om * 60;
    seconds = zone === 45 ? local + offset : local - offset;
  }
  return seconds;
}

// The microseconds of the fraction of text `epochSeconds` accepted: its first six digits, padded.
function fractionMicros(text: string): number {
  if (text.charCodeAt(19) !== 46) return 0;
  let micros = 0;
  let n = 0;
  for (let i = 20; n < 6; i++, n++) {
    const c = text.charCodeAt(i) - 48;
    if (!(c >= 0 && c <= 9)) break;
    micros = micros * 10 + c;
  }
  for (; n < 6; n++) micros *= 10;
  return micros;
}

// The last instant formatted and its text: an event and the row after it carry the same time (a
// Map was measured ten times slower than the arithmetic). A memo of a pure function, read by it
// and by `parseTimestamp` (which reads formatted text back as the very same double): it can
// only give what the arithmetic would.
let formattedMicros = Number.NaN;
let formattedText = '';

/** Formats epoch microseconds as RFC 3339 UTC with six decimals: 2026-01-05T20:05:54.897000Z (`parseTimestamp` reads it back as the same double). */
export function formatTimestamp(micros: number): string {
  if (micros === formattedMicros) return formattedText;
  const day = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - day * MICROS_PER_DAY;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const fraction = rest - seconds * 1_000_000;
  const text = `${formatDate(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${String(fraction).padStart(6, '0')}Z`;
  formattedMicros = micros;
  formattedText = text;
  return text;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

// Rows and events format the same few dates over and over; a small cache of this pure function
// saves the arithmetic.
const dateCache = new Map<number, string>();

/** Formats days since the epoch as `YYYY-MM-DD` (proleptic Gregorian, years 0000–9999). */
export function formatDate(day: number): string {
  let text = dateCache.get(day);
  if (text !== undefined) return text;
  // Howard Hinnant's civil_from_days: integer arithmetic, no Date object.
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  text = `${String(y).padStart(4, '0')}-${two(m)}-${two(d)}`;
  if (dateCache.size > 100_000) dateCache.clear();
  dateCache.set(day, text);
  return text;
}

/** The UTC calendar day (days since the epoch) of an instant in microseconds. */
export function utcDay(micros: number): number {
  return Math.floor(micros / MICROS_PER_DAY);
}

/** Epoch milliseconds of an instant in microseconds (engine record timestamps are ms). */
export function toMillis(micros: number): number {
  return Math.floor(micros / 1000);
}
