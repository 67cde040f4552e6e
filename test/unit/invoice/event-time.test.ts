// Event time of raw input lines: occurred_at in epoch ms (µs kept as a fraction), undefined when the
// line has none that can be read, never an exception (bad lines are validation's to dead-letter).
import { describe, expect, it } from 'vitest';
import { occurredAtMillis } from '../../../src/invoice/event-time.ts';

const line = (text: string) => Buffer.from(text, 'utf8');

describe('occurredAtMillis', () => {
  it('reads occurred_at with its offset and microseconds', () => {
    expect(occurredAtMillis(line('{"occurred_at":"2026-01-05T10:51:54.897123+01:00"}'))).toBe(Date.UTC(2026, 0, 5, 9, 51, 54, 897) + 0.123);
  });

  it('is undefined for lines with no readable occurred_at', () => {
    for (const bad of ['not json at all', '[1,2]', '{"occurred_at":42}', '{"occurred_at":"yesterday"}', '{}', '']) {
      expect(occurredAtMillis(line(bad))).toBeUndefined();
    }
  });
});
