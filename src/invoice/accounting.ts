// The accounting counts (docs/contract.md "Accounting"): every input record ends as exactly one of
// applied, duplicate, dead-lettered or held. A held payment later applied or orphaned moves out
// of `held`, so at any moment applied + duplicate + dead_lettered + held = read.
//
// Those counts are what this pipeline did since it started. Live, a task may open with payments
// held in its restored state (a restart, a rebalance) that this pipeline never read: releasing
// them took `held` below zero, and the held-payments gauge with it. So the payments held now are
// tallied apart, per open task, from its state (`openHeld`), and the gauge shows those.

/** Counts of what became of the input records. */
export interface AccountingCounts {
  read: number;
  applied: number;
  duplicate: number;
  dead_lettered: number;
  held: number;
}

/** One open task's payments held in its state now, restored ones included (`Accounting.openHeld`). */
export interface HeldTally {
  count: number;
}

/** Mutable counters shared by the pipeline's processors (one per pipeline instance); readers take `counts` when they need them (the metrics, when scraped). */
export class Accounting {
  readonly counts: AccountingCounts = { read: 0, applied: 0, duplicate: 0, dead_lettered: 0, held: 0 };
  readonly #heldTallies = new Set<HeldTally>();

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

  /** A task opened with `count` payments held in its state: its tally, kept up to date by the task and given back by `closeHeld`. */
  openHeld(count: number): HeldTally {
    const tally = { count };
    this.#heldTallies.add(tally);
    return tally;
  }

  /** The task closed: its held payments stay in its state for whoever opens it next, and no longer count here. */
  closeHeld(tally: HeldTally): void {
    this.#heldTallies.delete(tally);
  }

  /** Payments held now in the open tasks' state (the gauge): unlike `counts.held`, never below zero after a restart. */
  heldNow(): number {
    let n = 0;
    for (const tally of this.#heldTallies) n += tally.count;
    return n;
  }

  /** Whether the counts add up to the records read. */
  balanced(): boolean {
    const c = this.counts;
    return c.applied + c.duplicate + c.dead_lettered + c.held === c.read;
  }
}
