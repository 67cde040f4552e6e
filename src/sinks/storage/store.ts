// The storage a Delta table lives on, as the calls the table needs: read an object, list a prefix
// (keys, or keys with their ages for VACUUM), put, put-if-absent (the commit), delete. A local
// directory and an S3 prefix implement it.
import { SinkWriteError } from '../core/retry.ts';

/**
 * A flat space of objects under one root (a directory, or `s3://bucket/prefix`). Keys are
 * '/'-separated paths relative to the root. Every put is seen whole or not at all.
 */
export interface ObjectStore {
  /** Where the root is, for messages: a path or an `s3://bucket/prefix` URL (never a credential). */
  readonly location: string;
  /** The object's bytes, or undefined when there is no such object. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every key that starts with `prefix` (relative to the root), in no particular order. */
  list(prefix: string): Promise<string[]>;
  /** The same listing with each object's last modification time (VACUUM's age of an unreferenced file). */
  listInfo(prefix: string): Promise<ObjectInfo[]>;
  /** Create or replace the object. */
  put(key: string, bytes: Uint8Array | string): Promise<void>;
  /** Create the object only if no object has the key: false when the key was taken (by anyone). */
  putIfAbsent(key: string, bytes: Uint8Array | string): Promise<boolean>;
  /** Delete the object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** The store rooted at `key` below this root (a table inside the sink's location). */
  child(key: string): ObjectStore;
}

/** A listed object: its key and when it was last written (ms since the epoch). */
export interface ObjectInfo {
  key: string;
  lastModified: number;
}

/** A storage call that failed (not a lost put-if-absent race): retriable unless the store said otherwise. */
export class StorageError extends SinkWriteError {
  /** The error's code: a system code (EACCES, ENOSPC) or the S3 error name (SlowDown, AccessDenied). */
  readonly code: string;
  /** HTTP status of an object store's answer, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { code: string; status?: number; retriable: boolean; cause?: unknown }) {
    super(message, { retriable: options.retriable, cause: options.cause });
    this.name = 'StorageError';
    this.code = options.code;
    this.status = options.status;
  }
}

/** A key joined below a root key ('' is the root itself). */
export function joinKey(root: string, key: string): string {
  const clean = (s: string): string => s.replace(/^\/+|\/+$/g, '');
  return [clean(root), clean(key)].filter(s => s !== '').join('/');
}

/** The object's bytes; a missing object is a StorageError (retriable: another writer may be mid-way). */
export async function getExisting(store: ObjectStore, key: string): Promise<Uint8Array> {
  const bytes = await store.get(key);
  if (bytes === undefined) throw new StorageError(`${store.location}: ${key} is missing`, { code: 'ENOENT', retriable: true });
  return bytes;
}
