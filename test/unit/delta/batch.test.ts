// In-batch dedup and the version guard.
import { describe, expect, it } from 'vitest';
import { isNewer } from '../../../src/sinks/core/row-per-key.ts';
import { dedupBatch, shouldReplace } from '../../../src/sinks/delta/batch.ts';
import { compileSpec } from '../../../src/sinks/delta/schema.ts';

const versioned = compileSpec({
  name: 't', keyColumns: ['id'], versionColumn: 'version',
  columns: [{ name: 'id', type: 'string', nullable: false }, { name: 'version', type: 'long', nullable: false }, { name: 'x', type: 'decimal(10,2)', nullable: true }],
});
const plain = compileSpec({
  name: 'p', keyColumns: ['client_id', 'currency'],
  columns: [{ name: 'client_id', type: 'string', nullable: false }, { name: 'currency', type: 'string', nullable: false }, { name: 'n', type: 'integer', nullable: true }],
});

describe('dedupBatch', () => {
  it('keeps the highest version per key, whatever the arrival order', () => {
    const { rows, dropped } = dedupBatch([
      { id: 'a', version: 2, x: '2' }, { id: 'a', version: 5, x: '5' }, { id: 'a', version: 3, x: '3' }, { id: 'b', version: 1, x: null },
    ], versioned);
    expect(dropped).toBe(2);
    expect(rows.get('a')).toEqual({ id: 'a', version: 5, x: '5.00' });
    expect(rows.size).toBe(2);
  });

  it('keeps the last row on equal versions and without a version column', () => {
    expect(dedupBatch([{ id: 'a', version: 1, x: '1' }, { id: 'a', version: 1, x: '2' }], versioned).rows.get('a')?.x).toBe('2.00');
    const { rows } = dedupBatch([{ client_id: 'c', currency: 'EUR', n: 1 }, { client_id: 'c', currency: 'USD', n: 2 }, { client_id: 'c', currency: 'EUR', n: 3 }], plain);
    expect([...rows.values()]).toEqual([{ client_id: 'c', currency: 'EUR', n: 3 }, { client_id: 'c', currency: 'USD', n: 2 }]);
  });

  it('rejects bad rows before anything is written', () => {
    expect(() => dedupBatch([{ id: 'a', version: 1, x: 1.005 }], versioned)).toThrow(/fractional/);
    expect(() => dedupBatch([{ id: null, version: 1 }], versioned)).toThrow(/not nullable|null/);
    expect(() => dedupBatch([{ id: 'a', version: 1, extra: 1 }], versioned)).toThrow(/unknown column/);
    expect(() => dedupBatch([{ id: 'a', version: 1.5 }], versioned)).toThrow(/long/);
  });
});

describe('version guard', () => {
  it('replaces only with a strictly newer version', () => {
    expect(isNewer(2, 1)).toBe(true);
    expect(isNewer(1, 1)).toBe(false);
    expect(isNewer(1, 2)).toBe(false);
    expect(isNewer(1, null)).toBe(true);
    const cur = { id: 'a', version: 3, x: '1.00' };
    expect(shouldReplace({ id: 'a', version: 2, x: '9.00' }, cur, versioned)).toBe(false);
    expect(shouldReplace({ id: 'a', version: 3, x: '9.00' }, cur, versioned)).toBe(false);
    expect(shouldReplace({ id: 'a', version: 4, x: '9.00' }, cur, versioned)).toBe(true);
  });

  it('without a version column, replaces only when the content differs', () => {
    const cur = { client_id: 'c', currency: 'EUR', n: 1 };
    expect(shouldReplace({ ...cur }, cur, plain)).toBe(false);
    expect(shouldReplace({ ...cur, n: 2 }, cur, plain)).toBe(true);
  });
});
