// What a task's clean close checkpoints: where its restore ended, never the changelog's end at
// close time. A revoked task closes after the rebalance, when its new owner may have written to
// the changelog already; claiming those writes made a later owner of this directory skip them
// (the invoice chaos test lost dedup entries that way and applied a payment twice).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamsBuilder, Stores } from '../../../src/engine/index.ts';
import type { PartitionReader, RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import { checkpointKey } from '../../../src/runtime/state/task-directory.ts';
import { RuntimeTask } from '../../../src/runtime/task/runtime-task.ts';

describe('a task closing clean', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'task-checkpoint-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  // The changelog ends at 10 while the task restores, at 25 when it closes (a new owner wrote).
  async function closedAt(ownsLogEnd: boolean | undefined): Promise<Map<string, number> | undefined> {
    let logEnd = 10;
    const admin = { committedOffsets: async () => new Map([[0, 0]]), offsetRange: async () => ({ low: 0, high: logEnd }) } as unknown as RuntimeAdmin;
    const reader = { read: async (_t: string, _p: number, _from: number, to: number) => to } as unknown as PartitionReader;
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('counts', { dir: root })));
    b.stream<string, string>('in').process<string, string>(() => ({ process: () => undefined }), 'counts');
    const topology = b.build();
    const task = new RuntimeTask({
      id: { subtopology: 0, partition: 0 }, applicationId: 'app', groupId: 'app', exactlyOnce: true, subtopology: topology.subtopologies()[0]!,
      sourceTopics: ['in'], physicalName: (t) => t, topologyName: (t) => t, storeBuilders: topology.storeBuilders(), changelogs: [{ store: 'counts', topic: 'app-counts-changelog' }],
      stateDir: root, admin, reader, deadLetterTopic: 'dlq', onDeserializationError: () => ({ action: 'fail' }) as never, wallClock: () => 0,
    });
    await task.initialize(async () => {});
    logEnd = 25;
    await task.closeClean(ownsLogEnd);
    return task.directory.readCheckpoint();
  }

  it('checkpoints where its restore ended, though the changelog has grown since', async () => {
    expect(await closedAt(undefined)).toEqual(new Map([[checkpointKey('app-counts-changelog', 0), 10]]));
  });

  it("claims the changelog's end when it owns it (a graceful close after its last commit)", async () => {
    expect(await closedAt(true)).toEqual(new Map([[checkpointKey('app-counts-changelog', 0), 25]]));
  });
});
