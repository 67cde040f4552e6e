// The change-logging layer: passes writes to the backend and keeps them as changelog records,
// which the Kafka runtime drains and produces at commit (a null value is a tombstone).
import type { ChangelogRecord } from './api.ts';
import type { KeyValueBackend } from './backend.ts';

/** Records every change on its way to the backend. */
export class ChangeLoggingBackend implements KeyValueBackend {
  readonly name: string;
  readonly persistent: boolean;
  readonly writeSync: ((batch: ReadonlyArray<readonly [string, Buffer | null]>) => void) | undefined;
  readonly #inner: KeyValueBackend;
  #log: ChangelogRecord[] = [];

  constructor(inner: KeyValueBackend) {
    this.name = inner.name;
    this.persistent = inner.persistent;
    this.#inner = inner;
    const sync = inner.writeSync;
    this.writeSync = sync
      ? (batch) => {
          for (const [key, value] of batch) this.#log.push({ key, value });
          sync(batch);
        }
      : undefined;
  }

  /** Changes since the last drain, in write order. */
  drainChangelog(): ChangelogRecord[] {
    const log = this.#log;
    this.#log = [];
    return log;
  }

  /** Writes changelog records to the backend without logging them again (restoration). */
  restore(records: readonly ChangelogRecord[]): Promise<void> {
    return this.#inner.write(records.map((r) => [r.key, r.value] as const));
  }

  get(key: string): Buffer | undefined {
    return this.#inner.get(key);
  }

  put(key: string, value: Buffer): void {
    this.#inner.put(key, value);
    this.#log.push({ key, value });
  }

  delete(key: string): void {
    this.#inner.delete(key);
    this.#log.push({ key, value: null });
  }

  range(from?: string, to?: string): Iterable<[string, Buffer]> {
    return this.#inner.range(from, to);
  }

  async write(batch: ReadonlyArray<readonly [string, Buffer | null]>): Promise<void> {
    for (const [key, value] of batch) this.#log.push({ key, value });
    await this.#inner.write(batch);
  }

  approximateSize(): number {
    return this.#inner.approximateSize();
  }

  flush(): Promise<void> {
    return this.#inner.flush();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}
