// The metered layer, outermost: counts operations and times flushes for the metrics endpoint.
// Counting is a few integer increments per call, so the hot path stays cheap.
import type { ChangelogRecord, ChangeLoggingStore, KeyValueStore } from './api.ts';
import type { ChangeLoggingBackend } from './change-logging-backend.ts';

/** Operation counts of one store. */
export interface StoreMetrics {
  gets: number;
  puts: number;
  deletes: number;
  ranges: number;
  flushes: number;
  flushMsTotal: number;
}

/** Counts and times calls to the store below; exposes the changelog when logging is on. */
export class MeteredKeyValueStore<V> implements KeyValueStore<V>, ChangeLoggingStore {
  readonly name: string;
  readonly metrics: StoreMetrics = { gets: 0, puts: 0, deletes: 0, ranges: 0, flushes: 0, flushMsTotal: 0 };
  readonly #inner: KeyValueStore<V>;
  readonly #changelog: ChangeLoggingBackend | undefined;

  constructor(inner: KeyValueStore<V>, changelog?: ChangeLoggingBackend) {
    this.name = inner.name;
    this.#inner = inner;
    this.#changelog = changelog;
  }

  /** Whether changes are logged. */
  get logged(): boolean {
    return this.#changelog !== undefined;
  }

  /** Whether the logged backend keeps its data across restarts (false when not logged: nothing to restore). */
  get persistent(): boolean {
    return this.#changelog?.persistent ?? false;
  }

  get(key: string): V | undefined {
    this.metrics.gets++;
    return this.#inner.get(key);
  }

  put(key: string, value: V): void {
    this.metrics.puts++;
    this.#inner.put(key, value);
  }

  delete(key: string): void {
    this.metrics.deletes++;
    this.#inner.delete(key);
  }

  range(from?: string, to?: string): Iterable<[string, V]> {
    this.metrics.ranges++;
    return this.#inner.range(from, to);
  }

  approximateSize(): number {
    return this.#inner.approximateSize();
  }

  async flush(): Promise<void> {
    const start = performance.now();
    await this.#inner.flush();
    this.metrics.flushes++;
    this.metrics.flushMsTotal += performance.now() - start;
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  drainChangelog(): ChangelogRecord[] {
    return this.#changelog ? this.#changelog.drainChangelog() : [];
  }

  restore(records: readonly ChangelogRecord[]): Promise<void> {
    if (!this.#changelog) throw new Error(`store ${this.name} has no changelog`);
    return this.#changelog.restore(records);
  }
}
