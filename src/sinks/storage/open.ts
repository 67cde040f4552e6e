// A table location as a store: `s3://bucket/prefix` (or `s3a://`) on S3, `file://…` or a plain
// path on local disk. Other schemes are refused rather than taken for relative paths.
import { fileURLToPath } from 'node:url';
import { FileStore } from './file-store.ts';
import { S3Store, type S3StoreOptions } from './s3-store.ts';
import type { ObjectStore } from './store.ts';

/** The store at `location`; `s3` configures the client of an `s3://` location. */
export function openStore(location: string, s3: S3StoreOptions = {}): ObjectStore {
  if (/^s3a?:\/\//i.test(location)) return new S3Store(location, s3);
  if (/^file:\/\//i.test(location)) return new FileStore(fileURLToPath(location));
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(location);
  if (scheme) throw new Error(`unsupported table location ${location}: use s3://bucket/prefix, file:///path or a path`);
  return new FileStore(location);
}

/** True for a location on an object store (not the local disk). */
export function isObjectStoreLocation(location: string): boolean {
  return /^s3a?:\/\//i.test(location);
}
