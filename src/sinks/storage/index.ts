// Public API of the table storage layer: a local directory or an S3 prefix behind one interface.
export { CachedStore } from './cached-store.ts';
export type { CacheCounts } from './cached-store.ts';
export { FileStore } from './file-store.ts';
export { isObjectStoreLocation, openStore, s3RequestCounts } from './open.ts';
export type { S3LocationOptions } from './open.ts';
export { withoutCredentials } from './credentials.ts';
export { parseS3Url, s3Client, S3Store } from './s3-store.ts';
export type { S3RequestCounts, S3StoreOptions } from './s3-store.ts';
export { joinKey, StorageError } from './store.ts';
export type { ObjectInfo, ObjectStore } from './store.ts';
