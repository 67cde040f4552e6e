// Per-file statistics written into add actions: rendered by the one data file encoder
// (flat-parquet.ts) for appends and merges alike, checked against a model (stats-model.ts); read
// back once per add action (statsOf), with the row counts the writer and OPTIMIZE share (fileRows).
import { describe, expect, it, vi } from 'vitest';
import type { AddAction } from '../../../src/sinks/delta/actions.ts';
import { dedupBatch } from '../../../src/sinks/delta/batch.ts';
import { columnsToTyped, rowsToTyped } from '../../../src/sinks/delta/typed.ts';
import { rowsToBatch } from '../../../src/sinks/delta/columnar.ts';
import { encodeTyped } from '../../../src/sinks/delta/flat-parquet.ts';
import { compileSpec } from '../../../src/sinks/delta/schema.ts';
import type { DeltaRow } from '../../../src/sinks/delta/types.ts';
import { compareStrings } from '../../../src/sinks/delta/columns.ts';
import { modelStats } from './stats-model.ts';
import { fileRows, statsOf } from '../../../src/sinks/delta/stats.ts';

const spec = compileSpec({
  name: 't', keyColumns: ['id'], versionColumn: 'v',
  columns: [
    { name: 'id', type: 'string', nullable: false },
    { name: 'v', type: 'long', nullable: false },
    { name: 'amt', type: 'decimal(18,2)', nullable: true },
    { name: 'd', type: 'date', nullable: true },
    { name: 'ts', type: 'timestamp', nullable: true },
    { name: 'ok', type: 'boolean', nullable: true },
  ],
});

/** The stats the encoder writes for normalized rows, by both ways in: rows (appends) and a column batch (merges). */
function computeStats(rows: DeltaRow[]): string {
  const viaRows = encodeTyped(rowsToTyped(rows, spec), spec).stats;
  const viaColumns = encodeTyped(columnsToTyped(rowsToBatch(rows, spec), spec), spec).stats;
  expect(viaColumns).toBe(viaRows);
  expect(viaRows).toBe(modelStats(rows, spec.codecs));
  return viaRows;
}

describe('add action stats', () => {
  it('writes numRecords, min/max and null counts; decimals as exact JSON numbers', () => {
    const { rows } = dedupBatch([
      { id: 'b', v: 1, amt: '-10.5', d: '2024-01-02', ts: '2024-01-01T00:00:00.000500Z', ok: true },
      { id: 'a', v: 2, amt: '9.99', d: null, ts: '2024-01-01T00:00:00.999999Z', ok: null },
      { id: 'c', v: 3, amt: '100.00', d: '2023-12-31', ts: null, ok: false },
    ], spec);
    const text = computeStats([...rows.values()]);
    expect(text).toContain('"amt":-10.50');
    expect(text).toContain('"amt":100.00');
    const s = JSON.parse(text);
    expect(s.numRecords).toBe(3);
    expect(s.minValues).toMatchObject({ id: 'a', v: 1, d: '2023-12-31' });
    expect(s.maxValues).toMatchObject({ id: 'c', v: 3, d: '2024-01-02' });
    // millisecond bounds are widened so they still contain the microsecond values
    expect(s.minValues.ts).toBe('2024-01-01T00:00:00.000Z');
    expect(s.maxValues.ts).toBe('2024-01-01T00:00:01.000Z');
    expect(s.nullCount).toEqual({ id: 0, v: 0, amt: 0, d: 1, ts: 1, ok: 1 });
    expect(s.minValues.ok).toBeUndefined();
  });

  it('orders decimals numerically, not as text', () => {
    const { rows } = dedupBatch([
      { id: 'x', v: 1, amt: '9.00' }, { id: 'y', v: 1, amt: '10.00' }, { id: 'z', v: 1, amt: '-100.00' }, { id: 'w', v: 1, amt: '-2.00' },
    ], spec);
    const s = JSON.parse(computeStats([...rows.values()]));
    expect([s.minValues.amt, s.maxValues.amt]).toEqual([-100, 10]);
  });

  it('orders strings by code point (UTF-8 byte order) like Parquet', () => {
    expect(compareStrings('\uffff', '\u{10000}')).toBeLessThan(0); // UTF-16 order says the opposite
    expect(compareStrings('a', 'ab')).toBeLessThan(0);
  });
});

const addOf = (stats: string | null, cardinality = 0): AddAction => ({
  path: 'f.parquet', partitionValues: {}, size: 1, modificationTime: 0, dataChange: true, stats,
  ...(cardinality > 0 ? { deletionVector: { storageType: 'u' as const, pathOrInlineDv: 'x'.repeat(20), offset: 1, sizeInBytes: 10, cardinality } } : {}),
});

describe('reading stats back', () => {
  it('parses an add action\'s stats once, also when they have no row count', () => {
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const add = addOf('{"numRecords":7,"minValues":{"id":"a"},"maxValues":{"id":"g"},"nullCount":{"id":0}}');
      const first = statsOf(add);
      expect(first).toEqual({ numRecords: 7, minValues: { id: 'a' }, maxValues: { id: 'g' }, nullCount: { id: 0 } });
      expect(statsOf(add)).toBe(first);
      expect(parse).toHaveBeenCalledTimes(1);
      // The same text in another action is another file: parsed for it (the cache is per action).
      expect(statsOf(addOf(add.stats ?? null))).not.toBe(first);
      expect(parse).toHaveBeenCalledTimes(2);
      const countless = addOf('{"minValues":{}}');
      expect(statsOf(countless)).toBeUndefined();
      expect(statsOf(countless)).toBeUndefined();
      expect(parse).toHaveBeenCalledTimes(3);
      expect(statsOf(addOf(null))).toBeUndefined();
      expect(parse).toHaveBeenCalledTimes(3);
    } finally {
      parse.mockRestore();
    }
  });

  it('parses again when an action\'s stats are replaced in place', () => {
    const add = addOf('{"numRecords":7}');
    expect(statsOf(add)?.numRecords).toBe(7);
    add.stats = '{"numRecords":9}';
    expect(statsOf(add)?.numRecords).toBe(9);
  });

  it('counts a file\'s rows: physical from the stats, live without its deletion vector\'s', () => {
    expect(fileRows(addOf('{"numRecords":10}'))).toEqual({ rows: 10, live: 10 });
    expect(fileRows(addOf('{"numRecords":10}', 4))).toEqual({ rows: 10, live: 6 });
    expect(fileRows(addOf('{"numRecords":0}'))).toEqual({ rows: 0, live: 0 });
    expect(fileRows(addOf(null, 4))).toBeUndefined();
    expect(fileRows(addOf('{"tightBounds":false}'))).toBeUndefined();
  });
});
