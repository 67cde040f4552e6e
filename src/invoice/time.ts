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

/** Parses an RFC 3339 timestamp to epoch microseconds (digits past microseconds are truncated). */
export function parseTimestamp(text: string): number | undefined {
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
  const ms = Math.floor(micros / 1000);
  const iso = new Date(ms).toISOString(); // 2026-01-05T20:05:54.897Z
  const sub = String(micros - ms * 1000).padStart(3, '0');
  return `${iso.slice(0, 23)}${sub}Z`;
}

/** Parses a calendar date `YYYY-MM-DD` to days since the epoch. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!validDate(y, mo, d)) return undefined;
  return Date.UTC(y, mo - 1, d) / 86_400_000;
}

/** Formats days since the epoch as `YYYY-MM-DD`. */
export function formatDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** The UTC calendar day (days since the epoch) of an instant in microseconds. */
export function utcDay(micros: number): number {
  return Math.floor(micros / MICROS_PER_DAY);
}

/** Epoch milliseconds of an instant in microseconds (engine record timestamps are ms). */
export function toMillis(micros: number): number {
  return Math.floor(micros / 1000);
}
