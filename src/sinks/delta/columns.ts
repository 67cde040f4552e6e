// Per-column codecs: validate and normalize an incoming value, map it to the Parquet physical value
// and back, and order canonical values (the key index's ranges). Stats are the encoder's.
import type { SchemaElement } from 'hyparquet';
import type { DeltaColumn, DeltaValue } from './types.ts';
import { formatUnscaled, parseUnscaled, unscaledFromBytes } from '../../values/decimal.ts';
import { formatDate } from '../../values/time.ts';
import {
  dateToDays as parseDate, decimalByteLength, decimalToUnscaled, exactCanonicalTimestamp, memo, microsToTimestamp as formatTimestamp,
  parseDecimalType, timestampToMicros,
} from './values.ts';

// Shared memoized conversions (pure functions of their input).
const dateToDays = memo(parseDate);
const daysToDate = memo(formatDate);
const microsToTimestamp = memo(formatTimestamp);
const canonicalDate = memo((s: string): string => formatDate(parseDate(s)));
const canonicalTimestamp = memo((s: string): string => formatTimestamp(timestampToMicros(s)));

/**
 * A physical Parquet value as a data file is read back (parquet.ts) and a merge edits it (null for
 * a missing value): strings as UTF-8 bytes, decoded only where needed (the key column for the
 * index, every string once in `columnsToTyped` when the file is written again); decimals as
 * unscaled bigint; dates as days; timestamps as micros.
 */
export type Physical = Uint8Array | number | bigint | boolean | null;

/** How one column is validated, stored in Parquet, read back and summarized in stats. */
export interface ColumnCodec {
  column: DeltaColumn;
  element: SchemaElement;
  /** Canonical form of an incoming value (throws on bad input), so equal values compare equal. */
  normalize(v: DeltaValue | undefined): DeltaValue;
  /** Canonical value to the value handed to the Parquet writer. */
  toPhysical(v: DeltaValue): Physical;
  /** Physical value back to the canonical value. */
  fromPhysical(raw: Physical | undefined): DeltaValue;
  /** Total order of canonical non-null values, as Parquet and Delta order them. */
  compare(a: DeltaValue, b: DeltaValue): number;
}

/** Code point order, which is UTF-8 byte order (how Parquet and Spark order strings). */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only surrogates break UTF-16 order; compare whole code points then.
    if (x >= 0xd800 && x <= 0xdfff || y >= 0xd800 && y <= 0xdfff) {
      return (a.codePointAt(i) ?? 0) - (b.codePointAt(i) ?? 0);
    }
    return x - y;
  }
  return a.length - b.length;
}

const cmpNum = (a: DeltaValue, b: DeltaValue): number => (a as number) - (b as number);
const utf8d = new TextDecoder();

function need<T>(col: DeltaColumn, v: DeltaValue | undefined, kind: string, ok: (x: DeltaValue) => x is T & DeltaValue): T | null {
  if (v === null || v === undefined) {
    if (!col.nullable) throw new Error(`column ${col.name} is not nullable`);
    return null;
  }
  if (!ok(v)) throw new Error(`column ${col.name}: expected ${kind}, got ${JSON.stringify(v)}`);
  return v;
}

const isStr = (x: DeltaValue): x is string => typeof x === 'string';
const isNum = (x: DeltaValue): x is number => typeof x === 'number';
const isBool = (x: DeltaValue): x is boolean => typeof x === 'boolean';
const isStrOrNum = (x: DeltaValue): x is string | number => typeof x === 'string' || typeof x === 'number';

function opt(col: DeltaColumn): 'OPTIONAL' | 'REQUIRED' {
  return col.nullable ? 'OPTIONAL' : 'REQUIRED';
}

/** Build the codec of a column; throws on an unsupported type. */
export function columnCodec(col: DeltaColumn): ColumnCodec {
  const name = col.name;
  const repetition_type = opt(col);
  switch (col.type) {
    case 'string':
      return {
        column: col,
        element: { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type },
        normalize: v => need(col, v, 'string', isStr),
        // Buffer.from (pooled) costs a third of TextEncoder.encode per short string; same bytes.
        toPhysical: v => v === null ? null : Buffer.from(v as string, 'utf8'),
        fromPhysical: raw => raw === null || raw === undefined ? null : typeof raw === 'string' ? raw : utf8d.decode(raw as Uint8Array),
        compare: (a, b) => compareStrings(a as string, b as string),
      };
    case 'long':
    case 'integer': {
      const long = col.type === 'long';
      const limit = long ? Number.MAX_SAFE_INTEGER : 2 ** 31 - 1;
      return {
        column: col,
        element: { name, type: long ? 'INT64' : 'INT32', repetition_type },
        normalize: v => {
          const n = need(col, v, col.type, isNum);
          if (n !== null && (!Number.isInteger(n) || n > limit || n < -limit - (long ? 0 : 1))) {
            throw new Error(`column ${name}: ${n} is not a ${col.type}`);
          }
          return n;
        },
        toPhysical: v => v === null ? null : long ? BigInt(v as number) : v as number,
        fromPhysical: raw => raw === null || raw === undefined ? null : Number(raw as bigint | number),
        compare: cmpNum,
      };
    }
    case 'boolean':
      return {
        column: col,
        element: { name, type: 'BOOLEAN', repetition_type },
        normalize: v => need(col, v, 'boolean', isBool),
        toPhysical: v => v as boolean | null,
        fromPhysical: raw => (raw ?? null) as boolean | null,
        compare: (a, b) => Number(a) - Number(b),
      };
    case 'date':
      return {
        column: col,
        element: { name, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' }, repetition_type },
        normalize: v => {
          const s = need(col, v, 'date', isStr);
          return s === null ? null : canonicalDate(s);
        },
        toPhysical: v => v === null ? null : dateToDays(v as string),
        fromPhysical: raw => raw === null || raw === undefined ? null : daysToDate(Number(raw)),
        compare: (a, b) => compareStrings(a as string, b as string),
      };
    case 'timestamp':
      return {
        column: col,
        element: {
          name, type: 'INT64', converted_type: 'TIMESTAMP_MICROS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' }, repetition_type,
        },
        normalize: v => {
          const s = need(col, v, 'timestamp', isStr);
          // The exact spelling (nearly every value) skips the memo: unique timestamps only churn it.
          return s === null ? null : exactCanonicalTimestamp(s) ?? canonicalTimestamp(s);
        },
        toPhysical: v => v === null ? null : timestampToMicros(v as string),
        fromPhysical: raw => raw === null || raw === undefined ? null : microsToTimestamp(BigInt(raw as bigint)),
        compare: (a, b) => {
          // Canonical forms of equal length have fixed-width fields: text order is time order.
          if ((a as string).length === (b as string).length) return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
          const x = timestampToMicros(a as string);
          const y = timestampToMicros(b as string);
          return x < y ? -1 : x > y ? 1 : 0;
        },
      };
    default:
      return decimalCodec(col);
  }
}

function decimalCodec(col: DeltaColumn): ColumnCodec {
  const dt = parseDecimalType(col.type);
  if (!dt) throw new Error(`column ${col.name}: unsupported type ${col.type}`);
  const { precision, scale } = dt;
  // INT64 holds every value of up to 18 digits; wider decimals take the minimal fixed length.
  const element: SchemaElement = precision <= 18
    ? { name: col.name, type: 'INT64' }
    : { name: col.name, type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalByteLength(precision) };
  Object.assign(element, {
    converted_type: 'DECIMAL', precision, scale, repetition_type: opt(col),
    logical_type: { type: 'DECIMAL', precision, scale },
  });
  // Values reaching toPhysical/compare are canonical (normalize ran): read back exactly.
  const unscaled = (v: DeltaValue): bigint => parseUnscaled(v as string, scale);
  // Already canonical: optional minus, no leading zero, exactly `scale` decimals, within precision.
  const intPart = precision > scale ? `(?:0|[1-9]\\d{0,${precision - scale - 1}})` : '0';
  const canonical = new RegExp(`^-?${intPart}${scale > 0 ? `\\.\\d{${scale}}` : ''}$`);
  const isNegZero = new RegExp(`^-0(?:\\.0*)?$`);
  return {
    column: col,
    element,
    normalize: v => {
      const x = need(col, v, 'decimal string', isStrOrNum);
      if (typeof x === 'string' && canonical.test(x) && !isNegZero.test(x)) return x;
      return x === null ? null : formatUnscaled(decimalToUnscaled(x, precision, scale), scale);
    },
    toPhysical: v => v === null ? null : unscaled(v),
    fromPhysical: raw => {
      if (raw === null || raw === undefined) return null;
      const u = raw instanceof Uint8Array ? unscaledFromBytes(raw) : BigInt(raw as bigint | number);
      return formatUnscaled(u, scale);
    },
    compare: (a, b) => compareCanonicalDecimals(a as string, b as string),
  };
}

/** Order two canonical decimals of one scale by text: sign, then integer length, then digits. */
export function compareCanonicalDecimals(a: string, b: string): number {
  const na = a[0] === '-';
  const nb = b[0] === '-';
  if (na !== nb) return na ? -1 : 1;
  const mag = a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  return na ? -mag : mag;
}
