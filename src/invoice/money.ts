// Exact decimal money: a scaled BigInt, never a binary float. Parsing keeps every digit of the
// input (JSON numbers are read from their source text, see json.ts); rounding is half away from zero.

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

/** The decimal as integer units of 10^-scale, rounded half away from zero. */
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

/** Formats integer minor units with exactly `scale` decimals: (123456n, 2) → "1234.56". */
export function formatMinor(units: bigint, scale: number): string {
  const negative = units < 0n;
  let digits = (negative ? -units : units).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

const CANONICAL_RE = /^-?\d+\.\d+$/;

// `-?\d+\.\d{scale}` of at most 15 digits, read digit by digit into a double (exact below 2^53):
// BigInt of a number costs half of a regex test plus BigInt of a string. Undefined: other text.
function smallMinor(text: string, scale: number): bigint | undefined {
  const len = text.length;
  const dot = len - scale - 1;
  if (scale <= 0 || len > 16 || text.charCodeAt(dot) !== 46) return undefined;
  const neg = text.charCodeAt(0) === 45;
  let i = neg ? 1 : 0;
  if (i >= dot) return undefined;
  let n = 0;
  for (; i < len; i++) {
    if (i === dot) continue;
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return BigInt(neg ? -n : n);
}
const INTEGER_RE = /^-?\d+$/;

/** Reads text written by `formatMinor` (or any decimal) back as minor units at `scale`. */
export function parseMinor(text: string, scale: number): bigint {
  const small = smallMinor(text, scale);
  if (small !== undefined) return small;
  // Fast path for what formatMinor writes (state and rows hold money this way): digits, '.', digits.
  const dot = text.indexOf('.');
  if (dot > 0 && text.length - dot - 1 === scale && CANONICAL_RE.test(text)) return BigInt(text.slice(0, dot) + text.slice(dot + 1));
  if (dot < 0 && scale === 0 && INTEGER_RE.test(text)) return BigInt(text);
  const d = parseDecimal(text);
  if (!d) throw new Error(`not a decimal: ${text}`);
  return roundToScale(d, scale);
}
