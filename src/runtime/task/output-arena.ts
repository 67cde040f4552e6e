// A task's outputs waiting for their commit, kept as bytes: each record's key and value copied
// into one buffer per commit interval, its topic, partition and timestamp in side arrays. Records
// become objects again (views of that buffer) only when the commit takes them, just before they
// are encoded into their batches.
//
// Why: held as objects (an outgoing record, a key and a value Buffer each) for the ~100 ms of a
// commit interval and the commit's round trips, outputs were a third of what survived V8's
// young-generation collections, and survivors are what a scavenge costs. Copied here, the
// serializers' Buffers die young. Measured (`node --trace-gc bench/run.ts live-invoices
// --orders=50000 --partitions=4`): scavenges 1,396 and 1,512 ms per run → 1,006 and 939
// (docs/BENCHMARKS.md, "Outputs held as bytes until the commit").
import type { OutgoingRecord } from '../client/api.ts';

// Per record in `#meta`: key start, key length (-1: null), value start, value length (-1: null),
// partition (-1: none given, the producer's partitioner chooses).
const FIELDS = 5;
const MIN_BYTES = 64 * 1024;

/** Outgoing records held as bytes until `take`. */
export class OutputArena {
  #bytes = Buffer.allocUnsafe(MIN_BYTES);
  #pos = 0;
  #count = 0;
  #meta = new Int32Array(FIELDS * 1024);
  // NaN: no timestamp (the producer stamps the record).
  #timestamps = new Float64Array(1024);
  #topics: string[] = [];
  // Headers are rare (dead letters): kept as given, by record index.
  readonly #headers = new Map<number, NonNullable<OutgoingRecord['headers']>>();

  /** Records held. */
  get length(): number {
    return this.#count;
  }

  /** Holds a copy of the record's key and value bytes (the caller's Buffers are not kept). */
  push(record: OutgoingRecord): void {
    const i = this.#count;
    if (i === this.#timestamps.length) this.#growRecords();
    const meta = this.#meta;
    const at = i * FIELDS;
    const { key, value } = record;
    if (key === null) meta[at + 1] = -1;
    else {
      meta[at] = this.#copy(key);
      meta[at + 1] = key.length;
    }
    if (value === null) meta[at + 3] = -1;
    else {
      meta[at + 2] = this.#copy(value);
      meta[at + 3] = value.length;
    }
    meta[at + 4] = record.partition ?? -1;
    this.#timestamps[i] = record.timestamp ?? Number.NaN;
    this.#topics[i] = record.topic;
    if (record.headers) this.#headers.set(i, record.headers);
    this.#count = i + 1;
  }

  /** The records held, in order, as views of this interval's buffer; the arena then starts empty, on a new buffer. */
  take(): OutgoingRecord[] {
    const count = this.#count;
    const out = new Array<OutgoingRecord>(count);
    const bytes = this.#bytes;
    const meta = this.#meta;
    for (let i = 0; i < count; i++) {
      const at = i * FIELDS;
      const keyLength = meta[at + 1] as number;
      const valueLength = meta[at + 3] as number;
      const partition = meta[at + 4] as number;
      const timestamp = this.#timestamps[i] as number;
      const headers = this.#headers.get(i);
      const keyStart = meta[at] as number;
      const valueStart = meta[at + 2] as number;
      // The shape toOutgoing gives (records.ts).
      out[i] = {
        topic: this.#topics[i] as string,
        partition: partition < 0 ? undefined : partition,
        key: keyLength < 0 ? null : bytes.subarray(keyStart, keyStart + keyLength),
        value: valueLength < 0 ? null : bytes.subarray(valueStart, valueStart + valueLength),
        timestamp: Number.isNaN(timestamp) ? undefined : timestamp,
        ...(headers ? { headers } : {}),
      };
    }
    // The taken views keep this buffer alive until they are sent: the next interval gets its
    // own, sized by this one's use so that it rarely grows.
    this.#bytes = Buffer.allocUnsafe(Math.max(MIN_BYTES, Math.ceil(this.#pos * 1.25)));
    this.#reset();
    return out;
  }

  /** Drops what is held (a task closed dirty: its outputs are not to be sent). */
  clear(): void {
    this.#reset();
  }

  #reset(): void {
    this.#pos = 0;
    this.#count = 0;
    this.#topics = [];
    this.#headers.clear();
  }

  #copy(data: Buffer): number {
    const at = this.#pos;
    if (at + data.length > this.#bytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.#bytes.length * 2, at + data.length));
      this.#bytes.copy(bigger, 0, 0, at);
      this.#bytes = bigger;
    }
    this.#bytes.set(data, at);
    this.#pos = at + data.length;
    return at;
  }

  #growRecords(): void {
    const records = this.#timestamps.length * 2;
    const meta = new Int32Array(FIELDS * records);
    meta.set(this.#meta);
    this.#meta = meta;
    const timestamps = new Float64Array(records);
    timestamps.set(this.#timestamps);
    this.#timestamps = timestamps;
  }
}
