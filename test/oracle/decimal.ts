// Exact decimals for the oracle, written from scratch (no project code): a value is m × 10^-k
// with m a BigInt. Only what the contract needs: parse, compare, multiply, round half away from
// zero to a number of decimals, format.

/** An exact decimal: `m × 10^-k`. */
export interface Dec {
  m: bigint;
  k: number;
}

/** A JSON number kept as its source text (see the oracle's `parseJson`). */
export class JsonNumber {
  readonly num: string;
  constructor(num: string) {
    this.num = num;
  }
}

const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;
const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Parses a money/number field: a JSON string `"12.50"` or a JSON number (source text). */
export function toDec(v: unknown): Dec | undefined {
  // A string in JSON number spelling, exponent included (the project's reading: "1e1" is 10).
  if (typeof v === 'string') return textToDec(v);
  if (v instanceof JsonNumber) return textToDec(v.num);
  return undefined;
}

function textToDec(text: string): Dec | undefined {
  const match = NUMBER_TEXT.exec(text);
  if (!match) return undefined;
  const [, sign, int, frac = '', exp = '0'] = match;
  let m = BigInt(int + frac);
  let k = frac.length - Number(exp);
  if (sign === '-') m = -m;
  if (k < 0) {
    m *= pow10(-k);
    k = 0;
  }
  return { m, k };
}

/** a − b compared: negative, 0, positive. */
export function cmpDec(a: Dec, b: Dec): number {
  const k = Math.max(a.k, b.k);
  const x = a.m * pow10(k - a.k);
  const y = b.m * pow10(k - b.k);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The exact product. */
export function mulDec(a: Dec, b: Dec): Dec {
  return { m: a.m * b.m, k: a.k + b.k };
}

/** Rounds to `scale` decimals, half away from zero; returns the integer count of 10^-scale. */
export function roundToMinor(a: Dec, scale: number): bigint {
  if (a.k <= scale) return a.m * pow10(scale - a.k);
  const d = pow10(a.k - scale);
  const neg = a.m < 0n;
  const abs = neg ? -a.m : a.m;
  let q = abs / d;
  if ((abs % d) * 2n >= d) q += 1n;
  return neg ? -q : q;
}

/** Whether the value has no more than `scale` significant decimals ("5.000" has 0). */
export function fitsScale(a: Dec, scale: number): boolean {
  if (a.k <= scale) return true;
  return a.m % pow10(a.k - scale) === 0n;
}

/** Exactly as minor units at `scale` (caller checked `fitsScale`). */
export function toMinor(a: Dec, scale: number): bigint {
  return roundToMinor(a, scale);
}

/** Minor units as decimal text with `scale` decimals. */
export function formatMinor(minor: bigint, scale: number): string {
  const neg = minor < 0n;
  const digits = (neg ? -minor : minor).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** Parses decimal text (as written in outputs) for comparison; undefined when not a decimal. */
export function parseDecimalText(text: string): Dec | undefined {
  return DECIMAL_TEXT.test(text) ? textToDec(text) : undefined;
}
