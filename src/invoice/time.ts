// Event time in UTC. Timestamps are integer microseconds since the epoch (exact in a double up to
// year 2255), dates are days since the epoch; both are JSON-friendly for state stores.
import { civilDays, isCalendarDate, utcSeconds } from '../values/calendar.ts';

/** Microseconds in one day. */
export const MICROS_PER_DAY = 86_400_000_000;

// RFC 3339 date-time: 'T' (or 't') separator, optional fraction, 'Z' or a ±HH:MM offset.
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Calendar arithmetic (calendar.ts), never Date.UTC: it reads years 0–99 as 1900–1999, and
// RFC 3339's year is any four digits.

/** Parses an RFC 3339 timestamp to epoch microseconds (digits past microseconds are truncated). */
export function parseTimestamp(text: string): number | undefined {
  // One remembered text, compared by identity first: a record's occurred_at is read by the merge,
  // by validation's schema and by validation again, and an event's timestamp right after it was
  // formatted. (A Map by string costs more than the arithmetic below; this compare does not.)
  if (text === parsedText) return parsedMicros;
  const fast = parseUtcTimestamp(text);
  let value = fast !== undefined ? fast : parseTimestampUncached(text);
  // Years 0000–9999 only: past 2^53 µs a double rounds, and 9999-12-31T23:59:59.999999Z would
  // come out as year 10000, which no YYYY-MM-DD can write (an output would fail, not the input).
  if (value !== undefined && (value < MIN_MICROS || value >= END_MICROS)) value = undefined;
  // Past 2^53 µs (year 2255) or past year 9999 the text does not give back the instant it was
  // formatted from: text just formatted here reads back as that instant (events' own timestamps).
  if (value === undefined || value > Number.MAX_SAFE_INTEGER) {
    for (let k = 1; k <= RECENT; k++) {
      const i = (recentNext - k + RECENT) % RECENT;
      if (recentTexts[i] === text) return recentMicros[i];
    }
    return value;
  }
  parsedText = text;
  parsedMicros = value;
  return value;
}

// The last text read (any spelling) and the last instant written (canonical text): separate, so
// a timestamp read as `...:00Z` is never written back in that spelling.
let parsedText = '';
let parsedMicros: number | undefined;
let formattedMicros = Number.NaN;
let formattedText = '';

// The last formatted instants, for the round trip above (written on every format, read rarely).
const RECENT = 256;
// Empty slots hold undefined, never a string: a slot filled with '' made `occurred_at: ""` read
// as 1970-01-01 until 256 timestamps had been formatted (oracle finding F6/F7).
const recentTexts: Array<string | undefined> = new Array<string | undefined>(RECENT).fill(undefined);
const recentMicros: number[] = new Array<number>(RECENT).fill(0);
let recentNext = 0;


// `YYYY-MM-DDTHH:MM:SS[.f+]Z` (t and z in either case) by plain arithmetic, the same result as the
// regex path; undefined hands anything else (offsets, bad fields) to that path.
function parseUtcTimestamp(text: string): number | undefined {
  const len = text.length;
  const last = text.charCodeAt(len - 1);
  if (len < 20 || (last !== 90 && last !== 122) || text[4] !== '-' || text[7] !== '-' || (text[10] !== 'T' && text[10] !== 't') ||
    text[13] !== ':' || text[16] !== ':') return undefined;
  const seconds = utcSeconds(text);
  if (seconds === undefined) return undefined;
  let micros = 0;
  if (len > 20) {
    if (text[19] !== '.') return undefined;
    const n = len - 21;
    if (n < 1) return undefined;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(20 + i) - 48;
      if (c < 0 || c > 9) return undefined;
      if (i < 6) micros = micros * 10 + c;
    }
    for (let i = n; i < 6; i++) micros *= 10;
  }
  return seconds * 1_000_000 + micros;
}

function parseTimestampUncached(text: string): number | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (!isCalendarDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const micros = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
  const epochSeconds = civilDays(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s - offsetMinutes * 60;
  return epochSeconds * 1_000_000 + micros;
}

/** The last day `YYYY-MM-DD` can write, 9999-12-31, in days since the epoch. */
export const MAX_DAY = civilDays(9999, 12, 31);
// Readable instants: from 0000-01-01 up to, not including, 10000-01-01 (an offset can move a
// timestamp out, e.g. 9999-12-31T23:00:00-05:00: unreadable, like any other bad timestamp).
const MIN_MICROS = civilDays(0, 1, 1) * MICROS_PER_DAY;
const END_MICROS = (MAX_DAY + 1) * MICROS_PER_DAY;

/** Formats epoch microseconds as RFC 3339 UTC with six decimals: 2026-01-05T20:05:54.897000Z. */
export function formatTimestamp(micros: number): string {
  // One remembered instant (no Map: measured ten times slower than the arithmetic): an event and
  // the row after it carry the same time.
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
  recentTexts[recentNext] = text;
  recentMicros[recentNext] = micros;
  recentNext = (recentNext + 1) % RECENT;
  formattedMicros = micros;
  formattedText = text;
  parsedText = text;
  parsedMicros = micros;
  return text;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Parses a calendar date `YYYY-MM-DD` to days since the epoch. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isCalendarDate(y, mo, d)) return undefined;
  return civilDays(y, mo, d);
}

// Rows and events format the same few dates over and over; a small cache saves the arithmetic.
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
