// Parquet checkpoints (PROTOCOL.md "Checkpoints"): one row per action, one nullable struct column
// per action type, written with hyparquet-writer's nested (Dremel) encoding and read back with
// hyparquet (deletion vector descriptors and table features included), so opening a table replays at most `checkpointInterval` JSON commits.
import { parquetMetadata, parquetReadObjects, type DecodedArray, type SchemaElement } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { DeletionVectorDescriptor } from './deletion-vector.ts';
import { emptySnapshot, logicalFileKey, type AddAction, type MetaDataAction, type ProtocolAction, type RemoveAction, type Snapshot, type TxnAction } from './actions.ts';

const str = (name: string, rep: 'OPTIONAL' | 'REQUIRED' = 'OPTIONAL'): SchemaElement =>
  ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: rep });
const i64 = (name: string): SchemaElement => ({ name, type: 'INT64', repetition_type: 'OPTIONAL' });
const i32 = (name: string): SchemaElement => ({ name, type: 'INT32', repetition_type: 'OPTIONAL' });
const bool = (name: string): SchemaElement => ({ name, type: 'BOOLEAN', repetition_type: 'OPTIONAL' });
const group = (name: string, children: number): SchemaElement => ({ name, repetition_type: 'OPTIONAL', num_children: children });
// map<string,string> as Spark writes it: MAP group > repeated key_value > key, value.
const stringMap = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'MAP', logical_type: { type: 'MAP' } },
  { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
  str('key', 'REQUIRED'),
  str('value'),
];
const stringList = (name: string): SchemaElement[] => [
  { name, repetition_type: 'OPTIONAL', num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } },
  { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
  str('element'),
];

// DeletionVectorDescriptor (PROTOCOL.md "Deletion Vector Descriptor Schema"), on add and remove.
const deletionVector = (): SchemaElement[] => [
  group('deletionVector', 5), str('storageType'), str('pathOrInlineDv'), i32('offset'), i32('sizeInBytes'), i64('cardinality'),
];

/** The checkpoint's Parquet schema (depth-first, as Parquet footers list it). */
export const CHECKPOINT_SCHEMA: SchemaElement[] = [
  { name: 'spark_schema', num_children: 5 },
  group('txn', 3), str('appId'), i64('version'), i64('lastUpdated'),
  group('add', 8), str('path'), ...stringMap('partitionValues'), i64('size'), i64('modificationTime'),
  bool('dataChange'), str('stats'), ...stringMap('tags'), ...deletionVector(),
  group('remove', 7), str('path'), i64('deletionTimestamp'), bool('dataChange'), bool('extendedFileMetadata'),
  ...stringMap('partitionValues'), i64('size'), ...deletionVector(),
  group('metaData', 8), str('id'), str('name'), str('description'),
  group('format', 2), str('provider'), ...stringMap('options'),
  str('schemaString'), ...stringList('partitionColumns'), ...stringMap('configuration'), i64('createdTime'),
  group('protocol', 4), i32('minReaderVersion'), i32('minWriterVersion'), ...stringList('readerFeatures'), ...stringList('writerFeatures'),
];

type Cell = Record<string, unknown> | null;
const big = (n: number | null | undefined): bigint | null => n === null || n === undefined ? null : BigInt(n);
const dvCell = (dv: DeletionVectorDescriptor | null | undefined): Cell => dv
  ? { storageType: dv.storageType, pathOrInlineDv: dv.pathOrInlineDv, offset: dv.offset ?? null, sizeInBytes: dv.sizeInBytes, cardinality: BigInt(dv.cardinality) }
  : null;
const dvFrom = (v: unknown): DeletionVectorDescriptor | null => {
  if (!v || typeof v !== 'object') return null;
  const d = v as Record<string, unknown>;
  return {
    storageType: String(d.storageType) as DeletionVectorDescriptor['storageType'], pathOrInlineDv: String(d.pathOrInlineDv),
    ...(d.offset === null || d.offset === undefined ? {} : { offset: Number(d.offset) }),
    sizeInBytes: Number(d.sizeInBytes), cardinality: Number(d.cardinality),
  };
};

/** Encode a snapshot as a checkpoint file; tombstones older than `tombstoneCutoff` are dropped. */
export function encodeCheckpoint(snap: Snapshot, tombstoneCutoff: number): { bytes: Uint8Array; actions: number } {
  const cols: Record<'txn' | 'add' | 'remove' | 'metaData' | 'protocol', Cell[]> = { txn: [], add: [], remove: [], metaData: [], protocol: [] };
  const push = (which: keyof typeof cols, cell: Cell): void => {
    for (const k of Object.keys(cols) as (keyof typeof cols)[]) cols[k].push(k === which ? cell : null);
  };
  if (!snap.protocol || !snap.metaData) throw new Error('checkpoint of a table without protocol or metaData');
  const p = snap.protocol;
  push('protocol', { minReaderVersion: p.minReaderVersion, minWriterVersion: p.minWriterVersion, readerFeatures: p.readerFeatures ?? null, writerFeatures: p.writerFeatures ?? null });
  const m = snap.metaData;
  push('metaData', { ...m, createdTime: big(m.createdTime) });
  for (const t of snap.txns.values()) push('txn', { appId: t.appId, version: BigInt(t.version), lastUpdated: big(t.lastUpdated) });
  for (const a of snap.files.values()) {
    push('add', { ...a, size: BigInt(a.size), modificationTime: BigInt(a.modificationTime), tags: a.tags ?? null, deletionVector: dvCell(a.deletionVector) });
  }
  for (const r of snap.tombstones.values()) {
    if ((r.deletionTimestamp ?? 0) < tombstoneCutoff) continue;
    push('remove', { ...r, deletionTimestamp: big(r.deletionTimestamp), size: big(r.size), partitionValues: r.partitionValues ?? {}, deletionVector: dvCell(r.deletionVector) });
  }
  const rows = cols.protocol.length;
  const buf = parquetWriteBuffer({
    columnData: (Object.keys(cols) as (keyof typeof cols)[]).map(name => ({ name, data: cols[name] as DecodedArray })),
    schema: CHECKPOINT_SCHEMA,
    rowGroupSize: Math.max(rows, 1),
    statistics: false,
    createdBy: 'invoice-stream delta writer (hyparquet-writer)',
  });
  return { bytes: new Uint8Array(buf), actions: rows };
}

const num = (v: unknown): number | null => v === null || v === undefined ? null : Number(v as bigint | number);
const map = (v: unknown): Record<string, string | null> => (v && typeof v === 'object' ? v : {}) as Record<string, string | null>;

/** Decode a checkpoint file into the snapshot at its version. */
export async function decodeCheckpoint(bytes: Uint8Array, version: number): Promise<Snapshot> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, metadata: parquetMetadata(file) });
  const snap = emptySnapshot();
  snap.version = version;
  for (const row of rows) {
    const { txn, add, remove, metaData, protocol } = row as Record<string, Record<string, unknown> | null | undefined>;
    if (protocol) {
      snap.protocol = { minReaderVersion: Number(protocol.minReaderVersion), minWriterVersion: Number(protocol.minWriterVersion) } satisfies ProtocolAction;
      if (Array.isArray(protocol.readerFeatures)) snap.protocol.readerFeatures = (protocol.readerFeatures as unknown[]).map(String);
      if (Array.isArray(protocol.writerFeatures)) snap.protocol.writerFeatures = (protocol.writerFeatures as unknown[]).map(String);
    }
    if (metaData) {
      const format = (metaData.format ?? {}) as Record<string, unknown>;
      snap.metaData = {
        id: String(metaData.id), name: (metaData.name ?? null) as string | null, description: (metaData.description ?? null) as string | null,
        format: { provider: String(format.provider ?? 'parquet'), options: map(format.options) },
        schemaString: String(metaData.schemaString), partitionColumns: (metaData.partitionColumns ?? []) as string[],
        configuration: map(metaData.configuration), createdTime: num(metaData.createdTime),
      } satisfies MetaDataAction;
    }
    if (txn) snap.txns.set(String(txn.appId), { appId: String(txn.appId), version: Number(txn.version), lastUpdated: num(txn.lastUpdated) } satisfies TxnAction);
    if (add) {
      snap.files.set(String(add.path), {
        path: String(add.path), partitionValues: map(add.partitionValues), size: Number(add.size),
        modificationTime: Number(add.modificationTime), dataChange: Boolean(add.dataChange),
        stats: (add.stats ?? null) as string | null, tags: add.tags ? map(add.tags) : null,
        ...(add.deletionVector ? { deletionVector: dvFrom(add.deletionVector) } : {}),
      } satisfies AddAction);
    }
    if (remove) {
      const dv = dvFrom(remove.deletionVector);
      snap.tombstones.set(logicalFileKey(String(remove.path), dv), {
        path: String(remove.path), deletionTimestamp: num(remove.deletionTimestamp), dataChange: Boolean(remove.dataChange),
        extendedFileMetadata: (remove.extendedFileMetadata ?? null) as boolean | null,
        partitionValues: map(remove.partitionValues), size: num(remove.size),
        ...(dv ? { deletionVector: dv } : {}),
      } satisfies RemoveAction);
    }
  }
  return snap;
}
