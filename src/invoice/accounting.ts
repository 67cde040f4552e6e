// The accounting counts (docs/contract.md "Accounting"): every input record ends as exactly one of
// applied, duplicate, dead-lettered or held. A held payment later applied or orphaned moves out
// of `held`, so at any moment applied + duplicate + dead_lettered + held = read.

/** Counts of what became of the input records. */
export interface AccountingCounts {
  read: number;
  applied: number;
  duplicate: number;
  dead_lettered: number;
  held: number;
}

/** Mutable counters shared by the pipeline's processors (one per pipeline instance); readers take `counts` when they need them (the metrics, when scraped). */
export class Accounting {
  readonly counts: AccountingCounts = { read: 0, applied: 0, duplicate: 0, dead_lettered: 0, held: 0 };

  /** A record entered the pipeline. */
  read(): void {
    this.counts.read += 1;
  }

  /** A record's final (or, for `held`, provisional) outcome. */
  count(outcome: 'applied' | 'duplicate' | 'dead_lettered' | 'held'): void {
    this.counts[outcome] += 1;
  }

  /** A held payment left the held set: applied, or dead-lettered (orphan, refused). */
  release(outcome: 'applied' | 'dead_lettered'): void {
    this.counts.held -= 1;
    this.counts[outcome] += 1;
  }

  /** Whether the counts add up to the records read. */
  balanced(): boolean {
    const c = this.counts;
    return c.applied + c.duplicate + c.dead_lettered + c.held === c.read;
  }
}
