// A read cache in front of a remote store, for the objects that never change once written: a
// Delta data file's name is unique (a UUID) and its bytes are final, so the copy this writer put
// or got is the object as long as the name exists. The log (`_delta_log/`) is never cached: its
// `_last_checkpoint` is replaced, and a commit's absence must be asked each time. Bounded by bytes,
// least recently used first out. A copy-on-write batch reads back the files the previous batch
// wrote, and the key index and the rewrite read the same file: on S3 both become memory reads.
import type { ObjectInfo, ObjectStore } from './store.ts';
import { joinKey } from './store.ts';

/** Hits, misses and what the cache holds, for benches and metrics. */
export interface CacheCounts {
  hits: number;
  misses: number;
  bytes: number;
  objects: number;
}

/** Objects by full key, least recently used first; shared by a store and its children. */
class ByteLru {
  private readonly map = new Map<string, Uint8Array>();
  readonly counts: CacheCounts = { hits: 0, misses: 0, bytes: 0, objects: 0 };
  private readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  get(key: string): Uint8Array | undefined {
    const v = this.map.get(key);
    if (v === undefined) { this.counts.misses++; return undefined; }
    this.map.delete(key);
    this.map.set(key, v);
    this.counts.hits++;
    return v;
  }

  set(key: string, bytes: Uint8Array): void {
    this.delete(key);
    if (bytes.length > this.maxBytes) return;
    this.map.set(key, bytes);
    this.counts.bytes += bytes.length;
    for (const [k, v] of this.map) {
      if (this.counts.bytes <= this.maxBytes) break;
      this.map.delete(k);
      this.counts.bytes -= v.length;
    }
    this.counts.objects = this.map.size;
  }

  delete(key: string): void {
    const v = this.map.get(key);
    if (v === undefined) return;
    this.map.delete(key);
    this.counts.bytes -= v.length;
    this.counts.objects = this.map.size;
  }
}

const cacheable = (key: string): boolean => !key.startsWith('_delta_log/');
const asBytes = (b: Uint8Array | string): Uint8Array => typeof b === 'string' ? new TextEncoder().encode(b) : b;

/** `inner` with its data files cached in memory, up to `maxBytes` for this store and its children. */
export class CachedStore implements ObjectStore {
  readonly location: string;
  readonly inner: ObjectStore;
  private readonly lru: ByteLru;

  constructor(inner: ObjectStore, maxBytes: number, shared?: ByteLru) {
    this.inner = inner;
    this.location = inner.location;
    this.lru = shared ?? new ByteLru(maxBytes);
  }

  /** Hits, misses, bytes and objects held (shared with the children). */
  get cache(): CacheCounts {
    return this.lru.counts;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    if (!cacheable(key)) return this.inner.get(key);
    const full = joinKey(this.location, key);
    const hit = this.lru.get(full);
    if (hit !== undefined) return hit;
    const bytes = await this.inner.get(key);
    if (bytes !== undefined) this.lru.set(full, bytes);
    return bytes;
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  listInfo(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.listInfo(prefix);
  }

  async put(key: string, bytes: Uint8Array | string): Promise<void> {
    const full = joinKey(this.location, key);
    this.lru.delete(full);
    await this.inner.put(key, bytes);
    if (cacheable(key)) this.lru.set(full, asBytes(bytes));
  }

  putIfAbsent(key: string, bytes: Uint8Array | string): Promise<boolean> {
    return this.inner.putIfAbsent(key, bytes);
  }

  async delete(key: string): Promise<void> {
    this.lru.delete(joinKey(this.location, key));
    await this.inner.delete(key);
  }

  child(key: string): CachedStore {
    return new CachedStore(this.inner.child(key), 0, this.lru);
  }
}
