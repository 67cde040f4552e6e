// The sinks' one rule "one row per key, the newest version wins": every path that applies it (the
// local Delta table's dedup, the sink stage's partition buffer, the Databricks writer and the
// ROW_NUMBER of its MERGE) picks the same winner as a plain model, ties and NULL versions included;
// and the MERGE orders by the same columns in the same directions as the module's winner order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareVersions, isNewer, pickWinners, rowKey, winnerOrder, type OrderTerm, type WinnerMode,
} from '../../../src/sinks/core/row-per-key.ts';
import { mergeSql, type Statement } from '../../../src/sinks/databricks/sql.ts';
import { DatabricksWriter, type ResultRow, type SqlRunner } from '../../../src/sinks/databricks/writer.ts';
import { dedupBatch } from '../../../src/sinks/delta/batch.ts';
import { compileSpec, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';
import { PartitionBuffer } from '../../../src/connect/index.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';

const TARGET = { catalog: 'c', schema: 's' };
const columns = [
  { name: 'k', type: 'string', nullable: false },
  { name: 'n', type: 'integer', nullable: false },
  { name: 'version', type: 'long', nullable: true },
  { name: 'id', type: 'string', nullable: false },
] as const;
const COMPOSITE: DeltaTableSpec = { name: 'composite', keyColumns: ['k', 'n'], versionColumn: 'version', columns: columns.map((c) => ({ ...c })) };
const SINGLE: DeltaTableSpec = { name: 'single', keyColumns: ['k'], versionColumn: 'version', columns: columns.map((c) => ({ ...c })) };
const PLAIN: DeltaTableSpec = { name: 'plain', keyColumns: ['k', 'n'], columns: columns.filter((c) => c.name !== 'version').map((c) => ({ ...c })) };

const MAX = Number.MAX_SAFE_INTEGER;
// Few keys and few distinct versions (ties and NULLs are common), some at the top of the long range.
const rowsArb = (spec: DeltaTableSpec): fc.Arbitrary<DeltaRow[]> => fc.array(fc.record({
  k: fc.constantFrom('a', 'b', 'é'),
  n: fc.integer({ min: 0, max: 1 }),
  version: fc.oneof(fc.constant(null), fc.integer({ min: -2, max: 2 }), fc.integer({ min: MAX - 2, max: MAX })),
}), { maxLength: 24 }).map((rs) => rs.map((r, i) => {
  const row: DeltaRow = { k: r.k, n: r.n, id: `r${i}` };
  if (spec.versionColumn !== undefined) row.version = r.version;
  return row;
}));

/** The rule written out plainly: per key, the highest version (NULL lowest), ties the later row. */
function model(spec: DeltaTableSpec, rows: readonly DeltaRow[], mode: WinnerMode): string[] {
  const groups = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const k = JSON.stringify(spec.keyColumns.map((c) => row[c]));
    groups.set(k, [...(groups.get(k) ?? []), i]);
  });
  const big = (i: number): bigint | null => {
    const v = rows[i]?.[spec.versionColumn ?? ''];
    return v === null || v === undefined ? null : BigInt(v as number);
  };
  const winners: number[] = [];
  for (const idx of groups.values()) {
    if (mode === 'insert-only') { winners.push(idx[0] as number); continue; }
    let best = idx[0] as number;
    for (const i of idx.slice(1)) {
      if (mode === 'latest') { best = i; continue; }
      const [a, b] = [big(i), big(best)];
      if (a === b || (a !== null && (b === null || a > b))) best = i; // later row on a tie
    }
    winners.push(best);
  }
  return winners.map((i) => String(rows[i]?.id)).sort();
}

const ids = (rows: Iterable<DeltaRow>): string[] => [...rows].map((r) => String(r.id)).sort();

/** The window of a MERGE's `ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)`, as written in its text. */
function ranking(sql: string): { partition: string[]; terms: { col: string; dir: 'ASC' | 'DESC'; nulls: 'FIRST' | 'LAST' | undefined }[] } {
  const m = /ROW_NUMBER\(\) OVER \(PARTITION BY (.+?) ORDER BY (.+?)\) AS `_rn`/.exec(sql);
  if (!m) throw new Error('no ROW_NUMBER in the MERGE');
  const partition = [...(m[1] as string).matchAll(/`(\w+)`/g)].map((x) => x[1] as string);
  const terms = (m[2] as string).split(', ').map((t) => {
    const [, col, dir, nulls] = /^`(\w+)` (ASC|DESC)(?: NULLS (FIRST|LAST))?$/.exec(t) ?? [];
    if (col === undefined || dir === undefined) throw new Error(`unparsed ORDER BY term ${t}`);
    return { col, dir: dir as 'ASC' | 'DESC', nulls: nulls as 'FIRST' | 'LAST' | undefined };
  });
  return { partition, terms };
}

/** The ROW_NUMBER of a generated MERGE, evaluated as SQL would: sort each partition, keep row 1. */
function sqlWinners(stmt: Statement, rows: readonly DeltaRow[]): string[] {
  const { partition, terms: written } = ranking(stmt.sql);
  // SQL's default NULL placement: first when ascending, last when descending.
  const terms = written.map((t) => ({ col: t.col, desc: t.dir === 'DESC', nullsFirst: t.nulls === undefined ? t.dir === 'ASC' : t.nulls === 'FIRST' }));
  const cell = (i: number, col: string): bigint | null => {
    const v = col === '_ord' ? i : rows[i]?.[col];
    return v === null || v === undefined ? null : BigInt(v as number);
  };
  const cmp = (a: number, b: number): number => {
    for (const t of terms) {
      const [x, y] = [cell(a, t.col), cell(b, t.col)];
      if (x === y) continue;
      if (x === null || y === null) return (x === null) === t.nullsFirst ? -1 : 1;
      return (x < y) === t.desc ? 1 : -1;
    }
    return 0;
  };
  const parts = new Map<string, number[]>();
  rows.forEach((row, i) => {
    const k = JSON.stringify(partition.map((c) => row[c]));
    parts.set(k, [...(parts.get(k) ?? []), i]);
  });
  return [...parts.values()].map((idx) => String(rows[[...idx].sort(cmp)[0] as number]?.id)).sort();
}

/** Runs the whole Databricks writer and returns the rows its MERGEs carried (one JSON parameter each). */
async function databricksWinners(spec: DeltaTableSpec, rows: DeltaRow[], mode: WinnerMode): Promise<string[]> {
  const sent: DeltaRow[] = [];
  const runner: SqlRunner = {
    run: async (stmt): Promise<ResultRow[]> => {
      if (stmt.sql.startsWith(`MERGE INTO \`c\`.\`s\`.\`${spec.name}\``)) sent.push(...JSON.parse(stmt.params.rows ?? '[]') as DeltaRow[]);
      return [];
    },
    close: async () => undefined,
  };
  const writer = new DatabricksWriter(runner, { target: TARGET, modes: { [spec.name]: mode }, maxParameters: 0, maxRowsPerStatement: 3 });
  if (rows.length > 0) await (await writer.table(spec)).upsert(rows);
  const keys = sent.map((r) => rowKey(r, spec.keyColumns));
  expect(new Set(keys).size, 'one row per key across all chunks').toBe(keys.length);
  return ids(sent);
}

describe('one row per key: every path picks the model\'s winner', () => {
  it.each([COMPOSITE, SINGLE, PLAIN])('default mode of $name: Delta dedup, stage buffer, Databricks writer, MERGE, pickWinners', async (spec) => {
    const mode: WinnerMode = spec.versionColumn === undefined ? 'latest' : 'versioned';
    const compiled = compileSpec(spec);
    await fc.assert(fc.asyncProperty(rowsArb(spec), async (rows) => {
      const want = model(spec, rows, mode);
      expect(ids(pickWinners(spec, rows)), 'pickWinners').toEqual(want);
      expect(ids(dedupBatch(rows, compiled).rows.values()), 'delta dedupBatch').toEqual(want);
      const buffer = new PartitionBuffer(spec);
      rows.forEach((row, i) => buffer.add(i, row, 0));
      expect(ids(buffer.drain().rows), 'stage PartitionBuffer').toEqual(want);
      expect(await databricksWinners(spec, rows, mode), 'Databricks writer').toEqual(want);
      if (rows.length > 0) expect(sqlWinners(mergeSql(TARGET, spec, rows, mode), rows), 'MERGE ROW_NUMBER').toEqual(want);
    }));
  });

  it.each([
    [COMPOSITE, 'latest'], [COMPOSITE, 'insert-only'], [PLAIN, 'insert-only'],
  ] as const)('%s.name in mode %s: Databricks writer, MERGE, pickWinners', async (spec, mode) => {
    await fc.assert(fc.asyncProperty(rowsArb(spec), async (rows) => {
      const want = model(spec, rows, mode);
      expect(ids(pickWinners(spec, rows, mode))).toEqual(want);
      expect(await databricksWinners(spec, rows, mode)).toEqual(want);
      if (rows.length > 0) expect(sqlWinners(mergeSql(TARGET, spec, rows, mode), rows)).toEqual(want);
    }));
  });
});

describe('the MERGE orders by the module\'s winner order', () => {
  const cases: [DeltaTableSpec, WinnerMode][] = [
    [INVOICES_TABLE, 'versioned'], [INVOICES_TABLE, 'latest'], [INVOICE_EVENTS_TABLE, 'insert-only'],
    [CLIENT_BALANCES_TABLE, 'latest'], [COMPOSITE, 'versioned'],
  ];
  it.each(cases)('%s.name / %s: same columns, same directions, NULL versions lowest', (spec, mode) => {
    const stmt = mergeSql(TARGET, spec, [Object.fromEntries(spec.columns.map((c) => [c.name, sample(c.type)]))], mode);
    const { partition, terms } = ranking(stmt.sql);
    expect(partition).toEqual(spec.keyColumns);
    const parsed: OrderTerm[] = terms.map(({ col, dir: direction, nulls }) => {
      if (col === '_ord') return { by: 'arrival', direction };
      // NULL lowest: after every version when descending, before every version when ascending.
      expect(nulls).toBe(direction === 'DESC' ? 'LAST' : 'FIRST');
      return { by: 'version', column: col, direction };
    });
    expect(parsed).toEqual(winnerOrder(spec, mode));
  });
});

describe('versions compare exactly', () => {
  it('beyond 2^53, as numbers, bigints and integer strings; NULL lowest', () => {
    expect(Number('9007199254740993')).toBe(9007199254740992); // why Number() must not be used
    expect(compareVersions('9007199254740993', 9007199254740992)).toBe(1);
    expect(compareVersions(2n ** 70n, `${2n ** 70n + 1n}`)).toBe(-1);
    expect(compareVersions(null, -(2 ** 53))).toBe(-1);
    expect(compareVersions(undefined, null)).toBe(0);
    expect(isNewer(null, null)).toBe(false);
    expect(isNewer(0, null)).toBe(true);
    expect(isNewer('7', 7n)).toBe(false);
    expect(() => compareVersions(1.5, 1)).toThrow(/not an integer/);
    expect(() => compareVersions('1e3', 1)).toThrow(/not an integer/);
  });

  it('agree with bigint order for any integers, whatever their form', () => {
    const form = (v: bigint) => fc.constantFrom<number | bigint | string>(v, String(v), ...(Number.isSafeInteger(Number(v)) ? [Number(v)] : []));
    fc.assert(fc.property(fc.bigInt().chain((a) => form(a).map((x) => [a, x] as const)), fc.bigInt().chain((b) => form(b).map((y) => [b, y] as const)),
      ([a, x], [b, y]) => compareVersions(x, y) === (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('one key encoding: a single string key as itself, other keys as JSON, never a null cell', () => {
    expect(rowKey({ k: 'a', n: 1 }, ['k'])).toBe('a');
    expect(rowKey({ k: 'a', n: 1 }, ['n'])).toBe('1');
    expect(rowKey({ k: 'a', n: 1 }, ['k', 'n'])).toBe('["a",1]');
    expect(rowKey({ k: 'a,1' }, ['k'])).not.toBe(rowKey({ k: 'a', n: 1 }, ['k', 'n']));
    expect(() => rowKey({ k: null }, ['k'])).toThrow(/key column k is null/);
  });
});

function sample(type: string): string | number | boolean {
  if (type === 'string') return 'x';
  if (type === 'long' || type === 'integer') return 1;
  if (type === 'boolean') return true;
  if (type === 'date') return '2024-01-01';
  if (type === 'timestamp') return '2024-01-01T00:00:00Z';
  return '1';
}
