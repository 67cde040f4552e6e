import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyValueBackend } from '../../../src/engine/state/backend.ts';
import { compareKeys } from '../../../src/engine/state/key-order.ts';
import { InMemoryBackend } from '../../../src/engine/state/memory/in-memory-backend.ts';
import { LmdbBackend } from '../../../src/engine/state/persistent/lmdb-backend.ts';
import { WriteBehindBackend } from '../../../src/engine/state/persistent/write-behind.ts';
import { Stores } from '../../../src/engine/state/stores.ts';

const dir = mkdtempSync(join(tmpdir(), 'write-behind-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const b = (s: string): Buffer => Buffer.from(s);
const text = (entries: Iterable<[string, Buffer]>): Array<[string, string]> => [...entries].map(([k, v]) => [k, v.toString()]);

// An in-memory backend holding a, b, c, e below.
function seeded(): InMemoryBackend {
  const inner = new InMemoryBackend('s');
  inner.writeSync([['a', b('1')], ['b', b('2')], ['c', b('3')], ['e', b('5')]]);
  return inner;
}

// Records the calls that reach the backend, in order.
function recording(inner: KeyValueBackend): { backend: KeyValueBackend; calls: string[] } {
  const calls: string[] = [];
  const backend: KeyValueBackend = {
    name: inner.name,
    persistent: inner.persistent,
    get: (k) => inner.get(k),
    put: (k, v) => (calls.push('put'), inner.put(k, v)),
    delete: (k) => (calls.push('delete'), inner.delete(k)),
    range: (f, t) => inner.range(f, t),
    write: (batch) => (calls.push(`write ${batch.length}`), inner.write(batch)),
    writeSync: (batch) => (calls.push(`writeSync ${batch.length}`), inner.writeSync?.(batch)),
    approximateSize: () => inner.approximateSize(),
    flush: () => (calls.push('flush'), inner.flush()),
    close: () => (calls.push('close'), inner.close()),
  };
  return { backend, calls };
}

describe('WriteBehindBackend', () => {
  it('serves buffered writes over the backend, which does not see them until persist', async () => {
    const inner = seeded();
    const store = new WriteBehindBackend(inner);
    store.put('b', b('20'));
    store.delete('c');
    store.put('d', b('4'));
    expect(store.get('a')?.toString()).toBe('1');
    expect(store.get('b')?.toString()).toBe('20');
    expect(store.get('c')).toBeUndefined();
    expect(store.get('d')?.toString()).toBe('4');
    expect(store.get('zz')).toBeUndefined();
    expect(text(store.range())).toEqual([['a', '1'], ['b', '20'], ['d', '4'], ['e', '5']]);
    expect(text(store.range('b', 'e'))).toEqual([['b', '20'], ['d', '4']]);
    await store.flush();
    expect(inner.get('b')?.toString()).toBe('2');
    expect(inner.get('c')?.toString()).toBe('3');
    expect(inner.get('d')).toBeUndefined();
    await store.persist();
    expect(store.bufferedKeys).toBe(0);
    expect(text(inner.range())).toEqual([['a', '1'], ['b', '20'], ['d', '4'], ['e', '5']]);
    expect(text(store.range())).toEqual([['a', '1'], ['b', '20'], ['d', '4'], ['e', '5']]);
  });

  it('masks keys below with tombstones, in get and range, and a re-put unmasks', async () => {
    const store = new WriteBehindBackend(seeded());
    await store.write([['a', null], ['e', null], ['x', null]]);
    expect(store.get('a')).toBeUndefined();
    expect(store.get('e')).toBeUndefined();
    expect(text(store.range())).toEqual([['b', '2'], ['c', '3']]);
    expect(text(store.range('a', 'c'))).toEqual([['b', '2']]);
    store.put('a', b('9'));
    expect(text(store.range())).toEqual([['a', '9'], ['b', '2'], ['c', '3']]);
    expect(store.approximateSize()).toBeGreaterThanOrEqual(4);
  });

  it('writes everything below in one batch once the buffer passes its bound', () => {
    const { backend, calls } = recording(new InMemoryBackend('s'));
    const store = new WriteBehindBackend(backend, { maxBytes: 100 });
    for (let i = 0; i < 9; i++) store.put(`k${i}`, Buffer.alloc(8)); // 9 × (2 + 8) = 90 bytes
    expect(calls).toEqual([]);
    expect(store.bufferedBytes).toBe(90);
    store.put('k0', Buffer.alloc(10)); // a rewrite counts once: 92
    expect(calls).toEqual([]);
    store.delete('k9'); // 94
    store.writeSync([['k10', Buffer.alloc(8)]]); // 105: over
    expect(calls).toEqual(['writeSync 11']);
    expect(store.bufferedKeys).toBe(0);
    expect(store.bufferedBytes).toBe(0);
    expect(backend.approximateSize()).toBe(10);
    expect(backend.get('k0')?.length).toBe(10);
  });

  it('pushes at the bound through write() when the backend has no synchronous batch', async () => {
    const { backend, calls } = recording(new InMemoryBackend('s'));
    const asyncOnly: KeyValueBackend = { ...backend, writeSync: undefined };
    const store = new WriteBehindBackend(asyncOnly, { maxBytes: 20 });
    store.put('a', Buffer.alloc(30)); // cannot push synchronously: stays until the next async call
    expect(calls).toEqual([]);
    expect(store.get('a')?.length).toBe(30);
    await store.flush();
    expect(calls).toEqual(['write 1', 'flush']);
    expect(store.bufferedKeys).toBe(0);
    expect(store.get('a')?.length).toBe(30);
  });

  it('flush leaves the buffer; close writes it below before closing the backend', async () => {
    const { backend, calls } = recording(new InMemoryBackend('s'));
    const store = new WriteBehindBackend(backend);
    store.put('a', b('1'));
    await store.flush();
    expect(calls).toEqual(['flush']);
    await store.close();
    expect(calls).toEqual(['flush', 'writeSync 1', 'close']);
    expect(backend.get('a')?.toString()).toBe('1');
  });

  it('deletes below the tombstones a scan walks, and drops those with nothing below', () => {
    const inner = new InMemoryBackend('s');
    const keys = Array.from({ length: 20 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    inner.writeSync(keys.map((k) => [k, b(k)] as const));
    const store = new WriteBehindBackend(inner);
    for (const k of keys.slice(0, 17)) store.delete(k);
    store.put('t99', b('new'));
    store.delete('t99'); // never below
    expect(store.bufferedKeys).toBe(18);
    expect([...store.range('t')].map(([k]) => k)).toEqual(['t17', 't18', 't19']);
    expect(store.bufferedKeys).toBe(0);
    expect([...inner.range()].map(([k]) => k)).toEqual(['t17', 't18', 't19']);
    // Fewer than 16 masked keys stay buffered (a native write each scan would cost more).
    store.delete('t17');
    expect([...store.range()].map(([k]) => k)).toEqual(['t18', 't19']);
    expect(inner.get('t17')).toBeDefined();
    expect(store.bufferedKeys).toBe(1);
  });

  it('keeps what the caller writes during a scan, across a push in the middle of it', async () => {
    const store = new WriteBehindBackend(seeded());
    store.delete('q'); // nothing below: the scan may drop this tombstone
    store.delete('r');
    const seen: string[] = [];
    for (const [key] of store.range()) {
      seen.push(key);
      if (key === 'c') store.put('q', b('kept')); // after the push: only in the buffer
      if (key === 'b') {
        store.put('r', b('pushed'));
        await store.persist();
        store.delete('r'); // deleted again after the push: the backend now holds 'pushed'
      }
    }
    expect(seen).toEqual(['a', 'b', 'c', 'e']);
    expect(store.get('q')?.toString()).toBe('kept');
    expect(store.get('r')).toBeUndefined();
    expect([...store.range()].map(([k]) => k)).toEqual(['a', 'b', 'c', 'e', 'q']);
    // Without a push, the scan drops tombstones with nothing below, but not one written over meanwhile.
    store.delete('s');
    store.delete('t');
    for (const [key] of store.range()) if (key === 'a') store.put('s', b('kept'));
    expect(store.get('s')?.toString()).toBe('kept');
    expect(store.get('t')).toBeUndefined();
    expect(store.bufferedKeys).toBe(3); // q, r, s: the tombstone of t is gone
  });

  it('orders keys by UTF-8 bytes across the buffer and LMDB', async () => {
    const lmdb = new LmdbBackend('s', { path: join(dir, `db${n++}`) });
    const store = new WriteBehindBackend(lmdb);
    const below = ['b', '\u{1F600}', 'é', 'Z', 'x'];
    const above = ['a', '\uFFFD', 'ab', '0', '\u{10000}', 'é'];
    await lmdb.write(below.map((k) => [k, b(`lmdb ${k}`)] as const));
    store.writeSync(above.map((k) => [k, b(`buf ${k}`)] as const));
    store.delete('x');
    const expected = [...new Set([...below, ...above])].filter((k) => k !== 'x').sort(compareKeys);
    expect([...store.range()].map(([k]) => k)).toEqual(expected);
    expect(store.get('é')?.toString()).toBe('buf é');
    expect(lmdb.get('é')?.toString()).toBe('lmdb é');
    expect([...store.range('\uFFFD')].map(([k]) => k)).toEqual(['\uFFFD', '\u{10000}', '\u{1F600}']);
    // Keys written after the first scan join the index.
    store.put('\uE000', b('buf \uE000'));
    expect([...store.range('\uE000', '\u{10000}')].map(([k]) => k)).toEqual(['\uE000', '\uFFFD']);
    await store.close();
    const reopened = new LmdbBackend('s', { path: join(dir, `db${n - 1}`) });
    expect([...reopened.range()].map(([k]) => k)).toEqual([...expected, '\uE000'].sort(compareKeys));
    expect(reopened.get('é')?.toString()).toBe('buf é');
    await reopened.close();
  });

  it('is what a persistent store supplier makes; a commit leaves LMDB alone, close fills it', async () => {
    const stateDir = join(dir, 'state');
    const supplier = Stores.persistentKeyValueStore('p', { dir: stateDir });
    expect(supplier.get({ subtopology: 0, partition: 9 })).toBeInstanceOf(WriteBehindBackend);
    const store = Stores.keyValueStoreBuilder<number>(supplier).build({ subtopology: 0, partition: 3 });
    store.put('k', 7);
    await store.flush();
    const path = join(stateDir, '0_3', 'p');
    const peek = new LmdbBackend('p', { path });
    expect(peek.get('k')).toBeUndefined();
    await peek.close();
    await store.close();
    const reopened = new LmdbBackend('p', { path });
    expect(reopened.get('k')?.toString()).toBe('7');
    await reopened.close();
  });

  it('agrees with a plain map under random writes, scans and pushes', async () => {
    const key = fc.constantFrom('a', 'b', 'ab', 'é', '\uFFFD', '\u{1F600}', 'z', 'a\u0000');
    const op = fc.oneof(
      fc.record({ t: fc.constant('put' as const), k: key, v: fc.string({ maxLength: 6 }) }),
      fc.record({ t: fc.constant('del' as const), k: key }),
      fc.record({ t: fc.constant('scan' as const), from: fc.option(key, { nil: undefined }), to: fc.option(key, { nil: undefined }) }),
      fc.record({ t: fc.constant('persist' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(key), fc.array(op, { maxLength: 60 }), fc.integer({ min: 4, max: 40 }), async (initial, ops, maxBytes) => {
        const inner = new InMemoryBackend('s');
        const model = new Map<string, string>();
        for (const k of initial) {
          inner.put(k, b(`i${k}`));
          model.set(k, `i${k}`);
        }
        const store = new WriteBehindBackend(inner, { maxBytes });
        for (const o of ops) {
          if (o.t === 'put') {
            store.put(o.k, b(o.v));
            model.set(o.k, o.v);
          } else if (o.t === 'del') {
            store.delete(o.k);
            model.delete(o.k);
          } else if (o.t === 'persist') await store.persist();
          else {
            const want = [...model].filter(([k]) => (o.from === undefined || compareKeys(k, o.from) >= 0) && (o.to === undefined || compareKeys(k, o.to) < 0)).sort(([x], [y]) => compareKeys(x, y));
            expect(text(store.range(o.from, o.to))).toEqual(want);
          }
        }
        for (const [k, v] of model) expect(store.get(k)?.toString()).toBe(v);
        await store.close();
        expect(text(inner.range())).toEqual([...model].sort(([x], [y]) => compareKeys(x, y)));
      }),
      { numRuns: 300 },
    );
  });
});
