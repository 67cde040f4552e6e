// A Kafka client for fault injection: the runtime's real client underneath, with faults a test
// switches on at chosen points. The runtime sees only the KafkaClient seam (src/runtime/client/api.ts),
// so what it does with a fault is what it would do with the same failure from a real broker.
import type { GroupConsumer, GroupConsumerOptions, KafkaClient, TransactionalProducer } from '../../../src/runtime/client/api.ts';

/** What a fault hook is told about a transaction of a transactional producer. */
export interface TransactionPoint {
  /** The producer's transactional id (the runtime's: `<application.id>-<instanceId>`). */
  transactionalId: string;
  /** 1 for the producer's first commit, 2 for its second, ... */
  commit: number;
}

/** The faults to inject; each hook is asked at its point and may throw, wait, or act elsewhere. */
export interface Faults {
  /** Batches of the matching topics are swallowed (never reach the runtime) while this returns true. */
  dropBatches?(topic: string): boolean;
  /** Before a producer sends its records (may throw: a produce error). */
  beforeSend?(point: TransactionPoint): Promise<void> | void;
  /** Before a producer commits (may wait past the transaction timeout, or fence it). */
  beforeCommit?(point: TransactionPoint): Promise<void> | void;
  /** The transaction timeout to give a producer (default: what the runtime asks for). */
  transactionTimeoutMs?(transactionalId: string): number | undefined;
}

/** `inner` with `faults` applied. */
export function faultyClient(inner: KafkaClient, faults: Faults): KafkaClient {
  return {
    admin: () => inner.admin(),
    producer: () => inner.producer(),
    partitionReader: () => inner.partitionReader(),
    transactionalProducer: (id, timeout) => faultyProducer(inner.transactionalProducer(id, faults.transactionTimeoutMs?.(id) ?? timeout), id, faults),
    groupConsumer: (options: GroupConsumerOptions) => faultyConsumer(inner.groupConsumer(options), faults),
  };
}

function faultyProducer(inner: TransactionalProducer, transactionalId: string, faults: Faults): TransactionalProducer {
  let commits = 0;
  return {
    init: () => inner.init(),
    begin: () => inner.begin(),
    encode: (records) => inner.encode(records),
    async send(records) {
      await faults.beforeSend?.({ transactionalId, commit: commits + 1 });
      return inner.send(records);
    },
    sendOffsets: (group, offsets) => inner.sendOffsets(group, offsets),
    async commit() {
      commits++;
      await faults.beforeCommit?.({ transactionalId, commit: commits });
      return inner.commit();
    },
    abort: () => inner.abort(),
    inTransaction: () => inner.inTransaction(),
    close: () => inner.close(),
  };
}

function faultyConsumer(consumer: GroupConsumer, faults: Faults): GroupConsumer {
  return {
    pause: (topic, partitions) => consumer.pause(topic, partitions),
    resume: (topic, partitions) => consumer.resume(topic, partitions),
    commitOffsets: (offsets) => consumer.commitOffsets(offsets),
    seek: (topic, partition, offset) => consumer.seek(topic, partition, offset),
    close: () => consumer.close(),
    run: (handlers) => consumer.run({
      ...handlers,
      onBatch: async (batch, control) => {
        if (batch.records.length > 0 && faults.dropBatches?.(batch.topic)) return;
        return handlers.onBatch(batch, control);
      },
    }),
  };
}
