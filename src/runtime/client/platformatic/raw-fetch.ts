// Fetch requests of our own (Fetch v12: topic names, no fetch session), on connections of our own
// to each leader. Why not @platformatic/kafka's `Consumer.fetch`: under read_committed it removes
// aborted transactions itself before returning, dropping for each producer everything from its
// first aborted offset to its *last* ABORT marker in the response, committed transactions in
// between included, and the markers with them. Reproduced 2026-12-06 on a chaos run's output:
// 15,750 committed records of one partition missing where librdkafka read them all. Our filter
// (`fetched.ts`) needs the raw batches and the broker's aborted-transaction list.
import { fetchV12, type ClusterMetadata } from '@platformatic/kafka';
import { BrokerConnections } from './broker-connections.ts';
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

/** Fetches from each leader on a connection of its own. */
export class RawFetcher {
  readonly #connections: BrokerConnections;

  constructor(base: PlatformaticBase) {
    this.#connections = new BrokerConnections(base, 'fetch');
  }

  /** One Fetch to `node`; partition-level errors come back in the response (the caller handles them). */
  async fetch(metadata: ClusterMetadata, node: number, request: RawFetchRequest): Promise<RawFetchResponse> {
    const connection = await this.#connections.get(metadata, node);
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
      await this.#connections.drop(node);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.#connections.close();
  }
}
