import { createRecordsBatch, readRecordsBatch, Reader, type MessageRecord } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import { ProducerFencedError, type OutgoingRecord } from '../../../src/runtime/client/api.ts';
import { chunkBySize } from '../../../src/runtime/client/chunks.ts';
import { TIMESTAMP_SPAN_MS, translateError } from '../../../src/runtime/client/platformatic/producer.ts';
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

describe('chunkBySize: timestamp span', () => {
  const DAY = 86_400_000;
  const at = (topic: string, ms: number | undefined): OutgoingRecord => ({ topic, key: Buffer.from('k'), value: Buffer.from('v'), ...(ms === undefined ? {} : { timestamp: ms }) });
  // Timestamps as the client stores them: one batch per partition of a send, each record a delta to the first.
  const roundTrip = (records: readonly OutgoingRecord[]): number[] => {
    const messages: MessageRecord[] = records.map((r) => ({ topic: r.topic, partition: 0, key: r.key as Buffer, value: r.value as Buffer, timestamp: BigInt(r.timestamp as number) }));
    const batch = readRecordsBatch(Reader.from(createRecordsBatch(messages).buffer));
    return batch.records.map((r) => Number(batch.firstTimestamp + r.timestampDelta));
  };

  it('the client writes a timestamp 2^31 ms or more from its batch\'s first one wrong (@platformatic/dynamic-buffer 0.3.1)', () => {
    // The invoice chaos test's case: an overdue at the clock (07-02) in a batch that began 05-24.
    const first = Date.parse('2026-05-24T01:02:06.894Z');
    const overdue = Date.parse('2026-07-02T01:04:15.182Z');
    expect(roundTrip([at('t', first), at('t', overdue)])).toEqual([first, Date.parse('2026-04-15T00:59:58.605Z')]);
  });

  it('keeps one topic\'s timestamps of a send within the span, so each batch is stored as sent', () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    const records = [at('a', base), at('b', base + 100 * DAY), at('a', base + 10 * DAY), at('a', base + 30 * DAY), at('a', base - 1 * DAY), at('b', base + 101 * DAY), at('a', base + 200 * DAY)];
    const chunks = chunkBySize(records, undefined, TIMESTAMP_SPAN_MS);
    // Each topic's (here: partition's) order is kept; b's second record joins its first in chunk 0.
    for (const topic of ['a', 'b']) expect(chunks.flat().filter((r) => r.topic === topic)).toEqual(records.filter((r) => r.topic === topic));
    expect(chunks.map((c) => c.length)).toEqual([4, 1, 1, 1]); // 12.4 days from the first of a's batch
    for (const chunk of chunks) {
      for (const topic of ['a', 'b']) {
        const mine = chunk.filter((r) => r.topic === topic);
        if (mine.length > 0) expect(roundTrip(mine)).toEqual(mine.map((r) => r.timestamp));
      }
    }
    // Without the span: one send, and topic a's batch comes back wrong.
    const whole = records.filter((r) => r.topic === 'a');
    expect(roundTrip(whole)).not.toEqual(whole.map((r) => r.timestamp));
  });

  it('bounds each partition on its own: one partition jumping back and forth does not split the others', () => {
    const base = Date.parse('2026-01-01T00:00:00Z');
    const on = (partition: number, ms: number): OutgoingRecord => ({ topic: 't', partition, key: null, value: Buffer.from('v'), timestamp: ms });
    const records: OutgoingRecord[] = [];
    for (let i = 0; i < 6; i++) records.push(on(0, base + (i % 2) * 90 * DAY), on(1, base + i * 1000));
    const chunks = chunkBySize(records, undefined, TIMESTAMP_SPAN_MS);
    expect(chunks.length).toBe(6); // partition 0 needs a chunk per jump
    expect(chunks[0]?.filter((r) => r.partition === 1)).toEqual(records.filter((r) => r.partition === 1)); // partition 1 stays in one
    for (const p of [0, 1]) expect(chunks.flat().filter((r) => r.partition === p)).toEqual(records.filter((r) => r.partition === p));
    for (const chunk of chunks) {
      const mine = chunk.filter((r) => r.partition === 0);
      if (mine.length > 0) expect(roundTrip(mine)).toEqual(mine.map((r) => r.timestamp));
    }
  });

  it('counts a record without a timestamp as now (the client stamps it so)', () => {
    const old = Date.now() - 90 * DAY;
    expect(chunkBySize([at('t', old), at('t', undefined), at('t', old)], undefined, TIMESTAMP_SPAN_MS).map((c) => c.length)).toEqual([1, 1, 1]);
    expect(chunkBySize([at('t', old), at('t', undefined)]).map((c) => c.length)).toEqual([2]);
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
