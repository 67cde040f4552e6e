// A task's processors close on either close, clean or dirty (Kafka Streams closes the topology in
// both): what a processor registered when it opened (the invoice processor's held-payments tally)
// is given back even when the task's uncommitted state is dropped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../src/engine/index.ts';
import type { PartitionReader, RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import { RuntimeTask } from '../../../src/runtime/task/runtime-task.ts';

describe('a task closing', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'task-close-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const admin = { committedOffsets: async () => new Map([[0, 0]]), offsetRange: async () => ({ low: 0, high: 0 }) } as unknown as RuntimeAdmin;
  const task = (closes: string[]): RuntimeTask => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    b.stream<string, string>('in').process<string, string>(() => ({ process: () => undefined, close: () => void closes.push('closed') }));
    const topology = b.build();
    const sub = topology.subtopologies()[0]!;
    return new RuntimeTask({
      id: { subtopology: 0, partition: 0 }, applicationId: 'app', groupId: 'app', exactlyOnce: true, subtopology: sub,
      sourceTopics: ['in'], physicalName: (t) => t, topologyName: (t) => t, storeBuilders: topology.storeBuilders(), changelogs: [],
      stateDir: root, admin, reader: {} as PartitionReader, deadLetterTopic: 'dlq', onDeserializationError: () => ({ action: 'fail' }) as never, wallClock: () => 0,
    });
  };

  it('closes its processors once on a dirty close', async () => {
    const closes: string[] = [];
    const t = task(closes);
    await t.initialize(async () => {});
    expect(closes).toEqual([]);
    await t.closeDirty();
    await t.closeDirty();
    expect(closes).toEqual(['closed']);
  });

  it('closes its processors once on a clean close', async () => {
    const closes: string[] = [];
    const t = task(closes);
    await t.initialize(async () => {});
    await t.closeClean();
    expect(closes).toEqual(['closed']);
  });
});
