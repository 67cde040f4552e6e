// Punctuation schedules of one task, for one clock. Semantics follow Kafka Streams'
// PunctuationQueue: a schedule fires when the clock reaches its time, gets the clock's current
// value, and missed intervals are skipped rather than fired in a burst.
import type { Cancellable, Punctuator } from '../api.ts';

interface Schedule {
  next: number;
  readonly interval: number;
  readonly punctuator: Punctuator;
  readonly node: string;
  cancelled: boolean;
}

/** The schedules of one clock; `mayPunctuate` runs those that are due. */
export class PunctuationQueue {
  readonly #schedules: Schedule[] = [];
  // The earliest due time, so the per-record check is one comparison.
  #earliest = Infinity;

  /** Adds a schedule whose first firing is at `start`. */
  schedule(node: string, start: number, interval: number, punctuator: Punctuator): Cancellable {
    if (!(interval >= 1)) throw new Error(`punctuation interval must be >= 1 ms, got ${interval}`);
    const s: Schedule = { next: start, interval, punctuator, node, cancelled: false };
    this.#schedules.push(s);
    this.#earliest = Math.min(this.#earliest, start);
    return {
      cancel: () => {
        s.cancelled = true;
        const i = this.#schedules.indexOf(s);
        if (i >= 0) this.#schedules.splice(i, 1);
        this.#recompute();
      },
    };
  }

  /** Fires every schedule due at `now`, earliest first; `run` wraps each call (sets the node context). Returns whether any fired. */
  mayPunctuate(now: number, run: (node: string, fire: () => void) => void): boolean {
    if (now < this.#earliest) return false;
    let fired = false;
    while (true) {
      let due: Schedule | undefined;
      for (const s of this.#schedules) if (s.next <= now && (!due || s.next < due.next)) due = s;
      if (!due) break;
      // Reschedule before firing so a punctuator that cancels itself leaves no stale time.
      const missed = Math.floor((now - due.next) / due.interval);
      due.next = due.next + (missed + 1) * due.interval;
      const s = due;
      run(s.node, () => s.punctuator(now));
      fired = true;
    }
    this.#recompute();
    return fired;
  }

  #recompute(): void {
    let min = Infinity;
    for (const s of this.#schedules) if (s.next < min) min = s.next;
    this.#earliest = min;
  }
}
