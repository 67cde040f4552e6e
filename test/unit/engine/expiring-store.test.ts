import { describe, expect, it } from 'vitest';
import { ExpiringKeyValueStore } from '../../../src/engine/state/expiring-store.ts';
import { Stores } from '../../../src/engine/state/stores.ts';

describe('ExpiringKeyValueStore', () => {
  it('purges exactly the keys stamped before the horizon', async () => {
    const store = Stores.keyValueStoreBuilder<unknown>(Stores.inMemoryKeyValueStore('dedup')).build();
    const seen = new ExpiringKeyValueStore<boolean>(store);
    seen.put('e1', true, 1_000);
    seen.put('e2', true, 5_000);
    seen.put('e3', true, 9_000);
    seen.put('e1', true, 10_000); // re-seen: its expiry moves
    await store.flush(); // half in the backend, half in the cache
    seen.put('e4', true, 2_000);
    expect(seen.purgeBefore(5_000)).toBe(1);
    expect(seen.get('e4')).toBeUndefined();
    expect(seen.get('e2')).toBe(true); // stamped at the horizon: kept
    expect(seen.purgeBefore(9_001)).toBe(2);
    expect([seen.get('e1'), seen.get('e2'), seen.get('e3')]).toEqual([true, undefined, undefined]);
    expect(seen.timestampOf('e1')).toBe(10_000);
    seen.delete('e1');
    expect(seen.purgeBefore(Number.MAX_SAFE_INTEGER)).toBe(0);
    expect([...store.range()]).toEqual([]);
  });
});
