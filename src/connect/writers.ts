// TableWriter over the local DeltaTable. (DatabricksTable already has the TableWriter shape.)
import type { DeltaTable } from '../sinks/delta/index.ts';
import type { TableWriter } from './types.ts';

/** The local table as a TableWriter; txn reads first catch up with the log (another writer may have committed). */
export function deltaTableWriter(table: DeltaTable): TableWriter {
  return {
    async txnVersion(appId) {
      // An empty upsert commits nothing but refreshes the snapshot from the log.
      await table.upsert([]);
      return table.txnVersion(appId);
    },
    upsert: (rows, options) => table.upsert(rows, options), // errors classified by DeltaTable itself
  };
}
