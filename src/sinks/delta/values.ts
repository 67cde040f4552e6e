// Exact conversions between the writer's cell values (strings for money and time) and their
// Parquet physical form. Money never passes through binary floating point: a decimal string
// becomes an unscaled BigInt and back. Decimal and time text are read by src/values/ (decimal.ts,
// time.ts), the parsers the invoice domain uses, so the writer takes what the pipeline writes.
import { exactUnscaled, parseDecimal } from '../../values/decimal.ts';
import { parseDate, parseTimestampExact } from '../../values/time.ts';

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

/** "YYYY-MM-DD" to days since 1970-01-01 (Parquet DATE); throws when it is not a date. */
export function dateToDays(value: string): number {
  const days = parseDate(value);
  if (days !== undefined) return days;
  throw new Error(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `not a calendar date: ${value}` : `not a date: ${JSON.stringify(value)}`);
}

/** Canonical text of a timestamp already spelled `YYYY-MM-DDTHH:MM:SS.sssZ` or `.ssssssZ` (what this writer and the pipeline write), else undefined: `.ssssss` with three trailing zeros becomes `.sss`. */
export function exactCanonicalTimestamp(value: string): string | undefined {
  const len = value.length;
  if ((len !== 24 && len !== 27) || value.charCodeAt(10) !== 84 || value.charCodeAt(19) !== 46 || value.charCodeAt(len - 1) !== 90) return undefined;
  if (parseTimestampExact(value) === undefined) return undefined;
  return len === 27 && value.endsWith('000Z') ? `${value.slice(0, 23)}Z` : value;
}

/** RFC 3339 timestamp to microseconds since the epoch, UTC (the rule of src/values/time.ts: digits past the µs truncated); throws when it is not one. */
export function timestampToMicros(value: string): bigint {
  const micros = parseTimestampExact(value);
  if (micros === undefined) throw new Error(`not an RFC 3339 timestamp: ${JSON.stringify(value)}`);
  return micros;
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
