// V8's garbage collector, tuned for a stream processor. Allocation-site pretenuring (V8's default)
// allocates the objects of a site whose objects were seen to survive a scavenge straight in the
// old generation. A stream thread's objects mostly live for one commit interval (~100 ms: cached
// store values, a commit's records, fetched batches): long enough for some to survive a scavenge,
// so their sites get pretenured, and then all of them die in the old generation, where only a
// full mark-compact of the heap finds them. Without pretenuring they die young.
//
// Measured (`node [--no-allocation-site-pretenuring] --trace-gc-nvp bench/run.ts live-invoices
// --orders=50000 --partitions=4 --threads=1`, docs/BENCHMARKS.md, seventh session): mark-compacts
// 18 → 13 per run, scavenge pauses 986 → 667 ms, bytes promoted 403 → 267 MB; records per
// CPU-second +6 to +9 % over alternated pairs, with one thread and with two.
import v8 from 'node:v8';

let tuned = false;

/** Turns allocation-site pretenuring off for this process (V8's flags are per process, so every stream thread's isolate too); once, before the stream threads start. */
export function tuneGarbageCollector(): void {
  if (tuned) return;
  tuned = true;
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
