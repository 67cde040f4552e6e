// Delta tables on an S3-compatible store (moto's server from PyPI, started here; see
// support/moto.ts), written by DeltaTable through S3Store and read back by delta-rs over S3:
// the same upserts give the same table as on local disk; two writers racing for one commit number
// (exactly one wins, the other re-plans, nothing is committed twice); a store answering 503
// SlowDown, before and after applying requests, commit PUTs included (retried, nothing lost,
// nothing twice); a writer that dies between uploading data files and committing them; a table
// with deletion vectors (merge-on-read upserts, DV files put and read through the store). At the
// end Spark (delta-spark over s3a) reads every table above as its model says.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { openSinkWriters } from '../../src/app/sink-command.ts';
import { INVOICE_TABLES } from '../../src/invoice/tables.ts';
import { retrying } from '../../src/sinks/core/retry.ts';
import { deletionVectorPath, type DeletionVectorDescriptor } from '../../src/sinks/delta/deletion-vector.ts';
import { DeltaTable, type DeltaRow, type DeltaTableSpec, type UpsertResult } from '../../src/sinks/delta/index.ts';
import { CachedStore, openStore, S3Store, type ObjectStore } from '../../src/sinks/storage/index.ts';
import { faultyS3Proxy } from './support/faulty-s3-proxy.ts';
import { startMoto, type Moto } from './support/moto.ts';
import { spark } from './support/spark.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

interface DeltaRsView {
  version: number;
  protocol: { minReaderVersion: number; minWriterVersion: number };
  rows: DeltaRow[];
  txn: Record<string, number | null>;
  files: { path: string }[];
}

/** delta-rs's view of the table at `location` (a path, or s3:// with `options`). */
async function deltaRs(location: string, options: Record<string, string> = {}, appIds: string[] = []): Promise<DeltaRsView> {
  const args = [join(ROOT, 'test/python/delta_read.py'), location, ...appIds.flatMap(a => ['--app-id', a]),
    ...Object.entries(options).flatMap(([k, v]) => ['--storage-option', `${k}=${v}`])];
  const { stdout } = await exec(join(ROOT, '.toolchain/py/bin/python'), args, { maxBuffer: 64 << 20 });
  return JSON.parse(stdout) as DeltaRsView;
}

const spec: DeltaTableSpec = {
  name: 'invoices', keyColumns: ['invoice_id'], versionColumn: 'version',
  columns: [
    { name: 'invoice_id', type: 'string', nullable: false },
    { name: 'amount', type: 'decimal(18,2)', nullable: false },
    { name: 'fx_amount', type: 'decimal(38,6)', nullable: true },
    { name: 'issue_date', type: 'date', nullable: false },
    { name: 'paid_at', type: 'timestamp', nullable: true },
    { name: 'version', type: 'long', nullable: false },
  ],
};
const TUNING = { checkpointInterval: 3, targetFileRows: 128, smallFileRows: 32 };

function row(n: number, version: number): DeltaRow {
  return {
    invoice_id: `inv_${String(n).padStart(5, '0')}`,
    amount: `${90071992547409 + n}.${String(version % 100).padStart(2, '0')}`,
    fx_amount: n % 5 === 0 ? null : `-${n}12345678901234567890.123456`,
    issue_date: '2024-02-29',
    paid_at: version % 2 === 0 ? `2024-03-01T10:11:12.${String(100000 + version).slice(1)}1Z` : null,
    version,
  };
}
const rows = (from: number, to: number, version: number): DeltaRow[] => Array.from({ length: to - from }, (_, i) => row(from + i, version));

/** The plain model of the table: per key the row of the highest version (ties: the later row). */
function model(batches: DeltaRow[][]): DeltaRow[] {
  const m = new Map<string, DeltaRow>();
  for (const b of batches) for (const r of b) {
    const old = m.get(r.invoice_id as string);
    if (!old || (r.version as number) >= (old.version as number)) m.set(r.invoice_id as string, r);
  }
  return sorted([...m.values()]);
}
const sorted = (rs: DeltaRow[]): DeltaRow[] => [...rs].sort((a, b) => String(a.invoice_id).localeCompare(String(b.invoice_id)));
/** Rows as delta-rs prints them, for comparing our model with its view. */
const asDeltaRs = (rs: DeltaRow[]): DeltaRow[] => rs.map(r => ({
  ...r,
  amount: String(r.amount),
  paid_at: r.paid_at === null ? null : String(r.paid_at).replace(/(\.\d{6})\d*Z$/, '$1Z'), // past the µs truncated
}));

/** Every commit of the log (version → actions), read through `store`. */
async function commits(store: ObjectStore): Promise<Map<number, Record<string, Record<string, unknown>>[]>> {
  const out = new Map<number, Record<string, Record<string, unknown>>[]>();
  for (const key of await store.list('_delta_log/')) {
    const m = /^_delta_log\/(\d{20})\.json$/.exec(key);
    if (!m) continue;
    const text = new TextDecoder().decode(await store.get(key));
    out.set(Number(m[1]), text.split('\n').filter(l => l !== '').map(l => JSON.parse(l) as Record<string, Record<string, unknown>>));
  }
  return out;
}

/** Checks the log holds versions 0..N without a gap and each (appId, version) txn exactly once. */
async function checkLog(store: ObjectStore): Promise<{ last: number; txns: string[]; referenced: Set<string> }> {
  const log = await commits(store);
  const versions = [...log.keys()].sort((a, b) => a - b);
  expect(versions).toEqual(versions.map((_, i) => i));
  const txns: string[] = [];
  const referenced = new Set<string>();
  for (const v of versions) for (const a of log.get(v)!) {
    if (a.txn) txns.push(`${String(a.txn.appId)}@${String(a.txn.version)}`);
    if (a.add) referenced.add(String(a.add.path));
    // a DV file is referenced by the vectors of the adds (its key relative to the table root)
    const dv = a.add?.deletionVector as DeletionVectorDescriptor | undefined;
    const dvKey = dv ? deletionVectorPath('', dv) : undefined;
    if (dvKey !== undefined) referenced.add(dvKey);
  }
  expect(new Set(txns).size).toBe(txns.length);
  return { last: versions.at(-1)!, txns, referenced };
}

/** Data objects (data files, DV files) of the table that no commit ever referenced. */
async function orphans(store: ObjectStore, referenced: Set<string>): Promise<string[]> {
  return (await store.list('')).filter(k => (k.endsWith('.parquet') || /^deletion_vector_.*\.bin$/.test(k)) && !k.startsWith('_delta_log/') && !referenced.has(k));
}

/** `inner`, recording the keys it was asked to get. */
function recordingGets(inner: ObjectStore, got: string[]): ObjectStore {
  return {
    location: inner.location,
    get: k => { got.push(k); return inner.get(k); }, list: p => inner.list(p), listInfo: p => inner.listInfo(p), put: (k, b) => inner.put(k, b),
    putIfAbsent: (k, b) => inner.putIfAbsent(k, b), delete: k => inner.delete(k),
    child: () => { throw new Error('not in this test'); },
  };
}

/** `inner` with some calls replaced. */
function wrapped(inner: ObjectStore, over: Partial<Pick<ObjectStore, 'putIfAbsent' | 'delete'>>): ObjectStore {
  return {
    location: inner.location,
    get: k => inner.get(k), list: p => inner.list(p), listInfo: p => inner.listInfo(p), put: (k, b) => inner.put(k, b),
    putIfAbsent: over.putIfAbsent ?? ((k, b) => inner.putIfAbsent(k, b)),
    delete: over.delete ?? (k => inner.delete(k)),
    child: () => { throw new Error('not in this test'); },
  };
}

let moto: Moto;
let work: string;
let bucket: string;
/** Each table's prefix and its model's rows (as the readers print them), for Spark's read at the end. */
const expectedOnS3 = new Map<string, DeltaRow[]>();
const s3 = (prefix: string, endpoint = moto.endpoint): S3Store => new S3Store(`s3://${bucket}/${prefix}`, { endpoint, forcePathStyle: true });

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'delta-s3-'));
  moto = await startMoto(join(work, 'moto.log'));
  bucket = await moto.bucket('lake');
});

afterAll(async () => {
  await moto?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('Delta tables on an S3-compatible store', () => {
  it('are written and upserted on S3 and read by delta-rs equal to the same table written locally', async () => {
    const batches = [
      rows(0, 300, 1),
      [...rows(100, 300, 2), ...rows(300, 400, 1)],
      [...rows(0, 50, 1), ...rows(50, 100, 3)], // stale versions first: skipped
      rows(350, 450, 4),
      [...rows(0, 10, 5), ...rows(440, 460, 5)],
    ];
    const url = `s3://${bucket}/tables/equal/invoices`;
    // Through the data-file cache, as the sink opens it (openStore); the reopened writer below reads
    // everything from the store.
    const cached = openStore(url, { endpoint: moto.endpoint, forcePathStyle: true, cacheMb: 64 });
    expect(cached).toBeInstanceOf(CachedStore);
    // Copy-on-write tables (their rewrites read back files through the cache); deletion vectors: below.
    const cow = { ...TUNING, deletionVectors: false };
    const onS3 = await DeltaTable.open(cached, spec, cow);
    const local = await DeltaTable.open(join(work, 'invoices'), spec, cow);
    const results: [UpsertResult, UpsertResult][] = [];
    for (const [i, b] of batches.entries()) {
      results.push([await onS3.upsert(b, { txn: { appId: 'p0', version: i } }), await local.upsert(b, { txn: { appId: 'p0', version: i } })]);
    }
    for (const [a, b] of results) expect({ ...a }).toEqual({ ...b });
    expect((cached as CachedStore).cache.hits).toBeGreaterThan(0);
    expect((await onS3.upsert(batches[1], { txn: { appId: 'p0', version: 1 } })).txnSkipped).toBe(true); // a replay

    const [fromS3, fromDisk] = await Promise.all([deltaRs(url, moto.deltaRsOptions(), ['p0']), deltaRs(join(work, 'invoices'), {}, ['p0'])]);
    expect(sorted(fromS3.rows)).toEqual(sorted(fromDisk.rows));
    expect(sorted(fromS3.rows)).toEqual(asDeltaRs(model(batches)));
    expectedOnS3.set('tables/equal/invoices', asDeltaRs(model(batches)));
    expect(fromS3.rows).toHaveLength(460);
    expect({ version: fromS3.version, txn: fromS3.txn, protocol: fromS3.protocol, files: fromS3.files.length })
      .toEqual({ version: fromDisk.version, txn: fromDisk.txn, protocol: fromDisk.protocol, files: fromDisk.files.length });
    expect(fromS3.txn).toEqual({ p0: batches.length - 1 });

    // A checkpoint on S3, and a writer opened from it sees the same rows.
    const log = await s3('tables/equal/invoices').list('_delta_log/');
    expect(log).toContain('_delta_log/00000000000000000003.checkpoint.parquet');
    expect(log).toContain('_delta_log/_last_checkpoint');
    const reopened = await DeltaTable.open(s3('tables/equal/invoices'), spec, cow);
    expect(sorted(await reopened.readAll())).toEqual(sorted(await local.readAll()));
    expect(reopened.txnVersion('p0')).toBe(batches.length - 1);
    await checkLog(s3('tables/equal/invoices'));
  });

  it('keep deletion vectors on S3: merge-on-read upserts read by delta-rs equal to the same table written locally', async () => {
    const batches = [
      rows(0, 300, 1),
      [...rows(0, 40, 2), ...rows(200, 230, 2), ...rows(300, 330, 1)], // updates mark rows in the full files
      [...rows(10, 60, 3), ...rows(5, 8, 1)], // more rows of the same files: their vectors grow; stale rows skipped
      [...rows(100, 101, 4), ...rows(290, 310, 4)],
    ];
    const prefix = 'tables/dv/invoices';
    const url = `s3://${bucket}/${prefix}`;
    const opts = { ...TUNING, deletionVectors: true };
    const onS3 = await DeltaTable.open(openStore(url, { endpoint: moto.endpoint, forcePathStyle: true, cacheMb: 64 }), spec, opts);
    const local = await DeltaTable.open(join(work, 'dv-invoices'), spec, opts);
    const results: [UpsertResult, UpsertResult][] = [];
    for (const [i, b] of batches.entries()) {
      results.push([await onS3.upsert(b, { txn: { appId: 'dv', version: i } }), await local.upsert(b, { txn: { appId: 'dv', version: i } })]);
    }
    for (const [a, b] of results) expect({ ...a }).toEqual({ ...b });
    expect(results.slice(1).every(([a]) => a.deletionVectors > 0 && a.filesRemoved === 0)).toBe(true); // merge-on-read, no rewrite

    // The DV files are objects of the table's prefix, next to the data files, and all referenced.
    const keys = await s3(prefix).list('');
    const dvKeys = keys.filter(k => /^deletion_vector_[0-9a-f-]{36}\.bin$/.test(k));
    expect(dvKeys.length).toBeGreaterThanOrEqual(batches.length - 1);
    const { referenced } = await checkLog(s3(prefix));
    expect(await orphans(s3(prefix), referenced)).toEqual([]);

    // A writer opened afresh (no cache) reads the vectors from S3 through the store: the key index
    // skips deleted rows, a further update grows an existing vector, readAll drops deleted rows.
    const got: string[] = [];
    const reopened = await DeltaTable.open(recordingGets(s3(prefix), got), spec, opts);
    const last = [...rows(0, 5, 6), ...rows(20, 25, 6), ...rows(460, 470, 1)];
    const [r1, r2] = [await reopened.upsert(last, { txn: { appId: 'dv', version: batches.length } }), await local.upsert(last, { txn: { appId: 'dv', version: batches.length } })];
    expect({ ...r1 }).toEqual({ ...r2 });
    expect(r1.deletionVectors).toBeGreaterThan(0);
    expect(got.some(k => dvKeys.includes(k))).toBe(true);
    expect(sorted(await reopened.readAll())).toEqual(sorted(await local.readAll()));
    const all = [...batches, last];

    const [fromS3, fromDisk] = await Promise.all([deltaRs(url, moto.deltaRsOptions(), ['dv']), deltaRs(join(work, 'dv-invoices'), {}, ['dv'])]);
    expect(fromS3.protocol).toMatchObject({ minReaderVersion: 3, minWriterVersion: 7 });
    expect(sorted(fromS3.rows)).toEqual(sorted(fromDisk.rows));
    expect(sorted(fromS3.rows)).toEqual(asDeltaRs(model(all)));
    expectedOnS3.set(prefix, asDeltaRs(model(all)));
    expect({ version: fromS3.version, txn: fromS3.txn, protocol: fromS3.protocol, files: fromS3.files.length })
      .toEqual({ version: fromDisk.version, txn: fromDisk.txn, protocol: fromDisk.protocol, files: fromDisk.files.length });
    expect(fromS3.txn).toEqual({ dv: all.length - 1 });
  });

  it('let exactly one of two writers win a commit number; the other re-plans on the new table and nothing is committed twice', async () => {
    const prefix = 'tables/race/invoices';
    const base = rows(0, 100, 1);
    await (await DeltaTable.open(s3(prefix), spec, TUNING)).upsert(base, { txn: { appId: 'setup', version: 0 } });
    // Both writers plan against version 1 and send their PUT If-None-Match of commit 2 together.
    let arrived = 0;
    let release!: () => void;
    const bothThere = new Promise<void>(ok => { release = ok; });
    const outcomes: { writer: string; key: string; won: boolean }[] = [];
    const racing = (writer: string): ObjectStore => {
      const inner = s3(prefix);
      return wrapped(inner, {
        async putIfAbsent(key, bytes) {
          if (key.endsWith('00000000000000000002.json') && ++arrived === 2) release();
          if (key.endsWith('00000000000000000002.json')) await bothThere;
          const won = await inner.putIfAbsent(key, bytes);
          if (key.startsWith('_delta_log/')) outcomes.push({ writer, key, won });
          return won;
        },
      });
    };
    const [a, b] = await Promise.all([DeltaTable.open(racing('A'), spec, TUNING), DeltaTable.open(racing('B'), spec, TUNING)]);
    expect([a.version, b.version]).toEqual([1, 1]);
    const batchA = [...rows(0, 10, 5), ...rows(1000, 1010, 1)];
    const batchB = [...rows(5, 15, 6), ...rows(2000, 2010, 1)];
    const [ra, rb] = await Promise.all([a.upsert(batchA, { txn: { appId: 'A', version: 7 } }), b.upsert(batchB, { txn: { appId: 'B', version: 9 } })]);

    expect([ra.version, rb.version].sort()).toEqual([2, 3]);
    const on2 = outcomes.filter(o => o.key.endsWith('00000000000000000002.json'));
    expect(on2.map(o => o.won).sort()).toEqual([false, true]); // both sent commit 2, one won
    const loser = on2.find(o => !o.won)!.writer;
    expect(outcomes.filter(o => o.writer === loser).map(o => [o.key.slice(-7), o.won])).toEqual([['02.json', false], ['03.json', true]]);

    const { last, txns, referenced } = await checkLog(s3(prefix));
    expect(last).toBe(3);
    expect(txns.sort()).toEqual(['A@7', 'B@9', 'setup@0']);
    expect(await orphans(s3(prefix), referenced)).toEqual([]); // the loser removed its first plan's files
    // The loser's re-plan saw the winner's rows: keys 5..9 hold B's version 6 whoever won.
    const expected = model([base, batchA, batchB]);
    const view = await deltaRs(`s3://${bucket}/${prefix}`, moto.deltaRsOptions(), ['A', 'B']);
    expect(sorted(view.rows)).toEqual(asDeltaRs(expected));
    expectedOnS3.set(prefix, asDeltaRs(expected));
    expect(view.txn).toEqual({ A: 7, B: 9 });
  });

  it('retry a store answering 503 SlowDown, also after applying a commit PUT: nothing lost, nothing committed twice', async () => {
    const prefix = 'tables/slowdown/invoices';
    const lostOnce = new Set<string>();
    const proxy = await faultyS3Proxy(moto.endpoint, {
      // Every 4th request never reaches the store.
      refuse: r => r.n % 4 === 0,
      // The first commit PUT of each version reaches the store, which keeps it; its answer is lost.
      loseAnswer: r => r.conditional && !lostOnce.has(r.url) && lostOnce.add(r.url) !== undefined,
    });
    try {
      const store = new S3Store(`s3://${bucket}/${prefix}`, { endpoint: proxy.endpoint, forcePathStyle: true, maxAttempts: 5 });
      const policy = { initialDelayMs: 50, maxDelayMs: 1_000, timeoutMs: 60_000 };
      const table = await retrying('open', () => DeltaTable.open(store, spec, TUNING), policy);
      const batches = [rows(0, 200, 1), [...rows(150, 250, 2)], rows(0, 40, 3), [...rows(240, 300, 4), ...rows(0, 5, 4)], rows(10, 20, 5), rows(300, 310, 1)];
      const versions: (number | null)[] = [];
      for (const [i, b] of batches.entries()) {
        const r = await retrying(`batch ${i}`, () => table.upsert(b, { txn: { appId: 'p1', version: i } }), policy);
        versions.push(r.version);
      }
      expect(versions).toEqual(batches.map((_, i) => i + 1));
      expect(proxy.counts.refused).toBeGreaterThan(5);
      expect(proxy.counts.conditionalAnswersLost).toBe(batches.length + 1); // every commit, the table's creation too
      expect(store.requests.attempts).toBeGreaterThan(store.requests.get + store.requests.list + store.requests.put + store.requests.putIfAbsent + store.requests.delete);

      const { last, txns } = await checkLog(s3(prefix));
      expect(last).toBe(batches.length);
      expect(txns).toEqual(batches.map((_, i) => `p1@${i}`));
      const view = await deltaRs(`s3://${bucket}/${prefix}`, moto.deltaRsOptions(), ['p1']);
      expect(sorted(view.rows)).toEqual(asDeltaRs(model(batches)));
      expectedOnS3.set(prefix, asDeltaRs(model(batches)));
      expect(view.txn).toEqual({ p1: batches.length - 1 });
    } finally {
      await proxy.close();
    }
  });

  it('survive a writer that dies between uploading its data files and committing them: the orphans are harmless, the next writer commits correctly', async () => {
    const prefix = 'tables/crash/invoices';
    const first = rows(0, 150, 1);
    await (await DeltaTable.open(s3(prefix), spec, TUNING)).upsert(first, { txn: { appId: 'p2', version: 0 } });
    const batch1 = [...rows(100, 150, 2), ...rows(150, 200, 1)];
    // The dying writer: its data files reach the store, its commit never does, and it cleans
    // nothing up (a killed process runs no catch block).
    const dying = await DeltaTable.open(wrapped(s3(prefix), {
      putIfAbsent: async key => { if (key.startsWith('_delta_log/')) throw new Error('killed before the commit'); return true; },
      delete: async () => undefined,
    }), spec, TUNING);
    await expect(dying.upsert(batch1, { txn: { appId: 'p2', version: 1 } })).rejects.toThrow(/killed before the commit/);
    const before = await checkLog(s3(prefix));
    const left = await orphans(s3(prefix), before.referenced);
    expect(left.length).toBeGreaterThan(0);
    expect((await deltaRs(`s3://${bucket}/${prefix}`, moto.deltaRsOptions())).rows).toHaveLength(150); // readers see the last commit only

    // The restarted writer finds txn 0 recorded, replays batch 1, then goes on.
    const next = await DeltaTable.open(s3(prefix), spec, TUNING);
    expect(next.txnVersion('p2')).toBe(0);
    const batch2 = [...rows(0, 20, 3), ...rows(200, 220, 1)];
    expect((await next.upsert(batch1, { txn: { appId: 'p2', version: 1 } })).version).toBe(2);
    expect((await next.upsert(batch2, { txn: { appId: 'p2', version: 2 } })).version).toBe(3);

    const after = await checkLog(s3(prefix));
    expect(after.txns).toEqual(['p2@0', 'p2@1', 'p2@2']);
    for (const o of left) expect(after.referenced.has(o)).toBe(false);
    const view = await deltaRs(`s3://${bucket}/${prefix}`, moto.deltaRsOptions(), ['p2']);
    expect(sorted(view.rows)).toEqual(asDeltaRs(model([first, batch1, batch2])));
    expectedOnS3.set(prefix, asDeltaRs(model([first, batch1, batch2])));
    expect(view.files.some(f => left.includes(f.path))).toBe(false);
    expect(view.txn).toEqual({ p2: 2 });
  });

  it('are where the sink config says: INVOICE_STREAM_DELTA_DIR=s3://… and the S3 settings open the three tables there', async () => {
    const config = loadConfig({
      argv: [],
      env: {
        KAFKA_BROKERS: '127.0.0.1:9', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DIR: `s3://${bucket}/sink/finance`,
        INVOICE_STREAM_S3_ENDPOINT: moto.endpoint, INVOICE_STREAM_S3_FORCE_PATH_STYLE: 'true', INVOICE_STREAM_S3_REGION: 'us-east-1',
      },
    });
    const { writers, close } = await openSinkWriters(config.sink);
    await close();
    expect([...writers.keys()].sort()).toEqual(INVOICE_TABLES.map(t => t.name).sort());
    for (const spec of INVOICE_TABLES) {
      const view = await deltaRs(`s3://${bucket}/sink/finance/${spec.name}`, moto.deltaRsOptions());
      expect({ table: spec.name, version: view.version, rows: view.rows.length }).toEqual({ table: spec.name, version: 0, rows: 0 });
    }
  });

  // One Spark session for all the tables: its start-up is most of the cost.
  it('are read by Spark over s3a (delta-spark, hadoop-aws) as their models say: every table above, in one session', { timeout: 300_000 }, async () => {
    expect([...expectedOnS3.keys()]).toHaveLength(5);
    const prefixes = [...expectedOnS3.keys()];
    const results = await spark(prefixes.map(p => `SELECT * FROM delta.\`s3a://${bucket}/${p}\``), { s3Endpoint: moto.endpoint });
    expect(new Map(prefixes.map((p, i) => [p, sorted(results[i])]))).toEqual(expectedOnS3);
  });
});
