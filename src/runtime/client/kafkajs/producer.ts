// Producers over kafkajs: an idempotent one for at_least_once, and a transactional one per task
// for exactly_once (transactional.id = `<application.id>-<taskId>`, the EOS-alpha design).
import { Partitioners, type Kafka, type Producer, type Transaction } from 'kafkajs';
import type { OutgoingRecord, PartitionOffset, ProduceAck, RecordProducer, TransactionalProducer } from '../api.ts';
import { chunkBySize } from '../chunks.ts';
import { toAcks, toTopicMessages, translateError } from './convert.ts';

/** An idempotent producer (acks=all). */
export async function createRecordProducer(kafka: Kafka): Promise<RecordProducer> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    async send(records: readonly OutgoingRecord[]): Promise<ProduceAck[]> {
      const acks: ProduceAck[] = [];
      // One chunk after the other: concurrent sends could reorder a partition's records.
      for (const chunk of chunkBySize(records)) acks.push(...toAcks(await producer.sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 })));
      return acks;
    },
    close: () => producer.disconnect(),
  };
}

/** A transactional producer; `init` is kafkajs's InitProducerId, which fences older owners. */
export class KafkajsTransactionalProducer implements TransactionalProducer {
  readonly #producer: Producer;
  readonly #transactionalId: string;
  #transaction: Transaction | undefined;
  #connected = false;

  constructor(kafka: Kafka, transactionalId: string, transactionTimeoutMs: number) {
    this.#transactionalId = transactionalId;
    this.#producer = kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Retries of our own (task restart) are safer than kafkajs restarting a transaction.
      retry: { retries: 5 },
    });
  }

  async init(): Promise<void> {
    try {
      if (!this.#connected) await this.#producer.connect();
      this.#connected = true;
      // kafkajs initializes the producer id lazily with the first transaction: open and abort an
      // empty one so that fencing (and completion of the previous owner's transaction) happens now.
      const txn = await this.#producer.transaction();
      await txn.abort();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  async begin(): Promise<void> {
    try {
      this.#transaction = await this.#producer.transaction();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  async send(records: readonly OutgoingRecord[]): Promise<ProduceAck[]> {
    const acks: ProduceAck[] = [];
    try {
      for (const chunk of chunkBySize(records)) acks.push(...toAcks(await this.#open().sendBatch({ topicMessages: toTopicMessages(chunk), acks: -1 })));
      return acks;
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  async sendOffsets(groupId: string, offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push({ partition: o.partition, offset: String(o.offset) });
    }
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    // kafkajs sends AddOffsetsToTxn once, unretried. In a transaction with no records it is the
    // first request after the previous EndTxn, and the coordinator answers CONCURRENT_TRANSACTIONS
    // while it still writes that transaction's markers: a retriable answer (the Java producer
    // retries it) that failed the task and aborted its transaction in clean runs (issue 17).
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#open().sendOffsets({ consumerGroupId: groupId, topics });
        return;
      } catch (error) {
        if (!isConcurrentTransactions(error) || attempt >= CONCURRENT_TRANSACTIONS_ATTEMPTS) throw translateError(error, this.#transactionalId);
        await new Promise((r) => setTimeout(r, Math.min(1_000, 10 * 2 ** attempt)));
      }
    }
  }

  async commit(): Promise<void> {
    const txn = this.#open();
    this.#transaction = undefined;
    try {
      await txn.commit();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  async abort(): Promise<void> {
    const txn = this.#transaction;
    this.#transaction = undefined;
    if (!txn || !txn.isActive()) return;
    try {
      await txn.abort();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  inTransaction(): boolean {
    return this.#transaction !== undefined && this.#transaction.isActive();
  }

  async close(): Promise<void> {
    this.#transaction = undefined;
    if (this.#connected) await this.#producer.disconnect();
    this.#connected = false;
  }

  #open(): Transaction {
    if (!this.#transaction) throw new Error(`producer ${this.#transactionalId}: no open transaction`);
    return this.#transaction;
  }
}

// About 10 s of backoff (20 ms doubling to 1 s): a coordinator finishes a transaction's markers in
// milliseconds, and the transaction timeout bounds the rest.
const CONCURRENT_TRANSACTIONS_ATTEMPTS = 15;

function isConcurrentTransactions(error: unknown): boolean {
  return (error as { type?: unknown } | null)?.type === 'CONCURRENT_TRANSACTIONS';
}
