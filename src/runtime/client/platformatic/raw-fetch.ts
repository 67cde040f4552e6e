// Fetch requests of our own (Fetch v12: topic names, no fetch session), on connections of our own
// to each leader. Why not @platformatic/kafka's `Consumer.fetch`: under read_committed it removes
// aborted transactions itself before returning, dropping for each producer everything from its
// first aborted offset to its *last* ABORT marker in the response, committed transactions in
// between included, and the markers with them. Reproduced 2026-12-06 on a chaos run's output:
// 15,750 committed records of one partition missing where librdkafka read them all. Our filter
// (`fetched.ts`) needs the raw batches and the broker's aborted-transaction list.
import { Connection, fetchV12, type ClusterMetadata } from '@platformatic/kafka';
import type { PlatformaticBase } from './connection.ts';

/** A Fetch response as the client's protocol layer decodes it (batches not filtered). */
export type RawFetchResponse = Awaited<ReturnType<typeof fetchV12.api.async>>;

/** What to fetch from one leader. */
export interface RawFetchRequest {
  maxWaitMs: number;
  maxBytes: number;
  /** 1: read_committed (the broker stops at the last stable offset and lists aborted transactions). */
  isolationLevel: 0 | 1;
  topics: ReadonlyArray<{ topic: string; partitions: ReadonlyArray<{ partition: number; offset: number; maxBytes: number }> }>;
}

/** Connections per broker node, opened on first use and dropped after a failure. */
export class RawFetcher {
  readonly #base: PlatformaticBase;
  readonly #connections = new Map<number, Promise<Connection>>();

  constructor(base: PlatformaticBase) {
    this.#base = base;
  }

  /** One Fetch to `node`; partition-level errors come back in the response (the caller handles them). */
  async fetch(metadata: ClusterMetadata, node: number, request: RawFetchRequest): Promise<RawFetchResponse> {
    const connection = await this.#connection(metadata, node);
    const topics = request.topics.map((t) => ({
      topicId: t.topic, // v12 carries the topic name in this field
      partitions: t.partitions.map((p) => ({ partition: p.partition, currentLeaderEpoch: -1, fetchOffset: BigInt(p.offset), lastFetchedEpoch: -1, partitionMaxBytes: p.maxBytes })),
    }));
    try {
      return await fetchV12.api.async(connection, request.maxWaitMs, 1, request.maxBytes, request.isolationLevel, 0, -1, topics, [], '');
    } catch (error) {
      // The protocol layer throws on any partition error, with the decoded response attached.
      const response = (error as { response?: unknown }).response;
      if (response && typeof response === 'object' && Array.isArray((response as { responses?: unknown }).responses)) return response as RawFetchResponse;
      await this.#drop(node);
      throw error;
    }
  }

  async close(): Promise<void> {
    for (const node of [...this.#connections.keys()]) await this.#drop(node);
  }

  #connection(metadata: ClusterMetadata, node: number): Promise<Connection> {
    let connection = this.#connections.get(node);
    if (!connection) {
      const broker = metadata.brokers.get(node);
      if (!broker) return Promise.reject(new Error(`no broker ${node} in the metadata`));
      connection = this.#base.connect('fetch', broker.host, broker.port);
      connection.catch(() => this.#connections.delete(node));
      this.#connections.set(node, connection);
    }
    return connection;
  }

  async #drop(node: number): Promise<void> {
    const connection = this.#connections.get(node);
    this.#connections.delete(node);
    await connection?.then((c) => c.close()).catch(() => undefined);
  }
}
