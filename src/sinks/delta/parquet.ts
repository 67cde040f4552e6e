// Data files read back (hyparquet) into column batches, exactly; the one encoder that writes them
// is flat-parquet.ts. Reading keeps physical values: strings stay UTF-8 bytes, DECIMAL conversion
// (hyparquet yields binary floats) is disabled so unscaled integers come back, dates stay day
// counts and timestamps microsecond counts; the codecs turn them into canonical values only where
// rows are looked at.
import zlib from 'node:zlib';
import { parquetMetadata, parquetRead, type ColumnData, type FileMetaData } from 'hyparquet';
import { batchToRows, type ColumnBatch } from './columnar.ts';
import type { Physical } from './columns.ts';
import type { CompiledSpec } from './schema.ts';
import type { DeltaRow } from './types.ts';
import { unscaledFromBytes } from '../../values/decimal.ts';
import { floorDiv } from './values.ts';

/** Metadata with logical conversions that hyparquet would do lossily (decimal) removed. */
function rawMetadata(meta: FileMetaData): FileMetaData {
  const schema = meta.schema.map(el => {
    if (el.converted_type !== 'DECIMAL' && el.logical_type?.type !== 'DECIMAL') return el;
    const copy = { ...el };
    delete copy.converted_type;
    delete copy.logical_type;
    return copy;
  });
  return { ...meta, schema };
}

// Timestamps come back as microseconds whatever the file's unit: Spark writes INT96 (nanoseconds)
// by default, other writers MILLIS or MICROS. Strings stay bytes.
const RAW_PARSERS = {
  timestampFromMicroseconds: (micros: bigint): bigint => micros,
  timestampFromMilliseconds: (millis: bigint): bigint => BigInt(millis) * 1000n,
  timestampFromNanoseconds: (nanos: bigint): bigint => floorDiv(BigInt(nanos), 1000n),
  dateFromDays: (days: number): number => days,
  stringFromBytes: (bytes: Uint8Array): Uint8Array => bytes,
};

// hyparquet decodes snappy itself; zstd pages (appends write them, and Spark with zstd) go through Node's native zstd where this Node has it.
const COMPRESSORS = typeof zlib.zstdDecompressSync === 'function'
  ? { ZSTD: (input: Uint8Array): Uint8Array => zlib.zstdDecompressSync(input) }
  : {};

/** Decode a data file (only `columns` when given) into physical column arrays. */
export async function decodeColumns(bytes: Uint8Array, spec: CompiledSpec, columns?: string[]): Promise<ColumnBatch> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = rawMetadata(parquetMetadata(file));
  const wanted = columns ?? spec.codecs.map(c => c.column.name);
  const chunks = new Map<string, ColumnData[]>(wanted.map(n => [n, []]));
  await parquetRead({ file, metadata, columns: wanted, parsers: RAW_PARSERS, compressors: COMPRESSORS, onChunk: c => chunks.get(c.columnName)?.push(c) });
  const length = Number(metadata.num_rows);
  const out = new Map<string, Physical[]>();
  for (const name of wanted) {
    const codec = spec.byName.get(name);
    if (!codec) throw new Error(`unknown column ${name}`);
    const col: Physical[] = new Array(length);
    const flba = codec.element.type === 'FIXED_LEN_BYTE_ARRAY';
    // Another writer may have used a narrower physical type (Spark: INT32 for decimal(p <= 9)).
    const int64 = codec.element.type === 'INT64';
    for (const chunk of chunks.get(name) ?? []) {
      const data = chunk.columnData;
      for (let i = 0; i < data.length && chunk.rowStart + i < length; i++) {
        const v = data[i] as Physical | undefined;
        // Decimals wider than INT64 arrive as two's-complement bytes: the writer takes bigint.
        col[chunk.rowStart + i] = v === undefined ? null
          : flba && v instanceof Uint8Array ? unscaledFromBytes(v)
            : int64 && typeof v === 'number' ? BigInt(v) : v;
      }
    }
    out.set(name, col);
  }
  return { length, columns: out };
}

/** Decode a data file's rows (only `columns` when given), as canonical values. */
export async function decodeDataFile(bytes: Uint8Array, spec: CompiledSpec, columns?: string[]): Promise<DeltaRow[]> {
  return batchToRows(await decodeColumns(bytes, spec, columns), spec);
}
