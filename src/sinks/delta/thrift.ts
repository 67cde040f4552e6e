// Parquet's Thrift structures (parquet.thrift) in the compact protocol, only the fields the data
// file encoder (flat-parquet.ts) writes: page headers and the footer of a flat, single row group
// file. Written here rather than through hyparquet-writer's internal modules, whose input shapes
// are theirs to change; the bytes are those hyparquet-writer's Thrift code gave for these files
// (test/unit/delta/flat-parquet.test.ts holds them to it).
import type { SchemaElement } from 'hyparquet';
import { ByteWriter } from '../../engine/serdes/byte-writer.ts';

// Enum values of parquet.thrift.
const TYPES = ['BOOLEAN', 'INT32', 'INT64', 'INT96', 'FLOAT', 'DOUBLE', 'BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY'];
const REPETITION = ['REQUIRED', 'OPTIONAL', 'REPEATED'];
const CONVERTED = ['UTF8', 'MAP', 'MAP_KEY_VALUE', 'LIST', 'ENUM', 'DECIMAL', 'DATE', 'TIME_MILLIS', 'TIME_MICROS', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS'];
const ENCODINGS = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const CODECS = { UNCOMPRESSED: 0, SNAPPY: 1, ZSTD: 6 } as const;

// Compact protocol field types.
const TRUE = 1;
const FALSE = 2;
const I32 = 5;
const I64 = 6;
const BINARY = 8;
const LIST = 9;
const STRUCT = 12;

/** Encodings a column chunk may use. */
export type PageEncoding = keyof typeof ENCODINGS;
/** Compression codecs of data pages. */
export type PageCodec = keyof typeof CODECS;

/** Growable output buffer with unsigned varints (Thrift's and Parquet's RLE headers). */
export class Out extends ByteWriter {
  /** Unsigned LEB128 varint of a non-negative safe integer. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }
}

/** Writes one Thrift struct at a time: fields in ascending id order, nested structs and lists. */
class Compact {
  readonly out: Out;
  #last: number[] = [0];

  constructor(out: Out) {
    this.out = out;
  }

  #field(id: number, type: number): void {
    const top = this.#last.length - 1;
    const delta = id - (this.#last[top] as number);
    if (delta > 0 && delta <= 15) this.out.u8((delta << 4) | type);
    else {
      this.out.u8(type);
      this.#zigzag(id);
    }
    this.#last[top] = id;
  }

  #zigzag(v: number | bigint): void {
    if (typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) < 2 ** 52) {
      this.out.varint(v >= 0 ? v * 2 : -v * 2 - 1);
      return;
    }
    let z = BigInt.asUintN(64, (BigInt(v) << 1n) ^ (BigInt(v) >> 63n));
    this.out.ensure(10);
    while (z >= 0x80n) {
      this.out.buf[this.out.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.out.buf[this.out.pos++] = Number(z);
  }

  i32(id: number, v: number | undefined): void {
    if (v === undefined) return;
    this.#field(id, I32);
    this.#zigzag(v);
  }

  i64(id: number, v: number | bigint | undefined): void {
    if (v === undefined) return;
    this.#field(id, I64);
    this.#zigzag(v);
  }

  bool(id: number, v: boolean): void {
    this.#field(id, v ? TRUE : FALSE);
  }

  binary(id: number, v: Uint8Array | string | undefined): void {
    if (v === undefined) return;
    this.#field(id, BINARY);
    this.#bytes(typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  }

  #bytes(b: Uint8Array): void {
    this.out.varint(b.length);
    this.out.bytes(b);
  }

  struct(id: number, body: () => void): void {
    this.#field(id, STRUCT);
    this.#inStruct(body);
  }

  #inStruct(body: () => void): void {
    this.#last.push(0);
    body();
    this.out.u8(0);
    this.#last.pop();
  }

  #listHeader(id: number, n: number, type: number): void {
    this.#field(id, LIST);
    if (n > 14) {
      this.out.u8(0xf0 | type);
      this.out.varint(n);
    } else this.out.u8((n << 4) | type);
  }

  i32List(id: number, values: number[]): void {
    this.#listHeader(id, values.length, I32);
    for (const v of values) this.#zigzag(v);
  }

  binaryList(id: number, values: string[]): void {
    this.#listHeader(id, values.length, BINARY);
    for (const v of values) this.#bytes(Buffer.from(v, 'utf8'));
  }

  structList<T>(id: number, items: readonly T[], body: (item: T) => void): void {
    this.#listHeader(id, items.length, STRUCT);
    for (const item of items) this.#inStruct(() => body(item));
  }

  /** The top-level struct: its fields, then the stop byte. */
  top(body: () => void): void {
    body();
    this.out.u8(0);
  }
}

/** A page header (parquet.thrift PageHeader): a v1 data page or a dictionary page. */
export interface PageHeader {
  uncompressed: number;
  compressed: number;
  values: number;
  /** Data page: its values' encoding (definition and repetition levels are RLE). */
  data?: PageEncoding;
  /** Dictionary page (PLAIN) instead of a data page. */
  dictionary?: true;
}

/** Writes a page header. */
export function writePageHeader(out: Out, h: PageHeader): void {
  const t = new Compact(out);
  t.top(() => {
    t.i32(1, h.dictionary ? 2 : 0); // DICTIONARY_PAGE : DATA_PAGE
    t.i32(2, h.uncompressed);
    t.i32(3, h.compressed);
    if (h.dictionary) {
      t.struct(7, () => { t.i32(1, h.values); t.i32(2, ENCODINGS.PLAIN); });
    } else {
      t.struct(5, () => {
        t.i32(1, h.values);
        t.i32(2, ENCODINGS[h.data ?? 'PLAIN']);
        t.i32(3, ENCODINGS.RLE);
        t.i32(4, ENCODINGS.RLE);
      });
    }
  });
}

/** One column chunk of the footer (ColumnChunk with its ColumnMetaData and Statistics). */
export interface ChunkMeta {
  element: SchemaElement;
  fileOffset: number;
  encodings: PageEncoding[];
  codec: PageCodec;
  values: number;
  uncompressed: number;
  compressed: number;
  dataPageOffset: number;
  dictionaryPageOffset: number | undefined;
  nullCount: number;
  /** Min and max in Parquet's plain encoding of the column's physical type. */
  min: Uint8Array | undefined;
  max: Uint8Array | undefined;
}

/** The footer of a single row group file. */
export interface FooterMeta {
  schema: SchemaElement[];
  rows: number;
  chunks: ChunkMeta[];
  createdBy: string;
}

function logicalType(t: Compact, lt: NonNullable<SchemaElement['logical_type']>): void {
  switch (lt.type) {
    case 'STRING': t.struct(1, () => undefined); return;
    case 'DECIMAL': t.struct(5, () => { t.i32(1, lt.scale); t.i32(2, lt.precision); }); return;
    case 'DATE': t.struct(6, () => undefined); return;
    case 'TIMESTAMP':
      t.struct(8, () => {
        t.bool(1, lt.isAdjustedToUTC);
        t.struct(2, () => t.struct(lt.unit === 'MILLIS' ? 1 : lt.unit === 'MICROS' ? 2 : 3, () => undefined));
      });
      return;
    default: throw new Error(`no Thrift encoding here for logical type ${lt.type}`);
  }
}

const index = (names: string[], name: string | undefined): number | undefined => {
  if (name === undefined) return undefined;
  const i = names.indexOf(name);
  if (i < 0) throw new Error(`unknown Parquet enum value ${name}`);
  return i;
};

/** Writes the footer (FileMetaData) followed by its length, little-endian; not the closing magic. */
export function writeFooter(out: Out, m: FooterMeta): void {
  const start = out.pos;
  const t = new Compact(out);
  let uncompressed = 0;
  for (const c of m.chunks) uncompressed += c.uncompressed;
  const first = m.chunks[0]?.fileOffset ?? 4;
  const last = m.chunks.at(-1);
  const compressedEnd = last ? last.fileOffset + last.compressed : first;
  t.top(() => {
    t.i32(1, 2); // version
    t.structList(2, m.schema, e => {
      t.i32(1, index(TYPES, e.type));
      t.i32(2, e.type_length);
      t.i32(3, index(REPETITION, e.repetition_type));
      t.binary(4, e.name);
      t.i32(5, e.num_children);
      t.i32(6, index(CONVERTED, e.converted_type));
      t.i32(7, e.scale);
      t.i32(8, e.precision);
      if (e.logical_type) t.struct(10, () => logicalType(t, e.logical_type as NonNullable<SchemaElement['logical_type']>));
    });
    t.i64(3, m.rows);
    t.structList(4, [m], () => {
      t.structList(1, m.chunks, c => {
        t.i64(2, c.fileOffset);
        t.struct(3, () => {
          t.i32(1, index(TYPES, c.element.type));
          t.i32List(2, c.encodings.map(e => ENCODINGS[e]));
          t.binaryList(3, [c.element.name]);
          t.i32(4, CODECS[c.codec]);
          t.i64(5, c.values);
          t.i64(6, c.uncompressed);
          t.i64(7, c.compressed);
          t.i64(9, c.dataPageOffset);
          t.i64(11, c.dictionaryPageOffset);
          t.struct(12, () => {
            t.i64(3, c.nullCount);
            t.binary(5, c.max);
            t.binary(6, c.min);
          });
        });
      });
      t.i64(2, uncompressed);
      t.i64(3, m.rows);
      t.i64(5, first);
      t.i64(6, compressedEnd - first);
    });
    t.binary(6, m.createdBy);
    // column_orders: TypeDefinedOrder for every leaf column
    t.structList(7, m.schema.filter(e => e.type !== undefined), () => t.struct(1, () => undefined));
  });
  const length = out.pos - start;
  out.ensure(4);
  out.buf.writeUInt32LE(length, out.pos);
  out.pos += 4;
}
