import { describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../src/engine/index.ts';
import { planLayout } from '../../../src/runtime/topics/layout.ts';
import { FatalRuntimeError } from '../../../src/runtime/errors.ts';

function topology() {
  const b = new StreamsBuilder({ applicationId: 'app' });
  const orders = b.stream<string, string>('orders');
  orders.groupByKey().count({ storeName: 'per-order' });
  orders.selectKey((_k, v) => v).groupByKey({ name: 'by-value' }).count({ storeName: 'per-value' });
  return b.build();
}

describe('planLayout', () => {
  it('sizes repartition topics from their writers and changelogs from their tasks', () => {
    const t = topology();
    const layout = planLayout({
      applicationId: 'app',
      subtopologies: t.subtopologies(),
      loggedStores: new Set(['per-order', 'per-value']),
      userTopicPartitions: new Map([['orders', 6]]),
    });
    const byName = new Map(layout.internalTopics.map((s) => [s.name, s]));
    // Infinite retention: records carry event time, which time retention would delete unread.
    expect(byName.get('app-by-value-repartition')).toMatchObject({ partitions: 6, configs: { 'cleanup.policy': 'delete', 'retention.ms': '-1', 'max.message.bytes': String(16 * 1024 * 1024) } });
    expect(byName.get('app-per-order-changelog')).toMatchObject({ partitions: 6, configs: { 'cleanup.policy': 'compact', 'max.message.bytes': String(16 * 1024 * 1024) } });
    expect(byName.get('app-per-value-changelog')).toMatchObject({ partitions: 6 });
    expect(layout.repartitionTopics).toEqual(['app-by-value-repartition']);
    expect(layout.subtopologies.map((s) => s.partitions)).toEqual([6, 6]);
  });

  it('honours a configured repartition partition count', () => {
    const t = topology();
    const layout = planLayout({
      applicationId: 'app',
      subtopologies: t.subtopologies(),
      loggedStores: new Set(['per-value']),
      userTopicPartitions: new Map([['orders', 6]]),
      repartitionPartitions: new Map([['app-by-value-repartition', 2]]),
    });
    expect(layout.internalTopics.find((s) => s.name === 'app-per-value-changelog')?.partitions).toBe(2);
  });

  it('fails clearly when a source topic is missing or sources are not co-partitioned', () => {
    const b = new StreamsBuilder({ applicationId: 'app' });
    const joined = b.stream<string, string>('orders').merge(b.stream<string, string>('payments'));
    joined.groupByKey().count({ storeName: 's' });
    const subs = b.build().subtopologies();
    expect(() => planLayout({ applicationId: 'app', subtopologies: subs, loggedStores: new Set(), userTopicPartitions: new Map([['orders', 4]]) })).toThrow(/payments .*does not exist/);
    expect(() => planLayout({ applicationId: 'app', subtopologies: subs, loggedStores: new Set(), userTopicPartitions: new Map([['orders', 4], ['payments', 3]]) })).toThrow(/not co-partitioned.*orders=4, payments=3/);
    expect(() => planLayout({ applicationId: 'app', subtopologies: subs, loggedStores: new Set(), userTopicPartitions: new Map([['orders', 4], ['payments', 3]]) })).toThrow(FatalRuntimeError);
  });
});
