// The in-memory backend: the sorted in-memory store holding bytes.
import type { KeyValueBackend } from '../backend.ts';
import { InMemoryKeyValueStore } from './in-memory-kv.ts';

/** In-memory bytes store; `write` applies a batch at once. */
export class InMemoryBackend extends InMemoryKeyValueStore<Buffer> implements KeyValueBackend {
  readonly persistent = false;

  async write(batch: ReadonlyArray<readonly [string, Buffer | null]>): Promise<void> {
    this.writeSync(batch);
  }

  readonly writeSync = (batch: ReadonlyArray<readonly [string, Buffer | null]>): void => {
    for (const [key, value] of batch) {
      if (value === null) this.delete(key);
      else this.put(key, value);
    }
  };
}
