import { describe, expect, it } from 'vitest';
import { filterAbortedMessages } from '../../../src/runtime/client/kafkajs/kafkajs-fixes.ts';

const ABORT = Buffer.from([0, 0, 0, 0]);
const COMMIT = Buffer.from([0, 0, 0, 1]);
const msg = (offset: number, producerId: string, key: Buffer | null = Buffer.from('k')) => ({ offset: String(offset), key, batchContext: { producerId, inTransaction: true } });

describe('filterAbortedMessages (read_committed)', () => {
  it('drops interleaved aborted transactions of several producers, keeps the committed one', () => {
    // p1 and p2 abort, p3 commits, all interleaved in one partition; the broker lists aborted
    // transactions in abort-marker order, not by first offset (kafkajs 2.2.4 leaked offset 10).
    const messages = [msg(10, 'p1'), msg(11, 'p2'), msg(12, 'p3'), msg(13, 'p1'), msg(14, 'p2'), msg(15, 'p1', ABORT), msg(16, 'p2', ABORT), msg(17, 'p3', COMMIT)];
    const kept = filterAbortedMessages({ messages, abortedTransactions: [{ producerId: 'p2', firstOffset: '11' }, { producerId: 'p1', firstOffset: '10' }] });
    expect(kept.map((m) => Number(m.offset))).toEqual([12, 15, 16, 17]);
  });

  it('drops aborted records when the transactions began before the fetch offset', () => {
    // kafkajs 2.2.4 activates one aborted transaction per record: p2's record at 100 leaked.
    const messages = [msg(100, 'p2'), msg(101, 'p1'), msg(102, 'p1', ABORT), msg(103, 'p2', ABORT), msg(104, 'p1')];
    const kept = filterAbortedMessages({ messages, abortedTransactions: [{ producerId: 'p1', firstOffset: '90' }, { producerId: 'p2', firstOffset: '95' }] });
    // 104 is p1's next transaction, after its abort marker: kept.
    expect(kept.map((m) => Number(m.offset))).toEqual([102, 103, 104]);
  });

  it('passes everything through when nothing was aborted', () => {
    const messages = [msg(1, 'p1'), msg(2, 'p1', COMMIT)];
    expect(filterAbortedMessages({ messages, abortedTransactions: [] })).toEqual(messages);
  });
});
