// store-put / store-get: operations/s per backend, with and without the write-back cache.
// lmdb and memory go through the engine's store stack (Stores.keyValueStoreBuilder); classic-level
// and rocksdb-native are measured through their own APIs, since neither offers the synchronous
// range scans the Processor API needs (see src/engine/state/README.md). "cache" for them means
// what the cache would make of it: writes batched per commit; reads are their native point reads.
// Run: npm run bench -- store [--ops=200000] [--commit=10000] [--backends=memory,lmdb,classic-level,rocksdb-native]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { Stores } from '../src/engine/state/stores.ts';
import type { KeyValueStore } from '../src/engine/state/api.ts';
import { emit, numberArg, rate, rng, since, type BenchArgs, type BenchmarkMap } from './lib.ts';

interface Value {
  id: string;
  amount: string;
  status: string;
  version: number;
}

// The slice of rocksdb-native's API used here (the package ships no types).
interface RocksDb {
  ready(): Promise<void>;
  write(): { put(k: string, v: Buffer): void; flush(): Promise<void> };
  read(): { get(k: string): Promise<Buffer | null>; tryFlush(): void };
  close(): Promise<void>;
}

interface Setup {
  keys: string[];
  values: Value[];
  bytes: Buffer[];
  commit: number;
}

function setup(args: BenchArgs): Setup {
  const ops = numberArg(args, 'ops', 200_000);
  const rand = rng(7);
  const keys = Array.from({ length: ops }, () => `inv_ord_${String(Math.floor(rand() * ops)).padStart(9, '0')}`);
  const values = keys.map((k, i) => ({ id: k, amount: `${i % 100000}.${String(i % 100).padStart(2, '0')}`, status: 'open', version: i }));
  return { keys, values, bytes: values.map((v) => Buffer.from(JSON.stringify(v))), commit: numberArg(args, 'commit', 10_000) };
}

function backends(args: BenchArgs): string[] {
  return (args.backends ?? 'memory,lmdb,classic-level,rocksdb-native').split(',');
}

// The engine's own stack: memory or lmdb backend, cache on or off.
function engineStore(kind: string, dir: string, cache: boolean): KeyValueStore<Value> {
  const supplier = kind === 'memory' ? Stores.inMemoryKeyValueStore('s') : Stores.persistentKeyValueStore('s', { dir });
  const b = Stores.keyValueStoreBuilder<Value>(supplier).withLoggingDisabled();
  if (cache) b.withCachingEnabled(1_000_000);
  else b.withCachingDisabled();
  return b.build({ subtopology: 0, partition: 0 });
}

async function openRocks(dir: string): Promise<RocksDb> {
  const name = 'rocksdb-native';
  const mod = (await import(name)) as { default: new (path: string) => RocksDb };
  const db = new mod.default(join(dir, 'rocks'));
  await db.ready();
  return db;
}

async function storePut(args: BenchArgs): Promise<void> {
  const s = setup(args);
  for (const backend of backends(args)) {
    for (const cache of [true, false]) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
      try {
        let ms: number;
        // Without a cache each put is written on its own; keep that run short.
        const n = cache ? s.keys.length : Math.min(s.keys.length, 20_000);
        if (backend === 'memory' || backend === 'lmdb') {
          const store = engineStore(backend, dir, cache);
          const start = performance.now();
          for (let i = 0; i < n; i++) {
            store.put(s.keys[i] as string, s.values[i] as Value);
            if ((i + 1) % s.commit === 0) await store.flush();
          }
          await store.flush();
          ms = since(start);
          await store.close();
        } else if (backend === 'classic-level') {
          const db = new ClassicLevel<string, Buffer>(join(dir, 'level'), { valueEncoding: 'buffer' });
          await db.open();
          const start = performance.now();
          if (cache) {
            for (let i = 0; i < n; i += s.commit) {
              const batch = db.batch();
              for (let j = i; j < Math.min(n, i + s.commit); j++) batch.put(s.keys[j] as string, Buffer.from(JSON.stringify(s.values[j])));
              await batch.write();
            }
          } else {
            for (let i = 0; i < n; i++) await db.put(s.keys[i] as string, Buffer.from(JSON.stringify(s.values[i])));
          }
          ms = since(start);
          await db.close();
        } else {
          const db = await openRocks(dir);
          const start = performance.now();
          const step = cache ? s.commit : 1;
          for (let i = 0; i < n; i += step) {
            const w = db.write();
            for (let j = i; j < Math.min(n, i + step); j++) w.put(s.keys[j] as string, Buffer.from(JSON.stringify(s.values[j])));
            await w.flush();
          }
          ms = since(start);
          closeRocks(db);
        }
        emit({ name: 'store-put', records_per_s: rate(n, ms), backend, cache, ops: n, commit_every: cache ? s.commit : 1, elapsed_ms: Math.round(ms) });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
}

async function storeGet(args: BenchArgs): Promise<void> {
  const s = setup(args);
  const n = s.keys.length;
  for (const backend of backends(args)) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
    try {
      if (backend === 'memory' || backend === 'lmdb') {
        for (const cache of [true, false]) {
          // Load with a separate cache-less store, so the timed store starts cold.
          const loader = engineStore(backend, dir, true);
          for (let i = 0; i < n; i++) loader.put(s.keys[i] as string, s.values[i] as Value);
          await loader.flush();
          const store = backend === 'memory' ? loader : (await loader.close(), engineStore(backend, dir, cache));
          // Memory has a single instance; its "no cache" run reads through a cache-less stack over the same data.
          const reader = backend === 'memory' && !cache ? memoryNoCache(store) : store;
          let found = 0;
          const start = performance.now();
          for (let round = 0; round < 2; round++) for (let i = 0; i < n; i++) if (reader.get(s.keys[i] as string) !== undefined) found++;
          const ms = since(start);
          if (found !== 2 * n) throw new Error(`store-get ${backend}: found ${found} of ${2 * n}`);
          emit({ name: 'store-get', records_per_s: rate(2 * n, ms), backend, cache, sync: true, ops: 2 * n, elapsed_ms: Math.round(ms) });
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        }
      } else if (backend === 'classic-level') {
        const db = new ClassicLevel<string, Buffer>(join(dir, 'level'), { valueEncoding: 'buffer' });
        await db.open();
        for (let i = 0; i < n; i += s.commit) await db.batch(s.keys.slice(i, i + s.commit).map((key, j) => ({ type: 'put', key, value: s.bytes[i + j] as Buffer })));
        let found = 0;
        const start = performance.now();
        for (let round = 0; round < 2; round++) for (let i = 0; i < n; i++) if (db.getSync(s.keys[i] as string) !== undefined) found++;
        const ms = since(start);
        emit({ name: 'store-get', records_per_s: rate(2 * n, ms), backend, cache: false, sync: true, ops: 2 * n, found, elapsed_ms: Math.round(ms) });
        await db.close();
      } else {
        const db = await openRocks(dir);
        for (let i = 0; i < n; i += s.commit) {
          const w = db.write();
          for (let j = i; j < Math.min(n, i + s.commit); j++) w.put(s.keys[j] as string, s.bytes[j] as Buffer);
          await w.flush();
        }
        let found = 0;
        const start = performance.now();
        // One awaited read per get: what a synchronous processor would need (it cannot await at all).
        for (let round = 0; round < 2; round++) {
          for (let i = 0; i < n; i++) {
            const r = db.read();
            const p = r.get(s.keys[i] as string);
            r.tryFlush();
            if ((await p) !== null) found++;
          }
        }
        const ms = since(start);
        emit({ name: 'store-get', records_per_s: rate(2 * n, ms), backend, cache: false, sync: false, ops: 2 * n, found, elapsed_ms: Math.round(ms) });
        closeRocks(db);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

// rocksdb-native 3.18's close() never settles here (the event loop empties while it is pending),
// so it is started and not awaited; the directory is removed afterwards anyway.
function closeRocks(db: RocksDb): void {
  void db.close().catch(() => {});
}

// Reads through deserialization on every get, like the uncached stack would.
function memoryNoCache(store: KeyValueStore<Value>): KeyValueStore<Value> {
  return { ...store, name: store.name, get: (k: string) => {
    const v = store.get(k);
    return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as Value);
  } } as KeyValueStore<Value>;
}

// store-index: a time index scanned on every record, as expiry indexes are: put an index entry,
// scan everything older than the horizon, delete it. Commits every `--commit` records.
async function storeIndex(args: BenchArgs): Promise<void> {
  const ops = numberArg(args, 'ops', 200_000);
  const horizon = numberArg(args, 'horizon', 10_000);
  const commit = numberArg(args, 'commit', 100_000);
  for (const backend of ['memory', 'lmdb']) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-store-'));
    try {
      const store = Stores.keyValueStoreBuilder<number>(backend === 'memory' ? Stores.inMemoryKeyValueStore('i') : Stores.persistentKeyValueStore('i', { dir })).build();
      const pad = (n: number): string => String(n).padStart(15, '0');
      let expired = 0;
      const start = performance.now();
      for (let t = 0; t < ops; t++) {
        store.put(`${pad(t)}\u0000e${t}`, 1);
        const old = [...store.range(undefined, pad(t - horizon))];
        for (const [k] of old) store.delete(k);
        expired += old.length;
        if ((t + 1) % commit === 0) await store.flush();
      }
      await store.close();
      const ms = since(start);
      emit({ name: 'store-index', records_per_s: rate(ops, ms), backend, cache: true, ops, horizon, expired, commit_every: commit, elapsed_ms: Math.round(ms) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

// store-key-order: what a commit's writes cost LMDB by the order of their keys. A store of
// --prefill random ids (as the dedup store's event ids), then --commits commits of --batch puts
// (a live commit's share for one store), written as the cache flushes them (one synchronous
// transaction each): keys as random as the ids, or ascending past the existing ones (a key that
// grows with time). CPU µs per put of each.
// Run: npm run bench -- store-key-order [--prefill=200000] [--batch=200] [--commits=1000]
async function storeKeyOrder(args: BenchArgs): Promise<void> {
  const prefill = numberArg(args, 'prefill', 200_000);
  const batch = numberArg(args, 'batch', 200);
  const commits = numberArg(args, 'commits', 1000);
  const rand = rng(7);
  const id = (): string => Array.from({ length: 4 }, () => Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0')).join('-');
  const value = Buffer.alloc(9, 1);
  for (const order of ['random', 'ascending']) {
    const dir = mkdtempSync(join(tmpdir(), 'store-key-order-'));
    const backend = Stores.persistentKeyValueStore('ids', { dir }).get();
    try {
      const writeSync = backend.writeSync;
      if (!writeSync) throw new Error('the LMDB backend writes synchronously');
      for (let i = 0; i < prefill; i += 10_000) writeSync(Array.from({ length: Math.min(10_000, prefill - i) }, () => [id(), value] as const));
      // Ascending keys as long as the ids (35 characters), after every id ('~' sorts after hex digits).
      const keys = Array.from({ length: batch * commits }, (_, i) => (order === 'random' ? id() : `~${String(i).padStart(34, '0')}`));
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let c = 0; c < commits; c++) writeSync(keys.slice(c * batch, (c + 1) * batch).map((k) => [k, value] as const));
      const used = process.cpuUsage(cpu);
      emit({ name: 'store-key-order', records_per_s: rate(batch * commits, since(started)), order, prefill, batch, commits, cpu_us_per_put: Number(((used.user + used.system) / (batch * commits)).toFixed(2)), sys_ms: Math.round(used.system / 1000) });
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Bench registry (bench/README.md convention). */
export const benchmarks: BenchmarkMap = { 'store-put': storePut, 'store-get': storeGet, 'store-index': storeIndex, 'store-key-order': storeKeyOrder };
