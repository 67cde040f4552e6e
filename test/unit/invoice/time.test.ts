// Event time as RFC 3339 writes it: any four-digit year (no Date.UTC quirk for 0–99), offsets, and
// instants an offset pushes out of years 0000–9999 (unreadable, as no UTC timestamp could write them).
import { describe, expect, it } from 'vitest';
import { pad, unpad } from '../../../src/invoice/stores.ts';
import { formatDate, formatTimestamp, MAX_DAY, parseDate, parseTimestamp } from '../../../src/values/time.ts';

describe('UTC time', () => {
  it('reads years 0000–0099 as themselves, in timestamps and dates', () => {
    for (const text of ['0099-03-01T10:00:00Z', '0000-01-01T00:00:00Z', '0050-02-28T23:59:59.5+00:00']) {
      const micros = parseTimestamp(text) as number;
      expect(formatTimestamp(micros).slice(0, 10)).toBe(text.slice(0, 10));
    }
    expect(formatDate(parseDate('0050-01-01') as number)).toBe('0050-01-01');
    expect(parseDate('0100-02-29')).toBeUndefined(); // 100 is not a leap year
    expect(formatDate(parseDate('0400-02-29') as number)).toBe('0400-02-29');
  });

  it('never reads an empty or blank timestamp, in a fresh process or after formatting', () => {
    // Once read as 1970 through a round-trip memo of formatted texts (oracle finding F6/F7); the
    // parser keeps no state now, and this stays as the regression test.
    expect(parseTimestamp('')).toBeUndefined();
    formatTimestamp(1_767_225_600_000_000);
    expect(parseTimestamp('')).toBeUndefined();
    expect(parseTimestamp(' ')).toBeUndefined();
  });

  it('applies offsets, and refuses instants an offset moves out of 0000–9999', () => {
    expect(formatTimestamp(parseTimestamp('2026-01-01T01:30:00+02:00') as number)).toBe('2025-12-31T23:30:00.000000Z');
    expect(parseTimestamp('9999-12-31T23:00:00-05:00')).toBeUndefined();
    expect(parseTimestamp('0000-01-01T00:30:00+01:00')).toBeUndefined();
    expect(formatTimestamp(parseTimestamp('9999-12-31T23:59:59Z') as number)).toBe('9999-12-31T23:59:59.000000Z');
    // A double cannot hold this instant: it would round to year 10000, so it is refused.
    expect(parseTimestamp('9999-12-31T23:59:59.999999Z')).toBeUndefined();
    expect(formatDate(MAX_DAY)).toBe('9999-12-31');
  });

  it('pads keys so that text order is numeric order, before 1970 too', () => {
    const days = [-719_468, -5, -2, -1, 0, 1, 20_000, MAX_DAY];
    const keys = days.map((d) => pad(d, 7));
    expect([...keys].sort()).toEqual(keys);
    expect(keys.map(unpad)).toEqual(days);
    // Microseconds across years 0000–9999: the usual 17 digits, and the wider forms past either end.
    const micros = [-62_167_219_200_000_000, -10_000_000_000_000_000, -9_000_000_000_000_000, -1, 0, 1_767_571_204_984_000, 100_000_000_000_000_000, 253_402_300_799_000_000];
    const microKeys = micros.map((m) => pad(m));
    expect([...microKeys].sort()).toEqual(microKeys);
    expect(microKeys.map(unpad)).toEqual(micros);
  });
});
