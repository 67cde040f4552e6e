// engine-count: records/s through stream → groupByKey → count → toStream → sink, with the
// persistent (LMDB) store behind the write-back cache, commits (store flushes) every
// `--commit` records and the final flush and close inside the timed span.
// Run: npm run bench -- engine-count [--records=1000000] [--keys=100000] [--commit=10000] [--cache=100000] [--store=lmdb|memory]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamsBuilder } from '../src/engine/dsl/streams-builder.ts';
import { replay } from '../src/engine/replay/replay.ts';
import { TopologyRunner } from '../src/engine/processor/internals/runner.ts';
import { Topology } from '../src/engine/topology/topology.ts';
import { Stores } from '../src/engine/state/stores.ts';
import { cpuSince, emit, numberArg, rate, rng, since, type BenchArgs, type BenchmarkMap } from './lib.ts';

async function engineCount(args: BenchArgs): Promise<void> {
  const records = numberArg(args, 'records', 1_000_000);
  const keys = numberArg(args, 'keys', 100_000);
  const commitEvery = numberArg(args, 'commit', 10_000);
  const cache = numberArg(args, 'cache', 100_000);
  const storeKind = args.store ?? 'lmdb';
  const dir = mkdtempSync(join(tmpdir(), 'bench-engine-'));
  try {
    const builder = new StreamsBuilder({
      applicationId: 'bench',
      defaultStoreSupplier: (name) => (storeKind === 'memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name, { dir })),
    });
    builder.stream<string, Buffer>('in').groupByKey().count({ storeName: 'counts', caching: cache > 0 }).toStream().to('out');
    let produced = 0;
    const runner = new TopologyRunner(builder.build(), { onOutput: () => void produced++ });
    // Inputs are made before timing: the bench measures the engine, not the generator.
    const rand = rng(42);
    const keyList = Array.from({ length: records }, () => `key-${Math.floor(rand() * keys)}`);
    const value = Buffer.from('{}');
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < records; i++) {
      runner.process({ topic: 'in', partition: 0, offset: i, key: keyList[i], value, timestamp: i });
      if ((i + 1) % commitEvery === 0) await runner.commit();
    }
    await runner.commit();
    await runner.close();
    const ms = since(start);
    const cpuMs = cpuSince(cpu);
    if (produced !== records) throw new Error(`expected ${records} outputs, got ${produced}`);
    emit({ name: 'engine-count', records_per_s: rate(records, ms), records, distinct_keys_max: keys, store: storeKind, cache_entries: cache, commit_every: commitEvery, elapsed_ms: Math.round(ms), cpu_ms: Math.round(cpuMs), records_per_cpu_s: rate(records, cpuMs) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// engine-replay: the replay runner alone: 3 JSONL files merged by timestamp (JSON.parse per
// line for the timestamp), each line through a one-processor topology. Files written untimed.
async function engineReplay(args: BenchArgs): Promise<void> {
  const records = numberArg(args, 'records', 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), 'bench-replay-'));
  try {
    const rand = rng(3);
    const files = ['a', 'b', 'c'].map((n) => join(dir, `${n}.jsonl`));
    const lines: string[][] = [[], [], []];
    for (let i = 0; i < records; i++) {
      const ts = 1_700_000_000_000 + i * 10 + Math.floor(rand() * 50);
      lines[i % 3]?.push(JSON.stringify({ event_id: `e${i}`, occurred_at: new Date(ts).toISOString(), amount: '12.50' }));
    }
    files.forEach((f, i) => writeFileSync(f, (lines[i] as string[]).join('\n') + '\n'));
    let seen = 0;
    const topology = new Topology().addSource('src', ['A', 'B', 'C']).addProcessor('count', () => ({ process: () => void seen++ }), 'src');
    const cpu = process.cpuUsage();
    const start = performance.now();
    const summary = await replay({
      topology,
      inputs: files.map((path, i) => ({ topic: ['A', 'B', 'C'][i] as string, path })),
      timestampOf: (bytes) => Date.parse((JSON.parse(bytes.toString('utf8')) as { occurred_at: string }).occurred_at),
      progress: false,
    });
    const ms = since(start);
    const cpuMs = cpuSince(cpu);
    if (seen !== records || summary.records !== records) throw new Error(`replay saw ${seen} of ${records}`);
    emit({ name: 'engine-replay', records_per_s: rate(records, ms), records, files: 3, elapsed_ms: Math.round(ms), cpu_ms: Math.round(cpuMs), records_per_cpu_s: rate(records, cpuMs) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bench registry (bench/README.md convention). */
export const benchmarks: BenchmarkMap = { 'engine-count': engineCount, 'engine-replay': engineReplay };
