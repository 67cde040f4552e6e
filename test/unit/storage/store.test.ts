// The storage layer without a server: the local FileStore's five calls, locations → stores, and
// the commit rule on top of put-if-absent (a taken name holding our own bytes is our commit).
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommitConflict, putCommit } from '../../../src/sinks/delta/log.ts';
import { CachedStore, FileStore, openStore, parseS3Url, S3Store, type ObjectStore } from '../../../src/sinks/storage/index.ts';

let dir: string;
beforeAll(async () => { dir = await mkdtemp(join(tmpdir(), 'store-')); });
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe('FileStore', () => {
  it('gets, puts whole objects, lists a prefix, deletes, and leaves no temp file behind', async () => {
    const store = new FileStore(join(dir, 'a'));
    expect(await store.get('_delta_log/x.json')).toBeUndefined();
    expect(await store.list('_delta_log/')).toEqual([]);
    await store.put('_delta_log/_last_checkpoint', '{"version":1}');
    await store.put('_delta_log/_last_checkpoint', '{"version":2}'); // replaced
    await store.put('part-1.parquet', new Uint8Array([1, 2, 3]));
    expect(new TextDecoder().decode(await store.get('_delta_log/_last_checkpoint'))).toBe('{"version":2}');
    expect([...await store.get('part-1.parquet') ?? []]).toEqual([1, 2, 3]);
    expect(await store.list('_delta_log/')).toEqual(['_delta_log/_last_checkpoint']);
    expect((await store.list('')).sort()).toEqual(['_delta_log/_last_checkpoint', 'part-1.parquet']);
    // With ages, for VACUUM: the file's modification time.
    const infos = (await store.listInfo('')).sort((a, b) => a.key < b.key ? -1 : 1);
    expect(infos.map(i => i.key)).toEqual(['_delta_log/_last_checkpoint', 'part-1.parquet']);
    for (const i of infos) expect(Math.abs(i.lastModified - Date.now())).toBeLessThan(60_000);
    await store.delete('part-1.parquet');
    await store.delete('part-1.parquet'); // missing: fine
    expect(await store.list('part')).toEqual([]);
    expect((await readdir(join(dir, 'a', '_delta_log'))).filter(n => n.endsWith('.tmp'))).toEqual([]);
    expect(store.child('invoices').location).toBe(join(dir, 'a', 'invoices'));
  });

  it('lets exactly one of many concurrent put-if-absent calls create a key', async () => {
    const store = new FileStore(join(dir, 'b'));
    const won = await Promise.all(Array.from({ length: 16 }, (_, i) => store.putIfAbsent('_delta_log/00000000000000000001.json', `writer ${i}\n`)));
    expect(won.filter(Boolean)).toHaveLength(1);
    expect(new TextDecoder().decode(await store.get('_delta_log/00000000000000000001.json'))).toBe(`writer ${won.indexOf(true)}\n`);
  });
});

describe('CachedStore', () => {
  it('serves data files it put or got from memory, never the log, and forgets deleted and least recently used files', async () => {
    const file = new FileStore(join(dir, 'c'));
    const reads: string[] = [];
    const counting: ObjectStore = { ...file, location: file.location, get: k => { reads.push(k); return file.get(k); }, list: p => file.list(p), listInfo: p => file.listInfo(p), put: (k, b) => file.put(k, b), putIfAbsent: (k, b) => file.putIfAbsent(k, b), delete: k => file.delete(k), child: k => file.child(k) };
    const store = new CachedStore(counting, 10);
    await store.put('part-a.parquet', new Uint8Array(6));
    expect((await store.get('part-a.parquet'))?.length).toBe(6); // from memory
    await store.put('_delta_log/_last_checkpoint', '{"version":1}');
    await store.put('_delta_log/_last_checkpoint', '{"version":2}');
    expect(new TextDecoder().decode(await store.get('_delta_log/_last_checkpoint'))).toBe('{"version":2}');
    expect(await store.get('_delta_log/00000000000000000001.json')).toBeUndefined();
    expect(reads).toEqual(['_delta_log/_last_checkpoint', '_delta_log/00000000000000000001.json']);
    await store.put('part-b.parquet', new Uint8Array(6)); // 12 bytes > 10: part-a goes
    expect(store.cache).toMatchObject({ objects: 1, bytes: 6 });
    await store.get('part-a.parquet');
    expect(reads.at(-1)).toBe('part-a.parquet'); // read again, cached again, part-b out
    await store.delete('part-a.parquet');
    expect(store.cache).toMatchObject({ objects: 0, bytes: 0 });
    expect(await store.get('part-a.parquet')).toBeUndefined();
  });
});

describe('locations', () => {
  it('opens s3:// (and s3a://) on S3, file:// and paths on disk, and refuses other schemes', () => {
    expect(parseS3Url('s3://lake/finance/ar/')).toEqual({ bucket: 'lake', prefix: 'finance/ar' });
    expect(parseS3Url('s3a://lake')).toEqual({ bucket: 'lake', prefix: '' });
    const s3 = openStore('s3://lake/finance', { region: 'eu-west-1' });
    expect(s3).toBeInstanceOf(CachedStore);
    expect((s3 as CachedStore).inner).toBeInstanceOf(S3Store);
    expect(openStore('s3://lake/finance', { region: 'eu-west-1', cacheMb: 0 })).toBeInstanceOf(S3Store);
    expect(s3.child('invoices').location).toBe('s3://lake/finance/invoices');
    expect(openStore('file:///var/lib/delta').location).toBe('/var/lib/delta');
    expect(openStore('/var/lib/delta')).toBeInstanceOf(FileStore);
    expect(() => openStore('gs://lake/x')).toThrow(/unsupported table location/);
  });
});

describe('putCommit', () => {
  /** A store whose put-if-absent always finds the key taken, by `existing`. */
  const taken = (existing: string): ObjectStore => ({
    location: 'mem://', list: async () => [], listInfo: async () => [], put: async () => undefined, delete: async () => undefined, child: () => { throw new Error('no'); },
    putIfAbsent: async () => false,
    get: async () => new TextEncoder().encode(existing),
  });
  const actions = [{ commitInfo: { timestamp: 1, operation: 'WRITE', txnId: 'b2a1' } }] as never[];

  it('takes a taken name that holds exactly its own commit as its own (a retried PUT), and anything else as a lost race', async () => {
    const mine = actions.map(a => JSON.stringify(a)).join('\n') + '\n';
    await expect(putCommit(taken(mine), 4, actions)).resolves.toBeUndefined();
    await expect(putCommit(taken(mine.replace('b2a1', 'c3d4')), 4, actions)).rejects.toBeInstanceOf(CommitConflict);
  });
});

describe('S3Store answers', () => {
  // A client that fails every request the way the SDK does (name, HTTP status in $metadata).
  const failing = (name: string, status: number, message: string): S3Client => ({ send: () => Promise.reject(Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status, attempts: 1 } })) }) as unknown as S3Client;

  it('takes 412 and 409 ConditionalRequestConflict to a conditional put as a taken key (the caller re-plans), other errors as errors', async () => {
    const open = (client: S3Client): S3Store => new S3Store('s3://bucket/table', {}, { client });
    await expect(open(failing('PreconditionFailed', 412, 'taken')).putIfAbsent('_delta_log/1.json', '{}')).resolves.toBe(false);
    await expect(open(failing('ConditionalRequestConflict', 409, 'in flight')).putIfAbsent('_delta_log/1.json', '{}')).resolves.toBe(false);
    await expect(open(failing('AccessDenied', 403, 'no')).putIfAbsent('_delta_log/1.json', '{}')).rejects.toThrow(/AccessDenied/);
  });

  it('never carries an access key id in its error message, whoever echoed it', async () => {
    const store = new S3Store('s3://bucket/table', {}, { client: failing('SignatureDoesNotMatch', 403, 'signature of AKIAABCDEFGHIJKLMNOP does not match') });
    const error = await store.get('part-1.parquet').catch((e: unknown) => e as Error);
    expect(String((error as Error).message)).toContain('[REDACTED]');
    expect(String((error as Error).message)).not.toContain('AKIAABCDEFGHIJKLMNOP');
  });
});
