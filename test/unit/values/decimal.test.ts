// The one home of decimal text ↔ unscaled integer ↔ two's-complement bytes: its fast path agrees
// with its exact path, and every former copy's cases still hold (money, Avro, the Delta writer).
import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib.ts';
import {
  exactUnscaled, formatUnscaled, parseDecimal, parseUnscaled, roundToScale, smallUnscaled, unscaledByteLength, unscaledFromBytes, writeUnscaledBytes,
} from '../../../src/values/decimal.ts';

// Decimal-looking text: plain, long, with leading or trailing zeros, exponents, and junk.
function randomText(r: () => number): string {
  const digits = (n: number) => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
  const sign = r() < 0.3 ? '-' : r() < 0.05 ? '+' : '';
  const int = r() < 0.1 ? `000${digits(1 + Math.floor(r() * 3))}` : digits(1 + Math.floor(r() * 20));
  const frac = r() < 0.3 ? '' : `.${digits(Math.floor(r() * 8))}${r() < 0.3 ? '000' : ''}`;
  const exp = r() < 0.05 ? `e${Math.floor(r() * 7) - 3}` : '';
  const junk = r() < 0.03 ? ' ' : '';
  return `${junk}${sign}${int}${frac}${exp}`;
}

describe('decimal text ↔ unscaled', () => {
  it('formats unscaled integers, bigint or safe number, with exactly `scale` decimals', () => {
    expect(formatUnscaled(123456n, 2)).toBe('1234.56');
    expect(formatUnscaled(-5n, 3)).toBe('-0.005');
    expect(formatUnscaled(42n, 0)).toBe('42');
    expect(formatUnscaled(0n, 3)).toBe('0.000');
    expect(formatUnscaled(-1, 2)).toBe('-0.01');
    expect(formatUnscaled(-0, 2)).toBe('0.00');
    expect(formatUnscaled(39782800, 4)).toBe('3978.2800');
    expect(formatUnscaled(99999999999999999999999999999999999999n, 4)).toBe('9999999999999999999999999999999999.9999');
  });

  it('takes plain text of up to 15 digits on the fast path and declines the rest', () => {
    expect(smallUnscaled('3978.28', 4)).toBe(39782800);
    expect(smallUnscaled('3978.28', 2)).toBe(397828);
    expect(smallUnscaled('-0.00', 4)).toBe(0);
    expect(Object.is(smallUnscaled('-0', 4), 0)).toBe(true);
    expect(smallUnscaled('1.23450', 4)).toBe(12345); // zeros past the scale change nothing
    expect(smallUnscaled('007.5', 0)).toBeUndefined(); // a digit past scale 0
    expect(smallUnscaled('007.0', 0)).toBe(7);
    expect(smallUnscaled('12345678901.2345', 4)).toBe(123456789012345);
    expect(smallUnscaled('123456789012.2345', 4)).toBeUndefined(); // 16 digits: BigInt path
    expect(smallUnscaled('1234567890123456', 4)).toBeUndefined();
    for (const bad of ['1.23456', '1e3', '+1', '1.', '.5', ' 1', '', '-', '1,5', 'NaN']) expect(smallUnscaled(bad, 4)).toBeUndefined();
  });

  it('rounds half away from zero (money, Avro) or refuses lost digits (Delta)', () => {
    expect(parseUnscaled('1234.56', 2)).toBe(123456n);
    expect(parseUnscaled('2.345', 2)).toBe(235n);
    expect(parseUnscaled('-2.345', 2)).toBe(-235n);
    expect(parseUnscaled('1e3', 0)).toBe(1000n);
    expect(parseUnscaled('9007199254740993.07', 2)).toBe(900719925474099307n);
    expect(() => parseUnscaled('1.2.3', 2)).toThrow(/not a decimal: 1.2.3/);
    expect(exactUnscaled('1.500', 2)).toBe(150n);
    expect(exactUnscaled('1.005', 2)).toBeUndefined();
    expect(exactUnscaled('-0.01', 2)).toBe(-1n);
    expect(exactUnscaled('99999999999999999999999999999999.999999', 6)).toBe(99999999999999999999999999999999999999n);
    expect(exactUnscaled('x', 2)).toBeUndefined();
  });

  it('fast path, rounding path and exact path agree on 20,000 random texts', () => {
    const r = rng(14);
    for (let k = 0; k < 20_000; k++) {
      const text = randomText(r);
      const scale = Math.floor(r() * 7);
      const d = parseDecimal(text);
      const small = smallUnscaled(text, scale);
      if (d === undefined) {
        expect(small, text).toBeUndefined();
        expect(() => parseUnscaled(text, scale), text).toThrow();
        expect(exactUnscaled(text, scale), text).toBeUndefined();
        continue;
      }
      const rounded = roundToScale(d, scale);
      if (small !== undefined) expect(BigInt(small), text).toBe(rounded);
      expect(parseUnscaled(text, scale), text).toBe(rounded);
      expect(exactUnscaled(text, scale), text).toBe(d.scale <= scale ? rounded : undefined);
      if (rounded === parseUnscaled(formatUnscaled(rounded, scale), scale)) continue;
      throw new Error(`round trip of ${text}`);
    }
  });
});

describe('two\'s-complement bytes', () => {
  it('decodes big-endian two\'s complement', () => {
    expect(unscaledFromBytes(new Uint8Array([0xff, 0xff]))).toBe(-1n);
    expect(unscaledFromBytes(new Uint8Array([0x00, 0x80]))).toBe(128n);
    expect(unscaledFromBytes(new Uint8Array([0x80, 0x00]))).toBe(-32768n);
    expect(unscaledFromBytes(new Uint8Array([]))).toBe(0n);
  });

  it('writes the fewest bytes (Avro) or a fixed width (Parquet), from a bigint or a safe number alike', () => {
    const r = rng(7);
    const values: bigint[] = [0n, 1n, -1n, 127n, 128n, -128n, -129n, 32767n, 32768n, 2n ** 53n - 1n, -(2n ** 53n) + 1n, 10n ** 38n - 1n, -(10n ** 38n) + 1n];
    for (let k = 0; k < 2000; k++) values.push(BigInt(Math.floor((r() - 0.5) * 2 ** (1 + Math.floor(r() * 53)))));
    for (const v of values) {
      const n = unscaledByteLength(v);
      // Fewest: n bytes hold it, n - 1 do not.
      expect(v >= -(1n << BigInt(8 * n - 1)) && v < 1n << BigInt(8 * n - 1), String(v)).toBe(true);
      if (n > 1) expect(v >= -(1n << BigInt(8 * n - 9)) && v < 1n << BigInt(8 * n - 9), String(v)).toBe(false);
      for (const width of [n, 16]) {
        const big = new Uint8Array(width + 2);
        writeUnscaledBytes(big, 1, v, width);
        expect(unscaledFromBytes(big.subarray(1, 1 + width)), String(v)).toBe(v);
        if (v > -(2n ** 53n) && v < 2n ** 53n) {
          expect(unscaledByteLength(Number(v))).toBe(n);
          const small = new Uint8Array(width + 2);
          writeUnscaledBytes(small, 1, Number(v), width);
          expect(small, String(v)).toEqual(big);
        }
      }
    }
  });
});
