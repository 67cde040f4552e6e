// A table location as a store: `s3://bucket/prefix` (or `s3a://`) on S3, `file://…` or a plain
// path on local disk. Other schemes are refused rather than taken for relative paths.
import { fileURLToPath } from 'node:url';
import { CachedStore } from './cached-store.ts';
import { FileStore } from './file-store.ts';
import { S3Store, type S3RequestCounts, type S3StoreOptions } from './s3-store.ts';
import type { ObjectStore } from './store.ts';

/** Options of an `s3://` location: the client's, and the data-file cache (MiB, 0: none; default 128). */
export type S3LocationOptions = S3StoreOptions & { cacheMb?: number };

/**
 * The store at `location`; `s3` configures an `s3://` location, whose data files are cached in
 * memory (cached-store.ts). Local files need no cache: the OS has one.
 */
export function openStore(location: string, s3: S3LocationOptions = {}): ObjectStore {
  if (/^s3a?:\/\//i.test(location)) {
    const store = new S3Store(location, s3);
    const cacheMb = s3.cacheMb ?? 128;
    return cacheMb > 0 ? new CachedStore(store, cacheMb * 1024 * 1024) : store;
  }
  if (/^file:\/\//i.test(location)) return new FileStore(fileURLToPath(location));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (scheme) throw new Error(`unsupported table location ${location}: use s3://bucket/prefix, file:///path or a path`);
  return new FileStore(location);
}

/** True for a location on an object store (not the local disk). */
export function isObjectStoreLocation(location: string): boolean {
  return /^s3a?:\/\//i.test(location);
}

/** The request counts of `store` when it is on S3 (directly or behind the data-file cache). */
export function s3RequestCounts(store: ObjectStore): S3RequestCounts | undefined {
  const inner = store instanceof CachedStore ? store.inner : store;
  return inner instanceof S3Store ? inner.requests : undefined;
}
