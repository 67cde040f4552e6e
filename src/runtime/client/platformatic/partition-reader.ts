// Assign-mode reading (no consumer group) for changelog restoration: Fetch requests to the
// partition's leader, read_committed (`raw-fetch.ts`, `fetched.ts`); metadata through a Consumer
// that never joins its group.
import { Consumer } from '@platformatic/kafka';
import type { PartitionReader, RecordList } from '../api.ts';
import type { PlatformaticBase } from './connection.ts';
import { readPartition } from './fetched.ts';
import { metadataFor } from './offsets.ts';
import { RawFetcher } from './raw-fetch.ts';

const READ_COMMITTED = 1;
/** Empty fetches in a row below the end offset before giving up (~60 s at 200 ms each). */
const MAX_IDLE_ROUNDS = 300;

/** A reader sharing one connection pool for every partition it reads. */
export function createPartitionReader(base: PlatformaticBase, maxBytes = 16 * 1024 * 1024): PartitionReader {
  // A group id is required by the class; this consumer never joins nor commits.
  const consumer = new Consumer({ ...base.options('restore'), groupId: `${base.connection.clientId}-restore` });
  const fetcher = new RawFetcher(base);
  return {
    async read(topic, partition, fromOffset, toOffset, onRecords: (records: RecordList) => void | Promise<void>): Promise<number> {
      let next = fromOffset;
      let idleRounds = 0;
      let refresh = false;
      while (next < toOffset) {
        const metadata = await metadataFor(consumer, [topic], refresh);
        const meta = metadata.topics.get(topic);
        const leader = meta?.partitions[partition]?.leader;
        if (!meta || leader === undefined || leader < 0) {
          refresh = true;
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const response = await fetcher.fetch(metadata, leader, {
          maxWaitMs: 200,
          maxBytes,
          isolationLevel: READ_COMMITTED,
          topics: [{ topic, partitions: [{ partition, offset: next, maxBytes }] }],
        });
        const data = response.responses.find((r) => r.topicId === topic)?.partitions.find((p) => p.partitionIndex === partition);
        if (!data) continue;
        if (data.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${next}: error code ${data.errorCode}`);
        refresh = false;
        const read = readPartition(topic, partition, next, data.records, data.abortedTransactions);
        if (read.nextOffset <= next) {
          // Nothing readable yet below toOffset: a transaction marker not yet written, or an
          // open transaction holding the last stable offset back. Wait, bounded.
          if (++idleRounds > MAX_IDLE_ROUNDS) throw new Error(`restore of ${topic}-${partition} stuck at ${next} (end ${toOffset})`);
          continue;
        }
        idleRounds = 0;
        next = read.nextOffset;
        if (read.records.length > 0) await onRecords(read.records);
      }
      return next;
    },
    async close() {
      await fetcher.close();
      await consumer.close(true);
    },
  };
}
