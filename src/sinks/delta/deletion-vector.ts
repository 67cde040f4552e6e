// Deletion vectors (PROTOCOL.md "Deletion Vectors", "Deletion Vector Format"): the set of row
// positions of a data file that are no longer in the table. Bitmaps are Roaring bitmaps in the
// portable format (roaring-wasm: CRoaring compiled to WebAssembly, no native build), framed as
// Delta's RoaringBitmapArray (magic number, 64-bit bucket array) and stored in DV files (version
// byte, then per vector a big-endian size, the data and its CRC-32) or inline in the log (Z85).
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { RoaringBitmap32 } from 'roaring-wasm';
import { getExisting, type ObjectStore } from '../storage/store.ts';

/** `deletionVector` of an add or remove action: where the vector is and how many rows it deletes. */
export interface DeletionVectorDescriptor {
  /** 'u': file relative to the table named by a Z85 UUID; 'i': inline Z85 bytes; 'p': absolute path. */
  storageType: 'u' | 'i' | 'p';
  pathOrInlineDv: string;
  /** Byte position of the vector's size field in its file; absent for inline vectors. */
  offset?: number | null;
  /** Bytes of the serialized bitmap (magic number included; before Z85 when inline). */
  sizeInBytes: number;
  /** Rows the vector deletes. */
  cardinality: number;
}

/** Delta's magic number of the portable RoaringBitmapArray framing (little-endian, first 4 bytes). */
export const PORTABLE_MAGIC = 1681511377;
/** Magic number of Delta's older "native" framing (bitmap count and sizes as 32-bit LE); read only. */
const NATIVE_MAGIC = 1681511376;
/** Format version byte at the start of a DV file. */
const DV_FILE_VERSION = 1;

// ---- Z85 (ZeroMQ RFC 32), the base85 variant the protocol uses for UUIDs and inline vectors ----

const Z85 = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const Z85_DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < Z85.length; i++) Z85_DECODE[Z85.charCodeAt(i)] = i;

/** Z85 of `bytes`, zero-padded to a multiple of 4 bytes (as Delta pads inline vectors). */
export function z85Encode(bytes: Uint8Array): string {
  const padded = bytes.length % 4 === 0 ? bytes : (() => {
    const p = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
    p.set(bytes);
    return p;
  })();
  const view = new DataView(padded.buffer, padded.byteOffset, padded.byteLength);
  let out = '';
  for (let i = 0; i < padded.length; i += 4) {
    let v = view.getUint32(i, false);
    const block = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      block[j] = Z85[v % 85];
      v = Math.floor(v / 85);
    }
    out += block.join('');
  }
  return out;
}

/** Bytes of a Z85 string (length a multiple of 5). */
export function z85Decode(text: string): Uint8Array {
  if (text.length % 5 !== 0) throw new Error(`z85: length ${text.length} is not a multiple of 5`);
  const out = new Uint8Array((text.length / 5) * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < text.length; i += 5) {
    let v = 0;
    for (let j = 0; j < 5; j++) {
      const c = text.charCodeAt(i + j);
      const d = c < 128 ? Z85_DECODE[c] : -1;
      if (d < 0) throw new Error(`z85: invalid character ${JSON.stringify(text[i + j])}`);
      v = v * 85 + d;
    }
    if (v > 0xffffffff) throw new Error('z85: block out of range');
    view.setUint32((i / 5) * 4, v, false);
  }
  return out;
}

/** A canonical UUID as the 20 Z85 characters of its 16 big-endian bytes. */
export function uuidToZ85(uuid: string): string {
  return z85Encode(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

/** The canonical UUID of 20 Z85 characters. */
export function uuidFromZ85(text: string): string {
  const hex = Buffer.from(z85Decode(text)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// ---- RoaringBitmapArray: magic number + the portable 64-bit format ----

/**
 * Serialize sorted, distinct row positions: magic (LE), bucket count (8 bytes LE), then per bucket
 * its key (the high 32 bits, LE) and a portable 32-bit Roaring bitmap of the low 32 bits.
 */
export function serializeBitmap(rows: ArrayLike<number>): Uint8Array {
  const buckets = new Map<number, number[]>();
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!Number.isSafeInteger(r) || r < 0) throw new Error(`deletion vector: bad row index ${r}`);
    const key = Math.floor(r / 2 ** 32);
    if (key > 0x7fffffff) throw new Error(`deletion vector: row index ${r} out of range`);
    let b = buckets.get(key);
    if (!b) buckets.set(key, b = []);
    b.push(r % 2 ** 32);
  }
  const keys = [...buckets.keys()].sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(12);
  const hv = new DataView(head.buffer);
  hv.setUint32(0, PORTABLE_MAGIC, true);
  hv.setBigUint64(4, BigInt(keys.length), true);
  parts.push(head);
  for (const key of keys) {
    const k = new Uint8Array(4);
    new DataView(k.buffer).setUint32(0, key, true);
    const bitmap = new RoaringBitmap32(buckets.get(key) ?? []);
    try {
      bitmap.runOptimize(); // run containers where they are smaller (the spec's cookie says so)
      parts.push(k, bitmap.serialize('portable'));
    } finally {
      bitmap.dispose();
    }
  }
  return concat(parts);
}

/** Row positions (ascending) of a serialized RoaringBitmapArray. */
export function deserializeBitmap(bytes: Uint8Array): number[] {
  if (bytes.length < 12) throw new Error('deletion vector: truncated bitmap');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  if (magic !== PORTABLE_MAGIC && magic !== NATIVE_MAGIC) throw new Error(`deletion vector: magic number ${magic}, expected ${PORTABLE_MAGIC} (portable RoaringBitmapArray)`);
  const native = magic === NATIVE_MAGIC;
  const count = native ? view.getUint32(4, true) : Number(view.getBigUint64(4, true));
  let at = native ? 8 : 12;
  const out: number[] = [];
  for (let b = 0; b < count; b++) {
    if (at + 4 > bytes.length) throw new Error('deletion vector: truncated bucket');
    // Portable: the bucket's key; native: the bitmap's size, the key being its index.
    const key = native ? b : view.getUint32(at, true);
    at += 4;
    const bitmap = RoaringBitmap32.deserialize('portable', bytes.subarray(at));
    try {
      // The library reads one bitmap and ignores what follows; its own size tells where the next starts.
      at += bitmap.getSerializationSizeInBytes('portable');
      const high = key * 2 ** 32;
      for (const low of bitmap.toUint32Array()) out.push(high + low);
    } finally {
      bitmap.dispose();
    }
  }
  return out;
}

// ---- DV files ----

/** A DV file being assembled: the version byte, then each vector as size (BE), data, CRC-32 (BE). */
export class DeletionVectorFile {
  /** The UUID that names the file (`deletion_vector_<uuid>.bin`). */
  readonly uuid = randomUUID();
  private readonly parts: Uint8Array[] = [Uint8Array.of(DV_FILE_VERSION)];
  private length = 1;

  /** The file's path relative to the table root. */
  get path(): string {
    return `deletion_vector_${this.uuid}.bin`;
  }

  /** True when no vector was added. */
  get empty(): boolean {
    return this.length === 1;
  }

  /** Append the vector of these sorted row positions; returns its descriptor. */
  add(rows: ArrayLike<number>): DeletionVectorDescriptor {
    const data = serializeBitmap(rows);
    const frame = new Uint8Array(8 + data.length);
    const view = new DataView(frame.buffer);
    view.setUint32(0, data.length, false);
    frame.set(data, 4);
    view.setUint32(4 + data.length, zlib.crc32(data), false);
    const offset = this.length;
    this.parts.push(frame);
    this.length += frame.length;
    return { storageType: 'u', pathOrInlineDv: uuidToZ85(this.uuid), offset, sizeInBytes: data.length, cardinality: rows.length };
  }

  /** The file's bytes. */
  bytes(): Uint8Array {
    return concat(this.parts);
  }
}

/** The file a descriptor points at (relative to the table dir unless absolute), or undefined for inline. */
export function deletionVectorPath(tableDir: string, dv: DeletionVectorDescriptor): string | undefined {
  if (dv.storageType === 'i') return undefined;
  if (dv.storageType === 'p') {
    const p = dv.pathOrInlineDv;
    if (p.startsWith('file:')) return fileURLToPath(p);
    if (isAbsolute(p)) return p;
    throw new Error(`deletion vector: unsupported absolute path ${p}`);
  }
  if (dv.storageType !== 'u') throw new Error(`deletion vector: unknown storage type ${String(dv.storageType)}`);
  const s = dv.pathOrInlineDv;
  if (s.length < 20) throw new Error(`deletion vector: bad relative path ${s}`);
  const prefix = s.slice(0, s.length - 20);
  const name = `deletion_vector_${uuidFromZ85(s.slice(s.length - 20))}.bin`;
  return prefix === '' ? join(tableDir, name) : join(tableDir, prefix, name);
}

/** The protocol's `uniqueId` of a vector (tells logical files of one path apart). */
export function deletionVectorId(dv: DeletionVectorDescriptor): string {
  return dv.offset === undefined || dv.offset === null ? `${dv.storageType}${dv.pathOrInlineDv}` : `${dv.storageType}${dv.pathOrInlineDv}@${dv.offset}`;
}

/** Read the deleted row positions (ascending) a descriptor points at; checks size and checksum. */
export async function loadDeletionVector(tableDir: string, dv: DeletionVectorDescriptor, read: (path: string) => Promise<Uint8Array> = readFile): Promise<number[]> {
  let data: Uint8Array;
  const path = deletionVectorPath(tableDir, dv);
  if (path === undefined) {
    data = z85Decode(dv.pathOrInlineDv).subarray(0, dv.sizeInBytes);
  } else {
    const file = await read(path);
    const offset = dv.offset ?? 0;
    const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
    if (file[0] !== DV_FILE_VERSION) throw new Error(`${path}: deletion vector file version ${file[0]}, expected ${DV_FILE_VERSION}`);
    if (offset + 4 + dv.sizeInBytes + 4 > file.length) throw new Error(`${path}: deletion vector at ${offset} runs past the end of the file`);
    const size = view.getUint32(offset, false);
    if (size !== dv.sizeInBytes) throw new Error(`${path}: deletion vector at ${offset} has ${size} bytes, the log says ${dv.sizeInBytes}`);
    data = file.subarray(offset + 4, offset + 4 + size);
    const crc = view.getUint32(offset + 4 + size, false);
    if (crc !== zlib.crc32(data)) throw new Error(`${path}: deletion vector at ${offset}: checksum mismatch`);
  }
  const rows = deserializeBitmap(data);
  if (rows.length !== dv.cardinality) throw new Error(`deletion vector ${deletionVectorId(dv)}: ${rows.length} rows, the log says ${dv.cardinality}`);
  return rows;
}

/** An inline descriptor for these sorted row positions (small vectors; no file). */
export function inlineDeletionVector(rows: ArrayLike<number>): DeletionVectorDescriptor {
  const data = serializeBitmap(rows);
  return { storageType: 'i', pathOrInlineDv: z85Encode(data), sizeInBytes: data.length, cardinality: rows.length };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Read a DV file through the table's store: `path` is what deletionVectorPath gives for the table
 * root '' (a key relative to the root), or an absolute local path ('p' descriptors), read from disk.
 */
export function storeReader(store: ObjectStore): (path: string) => Promise<Uint8Array> {
  return path => isAbsolute(path) ? readFile(path) : getExisting(store, path);
}

/** Deleted row positions of the table's logical files, loaded once per vector (by its unique id). */
export class DeletionVectorCache {
  private readonly read: (path: string) => Promise<Uint8Array>;
  private readonly byId = new Map<string, readonly number[]>();

  /** Vectors of the table in `store` (relative DV paths are keys of the store). */
  constructor(store: ObjectStore) {
    this.read = storeReader(store);
  }

  /** The deleted rows (ascending) of a logical file: none without a vector. */
  async rows(dv: DeletionVectorDescriptor | null | undefined): Promise<readonly number[]> {
    if (!dv) return [];
    const id = deletionVectorId(dv);
    let rows = this.byId.get(id);
    if (rows === undefined) this.byId.set(id, rows = await loadDeletionVector('', dv, this.read));
    return rows;
  }

  /** Remember the rows of a vector this writer wrote. */
  set(dv: DeletionVectorDescriptor, rows: readonly number[]): void {
    this.byId.set(deletionVectorId(dv), rows);
  }

  /** Forget a vector no longer in the table. */
  forget(dv: DeletionVectorDescriptor | null | undefined): void {
    if (dv) this.byId.delete(deletionVectorId(dv));
  }

  /** Forget everything. */
  clear(): void {
    this.byId.clear();
  }
}

/** Sorted union of two ascending lists of row positions (no duplicates). */
export function unionRows(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i] : Number.POSITIVE_INFINITY;
    const y = j < b.length ? b[j] : Number.POSITIVE_INFINITY;
    const v = Math.min(x, y);
    if (out.length === 0 || out[out.length - 1] !== v) out.push(v);
    if (x === v) i++;
    if (y === v) j++;
  }
  return out;
}
