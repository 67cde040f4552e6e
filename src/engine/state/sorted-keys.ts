// An ordered set of string keys (UTF-8 byte order) with O(log n) lookups and cheap inserts: a
// list of sorted chunks of at most CHUNK keys (a flat B-tree). Stores use it as the index for
// range scans, so a processor that scans on every record does not re-sort anything.
import { compareKeys } from './key-order.ts';

const CHUNK = 512;

/** A sorted set of keys with range iteration. */
export class SortedKeySet {
  #chunks: string[][] = [];
  #size = 0;

  /** Builds from keys in any order (repeats are dropped). */
  static from(keys: Iterable<string>): SortedKeySet {
    const set = new SortedKeySet();
    const sorted = [...new Set(keys)].sort(compareKeys);
    for (let i = 0; i < sorted.length; i += CHUNK / 2) set.#chunks.push(sorted.slice(i, i + CHUNK / 2));
    set.#size = sorted.length;
    return set;
  }

  /** An independent copy (the keys are shared strings; the chunks are copied). */
  clone(): SortedKeySet {
    const copy = new SortedKeySet();
    copy.#chunks = this.#chunks.map((chunk) => chunk.slice());
    copy.#size = this.#size;
    return copy;
  }

  get size(): number {
    return this.#size;
  }

  /** Adds a key; false if it was there. */
  add(key: string): boolean {
    const chunks = this.#chunks;
    if (chunks.length === 0) {
      chunks.push([key]);
      this.#size = 1;
      return true;
    }
    const c = this.#chunkFor(key);
    const chunk = chunks[c] as string[];
    const i = lowerBound(chunk, key);
    if (i < chunk.length && chunk[i] === key) return false;
    chunk.splice(i, 0, key);
    this.#size++;
    if (chunk.length > CHUNK) chunks.splice(c + 1, 0, chunk.splice(CHUNK / 2));
    return true;
  }

  /** Removes a key; false if it was not there. */
  delete(key: string): boolean {
    if (this.#chunks.length === 0) return false;
    const c = this.#chunkFor(key);
    const chunk = this.#chunks[c] as string[];
    const i = lowerBound(chunk, key);
    if (i >= chunk.length || chunk[i] !== key) return false;
    chunk.splice(i, 1);
    this.#size--;
    if (chunk.length === 0) this.#chunks.splice(c, 1);
    return true;
  }

  /** Keys in [from, to), in order. Do not add or delete while iterating; collect first. */
  *range(from?: string, to?: string): Generator<string> {
    const chunks = this.#chunks;
    let c = from === undefined ? 0 : this.#chunkFor(from);
    let i = from === undefined ? 0 : lowerBound(chunks[c] ?? [], from);
    for (; c < chunks.length; c++, i = 0) {
      const chunk = chunks[c] as string[];
      for (; i < chunk.length; i++) {
        const key = chunk[i] as string;
        if (to !== undefined && compareKeys(key, to) >= 0) return;
        yield key;
      }
    }
  }

  // The chunk that holds (or would hold) `key`: the last whose first key is <= key.
  #chunkFor(key: string): number {
    const chunks = this.#chunks;
    let lo = 0;
    let hi = chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (compareKeys((chunks[mid] as string[])[0] as string, key) <= 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** First index whose key is >= `key` in a sorted array. */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keys[mid] as string, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
