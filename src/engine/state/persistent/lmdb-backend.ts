// The persistent backend: LMDB through `lmdb` (prebuilt binaries in the npm package). Chosen by
// benchmark (see ../README.md): it is the candidate with synchronous reads and range scans,
// which the Processor API needs; a batch is written in one synchronous transaction.
import { mkdirSync } from 'node:fs';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { KeyValueBackend } from '../backend.ts';

/** Options of an LMDB store. */
export interface LmdbOptions {
  /** Directory of the environment (one per store and task). */
  readonly path: string;
  /** Skip fsync: the changelog (Kafka) or the input files (replay) are the source of truth. Default true. */
  readonly noSync?: boolean;
}

/** A key-value backend in an LMDB environment; keys are UTF-8 strings in byte order. */
export class LmdbBackend implements KeyValueBackend {
  readonly name: string;
  readonly persistent = true;
  readonly #root: RootDatabase<Buffer, string>;
  readonly #db: Database<Buffer, string>;

  constructor(name: string, options: LmdbOptions) {
    this.name = name;
    mkdirSync(options.path, { recursive: true });
    this.#root = open<Buffer, string>({ path: options.path, noSync: options.noSync ?? true, encoding: 'binary', compression: false });
    this.#db = this.#root;
  }

  get(key: string): Buffer | undefined {
    return this.#db.get(key);
  }

  put(key: string, value: Buffer): void {
    this.#db.putSync(key, value);
  }

  delete(key: string): void {
    this.#db.removeSync(key);
  }

  *range(from?: string, to?: string): Iterable<[string, Buffer]> {
    for (const { key, value } of this.#db.getRange({ start: from, end: to })) yield [key, value];
  }

  async write(batch: ReadonlyArray<readonly [string, Buffer | null]>): Promise<void> {
    this.writeSync(batch);
  }

  readonly writeSync = (batch: ReadonlyArray<readonly [string, Buffer | null]>): void => {
    if (batch.length === 0) return;
    // One synchronous transaction: measured faster than lmdb-js's async write queue (bench/README.md),
    // and processing waits for the commit anyway.
    this.#db.transactionSync(() => {
      for (const [key, value] of batch) {
        if (value === null) this.#db.removeSync(key);
        else this.#db.putSync(key, value);
      }
    });
  };

  approximateSize(): number {
    return (this.#db.getStats() as { entryCount?: number }).entryCount ?? 0;
  }

  async flush(): Promise<void> {
    await this.#db.flushed;
  }

  async close(): Promise<void> {
    await this.#root.close();
  }
}
