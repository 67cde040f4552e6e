// The one Parquet encoder of data files (appends and merges alike) for typed batches (typed.ts):
// flat schema, one row group, one data page (v1) per column, PLAIN values, a dictionary for
// strings where it pays, RLE/bit-packed definition levels. It writes what hyparquet-writer wrote
// for these tables (same schema elements, same logical types) at a third of its CPU (bench
// encode-parquet, docs/BENCHMARKS.md "Issue 14"): values go straight from typed arrays into one
// buffer, and the statistics (footer and the Delta add action's, the only renderer of those) come
// from one pass over the same arrays. Page headers and footer: thrift.ts. Snappy is
// hyparquet-writer's (`hyparquet-writer/src/snappy.js`, a subpath its package exports with types):
// a second snappy in this code base would be a second home for one algorithm, and hyparquet-writer
// stays a dependency for the nested checkpoint files (checkpoint.ts).
import zlib from 'node:zlib';
import type { SchemaElement } from 'hyparquet';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { compareStrings } from './columns.ts';
import type { CompiledSpec } from './schema.ts';
import { Out, writeFooter, writePageHeader, type ChunkMeta, type PageCodec } from './thrift.ts';
import type { TypedBatch, TypedColumn } from './typed.ts';
import { formatUnscaled, writeUnscaledBytes } from '../../values/decimal.ts';
import { formatDate } from '../../values/time.ts';

/**
 * Compression of data pages. ZSTD (level 1, Node's native zstd) compresses these pages 4-5x faster
 * than the JavaScript snappy and to about half the size; every Parquet reader of Delta tables
 * (delta-rs, Spark, Databricks) reads it. Without native zstd (Node < 22.15) it falls back to SNAPPY.
 */
export type FlatCodec = PageCodec;

const ZSTD_OPTIONS = { params: { [zlib.constants.ZSTD_c_compressionLevel ?? 100]: 1 } };

/** Whether this Node has native zstd. */
export const HAS_ZSTD = typeof zlib.zstdCompressSync === 'function';

/** The codec actually used for `codec` on this Node. */
export function effectiveCodec(codec: FlatCodec): FlatCodec {
  return codec === 'ZSTD' && !HAS_ZSTD ? 'SNAPPY' : codec;
}

function compressor(codec: FlatCodec): (b: Uint8Array) => Uint8Array {
  if (codec === 'SNAPPY') return snappyCompress;
  if (codec === 'ZSTD') return b => zlib.zstdCompressSync(b, ZSTD_OPTIONS);
  return b => b;
}

/** What encodeTyped returns: the file and the add action's stats JSON. */
export interface EncodedFile {
  bytes: Uint8Array;
  stats: string;
}

const TWO32 = 4294967296;

/** Little-endian int64 of a safe integer. */
function i64le(out: Out, v: number): void {
  const hi = Math.floor(v / TWO32);
  const lo = v - hi * TWO32;
  const b = out.buf;
  const p = out.pos;
  b.writeUInt32LE(lo, p);
  b.writeInt32LE(hi, p + 4);
  out.pos = p + 8;
}

/** RLE/bit-packed hybrid of `n` values of `width` bits: one RLE run when all are equal, else bit-packed. */
function hybrid(out: Out, n: number, width: number, at: (i: number) => number, allEqual: number | undefined): void {
  if (allEqual !== undefined) {
    out.varint(n * 2);
    const bytes = (width + 7) >> 3;
    for (let k = 0; k < bytes; k++) out.u8((allEqual >> (8 * k)) & 0xff);
    return;
  }
  const groups = Math.ceil(n / 8);
  out.varint(groups * 2 + 1);
  out.ensure(groups * width + 8);
  const b = out.buf;
  let p = out.pos;
  let acc = 0;
  let bits = 0;
  const total = groups * 8;
  for (let i = 0; i < total; i++) {
    acc |= (i < n ? at(i) : 0) << bits;
    bits += width;
    while (bits >= 8) {
      b[p++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) b[p++] = acc & 0xff;
  out.pos = p;
}

/** PLAIN byte arrays of the non-null strings; returns whether every one was ASCII. */
function plainStrings(out: Out, values: (string | null)[]): boolean {
  let ascii = true;
  for (let i = 0; i < values.length; i++) {
    const s = values[i];
    if (s === null || s === undefined) continue;
    out.ensure(4 + s.length * 3);
    const n = out.buf.write(s, out.pos + 4, 'utf8');
    if (n !== s.length) ascii = false;
    out.buf.writeUInt32LE(n, out.pos);
    out.pos += 4 + n;
  }
  return ascii;
}

/** Column statistics on typed values: min/max as physical JS values (string, number, bigint). */
interface ColStats {
  min: string | number | bigint | undefined;
  max: string | number | bigint | undefined;
}

function numStats(col: TypedColumn, n: number): ColStats {
  const v = col.values as Float64Array;
  const nulls = col.nulls;
  if (col.big && col.big.size > 0) {
    let min: bigint | undefined;
    let max: bigint | undefined;
    for (let i = 0; i < n; i++) {
      if (nulls && nulls[i]) continue;
      const x = col.big.get(i) ?? BigInt(v[i] as number);
      if (min === undefined || x < min) min = x;
      if (max === undefined || x > max) max = x;
    }
    return { min, max };
  }
  let min = Infinity;
  let max = -Infinity;
  if (nulls && col.nullCount > 0) {
    for (let i = 0; i < n; i++) {
      if (nulls[i]) continue;
      const x = v[i] as number;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const x = v[i] as number;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return min === Infinity ? { min: undefined, max: undefined } : { min, max };
}

/**
 * Min and max in code point order. With `ascii` (every value ASCII), JS's native UTF-16 order is
 * that order; otherwise compareStrings decides (surrogates order differently in UTF-16).
 */
function strStats(values: Iterable<string | null>, ascii: boolean): ColStats {
  let min: string | undefined;
  let max: string | undefined;
  for (const s of values) {
    if (s === null || s === undefined) continue;
    if (min === undefined || max === undefined) { min = max = s; continue; }
    if (ascii) {
      if (s < min) min = s;
      else if (s > max) max = s;
    } else if (s !== min && compareStrings(s, min) < 0) min = s;
    else if (s !== max && compareStrings(s, max) > 0) max = s;
  }
  return { min, max };
}

function isoMillis(ms: number): string {
  return new Date(ms).toISOString();
}

/** Whether a sample of up to 1024 values has at most DICT_MAX_SHARE distinct. */
function fewDistinct(values: (string | null)[]): boolean {
  const seen = new Set<string>();
  let k = 0;
  const step = Math.max(1, Math.floor(values.length / 1024));
  for (let i = 0; i < values.length; i += step) {
    const s = values[i];
    if (s === null || s === undefined) continue;
    seen.add(s);
    k++;
  }
  return k < 16 || seen.size <= k * DICT_MAX_SHARE;
}

// Dictionaries: only where there are at most this share of distinct values (and not too many).
const DICT_MAX_SHARE = 0.5;
const DICT_MAX_VALUES = 1 << 16;

/** Options of `encodeTyped`. */
export interface FlatOptions {
  codec?: FlatCodec;
}

// Footer min/max of strings longer than this are left out (null_count stays): a bound is exact or
// absent, and a kilobyte cell does not bloat the footer. Delta's add-action stats keep them whole.
const FOOTER_STRING_BOUND_BYTES = 64;

/** Encode a typed batch as one Parquet file; also returns the Delta stats JSON of the rows. */
export function encodeTyped(batch: TypedBatch, spec: CompiledSpec, options: FlatOptions = {}): EncodedFile {
  const codec = effectiveCodec(options.codec ?? 'SNAPPY');
  const compress = compressor(codec);
  const n = batch.length;
  const file = new Out(1 << 20);
  file.bytes(PAR1);
  const page = new Out(1 << 18);
  const chunks: ChunkMeta[] = [];
  const minJson: string[] = [];
  const maxJson: string[] = [];
  const nullJson: string[] = [];

  batch.columns.forEach((col, ci) => {
    const codecSpec = spec.codecs[ci];
    if (!codecSpec || codecSpec.column.name !== col.column.name) throw new Error(`column ${col.column.name} out of order`);
    const element: SchemaElement = codecSpec.element;
    const name = col.column.name;
    const present = n - col.nullCount;
    const nulls = col.nulls;
    const chunkStart = file.pos;
    let uncompressed = 0;
    let dictionaryOffset: number | undefined;
    let encoding: 'PLAIN' | 'RLE_DICTIONARY' = 'PLAIN';

    // Numeric statistics now; string ones once the values are encoded (which tells if all are ASCII).
    let st: ColStats = { min: undefined, max: undefined };
    if (col.kind !== 'str' && col.kind !== 'bool') st = numStats(col, n);

    // Dictionary for strings with few distinct values (a sample rules out the unique ones cheaply).
    let dict: Map<string, number> | undefined;
    let indexes: Int32Array | undefined;
    if (col.kind === 'str' && present > 0 && fewDistinct(col.values as (string | null)[])) {
      const values = col.values as (string | null)[];
      const limit = Math.min(DICT_MAX_VALUES, Math.max(1, Math.floor(present * DICT_MAX_SHARE)));
      dict = new Map();
      indexes = new Int32Array(present);
      let k = 0;
      for (let i = 0; i < n; i++) {
        const s = values[i];
        if (s === null || s === undefined) continue;
        let id = dict.get(s);
        if (id === undefined) {
          id = dict.size;
          if (id >= limit) { dict = undefined; break; }
          dict.set(s, id);
        }
        indexes[k++] = id;
      }
      if (!dict) indexes = undefined;
    }

    if (dict && indexes) {
      page.pos = 0;
      const ascii = plainStrings(page, [...dict.keys()]);
      st = strStats(dict.keys(), ascii);
      const raw = page.view();
      const body = compress(raw);
      dictionaryOffset = file.pos;
      const headerStart = file.pos;
      writePageHeader(file, { uncompressed: raw.length, compressed: body.length, values: dict.size, dictionary: true });
      uncompressed += file.pos - headerStart + raw.length;
      file.bytes(body);
      encoding = 'RLE_DICTIONARY';
    }

    // Data page: [def levels with a 4-byte length] values.
    page.pos = 0;
    if (element.repetition_type === 'OPTIONAL') {
      page.ensure(4);
      const lenAt = page.pos;
      page.pos += 4;
      const all = col.nullCount === 0 ? 1 : col.nullCount === n ? 0 : undefined;
      const nl = nulls as Uint8Array;
      hybrid(page, n, 1, i => 1 - (nl[i] as number), all);
      page.buf.writeUInt32LE(page.pos - lenAt - 4, lenAt);
    }
    if (dict && indexes) {
      const idx = indexes;
      const width = Math.max(1, Math.ceil(Math.log2(dict.size)));
      page.u8(width);
      hybrid(page, idx.length, width, i => idx[i] as number, dict.size === 1 ? 0 : undefined);
    } else if (col.kind === 'str') {
      const ascii = plainStrings(page, col.values as (string | null)[]);
      st = strStats(col.values as (string | null)[], ascii);
    } else if (col.kind === 'bool') {
      const v = col.values as Uint8Array;
      page.ensure(Math.ceil(present / 8) + 1);
      let acc = 0;
      let bits = 0;
      for (let i = 0; i < n; i++) {
        if (nulls && nulls[i]) continue;
        acc |= (v[i] as number) << bits;
        if (++bits === 8) { page.buf[page.pos++] = acc; acc = 0; bits = 0; }
      }
      if (bits > 0) page.buf[page.pos++] = acc;
    } else if (element.type === 'INT32') {
      const v = col.values as Int32Array;
      page.ensure(present * 4);
      for (let i = 0; i < n; i++) {
        if (nulls && nulls[i]) continue;
        page.buf.writeInt32LE(v[i] as number, page.pos);
        page.pos += 4;
      }
    } else if (element.type === 'INT64') {
      const v = col.values as Float64Array;
      page.ensure(present * 8);
      const big = col.big;
      for (let i = 0; i < n; i++) {
        if (nulls && nulls[i]) continue;
        const b = big?.get(i);
        if (b !== undefined) {
          page.buf.writeBigInt64LE(b, page.pos);
          page.pos += 8;
        } else i64le(page, v[i] as number);
      }
    } else if (element.type === 'FIXED_LEN_BYTE_ARRAY') {
      const len = element.type_length as number;
      const v = col.values as Float64Array;
      page.ensure(present * len);
      const big = col.big;
      for (let i = 0; i < n; i++) {
        if (nulls && nulls[i]) continue;
        const b = big?.get(i);
        writeUnscaledBytes(page.buf, page.pos, b ?? (v[i] as number), len);
        page.pos += len;
      }
    } else {
      throw new Error(`column ${name}: no flat encoding for ${String(element.type)}`);
    }
    const raw = page.view();
    const body = compress(raw);
    const dataOffset = file.pos;
    const headerStart = file.pos;
    writePageHeader(file, { uncompressed: raw.length, compressed: body.length, values: n, data: encoding });
    uncompressed += file.pos - headerStart + raw.length;
    file.bytes(body);

    // Footer statistics: min/max in the plain encoding of the physical type.
    let min: Uint8Array | undefined;
    let max: Uint8Array | undefined;
    if (st.min !== undefined && st.max !== undefined) {
      min = plainBound(st.min, element);
      max = plainBound(st.max, element);
      if (col.kind === 'str' && (min.length > FOOTER_STRING_BOUND_BYTES || max.length > FOOTER_STRING_BOUND_BYTES)) min = max = undefined;
    } else if (col.kind === 'bool' && present > 0) {
      let lo = 1;
      let hi = 0;
      const v = col.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        if (nulls && nulls[i]) continue;
        if (v[i]) hi = 1; else lo = 0;
      }
      min = Uint8Array.of(lo);
      max = Uint8Array.of(hi);
    }
    chunks.push({
      element, fileOffset: chunkStart, encodings: dict ? ['PLAIN', 'RLE', 'RLE_DICTIONARY'] : ['PLAIN', 'RLE'], codec,
      values: n, uncompressed, compressed: file.pos - chunkStart, dataPageOffset: dataOffset, dictionaryPageOffset: dictionaryOffset,
      nullCount: col.nullCount, min, max,
    });

    // Delta stats (as stats.ts renders them: booleans carry no bounds, timestamps widen to ms).
    const key = JSON.stringify(name);
    nullJson.push(`${key}:${col.nullCount}`);
    if (st.min === undefined || st.max === undefined) return;
    const t = col.column.type;
    let lo: string;
    let hi: string;
    if (col.kind === 'str') { lo = JSON.stringify(st.min); hi = JSON.stringify(st.max); }
    else if (t === 'date') { lo = JSON.stringify(formatDate(st.min as number)); hi = JSON.stringify(formatDate(st.max as number)); }
    else if (t === 'timestamp') {
      const a = BigInt(st.min);
      const b = BigInt(st.max);
      const floor = a >= 0n || a % 1000n === 0n ? a / 1000n : a / 1000n - 1n;
      const ceil = b <= 0n || b % 1000n === 0n ? b / 1000n : b / 1000n + 1n;
      lo = JSON.stringify(isoMillis(Number(floor)));
      hi = JSON.stringify(isoMillis(Number(ceil)));
    } else if (col.kind === 'dec') { lo = formatUnscaled(st.min as number | bigint, col.scale); hi = formatUnscaled(st.max as number | bigint, col.scale); }
    else { lo = String(st.min); hi = String(st.max); }
    minJson.push(`${key}:${lo}`);
    maxJson.push(`${key}:${hi}`);
  });

  writeFooter(file, { schema: spec.parquetSchema, rows: n, chunks, createdBy: 'invoice-stream delta writer (flat)' });
  file.bytes(PAR1);
  const stats = `{"numRecords":${n},"minValues":{${minJson.join(',')}},"maxValues":{${maxJson.join(',')}},"nullCount":{${nullJson.join(',')}}}`;
  return { bytes: file.view(), stats };
}

const PAR1 = new Uint8Array([0x50, 0x41, 0x52, 0x31]);

/** A min or max as Parquet's plain encoding of the column's physical type (no length prefix). */
function plainBound(v: string | number | bigint, element: SchemaElement): Uint8Array {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (element.type === 'INT32') {
    const b = Buffer.alloc(4);
    b.writeInt32LE(Number(v));
    return b;
  }
  if (element.type === 'INT64') {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(v));
    return b;
  }
  if (element.type === 'FIXED_LEN_BYTE_ARRAY') {
    const b = Buffer.alloc(element.type_length as number);
    writeUnscaledBytes(b, 0, v, b.length);
    return b;
  }
  throw new Error(`no statistics encoding for ${String(element.type)}`);
}
