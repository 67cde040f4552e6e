// Exact money and time conversions of the Delta writer.
import { describe, expect, it } from 'vitest';
import { dateToDays, decimalByteLength, decimalToUnscaled, microsToTimestamp, parseDecimalType, timestampToMicros } from '../../../src/sinks/delta/values.ts';
import { formatDate as daysToDate } from '../../../src/values/time.ts';

describe('decimal encoding', () => {
  it('converts decimal text to the unscaled integer without floating point', () => {
    expect(decimalToUnscaled('3978.28', 18, 2)).toBe(397828n);
    expect(decimalToUnscaled('0.1', 18, 2)).toBe(10n);
    expect(decimalToUnscaled('-0.01', 18, 2)).toBe(-1n);
    expect(decimalToUnscaled('12', 18, 2)).toBe(1200n);
    expect(decimalToUnscaled('1.500', 18, 2)).toBe(150n); // trailing zeros are not precision loss
    // 0.1 + 0.2 style values and values beyond 2^53 stay exact
    expect(decimalToUnscaled('9007199254740993.07', 38, 2)).toBe(900719925474099307n);
    expect(decimalToUnscaled('99999999999999999999999999999999.999999', 38, 6)).toBe(99999999999999999999999999999999999999n);
  });

  it('rejects more fractional digits than the scale, too many digits, and junk', () => {
    expect(() => decimalToUnscaled('1.005', 18, 2)).toThrow(/fractional/);
    expect(() => decimalToUnscaled('1234', 4, 2)).toThrow(/precision/);
    expect(() => decimalToUnscaled('1e30', 18, 2)).toThrow(/precision/);
    expect(() => decimalToUnscaled('', 18, 2)).toThrow(/not a decimal/);
    // The decimal spelling is src/values/decimal.ts's, the domain's: exponents yes, '+' or blanks no.
    expect(decimalToUnscaled('1e3', 18, 2)).toBe(100000n);
    for (const bad of ['+1', ' 1', '1.', '.5', 'NaN']) expect(() => decimalToUnscaled(bad, 18, 2)).toThrow(/not a decimal/);
  });

  it('sizes FIXED_LEN_BYTE_ARRAY decimals as Spark does', () => {
    expect(decimalByteLength(9)).toBe(4);
    expect(decimalByteLength(18)).toBe(8);
    expect(decimalByteLength(38)).toBe(16);
  });

  it('parses decimal types', () => {
    expect(parseDecimalType('decimal(18,2)')).toEqual({ precision: 18, scale: 2 });
    expect(parseDecimalType('string')).toBeUndefined();
    expect(() => parseDecimalType('decimal(39,2)')).toThrow();
  });
});

describe('dates and timestamps', () => {
  it('maps dates to epoch days and back, rejecting impossible dates', () => {
    expect(dateToDays('1970-01-01')).toBe(0);
    expect(dateToDays('1969-12-31')).toBe(-1);
    expect(daysToDate(dateToDays('2024-02-29'))).toBe('2024-02-29');
    expect(() => dateToDays('2023-02-29')).toThrow();
    expect(() => dateToDays('2024-2-1')).toThrow();
  });

  it('maps RFC 3339 timestamps to UTC microseconds, offsets included', () => {
    expect(timestampToMicros('1970-01-01T00:00:00Z')).toBe(0n);
    expect(timestampToMicros('2024-01-01T00:00:00.123456Z')).toBe(1704067200123456n);
    expect(timestampToMicros('2024-01-01T01:00:00+01:00')).toBe(1704067200000000n);
    expect(timestampToMicros('1969-12-31T23:59:59.999999Z')).toBe(-1n);
    // The rule of src/values/time.ts, the pipeline's: digits past the microsecond are truncated.
    expect(timestampToMicros('2024-01-01T00:00:00.1234567Z')).toBe(1704067200123456n);
    expect(() => timestampToMicros('2024-01-01 00:00:00Z')).toThrow(/RFC 3339/);
    expect(() => timestampToMicros('2024-02-30T00:00:00Z')).toThrow();
    expect(() => timestampToMicros('2024-01-01')).toThrow();
  });

  it('formats microseconds as RFC 3339 UTC, millisecond form when exact', () => {
    expect(microsToTimestamp(1704067200123456n)).toBe('2024-01-01T00:00:00.123456Z');
    expect(microsToTimestamp(1704067200123000n)).toBe('2024-01-01T00:00:00.123Z');
    expect(microsToTimestamp(-1n)).toBe('1969-12-31T23:59:59.999999Z');
  });

  it('reads years 0000-0099 as themselves (not 19xx), dates and timestamps alike', () => {
    expect(dateToDays('0099-03-01')).toBe(-683_309); // Date.parse of the ISO text agrees
    expect(daysToDate(dateToDays('0099-03-01'))).toBe('0099-03-01');
    expect(daysToDate(dateToDays('0000-02-29'))).toBe('0000-02-29');
    expect(() => dateToDays('0100-02-29')).toThrow(/calendar/);
    expect(timestampToMicros('0050-01-01T00:00:00Z')).toBe(BigInt(dateToDays('0050-01-01')) * 86_400_000_000n);
    expect(timestampToMicros('0050-01-01T01:00:00+01:00')).toBe(BigInt(dateToDays('0050-01-01')) * 86_400_000_000n);
    expect(microsToTimestamp(timestampToMicros('0099-12-31T23:59:59.5Z'))).toBe('0099-12-31T23:59:59.500Z');
    expect(() => timestampToMicros('0099-02-29T00:00:00+00:00')).toThrow();
  });
});
