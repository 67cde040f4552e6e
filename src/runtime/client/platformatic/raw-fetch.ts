// Fetch requests of our own (Fetch v12: topic names, no fetch session), on connections of our own
// to each leader. Why not @platformatic/kafka's `Consumer.fetch`: under read_committed it removes
// aborted transactions itself before returning, dropping for each producer everything from its
// first aborted offset to its *last* ABORT marker in the response, committed transactions in
// between included, and the markers with them. Reproduced 2026-12-06 on a chaos run's output:
// 15,750 committed records of one partition missing where librdkafka read them all. Our filter
// (`fetched.ts`) needs the raw batches and the broker's aborted-transaction list. The response is
// decoded here too, with each partition's records left as the bytes the broker sent (`fetched.ts`
// reads them straight into the runtime's records).
import { fetchV12, type ClusterMetadata, type Connection, type Reader } from '@platformatic/kafka';
import { BrokerConnections } from './broker-connections.ts';
import type { PlatformaticBase } from './connection.ts';
import type { AbortedTransaction } from './fetched.ts';

/** One partition of a Fetch response. */
export interface RawFetchPartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  abortedTransactions: AbortedTransaction[] | null;
  /** The record batches as sent (null: none). */
  records: Buffer | null;
}

/** A Fetch (v12) response: per topic (by name), its partitions; errors are left to the caller. */
export interface RawFetchResponse {
  errorCode: number;
  responses: Array<{ topicId: string; partitions: RawFetchPartition[] }>;
}

const FETCH = 1;
const FETCH_VERSION = 12;

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
      return await new Promise<RawFetchResponse>((resolve, reject) => {
        (connection as Connection).send(FETCH, FETCH_VERSION, () => fetchV12.createRequest(request.maxWaitMs, 1, request.maxBytes, request.isolationLevel, 0, -1, topics, [], ''), parseFetchResponse, true, true, (error: unknown, answer: unknown) => {
          if (error) reject(error instanceof Error ? error : new Error(String(error)));
          else resolve(answer as RawFetchResponse);
        });
      });
    } catch (error) {
      await this.#connections.drop(node);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.#connections.close();
  }
}

/**
 * Fetch v12's response (the client's `fetchV12.parseResponse`, field for field), except that a
 * partition's records stay bytes, and partition errors are returned rather than thrown.
 */
function parseFetchResponse(_correlationId: number, _apiKey: number, _apiVersion: number, reader: Reader): RawFetchResponse {
  reader.readInt32(); // throttle_time_ms
  const errorCode = reader.readInt16();
  reader.readInt32(); // session_id
  const responses = reader.readArray((r) => ({
    topicId: r.readString(),
    partitions: r.readArray((p) => {
      const partitionIndex = p.readInt32();
      const partitionError = p.readInt16();
      const highWatermark = p.readInt64();
      const lastStableOffset = p.readInt64();
      p.readInt64(); // log_start_offset
      const abortedTransactions = p.readNullableArray((a) => ({ producerId: a.readInt64(), firstOffset: a.readInt64() }));
      p.readInt32(); // preferred_read_replica
      // COMPACT_RECORDS: length + 1, 0 for null.
      const size = p.readUnsignedVarInt() - 1;
      let records: Buffer | null = null;
      if (size > 0) {
        records = p.buffer.slice(p.position, p.position + size);
        p.skip(size);
      }
      p.readTaggedFields(); // diverging_epoch, current_leader, snapshot_id: not used
      return { partitionIndex, errorCode: partitionError, highWatermark, lastStableOffset, abortedTransactions, records };
    }, true, false),
  }));
  reader.readTaggedFields();
  return { errorCode, responses };
}
