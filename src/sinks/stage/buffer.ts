// One micro-batch of one source partition: one row per key (the highest version wins, or the
// latest row for tables without a version column), plus the offsets it covers.
import type { DeltaRow, DeltaTableSpec, DeltaValue } from '../delta/index.ts';

function keyOf(row: DeltaRow, keyColumns: readonly string[]): string {
  // JSON of the key cells: unambiguous for composite keys (client_id, currency).
  return keyColumns.length === 1 ? String(row[keyColumns[0] as string]) : JSON.stringify(keyColumns.map((c) => row[c] ?? null));
}

function versionOf(value: DeltaValue | undefined): number {
  return typeof value === 'number' ? value : Number(value ?? Number.NEGATIVE_INFINITY);
}

/** The rows of one partition waiting for the next table commit. */
export class PartitionBuffer {
  readonly #spec: DeltaTableSpec;
  readonly #rows = new Map<string, DeltaRow>();
  /** Last offset taken in (the commit's txn version); -1 while empty. */
  lastOffset = -1;
  /** When the first row arrived (epoch ms); 0 while empty. */
  firstAt = 0;
  /** Records taken in (rows before dedup, skipped records included). */
  records = 0;
  /** Kafka offset to commit after this batch: past the last record and any transaction markers behind it. */
  nextOffset = 0;

  constructor(spec: DeltaTableSpec) {
    this.#spec = spec;
  }

  /** Distinct keys held. */
  get size(): number {
    return this.#rows.size;
  }

  /** True when no record was taken in since the last drain. */
  get empty(): boolean {
    return this.lastOffset < 0;
  }

  /** Takes in the record at `offset` and its row (null: the offset still counts as consumed). */
  add(offset: number, row: DeltaRow | null, now: number): void {
    if (this.empty) this.firstAt = now;
    this.lastOffset = offset;
    this.nextOffset = offset + 1;
    this.records += 1;
    if (row === null) return;
    const key = keyOf(row, this.#spec.keyColumns);
    const vc = this.#spec.versionColumn;
    const held = vc === undefined ? undefined : this.#rows.get(key);
    // Same rule as the writers: a later record with a lower version never replaces a higher one.
    if (held !== undefined && vc !== undefined && versionOf(held[vc]) > versionOf(row[vc])) return;
    this.#rows.delete(key); // keep insertion order = order of the latest row
    this.#rows.set(key, row);
  }

  /** Hands over the batch and starts a new one. */
  drain(): { rows: DeltaRow[]; lastOffset: number; nextOffset: number; records: number } {
    const out = { rows: [...this.#rows.values()], lastOffset: this.lastOffset, nextOffset: this.nextOffset, records: this.records };
    this.#rows.clear();
    this.lastOffset = -1;
    this.firstAt = 0;
    this.records = 0;
    return out;
  }
}
