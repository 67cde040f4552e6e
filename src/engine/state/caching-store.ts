// The write-back cache: typed values live here between commits. A put touches only a Map (no
// serialization, no native call); `flush` serializes the dirty entries and writes them to the
// layer below in one batch. Misses read through and are remembered (absent keys too).
import type { Serde } from '../serdes/api.ts';
import type { KeyValueStore } from './api.ts';
import type { KeyValueBackend } from './backend.ts';
import { compareKeys, inRange } from './key-order.ts';

interface Entry<V> {
  // undefined: the key is absent (deleted, or known missing below).
  value: V | undefined;
  dirty: boolean;
}

/** A bounded write-back cache over a byte backend. */
export class CachingKeyValueStore<V> implements KeyValueStore<V> {
  readonly name: string;
  readonly #inner: KeyValueBackend;
  readonly #serde: Serde<V>;
  readonly #maxEntries: number;
  readonly #cache = new Map<string, Entry<V>>();
  // Keys in the order they became dirty: flush walks these, not the whole cache.
  #dirtyKeys: string[] = [];

  constructor(inner: KeyValueBackend, serde: Serde<V>, maxEntries: number) {
    this.name = inner.name;
    this.#inner = inner;
    this.#serde = serde;
    this.#maxEntries = maxEntries;
  }

  /** Entries waiting for the next flush. */
  get dirtyCount(): number {
    return this.#dirtyKeys.length;
  }

  get(key: string): V | undefined {
    const hit = this.#cache.get(key);
    if (hit) return hit.value;
    const bytes = this.#inner.get(key);
    const value = bytes === undefined ? undefined : this.#serde.deserialize(this.name, bytes);
    this.#cache.set(key, { value, dirty: false });
    this.#maybeEvict();
    return value;
  }

  put(key: string, value: V): void {
    this.#set(key, value);
  }

  delete(key: string): void {
    this.#set(key, undefined);
  }

  *range(from?: string, to?: string): Iterable<[string, V]> {
    // Dirty entries override the backend; clean ones equal it, so only dirty ones are merged in.
    const overlay: Array<[string, V | undefined]> = [];
    for (const [key, entry] of this.#cache) if (entry.dirty && inRange(key, from, to)) overlay.push([key, entry.value]);
    overlay.sort((a, b) => compareKeys(a[0], b[0]));
    let i = 0;
    for (const [key, bytes] of this.#inner.range(from, to)) {
      while (i < overlay.length && compareKeys((overlay[i] as [string, V | undefined])[0], key) < 0) {
        const [k, v] = overlay[i++] as [string, V | undefined];
        if (v !== undefined) yield [k, v];
      }
      if (i < overlay.length && (overlay[i] as [string, V | undefined])[0] === key) {
        const [k, v] = overlay[i++] as [string, V | undefined];
        if (v !== undefined) yield [k, v];
        continue;
      }
      const cached = this.#cache.get(key);
      yield [key, cached && cached.value !== undefined ? cached.value : this.#serde.deserialize(this.name, bytes)];
    }
    for (; i < overlay.length; i++) {
      const [k, v] = overlay[i] as [string, V | undefined];
      if (v !== undefined) yield [k, v];
    }
  }

  approximateSize(): number {
    // The backend's count plus dirty entries is close enough for metrics.
    return this.#inner.approximateSize() + this.#dirtyKeys.length;
  }

  async flush(): Promise<void> {
    if (this.#dirtyKeys.length > 0) {
      const keys = this.#dirtyKeys;
      this.#dirtyKeys = [];
      const batch: Array<[string, Buffer | null]> = new Array(keys.length);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        const entry = this.#cache.get(key) as Entry<V>;
        batch[i] = [key, entry.value === undefined ? null : this.#serde.serialize(this.name, entry.value)];
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
    if (entry) {
      entry.value = value;
      if (!entry.dirty) {
        entry.dirty = true;
        this.#dirtyKeys.push(key);
      }
      return;
    }
    this.#cache.set(key, { value, dirty: true });
    this.#dirtyKeys.push(key);
    this.#maybeEvict();
  }

  // Drops the oldest clean entries down to 90% of the bound. Dirty entries stay until flush
  // (a write needs an async batch), so when most entries are dirty the cache grows until commit.
  #maybeEvict(): void {
    const size = this.#cache.size;
    if (size <= this.#maxEntries || this.#dirtyKeys.length > this.#maxEntries * 0.5) return;
    let excess = size - Math.floor(this.#maxEntries * 0.9);
    for (const [key, entry] of this.#cache) {
      if (excess <= 0) break;
      if (entry.dirty) continue;
      this.#cache.delete(key);
      excess--;
    }
  }
}
