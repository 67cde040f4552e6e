// A fetched partition's records kept as the response's bytes: where each record's key and value
// sit, its offset and timestamp, in typed arrays; a record becomes a ConsumedRecord (an object and
// two views of the bytes) only when it is read, just before it is processed.
//
// Why: decoded into objects at fetch time, records waited in their task's queue (a fetch brings up
// to 1 MiB per partition, thousands of records) long enough to survive young-generation
// collections, and what survives is what a scavenge costs: the records and their key and value
// views were ~155 MB of the ~1,300 MB a one-thread run's scavenges kept, ~56 MB since
// (docs/BENCHMARKS.md, "GC, the threads nobody sees, and tasks spread per sub-topology").
import type { ConsumedRecord, RecordList } from './api.ts';

type Headers = ConsumedRecord['headers'];

/**
 * The headers of every record that has none. Frozen: a prototype-less header object per record (a
 * dictionary-mode object each) was most of what a waiting fetched record kept alive; nothing
 * writes to a consumed record's headers.
 */
export const NO_HEADERS: Headers = Object.freeze(Object.create(null) as Headers);

// Per record in `#spans`: key start, key length (-1: null), value start, value length (-1: null).
const SPAN = 4;

/** A fetched partition's records as bytes (see the file comment). */
export class RecordBlock implements RecordList {
  readonly topic: string;
  readonly partition: number;
  readonly #bytes: Buffer;
  #count = 0;
  #spans: Int32Array;
  #offsets: Float64Array;
  #timestamps: Float64Array;
  // Rare: records with headers, and records decoded elsewhere (compressed batches), by index.
  readonly #headers = new Map<number, Headers>();
  readonly #decoded = new Map<number, ConsumedRecord>();

  /** Records of `bytes` (a Fetch response's records field) for `topic`-`partition`; `expected` sizes the arrays (they grow past it). */
  constructor(topic: string, partition: number, bytes: Buffer, expected = 16) {
    this.topic = topic;
    this.partition = partition;
    this.#bytes = bytes;
    const n = Math.max(1, expected);
    this.#spans = new Int32Array(SPAN * n);
    this.#offsets = new Float64Array(n);
    this.#timestamps = new Float64Array(n);
  }

  get length(): number {
    return this.#count;
  }

  /** Adds a record whose key and value are at the given places of the bytes (start and length; length -1: null). */
  add(offset: number, timestamp: number, keyStart: number, keyLength: number, valueStart: number, valueLength: number, headers?: Headers): void {
    const i = this.#slot();
    const at = i * SPAN;
    const spans = this.#spans;
    spans[at] = keyStart;
    spans[at + 1] = keyLength;
    spans[at + 2] = valueStart;
    spans[at + 3] = valueLength;
    this.#offsets[i] = offset;
    this.#timestamps[i] = timestamp;
    if (headers !== undefined) this.#headers.set(i, headers);
  }

  /** Adds a record decoded elsewhere (a compressed batch's, whose bytes are not these). */
  addDecoded(record: ConsumedRecord): void {
    const i = this.#slot();
    this.#offsets[i] = record.offset;
    this.#timestamps[i] = record.timestamp;
    this.#decoded.set(i, record);
  }

  /** The offset of record `index` (no record made). */
  offsetAt(index: number): number {
    return this.#offsets[index] as number;
  }

  /** Record `index` (negative: from the end), made now; undefined outside the block. */
  at(index: number): ConsumedRecord | undefined {
    const i = index < 0 ? this.#count + index : index;
    if (i < 0 || i >= this.#count) return undefined;
    const decoded = this.#decoded.get(i);
    if (decoded !== undefined) return decoded;
    const spans = this.#spans;
    const at = i * SPAN;
    const keyLength = spans[at + 1] as number;
    const valueLength = spans[at + 3] as number;
    const keyStart = spans[at] as number;
    const valueStart = spans[at + 2] as number;
    return {
      topic: this.topic,
      partition: this.partition,
      offset: this.#offsets[i] as number,
      key: keyLength < 0 ? null : this.#bytes.subarray(keyStart, keyStart + keyLength),
      value: valueLength < 0 ? null : this.#bytes.subarray(valueStart, valueStart + valueLength),
      timestamp: this.#timestamps[i] as number,
      headers: this.#headers.get(i) ?? NO_HEADERS,
    };
  }

  *[Symbol.iterator](): Iterator<ConsumedRecord> {
    for (let i = 0; i < this.#count; i++) yield this.at(i) as ConsumedRecord;
  }

  #slot(): number {
    const i = this.#count;
    if (i === this.#offsets.length) {
      const spans = new Int32Array(this.#spans.length * 2);
      spans.set(this.#spans);
      this.#spans = spans;
      const offsets = new Float64Array(this.#offsets.length * 2);
      offsets.set(this.#offsets);
      this.#offsets = offsets;
      const timestamps = new Float64Array(this.#timestamps.length * 2);
      timestamps.set(this.#timestamps);
      this.#timestamps = timestamps;
    }
    this.#count = i + 1;
    return i;
  }
}

/** The offset of record `index` of a list, without making the record when it is a block. */
export function offsetAt(records: RecordList, index: number): number {
  return records instanceof RecordBlock ? records.offsetAt(index) : (records.at(index) as ConsumedRecord).offset;
}
