// The one RFC 3339 parser: its rule, its two representations (a double for the domain, an exact
// bigint for the Delta writer) agreeing on random inputs, and the round trip the domain relies on.
import { describe, expect, it } from 'vitest';
import { timestampToMicros } from '../../../src/sinks/delta/values.ts';
import { formatTimestamp, MICROS_PER_DAY, parseDate, parseTimestamp, parseTimestampExact } from '../../../src/values/time.ts';
import { rng } from '../../../bench/lib.ts';

const pad = (n: number, w: number) => String(n).padStart(w, '0');
const END_MICROS = (parseDate('9999-12-31') as number + 1) * MICROS_PER_DAY;

// Timestamp-like text: valid and invalid fields, fractions of any length, both zone forms, the
// years' ends, and the occasional broken character.
function randomTimestamp(r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const year = pick([0, 1, 99, 1969, 1970, 2026, 2255, 2256, 9999, Math.floor(r() * 10_000)]);
  const month = r() < 0.95 ? 1 + Math.floor(r() * 12) : pick([0, 13]);
  const day = r() < 0.9 ? 1 + Math.floor(r() * 28) : pick([0, 29, 30, 31, 32]);
  const hour = r() < 0.95 ? Math.floor(r() * 24) : 24;
  const minute = r() < 0.97 ? Math.floor(r() * 60) : 60;
  const second = r() < 0.97 ? Math.floor(r() * 60) : 60;
  const digits = Math.floor(r() * 13);
  const fraction = r() < 0.3 ? '' : `.${Array.from({ length: digits }, () => String(Math.floor(r() * 10))).join('')}`;
  const zone = r() < 0.5 ? pick(['Z', 'z']) : `${pick(['+', '-'])}${pad(Math.floor(r() * 25), 2)}:${pad(Math.floor(r() * 61), 2)}`;
  const sep = r() < 0.95 ? pick(['T', 't']) : pick([' ', 'x']);
  let text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}${sep}${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}${fraction}${zone}`;
  if (r() < 0.03) {
    const i = Math.floor(r() * text.length);
    text = text.slice(0, i) + pick(['', 'a', '.', '-', '0']) + text.slice(i + 1);
  }
  return text;
}

describe('RFC 3339: one parser, one rule', () => {
  it('truncates digits past the microsecond, takes offsets and either case of T and Z', () => {
    expect(parseTimestampExact('2024-01-01T00:00:00.1234567Z')).toBe(1704067200123456n);
    expect(parseTimestamp('2024-01-01T00:00:00.123456999999999999Z')).toBe(1704067200123456);
    expect(parseTimestampExact('2024-01-01t01:00:00+01:00')).toBe(1704067200000000n);
    expect(parseTimestampExact('2024-01-01T00:00:00.5z')).toBe(1704067200500000n);
    expect(parseTimestampExact('1969-12-31T23:59:59.999999Z')).toBe(-1n);
  });

  it('refuses what RFC 3339 does not write, and instants outside years 0000–9999', () => {
    for (const bad of ['', ' ', '2024-01-01', '2024-01-01 00:00:00Z', '2024-01-01T00:00:00', '2024-01-01T00:00:00.Z', '2024-02-30T00:00:00Z',
      '2024-01-01T24:00:00Z', '2024-01-01T00:00:60Z', '2024-01-01T00:00:00+24:00', '2024-01-01T00:00:00+0100', '2024-01-01T00:00:00Z ',
      '9999-12-31T23:00:00-05:00', '0000-01-01T00:30:00+01:00', '+2024-01-01T00:00:00Z']) {
      expect(parseTimestampExact(bad), bad).toBeUndefined();
      expect(parseTimestamp(bad), bad).toBeUndefined();
    }
  });

  it('reads dates as days since the epoch', () => {
    expect(parseDate('1970-01-01')).toBe(0);
    expect(parseDate('0000-03-01')).toBe(-719_468);
    for (const bad of ['2023-02-29', '2024-2-01', '2024-01-01T00:00:00Z', '0100-02-29', '']) expect(parseDate(bad), bad).toBeUndefined();
  });

  it('the domain (a double) and the Delta writer (exact) agree on 50,000 random timestamps', () => {
    const r = rng(3339);
    let read = 0;
    for (let k = 0; k < 50_000; k++) {
      const text = randomTimestamp(r);
      const domain = parseTimestamp(text);
      let delta: bigint | undefined;
      try {
        delta = timestampToMicros(text);
      } catch {
        delta = undefined;
      }
      if (delta === undefined) {
        expect(domain, text).toBeUndefined();
        continue;
      }
      read++;
      // The same instant, rounded to a double past 2^53 µs; the domain refuses only an instant
      // whose double would fall in year 10000.
      if (domain === undefined) expect(Number(delta) >= END_MICROS, text).toBe(true);
      else expect(domain, text).toBe(Number(delta));
    }
    expect(read).toBeGreaterThan(20_000);
  });

  it('reads back what it formats as the very same double, past 2^53 µs too, by the arithmetic and by its memo of the last text', () => {
    const r = rng(53);
    const ends = [-62_167_219_200_000_000, 0, 2 ** 53, END_MICROS - 32, 253_402_300_799_000_000];
    for (let k = 0; k < 50_000; k++) {
      const micros = k < ends.length ? ends[k] as number : Math.floor(-62_167_219_200_000_000 + r() * (END_MICROS + 62_167_219_200_000_000));
      const text = formatTimestamp(micros);
      // The text just formatted: parseTimestamp answers from the memo.
      expect(parseTimestamp(text), text).toBe(micros);
      // Another text formatted since: the arithmetic answers.
      formatTimestamp(micros === 0 ? 1 : 0);
      expect(parseTimestamp(text), text).toBe(micros);
      expect(parseTimestampExact(text), text).toBe(BigInt(micros));
    }
  });

  it('answers from the memo only what the arithmetic would: text of an instant it refuses stays refused', () => {
    // Year 10000, and a fraction of a µs: formatted (as text the rule refuses), never read back.
    for (const micros of [END_MICROS, END_MICROS + 86_400_000_000, 1.5]) {
      const text = formatTimestamp(micros);
      expect(parseTimestamp(text), text).toBeUndefined();
    }
  });
});
