// A task's input partitions and the choice of its next record (Kafka Streams' PartitionGroup with
// its RecordQueues): fetched batches wait in one queue per partition; the next record is the head
// with the smallest extracted timestamp (ties: source-topic order in the topology, then partition;
// a head with no readable timestamp, negative or NaN, goes first). While a partition's queue is
// empty but the fetcher knows it has more (its high watermark is past what was fetched), the task
// waits rather than process out of order, as Kafka Streams does with `max.task.idle.ms`.
import type { ConsumedRecord, RecordList } from '../client/api.ts';
import { offsetAt } from '../client/record-block.ts';

/** Reads a record's event time (epoch ms; negative or NaN = none). */
export type RecordTimestamp = (record: ConsumedRecord) => number;

/** One input partition of a task, in priority order (the topology's source-topic order). */
export interface GroupInput {
  topic: string;
  partition: number;
  /** The source's extractor; without one the record timestamp is used. */
  extractor?: RecordTimestamp;
}

/** `max.task.idle.ms` and the callback for position skips (transaction markers, aborted records). */
export interface PartitionGroupOptions {
  /**
   * -1: never wait, take whatever is buffered. 0 (default, as in Kafka Streams): wait only while an
   * empty partition has known lag. > 0: also wait up to this long for an empty caught-up partition.
   */
  maxTaskIdleMs?: number;
  /** The position of a partition moves to `nextOffset` past records that are not data. */
  onSkip(topic: string, partition: number, nextOffset: number): void;
}

// A fetched batch in a queue: records from `index` on are unread; `nextOffset` is applied as a
// skip once they are all read (it may count trailing control records).
interface Chunk {
  records: RecordList;
  index: number;
  nextOffset: number;
}

class RecordQueue {
  readonly chunks: Chunk[] = [];
  size = 0;
  // The head record and its timestamp, made once per head (a RecordBlock makes a record per read).
  #head: ConsumedRecord | undefined;
  headTs = Number.NaN;
  headKnown = false;
  // Next offset the fetcher will deliver, and the partition's known end (high watermark).
  fetched: number | undefined;
  end: number | undefined;
  // When the queue was found empty while caught up (the idle deadline's start).
  idleSince: number | undefined;
  readonly topic: string;
  readonly partition: number;
  readonly extractor: RecordTimestamp | undefined;
  constructor(topic: string, partition: number, extractor: RecordTimestamp | undefined) {
    this.topic = topic;
    this.partition = partition;
    this.extractor = extractor;
  }

  head(): ConsumedRecord {
    if (this.#head === undefined) {
      const chunk = this.chunks[0] as Chunk;
      this.#head = chunk.records.at(chunk.index) as ConsumedRecord;
    }
    return this.#head;
  }

  headTimestamp(): number {
    if (!this.headKnown) {
      const head = this.head();
      this.headTs = this.extractor ? safeExtract(this.extractor, head) : head.timestamp;
      this.headKnown = true;
    }
    return this.headTs;
  }

  /** Takes the head: the next record becomes the head. */
  take(): ConsumedRecord {
    const record = this.head();
    (this.chunks[0] as Chunk).index++;
    this.size--;
    this.#head = undefined;
    this.headKnown = false;
    return record;
  }

  /** Forgets any head made earlier: the queue was empty, its next head comes from a chunk just added. */
  forgetHead(): void {
    this.#head = undefined;
    this.headKnown = false;
  }
}

/** The buffered input of one task and the order it is processed in. */
export class PartitionGroup {
  readonly #queues: RecordQueue[];
  readonly #byKey = new Map<string, RecordQueue>();
  readonly #maxIdle: number;
  readonly #onSkip: PartitionGroupOptions['onSkip'];
  /** Timestamp of the record `next()` returned last (extracted, or the record's). */
  timestamp = 0;
  // The queue `next()` took from last: its exhausted chunk's skip waits until that record is processed.
  #taken: RecordQueue | undefined;

  constructor(inputs: readonly GroupInput[], options: PartitionGroupOptions) {
    this.#queues = inputs.map((i) => new RecordQueue(i.topic, i.partition, i.extractor));
    for (const q of this.#queues) this.#byKey.set(key(q.topic, q.partition), q);
    this.#maxIdle = options.maxTaskIdleMs ?? 0;
    this.#onSkip = options.onSkip;
  }

  /** Records buffered over all partitions. */
  get buffered(): number {
    let n = 0;
    for (const q of this.#queues) n += q.size;
    return n;
  }

  /** Every partition processed up to its known end: nothing buffered, nothing more fetched yet. */
  get caughtUp(): boolean {
    for (const q of this.#queues) if (q.size > 0 || q.end === undefined || q.fetched === undefined || q.fetched < q.end) return false;
    return true;
  }

  /** What the task knows at start: where a partition's fetch begins and where it ends now. */
  setEnd(topic: string, partition: number, position: number, end: number): void {
    const q = this.#queue(topic, partition);
    q.fetched = position;
    q.end = end;
  }

  /** A fetch saw `end` as the partition's high watermark: records up to it are coming, wait for them. */
  noteEnd(topic: string, partition: number, end: number): void {
    const q = this.#queue(topic, partition);
    if (q.end === undefined || end > q.end) q.end = end;
  }

  /** Buffers a fetched batch; records before what was already buffered (a re-fetch) are dropped. */
  add(topic: string, partition: number, records: RecordList, nextOffset: number, highWatermark: number): void {
    const q = this.#queue(topic, partition);
    let index = 0;
    if (q.fetched !== undefined && q.size > 0) while (index < records.length && offsetAt(records, index) < q.fetched) index++;
    if (index < records.length || nextOffset > (q.fetched ?? -1)) {
      q.chunks.push({ records, index, nextOffset });
      if (q.size === 0) q.forgetHead();
      q.size += records.length - index;
    }
    // The newest fetch is the fetcher's position (after a rebalance it may start lower again).
    q.fetched = nextOffset;
    q.end = highWatermark;
    if (q.size > 0) q.idleSince = undefined;
    this.#dropEmptyChunks(q);
  }

  /** A fetch that held no data moved the position (markers, aborted records): after what is buffered. */
  skip(topic: string, partition: number, nextOffset: number): void {
    const q = this.#queue(topic, partition);
    q.fetched = Math.max(q.fetched ?? 0, nextOffset);
    if (q.end !== undefined && q.end < nextOffset) q.end = nextOffset;
    if (q.size === 0) {
      q.chunks.length = 0;
      this.#onSkip(topic, partition, nextOffset);
    } else q.chunks.push({ records: [], index: 0, nextOffset });
  }

  /**
   * The next record to process, or undefined when nothing is buffered or the task must wait for a
   * partition with known lag; `timestamp` then holds its timestamp.
   */
  next(now: number): ConsumedRecord | undefined {
    // The record returned last is processed now: a skip past it may apply.
    if (this.#taken) {
      this.#dropEmptyChunks(this.#taken);
      this.#taken = undefined;
    }
    const queues = this.#queues;
    let best: RecordQueue | undefined;
    if (queues.length === 1) {
      best = queues[0] as RecordQueue;
      if (best.size === 0) return undefined;
    } else {
      let bestTs = 0;
      let wait = false;
      for (const q of queues) {
        if (q.size === 0) {
          // Every empty partition is looked at, so each starts its idle deadline now.
          if (this.#mustWait(q, now)) wait = true;
          continue;
        }
        const ts = q.headTimestamp();
        // No readable timestamp (negative, NaN): first; among several, the earlier input.
        const t = ts >= 0 ? ts : -1;
        if (best === undefined || t < bestTs) {
          best = q;
          bestTs = t;
        }
      }
      if (best === undefined || wait) return undefined;
    }
    this.timestamp = best.headTimestamp();
    const record = best.take();
    this.#taken = best;
    return record;
  }

  #mustWait(q: RecordQueue, now: number): boolean {
    if (this.#maxIdle < 0) return false;
    // Unknown lag does not block: the runtime tells every partition's end when the task opens.
    if (q.end !== undefined && q.fetched !== undefined && q.end > q.fetched) return true;
    if (this.#maxIdle === 0) return false;
    q.idleSince ??= now;
    return now - q.idleSince < this.#maxIdle;
  }

  // Exhausted chunks go; their nextOffset is a skip when it passes their last record.
  #dropEmptyChunks(q: RecordQueue): void {
    while (q.chunks.length > 0) {
      const chunk = q.chunks[0] as Chunk;
      if (chunk.index < chunk.records.length) return;
      q.chunks.shift();
      const count = chunk.records.length;
      if (count === 0 || chunk.nextOffset > offsetAt(chunk.records, count - 1) + 1) this.#onSkip(q.topic, q.partition, chunk.nextOffset);
    }
  }

  #queue(topic: string, partition: number): RecordQueue {
    const q = this.#byKey.get(key(topic, partition));
    if (!q) throw new Error(`${topic}-${partition} is not an input of this task`);
    return q;
  }
}

function key(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

// An extractor that throws means "no readable timestamp", like the replay's merge.
function safeExtract(extractor: RecordTimestamp, record: ConsumedRecord): number {
  try {
    return extractor(record);
  } catch {
    return -1;
  }
}
