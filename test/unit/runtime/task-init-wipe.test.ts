// What a task starts from, by what its directory says: a valid checkpoint keeps the local state
// (the changelog's tail is restored on top); none, or one too old to trust, wipes it under either
// guarantee. Restoring on top of a directory without a checkpoint would keep keys deleted since,
// once compaction dropped their tombstones.
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../src/engine/index.ts';
import type { PartitionReader, RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import { CHECKPOINT_MAX_AGE_MS } from '../../../src/runtime/state/task-directory.ts';
import { RuntimeTask } from '../../../src/runtime/task/runtime-task.ts';

describe('a task starting on what its directory holds', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'task-init-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const admin = { committedOffsets: async () => new Map([[0, 0]]), offsetRange: async () => ({ low: 0, high: 0 }) } as unknown as RuntimeAdmin;
  const task = (exactlyOnce: boolean): RuntimeTask => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, string>('in').to('out');
    const topology = b.build();
    const sub = topology.subtopologies()[0]!;
    return new RuntimeTask({
      id: { subtopology: 0, partition: 0 }, applicationId: 'app', groupId: 'app', exactlyOnce, subtopology: sub,
      sourceTopics: ['in'], physicalName: (t) => t, topologyName: (t) => t, storeBuilders: topology.storeBuilders(), changelogs: [],
      stateDir: root, admin, reader: {} as PartitionReader, deadLetterTopic: 'dlq', onDeserializationError: () => ({ action: 'fail' }) as never, wallClock: () => 0,
    });
  };
  const taskDir = (): string => join(root, 'app', '0_0');
  const leftBehind = (checkpointAgeMs?: number): void => {
    mkdirSync(taskDir(), { recursive: true });
    writeFileSync(join(taskDir(), 'store-file'), 'old state');
    if (checkpointAgeMs === undefined) return;
    writeFileSync(join(taskDir(), '.checkpoint'), '{}');
    const at = (Date.now() - checkpointAgeMs) / 1000;
    utimesSync(join(taskDir(), '.checkpoint'), at, at);
  };

  for (const exactlyOnce of [true, false]) {
    const guarantee = exactlyOnce ? 'exactly_once' : 'at_least_once';
    it(`${guarantee}: no checkpoint, or one older than the bound: the directory is wiped`, async () => {
      for (const age of [undefined, CHECKPOINT_MAX_AGE_MS + 60_000]) {
        leftBehind(age);
        const t = task(exactlyOnce);
        await t.initialize(async () => {});
        expect(existsSync(join(taskDir(), 'store-file')), `checkpoint age ${age}`).toBe(false);
        await t.closeDirty();
      }
    });

    it(`${guarantee}: a fresh checkpoint keeps the local state`, async () => {
      leftBehind(1_000);
      const t = task(exactlyOnce);
      await t.initialize(async () => {});
      expect(existsSync(join(taskDir(), 'store-file'))).toBe(true);
      // exactly_once removes the claim while the task runs; at_least_once keeps it.
      expect(existsSync(join(taskDir(), '.checkpoint'))).toBe(!exactlyOnce);
      await t.closeClean();
    });
  }
});
