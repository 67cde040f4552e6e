// Restores a task's logged stores from their changelog partitions: from the checkpointed offset
// (persistent stores with a clean checkpoint) or the start, to the end offset read after the
// task's producer fenced any previous owner (so no foreign transaction is still open on it).
import type { PartitionReader, RuntimeAdmin } from '../client/api.ts';
import type { ChangeLoggingStore } from '../../engine/state/api.ts';
import { checkpointKey, type Checkpoint } from './task-directory.ts';

/** One store to restore. */
export interface RestoreTarget {
  store: ChangeLoggingStore;
  topic: string;
  partition: number;
  persistent: boolean;
}

/** Restore counters, for logs and the restore bench. */
export interface RestoreResult {
  records: number;
  /** Next offset per changelog partition: where the local state now stands. */
  offsets: Checkpoint;
}

/** Reads each changelog partition to its end into the store beneath the logging layer. */
export async function restoreStores(targets: readonly RestoreTarget[], checkpoint: Checkpoint | undefined, admin: RuntimeAdmin, reader: PartitionReader, heartbeat: () => Promise<void>, onProgress?: (store: string, partition: number, restored: number, remaining: number) => void): Promise<RestoreResult> {
  let records = 0;
  const offsets: Checkpoint = new Map();
  for (const t of targets) {
    const key = checkpointKey(t.topic, t.partition);
    const range = await admin.offsetRange(t.topic, t.partition);
    const saved = t.persistent ? checkpoint?.get(key) : undefined;
    // A checkpoint beyond the log end means the log was recreated: trust the log, not the file.
    const from = saved !== undefined && saved >= range.low && saved <= range.high ? saved : range.low;
    let lastBeat = Date.now();
    let done = 0;
    onProgress?.(t.store.name, t.partition, 0, range.high - from);
    const end = await reader.read(t.topic, t.partition, from, range.high, async (batch) => {
      const changes = [];
      for (const r of batch) if (r.key) changes.push({ key: r.key.toString('utf8'), value: r.value });
      await t.store.restore(changes);
      records += batch.length;
      done += batch.length;
      onProgress?.(t.store.name, t.partition, done, Math.max(0, range.high - from - done));
      if (Date.now() - lastBeat > 1_000) {
        lastBeat = Date.now();
        await heartbeat();
      }
    });
    offsets.set(key, end);
    onProgress?.(t.store.name, t.partition, done, 0);
  }
  return { records, offsets };
}
