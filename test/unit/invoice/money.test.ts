import { describe, expect, it } from 'vitest';
import { parseJsonExact } from '../../../src/invoice/json.ts';
import { compareDecimal, formatUnscaled, multiply, normalize, parseDecimal, parseUnscaled, roundToScale } from '../../../src/values/decimal.ts';
import { minorUnits } from '../../../src/invoice/currency.ts';

const dec = (s: string) => {
  const d = parseDecimal(s);
  if (!d) throw new Error(s);
  return d;
};

describe('money', () => {
  it('parses decimal text exactly, with exponents, and normalizes trailing zeros', () => {
    expect(dec('4750.00')).toEqual({ units: 4750n, scale: 0 });
    expect(dec('4792.650000000000001')).toEqual({ units: 4792650000000000001n, scale: 15 });
    expect(dec('1e3')).toEqual({ units: 1000n, scale: 0 });
    expect(dec('-1.5E-2')).toEqual({ units: -15n, scale: 3 });
    for (const bad of ['', '+1', '.5', '5.', '1,5', ' 1', 'NaN', '0x10', '1e999']) expect(parseDecimal(bad)).toBeUndefined();
  });

  it('reads JSON numbers from their source text, never through a double', () => {
    const v = parseJsonExact('{"amount": 4792.650000000000001, "lines": [{"quantity": 2, "unit_price": 0.1}], "n": 1.5}') as Record<string, unknown>;
    expect(v.amount).toBe('4792.650000000000001');
    expect(v.lines).toEqual([{ quantity: '2', unit_price: '0.1' }]);
    expect(v.n).toBe(1.5);
    expect((parseJsonExact('{"amount":"12.34"}') as Record<string, unknown>).amount).toBe('12.34');
  });

  it('rounds half away from zero', () => {
    expect(roundToScale(dec('2.345'), 2)).toBe(235n);
    expect(roundToScale(dec('-2.345'), 2)).toBe(-235n);
    expect(roundToScale(dec('2.3449'), 2)).toBe(234n);
    expect(roundToScale(dec('100.5'), 0)).toBe(101n);
    expect(roundToScale(dec('7'), 3)).toBe(7000n);
    // 3 × 1114.3645 = 3343.0935 → 3343.09; × 0.19 = 635.1871 → 635.19 (conformance inv_ord_1_0000219)
    const net = roundToScale(multiply(dec('3'), dec('1114.3645')), 2);
    expect(net + roundToScale(multiply({ units: net, scale: 2 }, dec('0.19')), 2)).toBe(397828n);
  });

  it('formats minor units at the currency scale', () => {
    expect(formatUnscaled(123456n, 2)).toBe('1234.56');
    expect(formatUnscaled(-5n, 3)).toBe('-0.005');
    expect(formatUnscaled(42n, 0)).toBe('42');
    expect(parseUnscaled('1234.56', 2)).toBe(123456n);
    expect(compareDecimal(dec('0'), dec('0.00'))).toBe(0);
  });

  it('knows ISO 4217 minor units', () => {
    expect(minorUnits('JPY')).toBe(0);
    for (const c of ['BHD', 'JOD', 'KWD', 'OMR', 'TND']) expect(minorUnits(c)).toBe(3);
    expect(minorUnits('EUR')).toBe(2);
    expect(minorUnits('CLF')).toBe(4);
    for (const c of ['XXX', 'XAU', 'XTS', 'usd', 'EURO', '']) expect(minorUnits(c)).toBeUndefined();
  });
});

describe('long decimal text', () => {
  // Trailing zeros were dropped one division at a time: quadratic in their number (issue 13: a
  // valid amount with 80,000 zeros took seconds per record). Under the 1 MiB input limit now.
  it('reads an amount with hundreds of thousands of trailing or leading zeros exactly', () => {
    expect(parseDecimal(`12.5${'0'.repeat(300_000)}`)).toEqual({ units: 125n, scale: 1 });
    expect(parseDecimal(`-${'0'.repeat(300_000)}7.${'0'.repeat(300_000)}`)).toEqual({ units: -7n, scale: 0 });
    expect(parseDecimal(`0.${'0'.repeat(300_000)}1`)).toEqual({ units: 1n, scale: 300_001 });
    expect(normalize({ units: 10n ** 300_000n, scale: 300_000 })).toEqual({ units: 1n, scale: 0 });
    expect(normalize({ units: -1200n, scale: 1 })).toEqual({ units: -120n, scale: 0 });
    expect(normalize({ units: 0n, scale: 5 })).toEqual({ units: 0n, scale: 0 });
  });
});
