// Exact conversions between the writer's cell values (strings for money and time) and their
// Parquet physical form. Money never passes through binary floating point: a decimal string
// becomes an unscaled BigInt and back (src/values/decimal.ts, shared with the invoice domain).
import { civilDays, digits, isCalendarDate, utcSeconds } from '../../values/calendar.ts';
import { exactUnscaled, parseDecimal } from '../../values/decimal.ts';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TS_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

/** Parsed `decimal(p,s)` type, or undefined for other types. */
export function parseDecimalType(type: string): { precision: number; scale: number } | undefined {
  const m = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (!m) return undefined;
  const precision = Number(m[1]);
  const scale = Number(m[2]);
  if (precision < 1 || precision > 38 || scale > precision) throw new Error(`bad decimal type ${type}`);
  return { precision, scale };
}

/**
 * Decimal text (or a JS number, via its shortest round-trip text) to the unscaled integer at
 * `scale`. Digits past the scale are refused unless zeros: rounding money is the caller's job.
 */
export function decimalToUnscaled(value: string | number, precision: number, scale: number): bigint {
  const text = typeof value === 'number' ? numberText(value) : value;
  const unscaled = exactUnscaled(text, scale);
  if (unscaled === undefined) {
    if (parseDecimal(text) === undefined) throw new Error(`not a decimal: ${JSON.stringify(value)}`);
    throw new Error(`decimal ${text} has more than ${scale} fractional digits`);
  }
  if ((unscaled < 0n ? -unscaled : unscaled) >= 10n ** BigInt(precision)) throw new Error(`decimal ${text} exceeds precision ${precision}`);
  return unscaled;
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a decimal: ${n}`);
  // String(1e21) is exponent notation; such magnitudes are out of any money range here.
  const s = String(n);
  if (/e/i.test(s)) throw new Error(`decimal out of range: ${s}`);
  return s;
}

/** Byte width of the smallest two's-complement FIXED_LEN_BYTE_ARRAY that holds `precision` digits. */
export function decimalByteLength(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while ((1n << BigInt(bytes * 8 - 1)) <= max) bytes++;
  return bytes;
}

/** "YYYY-MM-DD" to days since 1970-01-01 (Parquet DATE), by calendar arithmetic: Date.UTC would read years 0000-0099 as 19xx. */
export function dateToDays(value: string): number {
  const m = DATE_RE.exec(value);
  if (!m) throw new Error(`not a date: ${JSON.stringify(value)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (!isCalendarDate(y, mo, d)) throw new Error(`not a calendar date: ${value}`);
  return civilDays(y, mo, d);
}

/** Days since the epoch to "YYYY-MM-DD". */
export function daysToDate(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}



/**
 * Microseconds of a timestamp spelled exactly `YYYY-MM-DDTHH:MM:SS.sssZ` or `.ssssssZ` (what this
 * writer and the invoice code produce), checked field by field with plain arithmetic; undefined
 * for any other spelling or an impossible date (the general parser then decides). Accepts exactly
 * what `timestampToMicros`'s fast path accepts, at a fraction of the cost.
 */
export function exactTimestampMicros(value: string): bigint | undefined {
  const millis = exactTimestampMillis(value);
  return millis === undefined ? undefined : BigInt(millis) * 1000n + BigInt(subMillis(value));
}

/** Epoch milliseconds of a timestamp spelled as `exactTimestampMicros` takes it (its sub-millisecond digits checked, not added), else undefined. */
export function exactTimestampMillis(value: string): number | undefined {
  const len = value.length;
  if ((len !== 24 && len !== 27) || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84 ||
    value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58 || value.charCodeAt(19) !== 46 || value.charCodeAt(len - 1) !== 90) return undefined;
  const seconds = utcSeconds(value);
  const ms = digits(value, 20, 3);
  if (seconds === undefined || ms < 0 || subMillis(value) < 0) return undefined;
  return seconds * 1000 + ms;
}

/** The microseconds past the millisecond of such a timestamp (`.sss` has none; -1: not digits). */
export function subMillis(value: string): number {
  return value.length === 27 ? digits(value, 23, 3) : 0;
}

/** Canonical text of a timestamp spelled as `exactTimestampMicros` takes it (undefined otherwise): `.ssssss` with three trailing zeros becomes `.sss`. */
export function exactCanonicalTimestamp(value: string): string | undefined {
  if (exactTimestampMicros(value) === undefined) return undefined;
  return value.length === 27 && value.endsWith('000Z') ? `${value.slice(0, 23)}Z` : value;
}

/** RFC 3339 timestamp (any offset, up to microseconds) to microseconds since the epoch, UTC. */
export function timestampToMicros(value: string): bigint {
  // Fast path: canonical "YYYY-MM-DDTHH:MM:SS.sssZ" or ".ssssssZ" (what this writer stores).
  if ((value.length === 24 || value.length === 27) && value[10] === 'T' && value[19] === '.' && value[value.length - 1] === 'Z') {
    const ms = Date.parse(value.slice(0, 23) + 'Z');
    const sub = value.length === 27 ? value.slice(23, 26) : '000';
    // Date.parse rolls Feb 30 over to Mar 1: the round trip rejects such dates.
    if (!Number.isNaN(ms) && /^\d{3}$/.test(sub) && new Date(ms).toISOString().slice(0, 23) === value.slice(0, 23)) {
      return BigInt(ms) * 1000n + BigInt(sub);
    }
  }
  const m = TS_RE.exec(value);
  if (!m) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(value)}`);
  const [, y, mo, d, h, mi, s, frac = '', zone] = m;
  if (/[1-9]/.test(frac.slice(6))) throw new Error(`timestamp ${value} is finer than microseconds`);
  // Calendar arithmetic, not Date.UTC (which reads years 0000-0099 as 19xx and rolls Feb 30 over).
  if (!isCalendarDate(Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new Error(`not a timestamp: ${value}`);
  }
  let ms = civilDays(Number(y), Number(mo), Number(d)) * DAY_MS + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  }
  return BigInt(ms) * 1000n + BigInt(frac.slice(0, 6).padEnd(6, '0'));
}

/** Microseconds since the epoch to RFC 3339 UTC: millisecond form when exact, else 6 digits. */
export function microsToTimestamp(micros: bigint): string {
  const ms = floorDiv(micros, 1000n);
  const sub = micros - ms * 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return sub === 0n ? iso : iso.slice(0, 23) + sub.toString().padStart(3, '0') + 'Z';
}

/** Floor division for BigInt (BigInt `/` truncates towards zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/**
 * Memoize a pure conversion with a bounded cache (cleared when full): table columns repeat dates
 * and timestamps a lot, and parsing them dominated file rewrites in profiles.
 */
export function memo<K, V>(fn: (k: K) => V, limit = 1 << 16): (k: K) => V {
  const cache = new Map<K, V>();
  return (k: K): V => {
    let v = cache.get(k);
    if (v === undefined && !cache.has(k)) {
      v = fn(k);
      if (cache.size >= limit) cache.clear();
      cache.set(k, v);
    }
    return v as V;
  };
}
