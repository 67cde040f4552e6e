// Data files: rows to a Parquet buffer (hyparquet-writer) and back (hyparquet), exactly. Reading
// disables hyparquet's DECIMAL conversion (it yields binary floats) and its Date conversions, and
// decodes the raw unscaled integers, day counts and microsecond counts here instead.
import { parquetMetadata, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { DecodedArray } from 'hyparquet';
import type { CompiledSpec } from './schema.ts';
import type { DeltaRow } from './types.ts';
import { floorDiv } from './values.ts';

/** Encode rows (already normalized) as one Parquet file with a single row group. */
export function encodeDataFile(rows: DeltaRow[], spec: CompiledSpec): Uint8Array {
  const columnData = spec.codecs.map(codec => {
    const name = codec.column.name;
    const data = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) data[i] = codec.toPhysical(rows[i][name] ?? null);
    return { name, data: data as DecodedArray, nullable: codec.column.nullable };
  });
  const buf = parquetWriteBuffer({
    columnData,
    schema: spec.parquetSchema,
    // One row group per file: files are bounded by targetFileRows already.
    rowGroupSize: Math.max(rows.length, 1),
    // Full string bounds keep the footer's min/max exact for key columns.
    statisticsTruncateLength: 64,
    createdBy: 'invoice-stream delta writer (hyparquet-writer)',
  });
  return new Uint8Array(buf);
}

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
// by default, other writers MILLIS or MICROS.
const RAW_PARSERS = {
  timestampFromMicroseconds: (micros: bigint): bigint => micros,
  timestampFromMilliseconds: (millis: bigint): bigint => BigInt(millis) * 1000n,
  timestampFromNanoseconds: (nanos: bigint): bigint => floorDiv(BigInt(nanos), 1000n),
  dateFromDays: (days: number): number => days,
};

/** Decode a data file's rows (only `columns` when given), as canonical values. */
export async function decodeDataFile(bytes: Uint8Array, spec: CompiledSpec, columns?: string[]): Promise<DeltaRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const metadata = rawMetadata(parquetMetadata(file));
  const wanted = columns ?? spec.codecs.map(c => c.column.name);
  const rawRows = await parquetReadObjects({ file, metadata, columns: wanted, parsers: RAW_PARSERS });
  const codecs = wanted.map(name => {
    const c = spec.byName.get(name);
    if (!c) throw new Error(`unknown column ${name}`);
    return c;
  });
  const out: DeltaRow[] = new Array(rawRows.length);
  for (let i = 0; i < rawRows.length; i++) {
    const raw = rawRows[i];
    const row: DeltaRow = {};
    for (const c of codecs) row[c.column.name] = c.fromPhysical(raw[c.column.name]);
    out[i] = row;
  }
  return out;
}
