// Produce requests of our own for the idempotent and transactional producers: records are given
// partitions (Java's default partitioner for keyed records without one), grouped per partition
// into record batches encoded in one Buffer each (`record-batch.ts`), and sent as one Produce
// (v9) per leader on connections of our own. The client's Producer keeps what it does well
// (InitProducerId, transactions and their coordinator, metadata); the records never go through it.
//
// Sequence numbers are ours, per partition, from 0 for each producer id and epoch. A batch is
// encoded once with its sequence and resent unchanged after a retriable failure (a moved leader,
// a lost connection): the broker writes it once (a resend it already has answers
// DUPLICATE_SEQUENCE_NUMBER). Any other failure is thrown; the runtime then drops the producer.
import { produceV9, ProtocolError, Writer, type ClusterMetadata, type Connection } from '@platformatic/kafka';
import type { OutgoingRecord, ProduceAck } from '../api.ts';
import { chunkBySize } from '../chunks.ts';
import { partitionForBytes } from '../partitioner.ts';
import { BrokerConnections } from './broker-connections.ts';
import type { PlatformaticBase } from './connection.ts';
import { isRetriable } from './offsets.ts';
import { encodeRecordBatch, nextSequence } from './record-batch.ts';

/** The producer identity batches carry (InitProducerId's answer). */
export interface ProducerIdentity {
  producerId: bigint;
  producerEpoch: number;
  /** Set for a transactional producer: its batches are transactional. */
  transactionalId: string | null;
}

/** A partition a send writes to (for AddPartitionsToTxn before the records go). */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What the sender needs of the client: cluster metadata (cached unless `refresh`). */
export type MetadataSource = (topics: string[], refresh: boolean) => Promise<ClusterMetadata>;

const ACKS_ALL = -1;
const DUPLICATE_SEQUENCE_NUMBER = 46;
/** Attempts of one batch before its error is thrown; backoff 100 ms doubling to 2 s (about 10 s). */
const ATTEMPTS = 8;

/** What one record batch may hold, estimated (chunks.ts): under the broker's 1 MiB message.max.bytes. */
const CHUNK_BYTES = 768 * 1024;

interface PartitionRecords {
  topic: string;
  partition: number;
  records: OutgoingRecord[];
  /** Key, value and header bytes: whether the partition needs chunking. */
  bytes: number;
}

interface PendingBatch {
  topic: string;
  partition: number;
  bytes: Buffer;
}

/** Called with every partition a send writes, before it writes any (a transaction adds them). */
export type BeforeSend = (partitions: readonly TopicPartition[], metadata: ClusterMetadata) => Promise<void>;

/** Record batches encoded for one producer identity, waiting for their send (`ProduceSender.encode`). */
export interface EncodedSend {
  readonly identity: Readonly<ProducerIdentity>;
  readonly topics: readonly string[];
  readonly partitions: readonly TopicPartition[];
  /** Round k: the k-th batch of every partition with that many. */
  readonly rounds: readonly PendingBatch[][];
  /** Records encoded. */
  readonly count: number;
}

/** Sends records as record batches of one producer identity. */
export class ProduceSender {
  readonly #connections: BrokerConnections;
  readonly #metadata: MetadataSource;
  readonly #timeoutMs: number;
  readonly #sequences = new Map<string, number>();
  // Partitions per topic, from the metadata of the last send that wrote to it: what `encode` routes by.
  readonly #partitionCounts = new Map<string, number>();
  #identity: ProducerIdentity | undefined;

  constructor(base: PlatformaticBase, metadata: MetadataSource, timeoutMs = 30_000) {
    this.#connections = new BrokerConnections(base, 'produce');
    this.#metadata = metadata;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Produces `records` (acks=all), each partition's in order; `beforeSend` sees every partition
   * written before anything is (a transaction adds them). One batch per partition per request:
   * a partition with more than a request's worth goes in several, one after the other.
   */
  async send(records: readonly OutgoingRecord[], identity: ProducerIdentity, beforeSend?: BeforeSend): Promise<ProduceAck[]> {
    if (records.length === 0) return [];
    let encoded = this.encode(records, identity);
    if (!encoded) {
      // A topic not seen yet: its partition count comes with the metadata.
      await this.#metadataWith(topicsOf(records));
      encoded = this.encode(records, identity) as EncodedSend;
    }
    return this.sendEncoded(encoded, beforeSend);
  }

  /**
   * Encodes `records` into record batches of `identity` now (partitions chosen, sequences taken),
   * for `sendEncoded`: the caller can drop the records at once. Synchronous, from the partition
   * counts of the metadata earlier sends used; undefined when a topic has not been seen yet.
   */
  encode(records: readonly OutgoingRecord[], identity: ProducerIdentity): EncodedSend | undefined {
    const counts = this.#partitionCounts;
    // Grouped per topic, then per partition number: no string key per record.
    const byTopic = new Map<string, { partitions: number; byPartition: Map<number, PartitionRecords> }>();
    const groups: PartitionRecords[] = [];
    for (const r of records) {
      let topic = byTopic.get(r.topic);
      if (!topic) {
        const partitions = counts.get(r.topic);
        if (!partitions) return undefined;
        byTopic.set(r.topic, (topic = { partitions, byPartition: new Map() }));
      }
      const partition = r.partition ?? (r.key === null ? 0 : partitionForBytes(r.key, topic.partitions));
      let group = topic.byPartition.get(partition);
      if (!group) {
        topic.byPartition.set(partition, (group = { topic: r.topic, partition, records: [], bytes: 0 }));
        groups.push(group);
      }
      group.records.push(r);
      group.bytes += (r.key?.length ?? 0) + (r.value?.length ?? 0) + (r.headers ? headerBytes(r.headers) : 0);
    }
    this.#use(identity);
    // Rounds: the k-th chunk of every partition; a partition's next chunk waits for its previous
    // one. A partition's records fit one batch unless they come near the broker's message limit.
    const rounds: PendingBatch[][] = [];
    for (const g of groups) {
      const chunks = g.bytes + 70 * g.records.length > CHUNK_BYTES ? chunkBySize(g.records, CHUNK_BYTES) : [g.records];
      chunks.forEach((chunk, round) => (rounds[round] ??= []).push({ topic: g.topic, partition: g.partition, bytes: this.#encode(g.topic, g.partition, chunk, identity) }));
    }
    return {
      identity: { ...identity },
      topics: [...byTopic.keys()],
      partitions: groups.map(({ topic, partition }) => ({ topic, partition })),
      rounds,
      count: records.length,
    };
  }

  /** Sends what `encode` made; refused if this sender's producer identity changed since. */
  async sendEncoded(encoded: EncodedSend, beforeSend?: BeforeSend): Promise<ProduceAck[]> {
    if (encoded.count === 0) return [];
    const current = this.#identity;
    const { identity } = encoded;
    if (!current || current.producerId !== identity.producerId || current.producerEpoch !== identity.producerEpoch) {
      throw new Error(`record batches encoded for producer ${identity.producerId} epoch ${identity.producerEpoch}, sent as ${current?.producerId} epoch ${current?.producerEpoch}`);
    }
    let metadata = await this.#metadataWith(encoded.topics);
    await beforeSend?.(encoded.partitions, metadata);
    const acks: ProduceAck[] = [];
    for (const pending of encoded.rounds) metadata = await this.#sendRound(pending, metadata, encoded.topics, identity, acks);
    return acks;
  }

  close(): Promise<void> {
    return this.#connections.close();
  }

  // A topic created a moment ago may not be in the metadata yet (nor have leaders): asked again,
  // as the client's own producer did, before the send fails.
  async #metadataWith(topics: readonly string[]): Promise<ClusterMetadata> {
    for (let attempt = 1; ; attempt++) {
      const metadata = await this.#metadata([...topics], attempt > 1);
      const missing = topics.find((t) => !metadata.topics.get(t)?.partitionsCount);
      if (missing === undefined) {
        for (const t of topics) this.#partitionCounts.set(t, metadata.topics.get(t)?.partitionsCount as number);
        return metadata;
      }
      if (attempt >= ATTEMPTS) throw new ProtocolError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${missing} is not in the cluster metadata`);
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
  }

  // Sequences belong to a producer id and epoch: a new identity starts every partition at 0.
  #use(identity: ProducerIdentity): void {
    const current = this.#identity;
    if (current && current.producerId === identity.producerId && current.producerEpoch === identity.producerEpoch) return;
    this.#sequences.clear();
    this.#identity = { ...identity };
  }

  #encode(topic: string, partition: number, records: readonly OutgoingRecord[], identity: Readonly<ProducerIdentity>): Buffer {
    const key = `${topic}\u0000${partition}`;
    const baseSequence = this.#sequences.get(key) ?? 0;
    this.#sequences.set(key, nextSequence(baseSequence, records.length));
    return encodeRecordBatch(records, { producerId: identity.producerId, producerEpoch: identity.producerEpoch, baseSequence, transactional: identity.transactionalId !== null });
  }

  /** Sends one round's batches to their leaders, resending the retriable failures; returns the metadata last used. */
  async #sendRound(batches: readonly PendingBatch[], metadata: ClusterMetadata, topics: readonly string[], identity: Readonly<ProducerIdentity>, acks: ProduceAck[]): Promise<ClusterMetadata> {
    let pending: readonly PendingBatch[] = batches;
    for (let attempt = 1; ; attempt++) {
      const byLeader = new Map<number, PendingBatch[]>();
      for (const b of pending) {
        const leader = metadata.topics.get(b.topic)?.partitions[b.partition]?.leader ?? -1;
        let list = byLeader.get(leader);
        if (!list) byLeader.set(leader, (list = []));
        list.push(b);
      }
      const failed: PendingBatch[] = [];
      let lastError: unknown;
      await Promise.all(
        [...byLeader].map(async ([leader, list]) => {
          try {
            if (leader < 0) throw new ProtocolError('LEADER_NOT_AVAILABLE', `no leader for ${list[0]!.topic}-${list[0]!.partition}`);
            const outcome = await this.#produce(metadata, leader, list, identity);
            acks.push(...outcome.acks);
            if (outcome.retry.length > 0) {
              failed.push(...outcome.retry);
              lastError = outcome.error;
            }
          } catch (error) {
            if (!isRetriable(error)) throw error;
            failed.push(...list);
            lastError = error;
          }
        }),
      );
      if (failed.length === 0) return metadata;
      if (attempt >= ATTEMPTS) throw lastError;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      metadata = await this.#metadata([...topics], true);
      pending = failed;
    }
  }

  /** One Produce to `leader`: the acks of what it wrote, and the batches to send again (a retriable error each). */
  async #produce(metadata: ClusterMetadata, leader: number, batches: PendingBatch[], identity: Readonly<ProducerIdentity>): Promise<{ acks: ProduceAck[]; retry: PendingBatch[]; error?: unknown }> {
    let connection: Connection;
    let response: produceV9.ProduceResponse;
    try {
      connection = await this.#connections.get(metadata, leader);
      response = await new Promise<produceV9.ProduceResponse>((resolve, reject) => {
        connection.send(0, 9, () => produceRequest(batches, identity.transactionalId, this.#timeoutMs), produceV9.parseResponse, true, true, (error: unknown, answer: unknown) => {
          if (!error) return resolve(answer as produceV9.ProduceResponse);
          // The protocol layer throws on any partition error, with the decoded response attached.
          const partial = (error as { response?: unknown }).response as produceV9.ProduceResponse | undefined;
          if (partial && Array.isArray(partial.responses)) return resolve(partial);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
      });
    } catch (error) {
      await this.#connections.drop(leader);
      throw error;
    }
    const acks: ProduceAck[] = [];
    const retry: PendingBatch[] = [];
    let failure: unknown;
    for (const topic of response.responses) {
      for (const p of topic.partitionResponses) {
        if (p.errorCode === 0 || p.errorCode === DUPLICATE_SEQUENCE_NUMBER) {
          acks.push({ topic: topic.name, partition: p.index, baseOffset: Number(p.baseOffset) });
          continue;
        }
        const error = new ProtocolError(p.errorCode, p.errorMessage ?? null);
        if (!error.canRetry) throw error;
        const batch = batches.find((b) => b.topic === topic.name && b.partition === p.index);
        if (batch) retry.push(batch);
        failure = error;
      }
    }
    return { acks, retry, error: failure };
  }
}

function topicsOf(records: readonly OutgoingRecord[]): string[] {
  // Records come in runs of one topic (a task's sink at a time): a Set lookup per run, not per record.
  const topics = new Set<string>();
  let last: string | undefined;
  for (const r of records) {
    if (r.topic === last) continue;
    last = r.topic;
    topics.add(last);
  }
  return [...topics];
}

function backoffMs(attempt: number): number {
  return Math.min(2_000, 100 * 2 ** (attempt - 1));
}

function headerBytes(headers: NonNullable<OutgoingRecord['headers']>): number {
  let n = 0;
  for (const name in headers) n += name.length + (headers[name]?.length ?? 0) + 4;
  return n;
}

/** A Produce v9 request body: the batches as they are (appended, not copied). */
function produceRequest(batches: readonly PendingBatch[], transactionalId: string | null, timeoutMs: number): Writer {
  const byTopic = new Map<string, PendingBatch[]>();
  for (const b of batches) {
    let list = byTopic.get(b.topic);
    if (!list) byTopic.set(b.topic, (list = []));
    list.push(b);
  }
  const writer = Writer.create()
    .appendString(transactionalId, true)
    .appendInt16(ACKS_ALL)
    .appendInt32(timeoutMs)
    .appendUnsignedVarInt(byTopic.size + 1);
  for (const [topic, list] of byTopic) {
    writer.appendString(topic, true).appendUnsignedVarInt(list.length + 1);
    for (const b of list) {
      writer.appendInt32(b.partition).appendUnsignedVarInt(b.bytes.length + 1).append(b.bytes).appendTaggedFields();
    }
    writer.appendTaggedFields();
  }
  return writer.appendTaggedFields();
}
