import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isChangeLogging } from '../../../src/engine/state/api.ts';
import type { KeyValueBackend } from '../../../src/engine/state/backend.ts';
import { CachingKeyValueStore } from '../../../src/engine/state/caching-store.ts';
import { ChangeLoggingBackend } from '../../../src/engine/state/change-logging-backend.ts';
import { compareKeys } from '../../../src/engine/state/key-order.ts';
import { InMemoryBackend } from '../../../src/engine/state/memory/in-memory-backend.ts';
import { LmdbBackend } from '../../../src/engine/state/persistent/lmdb-backend.ts';
import { Stores } from '../../../src/engine/state/stores.ts';
import { jsonSerde } from '../../../src/engine/serdes/json.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const lmdb = (): LmdbBackend => new LmdbBackend('s', { path: join(dir, `db${n++}`) });

// A backend that counts calls, to prove the cache keeps puts off it.
function counting(inner: KeyValueBackend): { backend: KeyValueBackend; calls: { get: number; put: number; write: number } } {
  const calls = { get: 0, put: 0, write: 0 };
  const backend: KeyValueBackend = {
    name: inner.name,
    persistent: inner.persistent,
    get: (k) => (calls.get++, inner.get(k)),
    put: (k, v) => (calls.put++, inner.put(k, v)),
    delete: (k) => inner.delete(k),
    range: (f, t) => inner.range(f, t),
    write: (b) => (calls.write++, inner.write(b)),
    approximateSize: () => inner.approximateSize(),
    flush: () => inner.flush(),
    close: () => inner.close(),
  };
  return { backend, calls };
}

describe('CachingKeyValueStore', () => {
  it('absorbs writes and flushes them in one batch', async () => {
    const { backend, calls } = counting(new InMemoryBackend('s'));
    const store = new CachingKeyValueStore<number>(backend, jsonSerde<number>(), 100);
    for (let i = 0; i < 50; i++) store.put(`k${i % 10}`, i);
    expect(calls.put + calls.write).toBe(0);
    expect(store.get('k3')).toBe(43);
    expect(store.dirtyCount).toBe(10);
    await store.flush();
    expect(calls.write).toBe(1);
    expect(backend.get('k3')?.toString()).toBe('43');
    expect(store.dirtyCount).toBe(0);
  });

  it('merges dirty entries with the backend in range scans', async () => {
    const backend = new InMemoryBackend('s');
    await backend.write([
      ['a', Buffer.from('1')],
      ['c', Buffer.from('3')],
      ['e', Buffer.from('5')],
    ]);
    const store = new CachingKeyValueStore<number>(backend, jsonSerde<number>(), 100);
    store.put('b', 2);
    store.delete('c');
    store.put('e', 50);
    store.put('f', 6);
    expect([...store.range()]).toEqual([
      ['a', 1],
      ['b', 2],
      ['e', 50],
      ['f', 6],
    ]);
    expect([...store.range('b', 'f')]).toEqual([
      ['b', 2],
      ['e', 50],
    ]);
  });

  it('evicts clean entries beyond its bound and reads them back', async () => {
    const { backend, calls } = counting(new InMemoryBackend('s'));
    const store = new CachingKeyValueStore<number>(backend, jsonSerde<number>(), 10);
    for (let i = 0; i < 30; i++) store.put(`k${i}`, i);
    await store.flush();
    for (let i = 0; i < 30; i++) expect(store.get(`k${i}`)).toBe(i);
    expect(calls.get).toBeGreaterThan(0);
  });

  for (const [label, make] of [
    ['in-memory', () => new InMemoryBackend('s')],
    ['lmdb', lmdb],
  ] as const) {
    it(`matches a model under random puts, deletes, flushes and scans (${label})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.constantFrom('put', 'put', 'delete', 'flush', 'get', 'range', 'first'), fc.string({ maxLength: 2 }), fc.integer({ min: 0, max: 999 })), { maxLength: 300 }),
          fc.string({ maxLength: 2 }),
          async (ops, from) => {
            const backend = make();
            const store = new CachingKeyValueStore<number>(backend, jsonSerde<number>(), 4);
            const model = new Map<string, number>();
            for (const [op, k, v] of ops) {
              if (op === 'put') {
                store.put(k, v);
                model.set(k, v);
              } else if (op === 'delete') {
                store.delete(k);
                model.delete(k);
              } else if (op === 'flush') await store.flush();
              else if (op === 'range') {
                const want = [...model.entries()].filter(([mk]) => compareKeys(mk, k) < 0).sort(([a], [b]) => compareKeys(a, b));
                expect([...store.range(undefined, k)]).toEqual(want);
              } else if (op === 'first') {
                // A walk that stops early (the first entry from k): what it saw, and nothing changed.
                const want = [...model.entries()].filter(([mk]) => compareKeys(mk, k) >= 0).sort(([a], [b]) => compareKeys(a, b));
                let first: [string, number] | undefined;
                for (const entry of store.range(k)) {
                  first = entry;
                  break;
                }
                expect(first).toEqual(want[0]);
              } else expect(store.get(k)).toBe(model.get(k));
            }
            const expected = [...model.entries()].filter(([k]) => compareKeys(k, from) >= 0).sort(([a], [b]) => compareKeys(a, b));
            expect([...store.range(from)]).toEqual(expected);
            await store.close();
          },
        ),
        { numRuns: label === 'lmdb' ? 30 : 100 },
      );
    });
  }
});

describe('CachingKeyValueStore deletes under scans', () => {
  it('deletes keys masked by the cache below, once, and logs the tombstones', async () => {
    const logged = new ChangeLoggingBackend(new InMemoryBackend('s'));
    const store = new CachingKeyValueStore<number>(logged, jsonSerde<number>(), 1000);
    for (let i = 0; i < 40; i++) store.put(`k${String(i).padStart(2, '0')}`, i);
    await store.flush();
    logged.drainChangelog();
    for (let i = 0; i < 30; i++) store.delete(`k${String(i).padStart(2, '0')}`);
    expect([...store.range()].map(([, v]) => v)).toEqual(Array.from({ length: 10 }, (_, i) => 30 + i));
    expect(logged.approximateSize()).toBe(10); // deleted below by the scan, in one batch
    expect(logged.drainChangelog()).toHaveLength(30);
    await store.flush();
    expect(logged.drainChangelog()).toEqual([]); // not written twice
    expect([...store.range()]).toHaveLength(10);
  });
});

describe('ChangeLoggingBackend', () => {
  it('logs every write, tombstones included, and restores without logging', async () => {
    const inner = new InMemoryBackend('s');
    const logged = new ChangeLoggingBackend(inner);
    logged.put('a', Buffer.from('1'));
    await logged.write([
      ['b', Buffer.from('2')],
      ['a', null],
    ]);
    expect(logged.drainChangelog()).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'b', value: Buffer.from('2') },
      { key: 'a', value: null },
    ]);
    expect(logged.drainChangelog()).toEqual([]);
    await logged.restore([{ key: 'z', value: Buffer.from('9') }]);
    expect(inner.get('z')?.toString()).toBe('9');
    expect(logged.drainChangelog()).toEqual([]);
  });
});

describe('store builder stack', () => {
  it('builds metered → caching → change-logging → backend', async () => {
    const store = Stores.keyValueStoreBuilder<{ n: number }>(Stores.inMemoryKeyValueStore('counts')).build();
    store.put('a', { n: 1 });
    store.put('a', { n: 2 });
    store.delete('b');
    expect(store.get('a')).toEqual({ n: 2 });
    expect(isChangeLogging(store)).toBe(true);
    expect(store.drainChangelog()).toEqual([]); // nothing until the cache flushes
    await store.flush();
    expect(store.drainChangelog()).toEqual([
      { key: 'a', value: Buffer.from('{"n":2}') },
      { key: 'b', value: null },
    ]);
    expect(store.metrics).toMatchObject({ gets: 1, puts: 2, deletes: 1, flushes: 1 });
  });

  it('treats put(key, null) as a delete in every stack', async () => {
    for (const caching of [true, false]) {
      const b = Stores.keyValueStoreBuilder<number | null>(Stores.inMemoryKeyValueStore('n'));
      const store = (caching ? b : b.withCachingDisabled()).build();
      store.put('a', 1);
      store.put('a', null);
      expect(store.get('a')).toBeUndefined();
      await store.flush();
      expect(store.get('a')).toBeUndefined();
      expect([...store.range()]).toEqual([]);
    }
  });

  it('writes through without a cache, and can skip logging', async () => {
    const store = Stores.keyValueStoreBuilder<number>(Stores.inMemoryKeyValueStore('s')).withCachingDisabled().withLoggingDisabled().build();
    store.put('x', 1);
    expect(store.get('x')).toBe(1);
    expect(isChangeLogging(store)).toBe(false);
  });

  it('persists on LMDB across reopen, per task directory', async () => {
    const supplier = Stores.persistentKeyValueStore('p', { dir: join(dir, 'state') });
    const first = Stores.keyValueStoreBuilder<number>(supplier).build({ subtopology: 0, partition: 1 });
    first.put('k', 7);
    await first.close();
    const again = Stores.keyValueStoreBuilder<number>(supplier).build({ subtopology: 0, partition: 1 });
    expect(again.get('k')).toBe(7);
    const other = Stores.keyValueStoreBuilder<number>(supplier).build({ subtopology: 0, partition: 2 });
    expect(other.get('k')).toBeUndefined();
    await again.close();
    await other.close();
  });

  it('tells the runtime whether a logged store outlives the process (restore from its checkpoint, or in full)', async () => {
    // The runtime reads this on the outermost layer: when it read undefined, every restart restored every changelog in full.
    const lmdb = Stores.keyValueStoreBuilder<number>(Stores.persistentKeyValueStore('q', { dir: join(dir, 'state') })).build({ subtopology: 0, partition: 3 });
    const memory = Stores.keyValueStoreBuilder<number>(Stores.inMemoryKeyValueStore('m')).build();
    expect(isChangeLogging(lmdb) && lmdb.persistent).toBe(true);
    expect(isChangeLogging(memory) && memory.persistent).toBe(false);
    await lmdb.close();
    await memory.close();
  });
});

describe('LmdbBackend', () => {
  it('orders keys by UTF-8 bytes', async () => {
    const db = lmdb();
    const keys = ['b', 'a', 'ab', '\u{1F600}', '\uFFFD', 'é', 'Z', '0'];
    await db.write(keys.map((k) => [k, Buffer.from(k)] as const));
    expect([...db.range()].map(([k]) => k)).toEqual([...keys].sort(compareKeys));
    expect([...db.range('a', 'b')].map(([k]) => k)).toEqual(['a', 'ab']);
    await db.close();
  });
});
