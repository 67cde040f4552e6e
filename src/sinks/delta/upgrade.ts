// Turning deletion vectors on for an existing table (made copy-on-write, reader 1 / writer 2): one
// commit with the protocol (reader 3 / writer 7, the deletionVectors feature) and the metaData
// with `delta.enableDeletionVectors`. Needs no table spec, so a command can upgrade any table
// this writer can write, on any store (a path, file://, s3://).
import { randomUUID } from 'node:crypto';
import type { ObjectStore } from '../storage/store.ts';
import { applyActions, type Action, type Snapshot } from './actions.ts';
import { catchUp, CommitConflict, ENGINE, putCommit } from './log.ts';
import { ENABLE_DELETION_VECTORS, openForMaintenance, upgradeActions } from './protocol.ts';

const MAX_ATTEMPTS = 20;

/**
 * Commit the upgrade on top of `snap` (put-if-absent; on a lost race the log is caught up and the
 * upgrade re-planned). Returns the version committed (null: already on) and whether other
 * writers' commits were applied to `snap` on the way.
 */
export async function commitDeletionVectors(store: ObjectStore, snap: Snapshot, now: number): Promise<{ version: number | null; caughtUp: boolean }> {
  let caughtUp = false;
  for (let attempt = 1; ; attempt++) {
    const upgrade = upgradeActions(snap);
    if (upgrade.length === 0) return { version: null, caughtUp };
    const version = snap.version + 1;
    const actions: Action[] = [{
      commitInfo: {
        timestamp: now, operation: 'SET TBLPROPERTIES', operationParameters: { properties: JSON.stringify({ [ENABLE_DELETION_VECTORS]: 'true' }) },
        readVersion: snap.version, isolationLevel: 'Serializable', isBlindAppend: true, engineInfo: ENGINE, txnId: randomUUID(),
      },
    }, ...upgrade];
    try {
      await putCommit(store, version, actions);
    } catch (e) {
      if (!(e instanceof CommitConflict) || attempt >= MAX_ATTEMPTS) throw e;
      if (await catchUp(store, snap) > 0) caughtUp = true;
      continue;
    }
    applyActions(snap, version, actions);
    return { version, caughtUp };
  }
}

/**
 * Turn deletion vectors on for the table at `location` (a path, `file://…`, `s3://bucket/prefix`,
 * or a store); returns the version committed, or null when they were on already.
 */
export async function enableDeletionVectors(location: string | ObjectStore, now: () => number = Date.now): Promise<number | null> {
  const { store, snap } = await openForMaintenance(location);
  return (await commitDeletionVectors(store, snap, now())).version;
}
