import { describe, expect, it } from 'vitest';
import { chunkBySize } from '../../../src/runtime/client/chunks.ts';
import { isFencing } from '../../../src/runtime/client/kafkajs/convert.ts';

describe('chunkBySize', () => {
  it('keeps order and bounds each chunk', () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ topic: 't', key: Buffer.from(`k${i}`), value: Buffer.alloc(1000) }));
    const chunks = chunkBySize(records, 100_000);
    expect(chunks.flat()).toEqual(records);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(100);
  });

  it('puts an oversize record alone rather than dropping it', () => {
    const chunks = chunkBySize([{ topic: 't', key: null, value: Buffer.alloc(5000) }], 1000);
    expect(chunks).toHaveLength(1);
  });
});

describe('isFencing', () => {
  it('finds a fencing error wrapped in retries', () => {
    const inner = Object.assign(new Error('epoch'), { type: 'INVALID_PRODUCER_EPOCH' });
    expect(isFencing(new Error('retries exceeded', { cause: inner }))).toBe(true);
    expect(isFencing(Object.assign(new Error('x'), { type: 'NOT_LEADER_FOR_PARTITION' }))).toBe(false);
  });
});
