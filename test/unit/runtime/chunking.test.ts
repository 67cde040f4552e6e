import { describe, expect, it } from 'vitest';
import { ProducerFencedError } from '../../../src/runtime/client/api.ts';
import { chunkBySize } from '../../../src/runtime/client/chunks.ts';
import { translateError } from '../../../src/runtime/client/platformatic/producer.ts';
import { FatalRuntimeError } from '../../../src/runtime/errors.ts';

describe('chunkBySize', () => {
  it('keeps order and bounds each chunk', () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ topic: 't', key: Buffer.from(`k${i}`), value: Buffer.alloc(1000) }));
    const chunks = chunkBySize(records, 100_000);
    expect(chunks.flat()).toEqual(records);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(100);
  });

  it('puts an oversize record in a chunk of its own rather than dropping it', () => {
    const small = (i: number) => ({ topic: 't', key: null, value: Buffer.alloc(100 + i) });
    const big = { topic: 't', key: null, value: Buffer.alloc(5000) };
    const chunks = chunkBySize([small(1), small(2), big, small(3)], 1000);
    expect(chunks).toEqual([[small(1), small(2)], [big], [small(3)]]);
  });
});

describe('translateError', () => {
  it('finds fencing wrapped in the client\'s retries', () => {
    const inner = Object.assign(new Error('epoch'), { apiId: 'PRODUCER_FENCED' });
    const wrapped = new AggregateError([new Error('timeout'), inner], 'produce failed 3 times');
    expect(translateError(wrapped, 'app-0_1')).toBeInstanceOf(ProducerFencedError);
    expect(translateError(Object.assign(new Error('x'), { apiId: 'NOT_LEADER_OR_FOLLOWER' }), 'app-0_1')).not.toBeInstanceOf(ProducerFencedError);
  });

  it('makes a record over the broker\'s limit fatal', () => {
    const error = translateError(new Error('failed', { cause: Object.assign(new Error('too large'), { apiId: 'MESSAGE_TOO_LARGE' }) }), 'app');
    expect(error).toBeInstanceOf(FatalRuntimeError);
  });
});
