// Event time in UTC. Timestamps are integer microseconds since the epoch (exact in a double up to
// year 2255), dates are days since the epoch; both are JSON-friendly for state stores.

/** Microseconds in one day. */
export const MICROS_PER_DAY = 86_400_000_000;

// RFC 3339 date-time: 'T' (or 't') separator, optional fraction, 'Z' or a ±HH:MM offset.
const TIMESTAMP_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  return d <= new Date(Date.UTC(y, m, 0)).getUTCDate();
}

// A record's occurred_at is parsed by the replay merge, the schema and the event builder; and
// outputs format the same instants several times. Small caches, cleared when full.
const CACHE_LIMIT = 8192;
const parsedTimestamps = new Map<string, number | undefined>();
const formattedTimestamps = new Map<number, string>();

/** Parses an RFC 3339 timestamp to epoch microseconds (digits past microseconds are truncated). */
export function parseTimestamp(text: string): number | undefined {
  if (parsedTimestamps.has(text)) return parsedTimestamps.get(text);
  const value = parseTimestampUncached(text);
  if (parsedTimestamps.size >= CACHE_LIMIT) parsedTimestamps.clear();
  parsedTimestamps.set(text, value);
  return value;
}

function parseTimestampUncached(text: string): number | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const micros = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0'));
  const epochSeconds = Date.UTC(y, mo - 1, d, h, mi, s) / 1000 - offsetMinutes * 60;
  return epochSeconds * 1_000_000 + micros;
}

/** Formats epoch microseconds as RFC 3339 UTC with six decimals: 2026-01-05T20:05:54.897000Z. */
export function formatTimestamp(micros: number): string {
  let text = formattedTimestamps.get(micros);
  if (text !== undefined) return text;
  text = formatTimestampUncached(micros);
  if (formattedTimestamps.size >= CACHE_LIMIT) formattedTimestamps.clear();
  formattedTimestamps.set(micros, text);
  // What we write is often read back (record timestamps of events): remember the way back too.
  if (parsedTimestamps.size >= CACHE_LIMIT) parsedTimestamps.clear();
  parsedTimestamps.set(text, micros);
  return text;
}

function formatTimestampUncached(micros: number): string {
  const day = Math.floor(micros / MICROS_PER_DAY);
  let rest = micros - day * MICROS_PER_DAY;
  const hours = Math.floor(rest / 3_600_000_000);
  rest -= hours * 3_600_000_000;
  const minutes = Math.floor(rest / 60_000_000);
  rest -= minutes * 60_000_000;
  const seconds = Math.floor(rest / 1_000_000);
  const fraction = rest - seconds * 1_000_000;
  return `${formatDate(day)}T${two(hours)}:${two(minutes)}:${two(seconds)}.${String(fraction).padStart(6, '0')}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Parses a calendar date `YYYY-MM-DD` to days since the epoch. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(y, mo, d)) return undefined;
  return Date.UTC(y, mo - 1, d) / 86_400_000;
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
