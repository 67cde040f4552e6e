// Deduplication of input events within the horizon, over one store: dedup key → clock (µs) of
// the event's first sighting. Whether an event is a duplicate depends only on that entry and the
// clock (`clock - seenAt <= horizon`), never on when an expired entry is removed: removal only
// gives the space back. So expired entries go by a sweep of the store in key order, a bounded
// number per record, resumed where the last one stopped (as Kafka Streams drops expired window
// segments off the processing path), instead of an index by day of first sighting.
//
// Why not that index (the `dedup-by-day` store until 2026-12-06): it cost every input a second
// store write and a changelog record, and its removal a tombstone more, about a fifth of the
// live pipeline's internal records. Dropping index and expiry altogether gave live-invoices +10 %
// records per CPU-second (a bound, not a design); this sweep gives +6 % (docs/BENCHMARKS.md).
//
// The sweep reads each entry once per pass. An expired entry is gone within one pass, which takes
// N / k records for N entries (k = SWEEP_PER_RECORD), so with H entries in one horizon,
// N <= H + N / k: the store holds at most k / (k - 1) horizons of entries, 2k / (2k - 1) on
// average. With k = 2 that is no more store entries per id than the index design held (two each),
// for two entry reads per record (~1 µs each in a live profile). Entries an earlier version
// indexed by day are swept as well.
import type { KeyValueStore, Serde } from '../engine/index.ts';

/** Entries looked at per record processed, on average: 2 keeps the store within 2 horizons (1.33 on average). */
export const SWEEP_PER_RECORD = 2;
/** Records between sweeps: a sweep's store range has a fixed cost, paid once per this many. */
export const SWEEP_EVERY = 256;
/**
 * Write-back cache entries of the dedup store (the others keep the engine's 100k). An id is
 * written once and read again only by a duplicate (most arrive soon after the first: a producer's
 * retry) and by the sweep, so a large cache only held every id of the run as objects the GC marks
 * again and again. Measured (live-invoices, one thread, --trace-gc, alternated, 2,048 entries):
 * mark-compact pauses 220-228 → 154-169 ms per run (docs/BENCHMARKS.md, fifth session).
 */
export const DEDUP_CACHE_ENTRIES = 4096;

// A first sighting's clock as stored: a 0 byte, then the µs as a big-endian float64 (the clock's
// double, bit for bit). Until 2026-12-07 it was JSON text, which the changelog and the
// stores of earlier versions still hold: JSON never starts with a 0 byte, so both read back.
// Why bytes: the sweep reads two entries per record, and each JSON read was a UTF-8 decode and a
// parse, a third of the sweep's CPU (docs/BENCHMARKS.md).
const CLOCK_BYTES = 9;

/** The dedup store's values: a first sighting's clock (µs). */
export const dedupClockSerde: Serde<number> = {
  serialize: (_topic, clock) => {
    const bytes = Buffer.allocUnsafe(CLOCK_BYTES);
    bytes[0] = 0;
    bytes.writeDoubleBE(clock, 1);
    return bytes;
  },
  deserialize: (_topic, bytes) => {
    if (bytes === null) return null as unknown as number;
    if (bytes.length === CLOCK_BYTES && bytes[0] === 0) return bytes.readDoubleBE(1);
    return JSON.parse(bytes.toString('utf8')) as number;
  },
};

/** Event ids seen within the horizon, in a store of first sightings. */
export class DedupWindow {
  readonly #store: KeyValueStore<number>;
  readonly #horizonMicros: number;
  // The next key the sweep looks at (undefined: from the start).
  #cursor: string | undefined;
  #sinceSweep = 0;

  constructor(store: KeyValueStore<number>, horizonMicros: number) {
    this.#store = store;
    this.#horizonMicros = horizonMicros;
  }

  /**
   * True when `key` was first seen within the horizon of `clock` (a duplicate); otherwise
   * records it as seen at `clock` and returns false. Sweeps every SWEEP_EVERY calls.
   */
  seen(key: string, clock: number): boolean {
    const seenAt = this.#store.get(key);
    if (seenAt !== undefined && clock - seenAt <= this.#horizonMicros) return true;
    this.#store.put(key, clock);
    if (++this.#sinceSweep >= SWEEP_EVERY) {
      this.#sinceSweep = 0;
      this.sweep(clock, SWEEP_EVERY * SWEEP_PER_RECORD);
    }
    return false;
  }

  /** Looks at up to `budget` entries from where the last sweep stopped and deletes the expired ones. */
  sweep(clock: number, budget: number): void {
    const expired: string[] = [];
    let looked = 0;
    let last: string | undefined;
    for (const [key, seenAt] of this.#store.range(this.#cursor)) {
      if (looked === budget) break;
      looked++;
      last = key;
      if (clock - seenAt > this.#horizonMicros) expired.push(key);
    }
    // At the end of the store the next pass starts over; otherwise just past the last key
    // (`key + '\0'` is the least key after it).
    this.#cursor = looked < budget || last === undefined ? undefined : `${last}\u0000`;
    // Deletes after the walk: a store's range is not to be changed while it is walked.
    for (const key of expired) this.#store.delete(key);
  }
}
