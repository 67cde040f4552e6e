// The table protocol this writer speaks: reader 1 / writer 2 (copy-on-write, today's tables) or
// reader 3 / writer 7 with table features, of which it supports deletion vectors (merge-on-read)
// and the two legacy writer features that writer 2 implies. New tables get deletion vectors (as
// Databricks does); older tables keep copy-on-write until `upgradeActions` is committed.
import { openStore } from '../storage/open.ts';
import type { ObjectStore } from '../storage/store.ts';
import type { Action, MetaDataAction, ProtocolAction, Snapshot } from './actions.ts';
import { loadSnapshot } from './log.ts';

/** The table feature of deletion vectors (readers and writers). */
export const DELETION_VECTORS = 'deletionVectors';
/** The table property that allows writers to write deletion vectors. */
export const ENABLE_DELETION_VECTORS = 'delta.enableDeletionVectors';

const READER_FEATURES = new Set([DELETION_VECTORS]);
// appendOnly and invariants are what writer 2 meant; listed explicitly once a table is on writer 7.
// Spark requires `invariants` in the list whenever a column is NOT NULL (its NotNull invariant).
const LEGACY_WRITER = ['appendOnly', 'invariants'];
const WRITER_FEATURES = new Set([DELETION_VECTORS, ...LEGACY_WRITER]);

/** The protocol of a new table: copy-on-write (1/2) or with deletion vectors (3/7). */
export function newTableProtocol(deletionVectors: boolean): { protocol: ProtocolAction; configuration: Record<string, string> } {
  return deletionVectors
    ? { protocol: { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [DELETION_VECTORS], writerFeatures: [...LEGACY_WRITER, DELETION_VECTORS] }, configuration: { [ENABLE_DELETION_VECTORS]: 'true' } }
    : { protocol: { minReaderVersion: 1, minWriterVersion: 2 }, configuration: {} };
}

/** Throws unless this writer can read and write a table with this protocol and metadata. */
export function checkProtocol(dir: string, protocol: ProtocolAction, metaData: MetaDataAction): void {
  const { minReaderVersion: r, minWriterVersion: w } = protocol;
  // Reader 2 (column mapping) and writers 3-6 (constraints, generated columns, ...) are not spoken.
  if (!(r === 1 || r === 3) || !(w <= 2 || w === 7)) {
    throw new Error(`${dir}: table needs reader ${r} / writer ${w}; this writer supports 1 / 2 and 3 / 7 (table features)`);
  }
  const reader = r === 3 ? (protocol.readerFeatures ?? []).filter(f => !READER_FEATURES.has(f)) : [];
  if (reader.length > 0) throw new Error(`${dir}: table needs reader features ${reader.join(', ')}; this writer supports ${[...READER_FEATURES].join(', ')}`);
  const writer = w === 7 ? (protocol.writerFeatures ?? []).filter(f => !WRITER_FEATURES.has(f)) : [];
  if (writer.length > 0) throw new Error(`${dir}: table needs writer features ${writer.join(', ')}; this writer supports ${[...WRITER_FEATURES].join(', ')}`);
  // Upserts replace rows: an append-only table is one this writer must not touch.
  if (metaData.configuration['delta.appendOnly'] === 'true') throw new Error(`${dir}: table is append-only (delta.appendOnly)`);
  if (metaData.schemaString.includes('delta.invariants')) throw new Error(`${dir}: column invariants are not supported`);
}

/** True when the table's readers must apply deletion vectors (the feature is in its protocol). */
export function supportsDeletionVectors(protocol: ProtocolAction | undefined): boolean {
  return protocol?.minReaderVersion === 3 && (protocol.readerFeatures ?? []).includes(DELETION_VECTORS)
    && (protocol.writerFeatures ?? []).includes(DELETION_VECTORS);
}

/** True when updates may write deletion vectors: the feature and `delta.enableDeletionVectors`. */
export function deletionVectorsEnabled(snap: Snapshot): boolean {
  return supportsDeletionVectors(snap.protocol) && snap.metaData?.configuration[ENABLE_DELETION_VECTORS] === 'true';
}

/**
 * The protocol and metaData actions that turn deletion vectors on for an existing table (reader 3 /
 * writer 7, the legacy features of writer 2 kept); empty when they are on already.
 */
export function upgradeActions(snap: Snapshot): Action[] {
  if (!snap.protocol || !snap.metaData) throw new Error('upgrade of a table without protocol or metaData');
  if (deletionVectorsEnabled(snap)) return [];
  const p = snap.protocol;
  const actions: Action[] = [];
  if (!supportsDeletionVectors(p)) {
    const legacyWriter = p.minWriterVersion === 7 ? (p.writerFeatures ?? []) : LEGACY_WRITER;
    const reader = p.minReaderVersion === 3 ? (p.readerFeatures ?? []) : [];
    actions.push({
      protocol: {
        minReaderVersion: 3, minWriterVersion: 7,
        readerFeatures: [...new Set([...reader, DELETION_VECTORS])],
        writerFeatures: [...new Set([...legacyWriter, DELETION_VECTORS])],
      },
    });
  }
  actions.push({ metaData: { ...snap.metaData, configuration: { ...snap.metaData.configuration, [ENABLE_DELETION_VECTORS]: 'true' } } });
  return actions;
}

/** A table's store and snapshot, opened for a maintenance command (OPTIMIZE, VACUUM, the upgrade): it must exist and use only features this writer knows. */
export async function openForMaintenance(location: string | ObjectStore): Promise<{ store: ObjectStore; dir: string; snap: Snapshot & { protocol: ProtocolAction; metaData: MetaDataAction } }> {
  const store = typeof location === 'string' ? openStore(location) : location;
  const dir = store.location;
  const snap = await loadSnapshot(store);
  if (snap.version < 0 || !snap.protocol || !snap.metaData) throw new Error(`${dir}: not a Delta table (no _delta_log commits)`);
  // A table whose features this writer does not know may reference files in ways it cannot see.
  checkProtocol(dir, snap.protocol, snap.metaData);
  return { store, dir, snap: snap as Snapshot & { protocol: ProtocolAction; metaData: MetaDataAction } };
}
