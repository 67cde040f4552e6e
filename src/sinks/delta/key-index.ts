// In-memory key -> (file, row position, version) index of the current table. Rebuilt lazily from
// the log: a file's keys are read (key and version columns only, rows its deletion vector deletes
// skipped) the first time a batch holds a key inside that file's key range from its add-action
// stats, so new keys outside every range cost no reads. The row position is what an update marks
// in the file's deletion vector. Files are read through the table's store (../storage/).
import type { Version } from '../core/row-per-key.ts';
import type { AddAction } from './actions.ts';
import type { DeletionVectorCache } from './deletion-vector.ts';
import { keysAndVersions } from './columnar.ts';
import { decodeColumns } from './parquet.ts';
import type { CompiledSpec } from './schema.ts';
import { getExisting, type ObjectStore } from '../storage/store.ts';
import { statsOf } from './stats.ts';
import type { DeltaRow, DeltaValue } from './types.ts';

/** Where a key lives (file and row position in it) and the version it has there. */
export interface KeyEntry {
  file: string;
  row: number;
  version: Version;
}

interface Range { min: DeltaValue; max: DeltaValue }

// Only these types have stats bounds that compare exactly with canonical values.
const PRUNABLE = new Set(['string', 'long', 'integer', 'date']);

/** The key index of one table. */
export class KeyIndex {
  private readonly spec: CompiledSpec;
  private readonly store: ObjectStore;
  private readonly dvs: DeletionVectorCache;
  private readonly entries = new Map<string, KeyEntry>();
  private readonly loaded = new Set<string>();
  /** Counters for benches and tests. */
  readonly metrics = { filesLoaded: 0, keysLoaded: 0 };

  constructor(store: ObjectStore, spec: CompiledSpec, dvs: DeletionVectorCache) {
    this.store = store;
    this.spec = spec;
    this.dvs = dvs;
  }

  /** Forget everything (after commits by another writer). */
  reset(): void {
    this.entries.clear();
    this.loaded.clear();
  }

  /** Look a key up; only meaningful after `ensure` for the batch. */
  get(key: string): KeyEntry | undefined {
    return this.entries.get(key);
  }

  /** Load every active file that may hold one of `rows`' keys (by the file's key range). */
  async ensure(files: Iterable<AddAction>, rows: DeltaRow[]): Promise<void> {
    const first = this.spec.keyCodecs[0];
    const prunable = PRUNABLE.has(first.column.type);
    // Sorted only once a file needs the range check: sorting a large batch with the code-point
    // comparator is costly, and usually every file is already loaded (or there is none).
    let sorted: DeltaValue[] | undefined;
    for (const add of files) {
      if (this.loaded.has(add.path)) continue;
      if (prunable) {
        sorted ??= rows.map(r => r[first.column.name]).sort((a, b) => first.compare(a, b));
        if (!this.mayContain(add, sorted)) continue;
      }
      await this.load(add);
    }
  }

  private mayContain(add: AddAction, sorted: DeltaValue[]): boolean {
    const range = this.range(add);
    if (range === 'empty') return false;
    if (!range) return true;
    const first = this.spec.keyCodecs[0];
    // Binary search for the first batch key >= min, then check it against max.
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (first.compare(sorted[mid], range.min) < 0) lo = mid + 1; else hi = mid;
    }
    return lo < sorted.length && first.compare(sorted[lo], range.max) <= 0;
  }

  private range(add: AddAction): Range | 'empty' | undefined {
    const stats = statsOf(add);
    const name = this.spec.keyCodecs[0].column.name;
    if (!stats) return undefined;
    if (stats.numRecords === 0) return 'empty';
    const min = stats.minValues[name];
    const max = stats.maxValues[name];
    if (min === undefined || max === undefined) return undefined;
    return { min: min as DeltaValue, max: max as DeltaValue };
  }

  private async load(add: AddAction): Promise<void> {
    const { keyColumns, versionColumn } = this.spec.spec;
    const cols = versionColumn !== undefined && !keyColumns.includes(versionColumn) ? [...keyColumns, versionColumn] : keyColumns;
    const [bytes, deleted] = await Promise.all([getExisting(this.store, add.path), this.dvs.rows(add.deletionVector)]);
    const { keys, versions } = keysAndVersions(await decodeColumns(bytes, this.spec, cols), this.spec);
    this.track(add.path, keys, versions, deleted);
    this.metrics.filesLoaded++;
    this.metrics.keysLoaded += keys.length - deleted.length;
  }

  /**
   * Record that these keys (with their versions) live in `path`, at their positions in the arrays;
   * rows at the `deleted` positions (ascending: the file's deletion vector) are not in the table.
   */
  track(path: string, keys: string[], versions: Version[], deleted: readonly number[] = []): void {
    let d = 0;
    for (let i = 0; i < keys.length; i++) {
      if (d < deleted.length && deleted[d] === i) { d++; continue; }
      this.entries.set(keys[i], { file: path, row: i, version: versions[i] });
    }
    this.loaded.add(path);
  }

  /** Forget a removed file (its keys are re-tracked in the files that replace it). */
  untrack(path: string): void {
    this.loaded.delete(path);
  }

  /** Number of keys known. */
  get size(): number {
    return this.entries.size;
  }
}
