// The write-behind layer of a persistent store, as RocksDB's memtable: writes land in a Map and
// reach the backend below in one batch when the Map holds more than a bound of bytes, not at
// every commit. A commit (every 100 ms under exactly_once) used to cost one LMDB transaction per
// store, which copies a page per touched leaf: ~10% of the live pipeline's CPU. The changelog
// layer sits above this one, so its records are still taken at every commit.
//
// Why losing the Map in a crash is safe:
// - exactly_once: a task that did not close cleanly has no checkpoint, so its directory is wiped
//   and restored from the whole changelog; what LMDB held does not matter.
// - at_least_once: the checkpoint of the last clean close stays, and restoration replays the
//   changelog from it. Every key changed since that close has a record after the checkpoint
//   (changes reach the changelog at each commit, whether or not they reached LMDB), so the replay
//   overwrites it; a key not changed since still holds its value of that close in LMDB. LMDB
//   itself is never torn: each push is one transaction of the latest values (and the early
//   deletes of a scan, below, are one transaction of tombstones that are the latest values too).
// - a clean close pushes the Map before the backend closes and before the checkpoint is written.
import type { KeyValueBackend } from '../backend.ts';
import { compareKeys } from '../key-order.ts';
import { SortedKeySet } from '../sorted-keys.ts';

type Batch = ReadonlyArray<readonly [string, Buffer | null]>;

/** Options of the write-behind layer. */
export interface WriteBehindOptions {
  /** Buffered bytes (keys + values) above which everything is written below at once. Default 4 MiB. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
// Keys deleted here but still below that a scan may walk before it deletes them below at once
// (an expiry index is scanned on every record; the cache above does the same).
const MASKED_BATCH = 16;

/** Buffers writes in memory over a persistent backend and writes them down in large batches. */
export class WriteBehindBackend implements KeyValueBackend {
  readonly name: string;
  readonly persistent: boolean;
  readonly #inner: KeyValueBackend;
  readonly #maxBytes: number;
  // Latest value of each written key; null is a delete that masks the key below.
  #buffer = new Map<string, Buffer | null>();
  // Approximate: keys count UTF-16 units, not UTF-8 bytes.
  #bytes = 0;
  // Every buffered key (tombstones too), sorted; built on the first scan and kept up to date from
  // then on, so stores never scanned pay nothing and scanned ones never re-sort.
  #index: SortedKeySet | undefined;
  // Counts pushes, so a scan knows whether what it learned about the backend still holds.
  #pushes = 0;

  constructor(inner: KeyValueBackend, options: WriteBehindOptions = {}) {
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.#inner = inner;
    this.#maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Approximate bytes waiting to be written below. */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Keys waiting to be written below (tombstones included). */
  get bufferedKeys(): number {
    return this.#buffer.size;
  }

  get(key: string): Buffer | undefined {
    const value = this.#buffer.get(key);
    if (value !== undefined) return value ?? undefined;
    return this.#inner.get(key);
  }

  put(key: string, value: Buffer): void {
    this.#set(key, value);
    this.#pushIfFull();
  }

  delete(key: string): void {
    this.#set(key, null);
    this.#pushIfFull();
  }

  async write(batch: Batch): Promise<void> {
    for (const [key, value] of batch) this.#set(key, value);
    if (this.#bytes > this.#maxBytes) await this.persist();
  }

  readonly writeSync = (batch: Batch): void => {
    for (const [key, value] of batch) this.#set(key, value);
    this.#pushIfFull();
  };

  *range(from?: string, to?: string): Iterable<[string, Buffer]> {
    if (this.#buffer.size === 0 && this.#index === undefined) {
      yield* this.#inner.range(from, to);
      return;
    }
    this.#index ??= SortedKeySet.from(this.#buffer.keys());
    // Buffered entries, snapshotted: the caller may write while iterating.
    const overlay: Array<[string, Buffer | null]> = [];
    for (const key of this.#index.range(from, to)) overlay.push([key, this.#buffer.get(key) as Buffer | null]);
    const pushes = this.#pushes;
    // Tombstones of keys the backend holds (to delete below), and of keys it does not (to drop).
    const masked: string[] = [];
    const absent: string[] = [];
    let i = 0;
    try {
      for (const entry of this.#inner.range(from, to)) {
        const key = entry[0];
        for (; i < overlay.length; i++) {
          const [k, v] = overlay[i] as [string, Buffer | null];
          if (compareKeys(k, key) >= 0) break;
          if (v === null) absent.push(k);
          else yield [k, v];
        }
        const next = overlay[i];
        if (next !== undefined && next[0] === key) {
          i++;
          if (next[1] === null) masked.push(key);
          else yield next as [string, Buffer];
        } else yield entry;
      }
      for (; i < overlay.length; i++) {
        const [k, v] = overlay[i] as [string, Buffer | null];
        if (v === null) absent.push(k);
        else yield [k, v];
      }
    } finally {
      // After a push the backend has changed under what this scan saw: leave the Map as it is.
      if (pushes === this.#pushes) this.#prune(masked, absent);
    }
  }

  approximateSize(): number {
    return this.#inner.approximateSize() + this.#buffer.size;
  }

  /** Called at every commit: leaves the Map in memory (that is the point) and flushes below. */
  async flush(): Promise<void> {
    // A backend without synchronous writes could not take a push from put(): do it now.
    if (this.#bytes > this.#maxBytes) await this.persist();
    await this.#inner.flush();
  }

  /** Writes every buffered change below in one batch. */
  async persist(): Promise<void> {
    if (this.#buffer.size === 0) return;
    if (this.#inner.writeSync) {
      this.#pushSync();
      return;
    }
    const batch = [...this.#buffer];
    this.#pushes++;
    await this.#inner.write(batch);
    // Keys written again while the batch was on its way stay buffered.
    for (const [key, value] of batch) if (this.#buffer.get(key) === value) this.#remove(key);
  }

  /** Writes the Map below, then closes the backend: after close every write is in it. */
  async close(): Promise<void> {
    await this.persist();
    await this.#inner.close();
  }

  #set(key: string, value: Buffer | null): void {
    const old = this.#buffer.get(key);
    if (old !== undefined) this.#bytes -= key.length + (old?.length ?? 0);
    else this.#index?.add(key);
    this.#buffer.set(key, value);
    this.#bytes += key.length + (value?.length ?? 0);
  }

  #remove(key: string): void {
    const old = this.#buffer.get(key);
    if (old === undefined) return;
    this.#bytes -= key.length + (old?.length ?? 0);
    this.#buffer.delete(key);
    this.#index?.delete(key);
  }

  #pushIfFull(): void {
    if (this.#bytes > this.#maxBytes && this.#inner.writeSync) this.#pushSync();
  }

  #pushSync(): void {
    const writeSync = this.#inner.writeSync as (batch: Batch) => void;
    this.#pushes++;
    // Written before cleared: if the write throws, the Map still has everything.
    writeSync([...this.#buffer]);
    this.#buffer = new Map();
    this.#bytes = 0;
    if (this.#index) this.#index = new SortedKeySet();
  }

  // Tombstones a scan walked: deleted below in one batch once there are enough to be worth a
  // native call (so later scans do not walk them there), and dropped where nothing is below.
  #prune(masked: readonly string[], absent: readonly string[]): void {
    for (const key of absent) if (this.#buffer.get(key) === null) this.#remove(key);
    const writeSync = this.#inner.writeSync;
    if (masked.length < MASKED_BATCH || !writeSync) return;
    const deletes = masked.filter((key) => this.#buffer.get(key) === null);
    if (deletes.length === 0) return;
    writeSync(deletes.map((key) => [key, null] as const));
    for (const key of deletes) this.#remove(key);
  }
}
