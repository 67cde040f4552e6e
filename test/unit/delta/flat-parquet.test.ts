// The one data file encoder (flat-parquet.ts) writes its own Thrift (page headers, footer): for
// fixed rows the files are byte for byte those it wrote when hyparquet-writer's Thrift code
// serialized them (the sha256 below were taken then), and hyparquet reads the footer back.
import { createHash } from 'node:crypto';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/lib.ts';
import { encodeTyped } from '../../../src/sinks/delta/flat-parquet.ts';
import { decodeDataFile } from '../../../src/sinks/delta/parquet.ts';
import { compileSpec } from '../../../src/sinks/delta/schema.ts';
import { rowsToTyped } from '../../../src/sinks/delta/typed.ts';
import type { DeltaRow } from '../../../src/sinks/delta/types.ts';
import { normalizeRow } from '../../../src/sinks/delta/batch.ts';

const spec = compileSpec({
  name: 'golden', keyColumns: ['id'], versionColumn: 'version',
  columns: [
    { name: 'id', type: 'string', nullable: false },
    { name: 'label', type: 'string', nullable: true },
    { name: 'kind', type: 'string', nullable: false },
    { name: 'money', type: 'decimal(38,4)', nullable: false },
    { name: 'maybe_money', type: 'decimal(38,4)', nullable: true },
    { name: 'small_money', type: 'decimal(18,2)', nullable: true },
    { name: 'day', type: 'date', nullable: false },
    { name: 'at', type: 'timestamp', nullable: true },
    { name: 'n', type: 'integer', nullable: true },
    { name: 'flag', type: 'boolean', nullable: true },
    { name: 'never', type: 'string', nullable: true },
    { name: 'version', type: 'long', nullable: false },
  ],
});

function rows(count: number, seed: number): DeltaRow[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => ({
    id: `id_${String(Math.floor(r() * 1e9)).padStart(9, '0')}_${i}`,
    label: r() < 0.3 ? null : pick(['a', 'é', 'z', '😀', '\uffff', 'mixed 😀 text', '']),
    kind: pick(['created', 'paid', 'overdue']),
    money: pick(['0', '-12.5', '3978.28', '1234567890123456789012345678901234.5678', '-9999999999999999999999999999999999.9999']),
    maybe_money: r() < 0.5 ? null : pick(['0.0001', '-1', '42.1']),
    small_money: r() < 0.5 ? null : pick(['0.00', '-1.50', '9999999999999999.99', '-9999999999999999.99']),
    day: pick(['1970-01-01', '2024-02-29', '1900-03-01', '9999-12-31']),
    at: r() < 0.2 ? null : pick(['2024-03-01T10:00:00.123456Z', '1969-12-31T23:59:59.999999Z', '9999-12-31T23:59:59.999999Z']),
    n: r() < 0.2 ? null : pick([0, -1, 2147483647, -2147483648, 31]),
    flag: r() < 0.2 ? null : r() < 0.5,
    never: null,
    version: 1 + Math.floor(r() * 2 ** 40) * 4096,
  }));
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('flat Parquet encoder', () => {
  it.each([
    // ZSTD's bytes are the bundled zstd's (they may change with Node): read back only.
    ['ZSTD', 3000, undefined],
    ['SNAPPY', 3000, '71b9e372521151e94ea0f5ef31cca1fcdcb8d3449a71692053566c6bbdee6b5a'],
    ['UNCOMPRESSED', 3000, 'd6115902fff1ecd2e1c908cf98f87712be5990514059444a5bb816caee003600'],
    ['SNAPPY', 1, 'b64988c521bcae44c0d9e56f38a850d47cafa887c90465b552efa9a6610cee16'],
  ] as const)('%s, %i rows: the same bytes as before, read back exactly', async (codec, n, want) => {
    const input = rows(n, 3);
    const { bytes } = encodeTyped(rowsToTyped(input, spec), spec, { codec });
    if (want !== undefined) expect(sha(bytes)).toBe(want);
    expect(await decodeDataFile(bytes, spec)).toEqual(input.map(r => normalizeRow(r, spec)));
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    expect(meta.num_rows).toBe(BigInt(n));
    expect(meta.schema.map(e => e.name)).toEqual(['schema', ...spec.codecs.map(c => c.column.name)]);
  });

  it('footer bounds: exact, or left out for strings over 64 bytes (the add action keeps them whole)', () => {
    const long = `inv_${'ü'.repeat(40)}`;
    const input = rows(50, 4).map((r, i) => ({ ...r, label: i === 7 ? long : 'short', n: i }));
    const { bytes, stats } = encodeTyped(rowsToTyped(input, spec), spec, { codec: 'UNCOMPRESSED' });
    const meta = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const chunk = (name: string) => meta.row_groups[0]?.columns.find(c => c.meta_data?.path_in_schema[0] === name)?.meta_data?.statistics;
    expect(chunk('label')).toMatchObject({ null_count: 0n });
    expect(chunk('label')?.min_value).toBeUndefined();
    expect(chunk('n')).toMatchObject({ null_count: 0n, min_value: 0, max_value: 49 });
    expect(chunk('never')).toMatchObject({ null_count: 50n });
    expect(JSON.parse(stats).minValues.label).toBe(long);
  });
});
