// Repartition topics keep their records forever (retention.ms=-1): the thread purges what its
// commits made durable, once per interval, as Kafka Streams does (repartition.purge.interval.ms).
import { describe, expect, it } from 'vitest';
import { RepartitionPurge } from '../../../src/runtime/stream/purge.ts';

describe('RepartitionPurge', () => {
  it('hands out the highest committed offset of each repartition partition, once per interval', () => {
    const purge = new RepartitionPurge(new Set(['app-by-key-repartition']), 30_000, 0);
    purge.committed([
      { topic: 'orders', partition: 0, offset: 100 }, // a user topic: never purged
      { topic: 'app-by-key-repartition', partition: 0, offset: 10 },
      { topic: 'app-by-key-repartition', partition: 1, offset: 7 },
    ]);
    purge.committed([{ topic: 'app-by-key-repartition', partition: 0, offset: 25 }]);
    expect(purge.take(29_999)).toBeUndefined(); // not due yet
    expect(purge.take(30_000)).toEqual([
      { topic: 'app-by-key-repartition', partition: 0, offset: 25 },
      { topic: 'app-by-key-repartition', partition: 1, offset: 7 },
    ]);
    purge.committed([{ topic: 'app-by-key-repartition', partition: 1, offset: 9 }]);
    expect(purge.take(45_000)).toBeUndefined(); // the next interval starts at the last purge
    expect(purge.take(60_000)).toEqual([{ topic: 'app-by-key-repartition', partition: 1, offset: 9 }]);
    expect(purge.take(120_000)).toBeUndefined(); // nothing committed since
  });

  it('never hands out a lower offset than one committed before in the same interval', () => {
    const purge = new RepartitionPurge(new Set(['r']), 1_000, 0);
    purge.committed([{ topic: 'r', partition: 0, offset: 50 }]);
    purge.committed([{ topic: 'r', partition: 0, offset: 40 }]); // a commit of a task opened again lower
    expect(purge.take(1_000)).toEqual([{ topic: 'r', partition: 0, offset: 50 }]);
  });
});
