// Record batches encoded before their send (src/runtime/client/platformatic/produce.ts `encode`):
// partitions chosen from the counts an earlier send's metadata gave, sequences continuing per
// partition, and a send refused for another producer identity. No broker: the send stops in its
// `beforeSend` hook, before any connection is opened.
import type { ClusterMetadata } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../../../src/runtime/client/api.ts';
import { PlatformaticBase } from '../../../src/runtime/client/platformatic/connection.ts';
import { ProduceSender, type EncodedSend } from '../../../src/runtime/client/platformatic/produce.ts';
import { partitionForBytes } from '../../../src/runtime/client/partitioner.ts';

const metadata = { topics: new Map([['out', { partitionsCount: 4, partitions: [] }]]), brokers: new Map() } as unknown as ClusterMetadata;
const identity = { producerId: 7n, producerEpoch: 2, transactionalId: 'app-a' };
const STOP = new Error('stopped before the send');

const records = (n: number): OutgoingRecord[] => Array.from({ length: n }, (_, i) => ({ topic: 'out', key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`), timestamp: 1_000 + i }));

// A batch's producer id, epoch, base sequence and record count (v2 header: 43, 51, 53, 57).
const header = (b: Buffer) => ({ producerId: b.readBigInt64BE(43), epoch: b.readInt16BE(51), baseSequence: b.readInt32BE(53), count: b.readInt32BE(57) });

describe('ProduceSender.encode', () => {
  it('encodes nothing before a send has seen the topic, then routes by its partition count and continues sequences', async () => {
    const sender = new ProduceSender(new PlatformaticBase({ brokers: ['127.0.0.1:1'], clientId: 'test' }), async () => metadata);
    expect(sender.encode(records(3), identity)).toBeUndefined();
    // The first send learns the partition count, and stops before anything goes out.
    const seen: string[] = [];
    await expect(sender.send(records(3), identity, async (partitions) => {
      seen.push(...partitions.map((p) => `${p.topic}-${p.partition}`));
      throw STOP;
    })).rejects.toBe(STOP);
    expect(seen.length).toBeGreaterThan(0);

    const batch = records(8);
    const encoded = sender.encode(batch, identity) as EncodedSend;
    expect(encoded.count).toBe(8);
    expect(encoded.rounds).toHaveLength(1);
    const expected = new Map<number, number>();
    for (const r of batch) {
      const p = partitionForBytes(r.key as Buffer, 4);
      expected.set(p, (expected.get(p) ?? 0) + 1);
    }
    expect(new Map(encoded.rounds[0]!.map((b) => [b.partition, header(b.bytes).count]))).toEqual(expected);
    // The stopped send took its sequences: this batch starts where it ended, per partition.
    const first = new Map<number, number>();
    for (const r of records(3)) {
      const p = partitionForBytes(r.key as Buffer, 4);
      first.set(p, (first.get(p) ?? 0) + 1);
    }
    for (const b of encoded.rounds[0]!) expect(header(b.bytes)).toEqual({ producerId: 7n, epoch: 2, baseSequence: first.get(b.partition) ?? 0, count: expected.get(b.partition) });
  });

  it('refuses to send batches encoded for another producer identity', async () => {
    const sender = new ProduceSender(new PlatformaticBase({ brokers: ['127.0.0.1:1'], clientId: 'test' }), async () => metadata);
    await expect(sender.send(records(1), identity, async () => {
      throw STOP;
    })).rejects.toBe(STOP);
    const encoded = sender.encode(records(2), identity) as EncodedSend;
    // A new epoch (the producer was initialized again): sequences start over, old batches are stale.
    sender.encode(records(1), { ...identity, producerEpoch: 3 });
    await expect(sender.sendEncoded(encoded)).rejects.toThrow(/encoded for producer 7 epoch 2, sent as 7 epoch 3/);
  });
});
