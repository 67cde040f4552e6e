// Delta log actions this writer reads and writes (PROTOCOL.md "Actions"), and the snapshot they
// reconcile into: the active files, the tombstones, the app transaction versions.
import { deletionVectorId, type DeletionVectorDescriptor } from './deletion-vector.ts';

/** `add` action: a data file becomes part of the table. */
export interface AddAction {
  path: string;
  partitionValues: Record<string, string | null>;
  size: number;
  modificationTime: number;
  dataChange: boolean;
  stats?: string | null;
  tags?: Record<string, string | null> | null;
  /** The rows of the data file that are not in the table (merge-on-read); absent: none. */
  deletionVector?: DeletionVectorDescriptor | null;
}

/** `remove` action: a data file leaves the table (kept as a tombstone for VACUUM). */
export interface RemoveAction {
  path: string;
  deletionTimestamp?: number | null;
  dataChange: boolean;
  extendedFileMetadata?: boolean | null;
  partitionValues?: Record<string, string | null> | null;
  size?: number | null;
  /** The deletion vector of the logical file removed (with the path, its identity). */
  deletionVector?: DeletionVectorDescriptor | null;
}

/** `metaData` action: the table's identity and schema. */
export interface MetaDataAction {
  id: string;
  name?: string | null;
  description?: string | null;
  format: { provider: string; options: Record<string, string | null> };
  schemaString: string;
  partitionColumns: string[];
  configuration: Record<string, string | null>;
  createdTime?: number | null;
}

/** `protocol` action: reader/writer versions required. */
export interface ProtocolAction {
  minReaderVersion: number;
  minWriterVersion: number;
  /** Table features readers must support (reader version 3). */
  readerFeatures?: string[] | null;
  /** Table features writers must support (writer version 7). */
  writerFeatures?: string[] | null;
}

/** `txn` action: the last batch version an application committed (exactly-once offsets). */
export interface TxnAction {
  appId: string;
  version: number;
  lastUpdated?: number | null;
}

/** One line of a commit file. */
export interface Action {
  add?: AddAction;
  remove?: RemoveAction;
  metaData?: MetaDataAction;
  protocol?: ProtocolAction;
  txn?: TxnAction;
  commitInfo?: Record<string, unknown>;
}

/** The table state at one version, reconciled from a checkpoint and the commits after it. */
export interface Snapshot {
  version: number;
  protocol?: ProtocolAction;
  metaData?: MetaDataAction;
  files: Map<string, AddAction>;
  /** Removed logical files by `logicalFileKey` (path and vector): VACUUM keeps their files until they expire. */
  tombstones: Map<string, RemoveAction>;
  txns: Map<string, TxnAction>;
}

/** An empty snapshot (version -1: no commit yet). */
export function emptySnapshot(): Snapshot {
  return { version: -1, files: new Map(), tombstones: new Map(), txns: new Map() };
}

/**
 * The primary key of a logical file (PROTOCOL.md "Add File and Remove File"): its path and the
 * unique id of its deletion vector. A file re-added with a larger vector leaves the tombstone of
 * the old logical file, whose vector readers of the older version still need.
 */
export function logicalFileKey(path: string, dv: DeletionVectorDescriptor | null | undefined): string {
  return dv ? `${path}\u0000${deletionVectorId(dv)}` : path;
}

/**
 * Apply one commit's actions (PROTOCOL.md "Action Reconciliation"). The actions of a commit are not
 * ordered: a path may be removed with one deletion vector and added with another in either order
 * (Spark writes the add first), so removes go before adds, and the add, the newer logical file, stays.
 */
export function applyActions(snap: Snapshot, version: number, actions: Action[]): void {
  for (const a of actions) {
    if (a.protocol) snap.protocol = a.protocol;
    if (a.metaData) snap.metaData = a.metaData;
    if (a.txn) snap.txns.set(a.txn.appId, a.txn);
    if (a.remove) {
      snap.files.delete(a.remove.path);
      snap.tombstones.set(logicalFileKey(a.remove.path, a.remove.deletionVector), a.remove);
    }
  }
  for (const a of actions) {
    if (a.add) {
      snap.files.set(a.add.path, a.add);
      snap.tombstones.delete(logicalFileKey(a.add.path, a.add.deletionVector));
    }
  }
  snap.version = version;
}

/** Zero-padded 20-digit version, as commit and checkpoint file names use. */
export function versionName(version: number): string {
  return String(version).padStart(20, '0');
}
