// The stall decision: records waiting and committed offsets that do not move for the timeout.
import { describe, expect, it } from 'vitest';
import { ProgressTracker, StallWatch } from '../../../src/runtime/stream/stall-watch.ts';
import type { RuntimeAdmin } from '../../../src/runtime/client/api.ts';

describe('ProgressTracker', () => {
  it('flags a task whose offsets stay put while records wait, and clears it when they move', () => {
    const t = new ProgressTracker(1_000);
    expect(t.observe('1_0', 50, 'a@10', 0)).toEqual({ lag: 50, progressAgeMs: 0, stalled: false });
    expect(t.observe('1_0', 50, 'a@10', 999).stalled).toBe(false);
    expect(t.observe('1_0', 70, 'a@10', 1_000)).toEqual({ lag: 70, progressAgeMs: 1_000, stalled: true });
    expect(t.observe('1_0', 60, 'a@20', 1_500)).toEqual({ lag: 60, progressAgeMs: 0, stalled: false });
  });

  it('never flags a task with nothing waiting, however long it idles', () => {
    const t = new ProgressTracker(1_000);
    t.observe('0_0', 0, 'a@5', 0);
    expect(t.observe('0_0', 0, 'a@5', 60_000)).toEqual({ lag: 0, progressAgeMs: 0, stalled: false });
    // Records arrive: the clock starts then, not at the last commit.
    expect(t.observe('0_0', 3, 'a@5', 60_500).stalled).toBe(false);
    expect(t.observe('0_0', 3, 'a@5', 61_000).stalled).toBe(true);
  });

  it('forgets tasks no longer watched, so a task assigned again starts afresh', () => {
    const t = new ProgressTracker(1_000);
    t.observe('1_0', 5, 'x', 0);
    t.observe('1_0', 5, 'x', 5_000);
    t.retain(new Set());
    expect(t.snapshot().size).toBe(0);
    expect(t.observe('1_0', 5, 'x', 6_000).stalled).toBe(false);
  });
});

describe('StallWatch', () => {
  // An admin whose offsets the test moves: what the broker would answer.
  function fakeAdmin(state: { end: number; committed?: number; low: number }): RuntimeAdmin {
    return {
      partitionCounts: async () => new Map(),
      createTopics: async () => {},
      endOffsets: async () => new Map([[0, state.end]]),
      offsetRange: async () => ({ low: state.low, high: state.end }),
      committedOffsets: async () => (state.committed === undefined ? new Map() : new Map([[0, state.committed]])),
      groupOffsets: async (_group, topics) => topics.map((topic) => ({ topic, partition: 0, end: state.end, committed: state.committed })),
      deleteTopics: async () => {},
      close: async () => {},
    };
  }

  it('reads lag from the last stable offset and the committed offset (the log start before the first commit)', async () => {
    const state: { end: number; committed?: number; low: number } = { end: 100, low: 40 };
    const changes: Array<[string, boolean]> = [];
    const watch = new StallWatch({
      admin: fakeAdmin(state), groupId: 'g', stallTimeoutMs: 0,
      tasks: () => new Map([['1_0', [{ topic: 'rep', partition: 0 }]]]),
      onChange: (task, p) => changes.push([task, p.stalled]),
    });
    await watch.check();
    expect(watch.progress().get('1_0')?.lag).toBe(60);
    state.committed = 100;
    await watch.check();
    expect(watch.progress().get('1_0')).toMatchObject({ lag: 0, stalled: false });
    state.end = 130;
    await watch.check();
    expect(watch.progress().get('1_0')).toMatchObject({ lag: 30, stalled: true });
    expect(changes).toEqual([['1_0', true], ['1_0', false], ['1_0', true]]);
  });
});
