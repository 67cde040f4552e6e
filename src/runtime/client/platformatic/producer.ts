// Producers over @platformatic/kafka: an idempotent one for at_least_once, and a transactional one
// per stream thread for exactly_once (EOS-v2, KIP-447: offsets carry the member's generation).
// Records go out through `produce.ts` (our record batches and Produce requests); the client's
// Producer does InitProducerId, the transaction's coordinator calls and metadata.
//
// What this wrapper works around in @platformatic/kafka 2.12.1 (reproduced, docs/BENCHMARKS.md):
// - a producer restarted with the same transactional id sends producer id 0 in InitProducerId and
//   is fenced: it is created with producer id -1 and epoch -1, as the protocol asks;
// - sends, offsets and commits of one transaction must not overlap (concurrent first sends to new
//   partitions break the transaction): every call here awaits the previous one;
// - its TxnOffsetCommit carries one partition per request (and concurrent ones share a request and
//   lose offsets): the offsets of a commit go here in one TxnOffsetCommit (v3, with the member's
//   generation) on a connection of our own to the group coordinator;
// - after any failure the producer is not reused: the runtime closes the task and the next one
//   starts with a fresh producer, whose InitProducerId fences and completes what was left.
import { Admin, Connection, FindCoordinatorKeyTypes, Producer, txnOffsetCommitV3 } from '@platformatic/kafka';

/** A transaction of @platformatic/kafka (its class is not exported by name). */
type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;
import type { ConsumerGroupMetadata, EncodedRecords, OutgoingRecord, PartitionOffset, ProduceAck, RecordProducer, TransactionalProducer } from '../api.ts';
import { ProducerFencedError } from '../api.ts';
import { errorChain, FatalRuntimeError } from '../../errors.ts';
import type { PlatformaticBase } from './connection.ts';
import { metadataFor, retrying } from './offsets.ts';
import { ProduceSender, type BeforeSend, type EncodedSend, type ProducerIdentity } from './produce.ts';

/** An idempotent producer (acks=all). */
export function createRecordProducer(base: PlatformaticBase): RecordProducer {
  const producer = new Producer({ ...base.options('producer'), idempotent: true });
  const sender = new ProduceSender(base, (topics, refresh) => metadataFor(producer, topics, refresh));
  // After a failed send the next one starts under a new producer id (sequences from 0), as Java's
  // idempotent producer resets: what the failed send wrote or not is the caller's to replay.
  let initialized = false;
  return {
    async send(records: readonly OutgoingRecord[]): Promise<ProduceAck[]> {
      try {
        if (!initialized) {
          await producer.initIdempotentProducer({});
          initialized = true;
        }
        return await sender.send(records, { producerId: producer.producerId ?? -1n, producerEpoch: producer.producerEpoch ?? -1, transactionalId: null });
      } catch (error) {
        initialized = false;
        throw translateError(error, 'producer');
      }
    },
    async close() {
      await sender.close();
      await producer.close();
    },
  };
}

/** A transactional producer; `init` is InitProducerId, which fences older owners of the id. */
export class PlatformaticTransactionalProducer implements TransactionalProducer {
  readonly #base: PlatformaticBase;
  readonly #transactionalId: string;
  readonly #transactionTimeoutMs: number;
  #producer: Producer | undefined;
  #transaction: Transaction | undefined;
  // What the open transaction holds: an empty one is cancelled, not ended (EndTxn would be refused).
  #used = false;
  #lookups: Admin | undefined;
  #sender: ProduceSender | undefined;
  // The group coordinator and our connection to it, per group (one group in practice).
  readonly #coordinators = new Map<string, Promise<Connection>>();

  constructor(base: PlatformaticBase, transactionalId: string, transactionTimeoutMs: number) {
    this.#base = base;
    this.#transactionalId = transactionalId;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  async init(): Promise<void> {
    await this.close();
    const producer = new Producer({
      ...this.#base.options(this.#transactionalId),
      transactionalId: this.#transactionalId,
      idempotent: true,
      producerId: -1n,
      producerEpoch: -1,
      // InitProducerId sends the client's `timeout` as the transaction timeout.
      timeout: this.#transactionTimeoutMs,
    });
    this.#producer = producer;
    this.#sender = new ProduceSender(this.#base, (topics, refresh) => metadataFor(producer, topics, refresh));
    try {
      // The first transaction runs InitProducerId: fencing happens now, not at the first commit.
      const transaction = await producer.beginTransaction();
      await transaction.cancel();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  async begin(): Promise<void> {
    try {
      this.#transaction = await this.#open().beginTransaction();
      this.#used = false;
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  encode(records: readonly OutgoingRecord[]): EncodedRecords | undefined {
    if (!this.#producer || !this.#sender) return undefined;
    return this.#sender.encode(records, this.#identity(this.#producer));
  }

  async send(records: readonly OutgoingRecord[] | EncodedRecords): Promise<ProduceAck[]> {
    const transaction = this.#current();
    const count = isRecords(records) ? records.length : records.count;
    if (count === 0) return [];
    this.#used = true;
    const producer = this.#open();
    const sender = this.#sender as ProduceSender;
    // AddPartitionsToTxn first (the transaction remembers what it added), then the records.
    const beforeSend: BeforeSend = (partitions, metadata) => transaction.addPartitions(metadata, partitions as Parameters<Transaction['addPartitions']>[1]);
    try {
      return isRecords(records) ? await sender.send(records, this.#identity(producer), beforeSend) : await sender.sendEncoded(records as EncodedSend, beforeSend);
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  #identity(producer: Producer): ProducerIdentity {
    return { producerId: producer.producerId ?? -1n, producerEpoch: producer.producerEpoch ?? -1, transactionalId: this.#transactionalId };
  }

  async sendOffsets(group: ConsumerGroupMetadata, offsets: readonly PartitionOffset[]): Promise<void> {
    if (offsets.length === 0) return;
    const transaction = this.#current();
    const { groupId, generationId, memberId } = group;
    this.#used = true;
    try {
      // AddOffsetsToTxn: the transaction's coordinator learns which group's offsets it carries.
      await transaction.addConsumer({ groupId } as Parameters<Transaction['addConsumer']>[0]);
      const producer = this.#open();
      const byTopic = new Map<string, Array<{ partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }>>();
      for (const o of offsets) {
        let list = byTopic.get(o.topic);
        if (!list) byTopic.set(o.topic, (list = []));
        list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1 });
      }
      const connection = await this.#groupCoordinator(groupId);
      // Refused (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID) once the group has a newer generation: a zombie cannot commit.
      await txnOffsetCommitV3.api.async(connection, this.#transactionalId, groupId, producer.producerId ?? -1n, producer.producerEpoch ?? -1, generationId, memberId, null, [...byTopic].map(([name, partitions]) => ({ name, partitions })));
    } catch (error) {
      await this.#forgetCoordinator(groupId);
      throw translateError(error, this.#transactionalId);
    }
  }

  async commit(): Promise<void> {
    const transaction = this.#current();
    this.#transaction = undefined;
    try {
      if (this.#used) await transaction.commit();
      else await transaction.cancel();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  async abort(): Promise<void> {
    const transaction = this.#transaction;
    this.#transaction = undefined;
    if (!transaction || transaction.completed) return;
    try {
      if (this.#used) await transaction.abort();
      else await transaction.cancel();
    } catch (error) {
      throw translateError(error, this.#transactionalId);
    }
  }

  inTransaction(): boolean {
    return this.#transaction !== undefined && !this.#transaction.completed;
  }

  async close(): Promise<void> {
    this.#transaction = undefined;
    const producer = this.#producer;
    const lookups = this.#lookups;
    const sender = this.#sender;
    this.#producer = undefined;
    this.#lookups = undefined;
    this.#sender = undefined;
    await sender?.close().catch(() => undefined);
    await producer?.close(true).catch(() => undefined);
    await lookups?.close().catch(() => undefined);
    for (const groupId of [...this.#coordinators.keys()]) await this.#forgetCoordinator(groupId);
  }

  /** A connection to the group's coordinator (TxnOffsetCommit goes there), opened once per group. */
  #groupCoordinator(groupId: string): Promise<Connection> {
    let connection = this.#coordinators.get(groupId);
    if (!connection) {
      connection = (async () => {
        const admin = (this.#lookups ??= new Admin(this.#base.options(`${this.#transactionalId}-lookups`)));
        const [found] = await retrying(() => admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] }));
        if (!found) throw new Error(`no coordinator for group ${groupId}`);
        return this.#base.connect(`${this.#transactionalId}-offsets`, found.host, found.port);
      })();
      this.#coordinators.set(groupId, connection);
    }
    return connection;
  }

  /** After a failure the coordinator may have moved: look it up again next time. */
  async #forgetCoordinator(groupId: string): Promise<void> {
    const connection = this.#coordinators.get(groupId);
    this.#coordinators.delete(groupId);
    await connection?.then((c) => c.close()).catch(() => undefined);
  }

  #open(): Producer {
    if (!this.#producer) throw new Error(`producer ${this.#transactionalId}: not initialized`);
    return this.#producer;
  }

  #current(): Transaction {
    if (!this.#transaction) throw new Error(`producer ${this.#transactionalId}: no open transaction`);
    return this.#transaction;
  }
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

/** The broker's error ids in an error and those it wraps. */
export function errorIds(error: unknown): Set<string> {
  const ids = new Set<string>();
  for (const e of errorChain(error)) {
    const id = (e as { apiId?: unknown }).apiId;
    if (typeof id === 'string') ids.add(id);
  }
  return ids;
}

/** Fencing becomes ProducerFencedError, a record over the broker's limit a FatalRuntimeError. */
export function translateError(error: unknown, transactionalId: string): Error {
  const ids = errorIds(error);
  if ([...ids].some((id) => FENCED.has(id))) return new ProducerFencedError(`producer ${transactionalId} was fenced by a newer instance`, { cause: error });
  if (ids.has('MESSAGE_TOO_LARGE') || ids.has('RECORD_LIST_TOO_LARGE')) {
    return new FatalRuntimeError(`producer ${transactionalId}: a record is larger than the max message size the broker accepts`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function isRecords(records: readonly OutgoingRecord[] | EncodedRecords): records is readonly OutgoingRecord[] {
  return Array.isArray(records);
}
