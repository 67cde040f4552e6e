// TableWriter over the local DeltaTable. (DatabricksTable already has the TableWriter shape.)
import type { DeltaTable } from '../delta/index.ts';
import type { TableWriter } from './types.ts';

/** The local table as a TableWriter; txn reads first catch up with the log (another writer may have committed). */
export function deltaTableWriter(table: DeltaTable): TableWriter {
  return {
    async txnVersion(appId) {
      // An empty upsert commits nothing but refreshes the snapshot from the log.
      await table.upsert([]);
      return table.txnVersion(appId);
    },
    upsert: (rows, options) => table.upsert(rows, options),
    // Storage errors carry a system code (EACCES, ENOSPC, EIO, ...) and commit races are
    // CommitConflict: both pass. Anything else is the writer rejecting the batch's rows.
    isRetryable: (error) => typeof (error as { code?: unknown }).code === 'string' || (error as object).constructor.name === 'CommitConflict',
  };
}
