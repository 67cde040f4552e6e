// One micro-batch of one source partition: one row per key (the sinks' one rule, in
// ../core/row-per-key.ts: the highest version wins, or the latest row for tables without a version
// column), plus the offsets it covers.
import { RowPerKey } from '../sinks/core/row-per-key.ts';
import type { DeltaRow, DeltaTableSpec } from '../sinks/delta/index.ts';

/** The rows of one partition waiting for the next table commit. */
export class PartitionBuffer {
  readonly #rows: RowPerKey<DeltaRow>;
  /** Last offset taken in (the commit's txn version); -1 while empty. */
  lastOffset = -1;
  /** When the first row arrived (epoch ms); 0 while empty. */
  firstAt = 0;
  /** Records taken in (rows before dedup, skipped records included). */
  records = 0;
  /** Kafka offset to commit after this batch: past the last record and any transaction markers behind it. */
  nextOffset = 0;

  constructor(spec: DeltaTableSpec) {
    this.#rows = new RowPerKey(spec);
  }

  /** Distinct keys held. */
  get size(): number {
    return this.#rows.size;
  }

  /** True when no record was taken in since the last drain. */
  get empty(): boolean {
    return this.lastOffset < 0;
  }

  /** Takes in the record at `offset` and its row (null: the offset still counts as consumed). Throws on a null key. */
  add(offset: number, row: DeltaRow | null, now: number): void {
    if (row !== null) this.#rows.offer(row); // first: a row that throws is not taken in
    if (this.empty) this.firstAt = now;
    this.lastOffset = offset;
    this.nextOffset = offset + 1;
    this.records += 1;
  }

  /** Hands over the batch and starts a new one. */
  drain(): { rows: DeltaRow[]; lastOffset: number; nextOffset: number; records: number } {
    const out = { rows: this.#rows.rows(), lastOffset: this.lastOffset, nextOffset: this.nextOffset, records: this.records };
    this.#rows.clear();
    this.lastOffset = -1;
    this.firstAt = 0;
    this.records = 0;
    return out;
  }
}
