// ensureInternalTopics when another instance creates the same topics at the same moment: the
// metadata may not list them yet (seen in the broker-restart test: "has no partitions" at start).
import { describe, expect, it } from 'vitest';
import type { RuntimeAdmin, TopicSpec } from '../../../src/runtime/client/api.ts';
import { ensureInternalTopics } from '../../../src/runtime/topics/internal-topics.ts';
import type { ApplicationLayout } from '../../../src/runtime/topics/layout.ts';

const layout = { internalTopics: [{ name: 'app-x-repartition', partitions: 4 }, { name: 'app-s-changelog', partitions: 4 }] } as unknown as ApplicationLayout;

/** An admin whose metadata shows the topics only after `visibleAfter` count requests. */
function admin(visibleAfter: number, partitions = 4, createFails = 0): RuntimeAdmin & { asked: number } {
  let creates = 0;
  const a = {
    asked: 0,
    async createTopics(_specs: readonly TopicSpec[]) {
      if (++creates <= createFails) throw new Error('This server does not host this topic-partition');
    },
    async partitionCounts(topics: readonly string[]) {
      a.asked++;
      return new Map(a.asked > visibleAfter ? topics.map((t) => [t, partitions] as const) : []);
    },
  };
  return a as unknown as RuntimeAdmin & { asked: number };
}

describe('ensureInternalTopics', () => {
  it('waits for topics another instance just created to appear in metadata', async () => {
    const a = admin(3);
    await ensureInternalTopics(a, layout, 1);
    expect(a.asked).toBe(4);
  });

  it('takes a failed create (leaders not known yet) as not settled', async () => {
    const a = admin(2, 4, 2);
    await ensureInternalTopics(a, layout, 1);
    expect(a.asked).toBe(3);
  });

  it('throws the create error when the topics never appear', async () => {
    await expect(ensureInternalTopics(admin(1_000, 4, 1_000), layout, 1)).rejects.toThrow(/does not host/);
  });

  it('fails at once on a settled wrong partition count', async () => {
    const a = admin(0, 2);
    await expect(ensureInternalTopics(a, layout, 1)).rejects.toThrow(/has 2 partitions, the topology needs 4/);
    expect(a.asked).toBe(1);
  });

  it('retries, then throws, a create call that fails though the counts fit (the configs it enforces on existing topics)', async () => {
    const once = admin(0, 4, 1);
    await ensureInternalTopics(once, layout, 1);
    expect(once.asked).toBe(2);
    await expect(ensureInternalTopics(admin(0, 4, 1_000), layout, 1)).rejects.toThrow(/does not host/);
  });

  it('gives up on topics that never appear', async () => {
    await expect(ensureInternalTopics(admin(1_000), layout, 1)).rejects.toThrow(/has no partitions/);
  });
});
