// The streaming `occurred_at` reader must agree with parsing the whole value (strict UTF-8 +
// JSON.parse + the last top-level `occurred_at` string), however the bytes are cut into pieces:
// the replay merges a line read in pieces by it, and a different answer would change the order.
import { describe, expect, it } from 'vitest';
import { occurredAtMillis } from '../../../src/invoice/event-time.ts';
import { OccurredAtScanner } from '../../../src/invoice/occurred-at-scanner.ts';
import { rng as random } from '../../../bench/lib.ts';

function scan(bytes: Buffer, cuts: readonly number[] = []): number | undefined {
  const scanner = new OccurredAtScanner();
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.write(bytes.subarray(from, Math.max(from, Math.min(cut, bytes.length))));
    from = Math.max(from, Math.min(cut, bytes.length));
  }
  return scanner.end();
}


const BASES = [
  '{"event_id":"e1","occurred_at":"2026-01-05T10:51:54.897123+01:00","lines":[{"q":1.5e-3,"p":-0}],"ok":true,"n":null,"f":false}',
  '{"occurred_at":"2026-01-05T10:51:54Z","occurred_at":"2026-02-05T10:51:54Z"}',
  '{"occurred_at":"2026-01-05T10:51:54Z","occurred_at":7}',
  '{"occurred\\u005fat":"2026-01-05T10:51:54Z"}',
  '{"occurred_at":"2026\\u002d01-05T10:51:54.1234567890123456789Z"}',
  '{"occurred_at":"2026-01-05T10:51:54.12345678901234567890123456789012345678901234567890123456789+05:30"}',
  '{"occurred_at":"9999-12-31T23:59:59.999999Z"}',
  '{"occurred_at":"0001-01-01T00:00:00Z"}',
  '{"a":{"occurred_at":"2026-01-05T10:51:54Z"},"b":[{"occurred_at":"x"}],"occurred_at":"2026-03-05t10:51:54z"}',
  ' \t\r\n{ "occurred_at" : "2026-01-05T10:51:54Z" , "x" : [ [ ] , { } , "é€😀" ] } \r\n',
  '{"pad":"\\"\\\\\\/\\b\\f\\n\\r\\t\\ud83d\\ude00","occurred_at":"2026-01-05T10:51:54Z"}',
  '[{"occurred_at":"2026-01-05T10:51:54Z"}]',
  '"2026-01-05T10:51:54Z"',
  '{"n":[0,-1,12.5,1e10,1E+2,1e-2,-0.0e0],"occurred_at":"2026-01-05T10:51:54Z"}',
];

// Characters that break or bend JSON in interesting places.
const NOISE = ['{', '}', '[', ']', '"', '\\', ':', ',', ' ', '0', '1', '-', '.', 'e', '+', 't', 'n', 'u', 'x', '\u0001', '\n', '\uFEFF', 'é', '😀', '"occurred_at":', '"2026-01-05T10:51:54Z"'];

describe('OccurredAtScanner', () => {
  it('agrees with parsing the whole value on hand-written edge cases, cut anywhere', () => {
    const cases = [
      ...BASES, '', ' ', '{}', '{"occurred_at":"2026-01-05T10:51:54Z"', '{"occurred_at":"2026-01-05T10:51:54Z"}x',
      '{"occurred_at":"2026-01-05T10:51:54Z",}', '{"a":01,"occurred_at":"2026-01-05T10:51:54Z"}', '{"a":1.,"occurred_at":"2026-01-05T10:51:54Z"}',
      '{"a":-,"occurred_at":"2026-01-05T10:51:54Z"}', '{"a":1e,"occurred_at":"2026-01-05T10:51:54Z"}', '{"a":tru,"occurred_at":"2026-01-05T10:51:54Z"}',
      '{"a":"\u0001","occurred_at":"2026-01-05T10:51:54Z"}', '{"a":"\\x","occurred_at":"2026-01-05T10:51:54Z"}', '{"a":"\\u12g4","occurred_at":"2026-01-05T10:51:54Z"}',
      '\uFEFF{"occurred_at":"2026-01-05T10:51:54Z"}', '{"occurred_at":"2026-01-05T10:51:54Z"]', '{"a":[}],"occurred_at":"2026-01-05T10:51:54Z"}',
      '{"occurred_at":"2026-01-05T10:51:54.Z"}', '{"occurred_at":"2026-01-05T10:51:54.1234567a"}', '{"occurred_atx":"2026-01-05T10:51:54Z"}',
    ];
    for (const text of cases) {
      const bytes = Buffer.from(text, 'utf8');
      const expected = occurredAtMillis(bytes);
      for (let cut = 0; cut <= bytes.length; cut++) expect(scan(bytes, [cut]), `${JSON.stringify(text)} cut at ${cut}`).toBe(expected);
    }
  });

  it('agrees on bytes that are not UTF-8, cut inside a character or not', () => {
    const good = Buffer.from('{"x":"é😀","occurred_at":"2026-01-05T10:51:54Z"}', 'utf8');
    const cases = [good, Buffer.concat([good.subarray(0, 7), Buffer.from([0xff]), good.subarray(7)]), good.subarray(0, 8), Buffer.concat([good.subarray(0, 8), good.subarray(9)])];
    for (const bytes of cases) {
      for (let cut = 0; cut <= bytes.length; cut++) expect(scan(bytes, [cut])).toBe(occurredAtMillis(bytes));
    }
  });

  it('agrees on 20,000 random mutations of records, cut into random pieces', () => {
    const next = random(13);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    let readable = 0;
    for (let n = 0; n < 20_000; n++) {
      let text = pick(BASES);
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(next() * (text.length + 1));
        const kind = next();
        if (kind < 0.4) text = text.slice(0, at) + text.slice(at + 1);
        else if (kind < 0.8) text = text.slice(0, at) + pick(NOISE) + text.slice(at);
        else text = text.slice(0, at) + pick(NOISE) + text.slice(at + 1);
      }
      const bytes = Buffer.from(text, 'utf8');
      const cuts = Array.from({ length: Math.floor(next() * 4) }, () => Math.floor(next() * bytes.length)).sort((a, b) => a - b);
      const expected = occurredAtMillis(bytes);
      if (expected !== undefined) readable++;
      expect(scan(bytes, cuts), `${JSON.stringify(text)} cut at ${cuts.join(',')}`).toBe(expected);
    }
    expect(readable).toBeGreaterThan(1_000); // the mutations keep enough records readable to compare
  });

  it('reads nesting deeper than a call stack, and a value far past the size limit in pieces', () => {
    const deep = Buffer.from(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)},"occurred_at":"2026-01-05T10:51:54Z"}`);
    expect(scan(deep, [50_000, 100_001])).toBe(Date.UTC(2026, 0, 5, 10, 51, 54));
    const scanner = new OccurredAtScanner();
    scanner.write(Buffer.from('{"event_id":"big","occurred_at":"2026-01-05T10:51:54Z","pad":"'));
    const block = Buffer.alloc(1 << 20, 'x');
    for (let i = 0; i < 8; i++) scanner.write(block);
    scanner.write(Buffer.from('"}'));
    expect(scanner.end()).toBe(Date.UTC(2026, 0, 5, 10, 51, 54));
  });
});
