// Node's on-disk compile cache (`module.enableCompileCache`, as npm's own CLI turns on): modules,
// TypeScript stripping included, load from the second start on without being compiled again.
// Called first by each entry point (the `invoice-stream` command and each stream thread's worker),
// before the modules it then imports. Measured (`LIVE_BENCH_LOG=1 node bench/run.ts live-invoices
// --threads=2`): two stream threads start ~130 ms sooner (docs/BENCHMARKS.md). The cache lives
// under the OS temp dir (the pod's writable /tmp), NODE_COMPILE_CACHE moves it and
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; a dir that cannot be written only means no cache.
import module from 'node:module';

/** Turns Node's compile cache on for this thread's modules loaded from now on. */
export function enableCompileCache(): void {
  module.enableCompileCache?.();
}
