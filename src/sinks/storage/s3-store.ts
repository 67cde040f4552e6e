// An S3 prefix (AWS S3, or an S3-compatible server: MinIO, R2, moto) as an ObjectStore, on the AWS
// SDK for JavaScript v3. Put-if-absent is a conditional PUT (`If-None-Match: *`): the store
// answers 412 Precondition Failed when the key exists, so of two writers of one commit exactly one
// wins. Credentials come from the SDK's default chain (environment, web identity for Kubernetes
// service accounts, profiles, container and instance metadata) and never appear in a message.
import {
  DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { joinKey, StorageError, type ObjectInfo, type ObjectStore } from './store.ts';
import { withoutCredentials } from './credentials.ts';

/** Where and how to reach the store; everything else (credentials) from the SDK's default chain. */
export interface S3StoreOptions {
  /** An S3-compatible server's URL (`http://127.0.0.1:9000`); default: AWS S3 of the region. */
  endpoint?: string;
  /** Region; default the SDK's (AWS_REGION, the profile), else us-east-1 with an endpoint. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** Attempts per request, the SDK's retry of 5xx, throttling (SlowDown) and network errors (default 5). */
  maxAttempts?: number;
  /** A client built elsewhere (the options above are then ignored). */
  client?: S3Client;
}

/** Requests sent, by kind, and HTTP attempts in all (retries included), for benches and metrics (per table: each child store counts its own). */
export interface S3RequestCounts {
  get: number;
  list: number;
  put: number;
  putIfAbsent: number;
  delete: number;
  attempts: number;
  /** Attempts beyond each request's first (counted when the request ends). */
  retries: number;
}

/** Bucket and key prefix of an `s3://bucket/prefix` (or `s3a://`) URL. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3a?:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m || m[1] === '') throw new Error(`not an s3://bucket/prefix URL: ${url}`);
  return { bucket: m[1], prefix: joinKey('', m[2]) };
}

/** The SDK client for `options` (shared by every table of a sink). */
export function s3Client(options: S3StoreOptions = {}): S3Client {
  if (options.client) return options.client;
  return new S3Client({
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : options.endpoint && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION ? { region: 'us-east-1' } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    maxAttempts: options.maxAttempts ?? 5,
  });
}

interface SdkError { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }

// 4xx answers are the request's fault (no bucket, no permission, wrong region) and stay so;
// throttling, timeouts, conflicts, expired session tokens and every 5xx or network error pass.
const RETRIABLE_4XX = new Set([408, 409, 429]);
const RETRIABLE_NAMES = new Set(['ExpiredToken', 'RequestTimeTooSkewed', 'SlowDown', 'RequestTimeout']);

/** The objects under one S3 prefix. */
export class S3Store implements ObjectStore {
  readonly location: string;
  readonly bucket: string;
  readonly prefix: string;
  /** Requests of this store (a child, one table's prefix, has its own; the client is shared). */
  readonly requests: S3RequestCounts;
  private readonly client: S3Client;

  constructor(url: string, options: S3StoreOptions = {}, shared?: { client: S3Client }) {
    const { bucket, prefix } = parseS3Url(url);
    this.bucket = bucket;
    this.prefix = prefix;
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.client = shared?.client ?? s3Client(options);
    this.requests = { get: 0, list: 0, put: 0, putIfAbsent: 0, delete: 0, attempts: 0, retries: 0 };
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const Key = joinKey(this.prefix, key);
    try {
      const out = await this.send('get', 'get', Key, () => this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key })));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
    } catch (e) {
      if (e instanceof StorageError && (e.code === 'NoSuchKey' || e.status === 404)) return undefined;
      throw e;
    }
  }

  async list(prefix: string): Promise<string[]> {
    return (await this.listInfo(prefix)).map(o => o.key);
  }

  async listInfo(prefix: string): Promise<ObjectInfo[]> {
    const root = this.prefix === '' ? '' : `${this.prefix}/`;
    const objects: ObjectInfo[] = [];
    let token: string | undefined;
    do {
      const out = await this.send('list', 'list', root + prefix, () => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: root + prefix, ContinuationToken: token })));
      for (const o of out.Contents ?? []) {
        if (o.Key?.startsWith(root)) objects.push({ key: o.Key.slice(root.length), lastModified: o.LastModified?.getTime() ?? Number.POSITIVE_INFINITY }); // no date: never old enough to vacuum
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  async put(key: string, bytes: Uint8Array | string): Promise<void> {
    const Key = joinKey(this.prefix, key);
    await this.send('put', 'put', Key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes })));
  }

  async putIfAbsent(key: string, bytes: Uint8Array | string): Promise<boolean> {
    const Key = joinKey(this.prefix, key);
    try {
      await this.send('putIfAbsent', 'put-if-absent', Key, () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: bytes, IfNoneMatch: '*' })));
      return true;
    } catch (e) {
      // 412: the key exists. (After a retried attempt that may be this very put: callers that
      // must know compare the object with what they wrote; see delta/log.ts putCommit.)
      // 409 ConditionalRequestConflict: another conditional put of this key was in flight; one of
      // the two wins, so for this one the key is taken just the same (the caller re-plans).
      if (e instanceof StorageError && (e.status === 412 || e.code === 'ConditionalRequestConflict')) return false;
      throw e;
    }
  }

  async delete(key: string): Promise<void> {
    const Key = joinKey(this.prefix, key);
    await this.send('delete', 'delete', Key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  child(key: string): S3Store {
    return new S3Store(`s3://${this.bucket}/${joinKey(this.prefix, key)}`, {}, { client: this.client });
  }

  private count(attempts = 1): void {
    this.requests.attempts += attempts;
    this.requests.retries += attempts - 1;
  }

  /** Sends one request, counts it, and turns a failure into a classified StorageError. */
  private async send<T extends { $metadata?: { attempts?: number } }>(kind: keyof Omit<S3RequestCounts, 'attempts' | 'retries'>, verb: string, key: string, call: () => Promise<T>): Promise<T> {
    this.requests[kind]++;
    try {
      const out = await call();
      this.count(out.$metadata?.attempts);
      return out;
    } catch (e) {
      const err = (e ?? {}) as SdkError;
      this.count(err.$metadata?.attempts);
      const status = err.$metadata?.httpStatusCode;
      const code = err.name && err.name !== 'Error' ? err.name : err.code ?? 'Error';
      const retriable = status === undefined || status >= 500 || RETRIABLE_4XX.has(status) || RETRIABLE_NAMES.has(code);
      const attempts = err.$metadata?.attempts;
      // Scrubbed where the message is made: it reaches the connector's logs as well as ours.
      throw new StorageError(withoutCredentials(
        `s3 ${verb} s3://${this.bucket}/${key}: ${code}${status ? ` (HTTP ${status})` : ''}${attempts && attempts > 1 ? ` after ${attempts} attempts` : ''}: ${err.message ?? String(e)}`),
        { code, status, retriable, cause: e },
      );
    }
  }
}

