// The bottom layer of a key-value store: string keys, byte values. Reads are synchronous (the
// Processor API is); single writes are synchronous; batches (what the cache flushes) may be async.
import type { KeyValueStore } from './api.ts';

/** A byte-level store a supplier makes; layers above add caching, changelogging and types. */
export interface KeyValueBackend extends KeyValueStore<Buffer> {
  readonly persistent: boolean;
  /** Applies puts and deletes (`null`) in one batch; resolves when readable. */
  write(batch: ReadonlyArray<readonly [string, Buffer | null]>): Promise<void>;
  /** The same, synchronously, where the backend can (both built-in backends can). */
  readonly writeSync?: (batch: ReadonlyArray<readonly [string, Buffer | null]>) => void;
}
