// Exact decimals: a scaled BigInt, never a binary float. The one home of decimal text ↔ unscaled
// integer ↔ two's-complement bytes, for the invoice domain (money), its Avro encoding and the Delta
// writer. Rounding, where asked for, is half away from zero.

/** An exact decimal: `units × 10^-scale`. */
export interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

// Plain decimal notation with an optional exponent, as JSON numbers allow; no leading '+'.
const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text exactly (`"4750.00"`, `"-5"`, `"1e3"`); undefined when it is not a number. */
export function parseDecimal(text: string): Decimal | undefined {
  const m = DECIMAL_RE.exec(text);
  if (!m) return undefined;
  const [, sign, int, frac = '', expText] = m;
  const exp = expText === undefined ? 0 : Number(expText);
  // Absurd exponents are not money; refusing them also bounds BigInt sizes.
  if (!Number.isSafeInteger(exp) || Math.abs(exp) > 64) return undefined;
  let units = BigInt(int + frac);
  let scale = frac.length - exp;
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  return normalize({ units: sign === '-' ? -units : units, scale });
}

/** Drops trailing zero decimals: 5.000 → 5, so "how many decimals" asks about the value. */
export function normalize(d: Decimal): Decimal {
  const { units, scale } = d;
  if (scale <= 0 || units % 10n !== 0n) return d;
  if (units === 0n) return { units: 0n, scale: 0 };
  // Zeros counted on the digits, then one division: dividing by 10 once per zero was quadratic
  // ("1." and 80,000 zeros, a valid amount under the size limit, took 1.3 s).
  const digits = (units < 0n ? -units : units).toString();
  let zeros = 0;
  while (zeros < scale && digits.charCodeAt(digits.length - 1 - zeros) === 48) zeros++;
  return { units: units / 10n ** BigInt(zeros), scale: scale - zeros };
}

/** Exact product. */
export function multiply(a: Decimal, b: Decimal): Decimal {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

/** The decimal as an unscaled integer at `scale`, rounded half away from zero. */
export function roundToScale(d: Decimal, scale: number): bigint {
  if (d.scale <= scale) return d.units * 10n ** BigInt(scale - d.scale);
  const divisor = 10n ** BigInt(d.scale - scale);
  const negative = d.units < 0n;
  const magnitude = negative ? -d.units : d.units;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return negative ? -quotient : quotient;
}

/** Compares with zero: -1, 0 or 1. */
export function signOf(d: Decimal): number {
  return d.units < 0n ? -1 : d.units > 0n ? 1 : 0;
}

/** Compares two decimals: -1, 0 or 1. */
export function compareDecimal(a: Decimal, b: Decimal): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * 10n ** BigInt(scale - a.scale);
  const y = b.units * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Decimal text of an unscaled integer (a bigint, or a safe integer) with exactly `scale` decimals: (123456n, 2) → "1234.56". */
export function formatUnscaled(unscaled: bigint | number, scale: number): string {
  const negative = unscaled < 0;
  let digits = String(negative ? -unscaled : unscaled);
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/**
 * The fast path of every text → unscaled conversion: the value at `scale` of plain text
 * `-?\d+(\.\d+)?` as a number, read digit by digit (exact: at most 15 significant digits), when
 * its digits past `scale` are zeros; undefined for anything else, which the exact path decides
 * (`parseUnscaled`, `exactUnscaled`). BigInt of a number costs half of a regex test plus BigInt
 * of a string. Never -0.
 */
export function smallUnscaled(text: string, scale: number): number | undefined {
  const len = text.length;
  let i = text.charCodeAt(0) === 45 ? 1 : 0;
  const negative = i === 1;
  let u = 0;
  let significant = 0;
  const intStart = i;
  for (; i < len; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    if (significant > 0 || c > 0) significant++;
    u = u * 10 + c;
  }
  if (i === intStart) return undefined;
  let decimals = 0;
  if (i < len) {
    if (text.charCodeAt(i) !== 46 || i + 1 === len) return undefined;
    for (i++; i < len; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      if (decimals < scale) {
        if (significant > 0 || c > 0) significant++;
        u = u * 10 + c;
        decimals++;
      } else if (c !== 0) return undefined; // a digit past the scale: rounding or refusal, not ours
    }
  }
  for (; decimals < scale; decimals++) {
    u *= 10;
    if (significant > 0) significant++;
  }
  if (significant > 15) return undefined;
  return negative && u !== 0 ? -u : u;
}

/** Decimal text as an unscaled integer at `scale`, rounded half away from zero (money held as text at its currency's scale reads back exactly); throws when the text is not a decimal. */
export function parseUnscaled(text: string, scale: number): bigint {
  const small = smallUnscaled(text, scale);
  if (small !== undefined) return BigInt(small);
  const d = parseDecimal(text);
  if (d === undefined) throw new Error(`not a decimal: ${text}`);
  return roundToScale(d, scale);
}

/** Decimal text as an unscaled integer at `scale` without rounding; undefined when the text is not a decimal or has non-zero digits past `scale`. */
export function exactUnscaled(text: string, scale: number): bigint | undefined {
  const small = smallUnscaled(text, scale);
  if (small !== undefined) return BigInt(small);
  const d = parseDecimal(text);
  return d === undefined || d.scale > scale ? undefined : d.units * 10n ** BigInt(scale - d.scale);
}

/** Big-endian two's-complement bytes (Avro and Parquet decimals) as the unscaled integer; no bytes is 0. */
export function unscaledFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return (bytes[0] as number) & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v;
}

/** The fewest bytes that hold an unscaled integer in two's complement (Avro's minimal decimal bytes). */
export function unscaledByteLength(unscaled: bigint | number): number {
  let n = 1;
  if (typeof unscaled === 'number') {
    for (let lim = 128; unscaled >= lim || unscaled < -lim; lim *= 256) n++;
    return n;
  }
  for (let lim = 128n; unscaled >= lim || unscaled < -lim; lim <<= 8n) n++;
  return n;
}

/** Writes an unscaled integer (a bigint, or a safe integer without BigInt) as `length` big-endian two's-complement bytes at `offset`. */
export function writeUnscaledBytes(target: Uint8Array, offset: number, unscaled: bigint | number, length: number): void {
  if (typeof unscaled === 'bigint') {
    let v = unscaled;
    for (let k = length - 1; k >= 0; k--) {
      target[offset + k] = Number(v & 0xffn);
      v >>= 8n;
    }
    return;
  }
  // A safe integer: seven low bytes by arithmetic (|v| < 2^53), then what is left is the sign.
  let v = unscaled;
  let k = length - 1;
  for (; k >= 0 && k >= length - 7; k--) {
    const byte = ((v % 256) + 256) % 256;
    target[offset + k] = byte;
    v = (v - byte) / 256;
  }
  const fill = unscaled < 0 ? 0xff : 0;
  for (; k >= 0; k--) target[offset + k] = fill;
}
