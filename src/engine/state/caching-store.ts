// The write-back cache: typed values live here between commits. A put touches only a Map (no
// serialization, no native call); `flush` serializes the dirty entries and writes them to the
// layer below in one batch. Misses read through and are remembered (absent keys too).
import type { Serde } from '../serdes/api.ts';
import type { KeyValueStore } from './api.ts';
import type { KeyValueBackend } from './backend.ts';
import { compareKeys } from './key-order.ts';
import { SortedKeySet } from './sorted-keys.ts';

interface Entry<V> {
  readonly key: string;
  // undefined: the key is absent (deleted, or known missing below).
  value: V | undefined;
  dirty: boolean;
}

// How many deleted-but-still-below keys a scan may walk before it deletes them below at once.
const MASKED_BATCH = 16;

/** A bounded write-back cache over a byte backend. */
export class CachingKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  readonly #inner: KeyValueBackend;
  readonly #serde: Serde<V>;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, Entry<V>>();
  // Entries in the order they became dirty (a key may repeat): flush walks these, with no lookup
  // in the cache (a big Map's lookups are most of a store's cost).
  #dirty: Entry<V>[] = [];
  // Dirty keys with a value, sorted; built on the first range scan and kept up to date from
  // then on, so stores never scanned pay nothing and scanned ones never re-sort.
  #liveIndex: SortedKeySet | undefined;

  constructor(inner: KeyValueBackend, serde: Serde<V>, maxEntries: number) {
    this.name = inner.name;
    this.#inner = inner;
    this.#serde = serde;
    this.#maxEntries = maxEntries;
  }

  /** Keys waiting for the next flush (approximate: a key cleaned early may still count). */
  get dirtyCount(): number {
    return this.#dirty.length;
  }

  get(key: string): V | undefined {
    const hit = this.#cache.get(key);
    if (hit) return hit.value;
    const bytes = this.#inner.get(key);
    const value = bytes === undefined ? undefined : this.#serde.deserialize(this.name, bytes);
    this.#cache.set(key, { key, value, dirty: false });
    this.#maybeEvict();
    return value;
  }

  put(key: string, value: V): void {
    // A null value is a delete, as in Kafka Streams (and as the changelog would record it).
    this.#set(key, value === null ? undefined : value);
  }

  delete(key: string): void {
    this.#set(key, undefined);
  }

  *range(from?: string, to?: string): Iterable<[string, V]> {
    this.#liveIndex ??= SortedKeySet.from(this.#dirty.filter((e) => e.dirty && e.value !== undefined && this.#cache.get(e.key) === e).map((e) => e.key));
    // Live dirty entries replace or add to what the backend holds. Merged in as the walk reaches
    // them, not gathered up front: a walk that stops early (the first due entry, a bounded sweep)
    // pays only for the dirty keys it passes. Callers do not change the store while they walk it.
    const dirty = this.#liveIndex.range(from, to);
    let next = dirty.next();
    // Backend keys deleted in the cache: skipped now, and deleted below right after the scan so
    // the next scan does not walk them again (an expiry index is scanned on every record).
    const masked: string[] = [];
    try {
      for (const [key, bytes] of this.#inner.range(from, to)) {
        for (; !next.done && compareKeys(next.value, key) < 0; next = dirty.next()) yield [next.value, (this.#cache.get(next.value) as Entry<V>).value as V];
        const entry = this.#cache.get(key);
        if (entry?.dirty) {
          if (entry.value === undefined) masked.push(key);
          continue; // a live dirty value comes from the dirty keys' walk
        }
        yield [key, entry?.value !== undefined ? entry.value : this.#serde.deserialize(this.name, bytes)];
      }
      for (; !next.done; next = dirty.next()) yield [next.value, (this.#cache.get(next.value) as Entry<V>).value as V];
    } finally {
      // A few masked keys cost less to walk again than a native write each time.
      if (masked.length >= MASKED_BATCH) this.#deleteBelow(masked);
    }
  }

  approximateSize(): number {
    // The backend's count plus dirty entries is close enough for metrics.
    return this.#inner.approximateSize() + this.#dirty.length;
  }

  async flush(): Promise<void> {
    if (this.#dirty.length > 0) {
      const entries = this.#dirty;
      this.#dirty = [];
      if (this.#liveIndex) this.#liveIndex = new SortedKeySet();
      const batch: Array<[string, Buffer | null]> = [];
      for (const entry of entries) {
        if (!entry.dirty) continue; // cleaned early, or a repeat
        batch.push([entry.key, entry.value === undefined ? null : this.#serde.serialize(this.name, entry.value)]);
        entry.dirty = false;
      }
      await this.#inner.write(batch);
    }
    await this.#inner.flush();
    this.#maybeEvict();
  }

  async close(): Promise<void> {
    await this.flush();
    await this.#inner.close();
  }

  #set(key: string, value: V | undefined): void {
    const entry = this.#cache.get(key);
    // The range index holds exactly the dirty keys with a value: it changes only when that does.
    const wasLive = entry !== undefined && entry.dirty && entry.value !== undefined;
    if (entry) {
      entry.value = value;
      if (!entry.dirty) {
        entry.dirty = true;
        this.#dirty.push(entry);
      }
    } else {
      const created: Entry<V> = { key, value, dirty: true };
      this.#cache.set(key, created);
      this.#dirty.push(created);
      this.#maybeEvict();
    }
    if (this.#liveIndex && wasLive !== (value !== undefined)) {
      if (value === undefined) this.#liveIndex.delete(key);
      else this.#liveIndex.add(key);
    }
  }

  // Writes deletes found by a scan now, in one synchronous batch, when the backend can.
  #deleteBelow(keys: readonly string[]): void {
    const writeSync = this.#inner.writeSync;
    if (!writeSync) return;
    const batch: Array<[string, null]> = [];
    for (const key of keys) {
      const entry = this.#cache.get(key);
      if (!entry || !entry.dirty || entry.value !== undefined) continue; // re-put during the scan
      batch.push([key, null]);
      entry.dirty = false;
    }
    if (batch.length) writeSync(batch);
  }

  // Drops the oldest clean entries down to 90% of the bound. Dirty entries stay until flush
  // (a write needs an async batch), so when most entries are dirty the cache grows until commit.
  #maybeEvict(): void {
    const size = this.#cache.size;
    if (size <= this.#maxEntries || this.#dirty.length > this.#maxEntries * 0.5) return;
    let excess = size - Math.floor(this.#maxEntries * 0.9);
    for (const [key, entry] of this.#cache) {
      if (excess <= 0) break;
      if (entry.dirty) continue;
      this.#cache.delete(key);
      excess--;
    }
  }
}
