// Shared helpers of the benchmarks (convention in bench/README.md).

/** Bench arguments (`--name=value` pairs after the benchmark name). */
export type BenchArgs = Record<string, string | undefined>;

/** One benchmark: prints one JSON object per line to stdout (at least `name` and `records_per_s`). */
export type Benchmark = (args: BenchArgs) => Promise<void>;

/** What a `*.bench.ts` file exports: `export const benchmarks: BenchmarkMap`. */
export type BenchmarkMap = Record<string, Benchmark>;

/** A result line. */
export interface BenchResult {
  name: string;
  records_per_s: number;
  [field: string]: unknown;
}

/** Prints one result line. */
export function emit(result: BenchResult): void {
  console.log(JSON.stringify(result));
}

/** `--name=value` pairs; a bare `--flag` is `'true'`. */
export function parseArgs(argv: readonly string[]): BenchArgs {
  const args: BenchArgs = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m?.[1]) args[m[1]] = m[2] ?? 'true';
  }
  return args;
}

/** A numeric argument with a default. */
export function numberArg(args: BenchArgs, name: string, fallback: number): number {
  const v = args[name];
  return v === undefined ? fallback : Number(v);
}

/** Deterministic PRNG (mulberry32) so runs compare. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Milliseconds since `start` (a `performance.now()` value). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Records per second, rounded. */
export function rate(records: number, ms: number): number {
  return Math.round(records / (ms / 1000));
}

/** Process CPU time (user + system, ms) since `start` (a `process.cpuUsage()` value): less noisy than wall time on a shared machine. */
export function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * How fast this machine runs JavaScript right now: a fixed workload (a Map of 200,000 string keys
 * updated a million times, and as many small JSON.stringify calls; ~0.3 s on the dev VM at its
 * fastest), in ms, after one warm-up run. The shared machine's speed drifts by a quarter within
 * minutes with nothing else running (docs/BENCHMARKS.md), so a live figure carries this beside it:
 * compare figures taken at similar probe times.
 */
export function cpuProbe(): number {
  const work = (): void => {
    const seen = new Map<string, number>();
    let bytes = 0;
    for (let i = 0; i < 1_000_000; i++) {
      const key = `k${i % 200_000}`;
      seen.set(key, (seen.get(key) ?? 0) + i);
      bytes += JSON.stringify({ a: i, b: key }).length;
    }
    if (bytes === 0) throw new Error('cpuProbe: no work done');
  };
  work();
  const started = performance.now();
  work();
  return Math.round(performance.now() - started);
}
