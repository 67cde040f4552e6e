// Two members that join a group a few milliseconds apart (as the stream threads of one instance
// do) share its partitions at once. On a broker with group.initial.rebalance.delay.ms=0, as the
// test stack's, the first JoinGroup forms a generation alone and the second waits until the first
// member learns of the next rebalance. Here the second member starts the moment the first has its
// assignment, and heartbeats are 30 s apart: only the early probe after a join
// (src/runtime/client/platformatic/join-probe.ts) brings the second generation within the bound.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '../../src/runtime/client/select.ts';
import type { GroupAssignment, GroupConsumer, KafkaClient, RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { roundRobinAssignor } from '../../src/connect/assignor.ts';
import { testStack } from '../stack/env.ts';

const topic = `group-join-together-${randomUUID().slice(0, 8)}`;
const BOUND_MS = 8_000;

let client: KafkaClient;
let admin: RuntimeAdmin;

/** Starts a member; `latest` holds its last assignment. */
function member(groupId: string, onFirstAssignment?: (first: GroupAssignment) => void): { consumer: GroupConsumer; latest: () => GroupAssignment | undefined; crashed: () => Error | undefined } {
  const consumer = client.groupConsumer({ groupId, topics: [topic], assignor: roundRobinAssignor, heartbeatIntervalMs: 30_000, sessionTimeoutMs: 90_000, maxWaitTimeMs: 100 });
  let latest: GroupAssignment | undefined;
  let crash: Error | undefined;
  void consumer
    .run({
      onAssigned: (assignment) => {
        if (latest === undefined) onFirstAssignment?.(assignment);
        latest = assignment;
      },
      onSkipped: () => undefined,
      onCrash: (error) => (crash = error),
      onBatch: async () => undefined,
    })
    .catch((error: unknown) => (crash = error instanceof Error ? error : new Error(String(error))));
  return { consumer, latest: () => latest, crashed: () => crash };
}

const held = (a: GroupAssignment | undefined): number[] => [...(a?.partitions.get(topic) ?? [])];

describe('members joining together', () => {
  beforeAll(async () => {
    client = createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: 'group-join-together' });
    admin = await client.admin();
    await admin.createTopics([{ name: topic, partitions: 2, replicationFactor: 1 }]);
  });

  afterAll(async () => {
    await admin?.deleteTopics([topic]).catch(() => undefined);
    await admin?.close();
  });

  it('share the partitions in one generation well before the next heartbeat', async () => {
    const groupId = `group-join-together-${randomUUID()}`;
    const members: Array<ReturnType<typeof member>> = [];
    let first: GroupAssignment | undefined;
    members.push(
      member(groupId, (assignment) => {
        first = assignment;
        members.push(member(groupId));
      }),
    );
    try {
      const started = Date.now();
      let shared = false;
      while (!shared && Date.now() - started < BOUND_MS) {
        await new Promise((r) => setTimeout(r, 50));
        for (const m of members) expect(m.crashed()).toBeUndefined();
        const [a, b] = members.map((m) => m.latest());
        shared = a !== undefined && b !== undefined && a.generation === b.generation && held(a).length === 1 && held(b).length === 1;
      }
      // The first generation had the first member alone: the case the probe is for.
      expect(held(first)).toHaveLength(2);
      const [a, b] = members.map((m) => m.latest());
      expect({ a: held(a), b: held(b), sameGeneration: a?.generation === b?.generation }).toEqual({ a: [expect.any(Number)], b: [expect.any(Number)], sameGeneration: true });
      expect(new Set([...held(a), ...held(b)])).toEqual(new Set([0, 1]));
    } finally {
      await Promise.all(members.map((m) => m.consumer.close()));
    }
  });
});
