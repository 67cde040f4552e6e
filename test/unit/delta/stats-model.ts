// A model of an add action's stats, computed the slow and obvious way from canonical rows (codec
// order of canonical values, text rendering), to check the encoder's stats against.
import type { ColumnCodec } from '../../../src/sinks/delta/columns.ts';
import type { DeltaRow } from '../../../src/sinks/delta/types.ts';
import { floorDiv, timestampToMicros } from '../../../src/sinks/delta/values.ts';

/** Timestamps in stats have millisecond precision: min widened down, max up. */
function timestampBound(ts: string, up: boolean): string {
  const micros = timestampToMicros(ts);
  let ms = floorDiv(micros, 1000n);
  if (up && ms * 1000n !== micros) ms += 1n;
  return new Date(Number(ms)).toISOString();
}

function render(codec: ColumnCodec, v: NonNullable<DeltaRow[string]>, up: boolean): string {
  const t = codec.column.type;
  if (t === 'timestamp') return JSON.stringify(timestampBound(v as string, up));
  if (t.startsWith('decimal')) return String(v); // canonical text, an exact JSON number
  return JSON.stringify(v);
}

/** The stats JSON the encoder must write for `rows` (normalized) of the given columns. */
export function modelStats(rows: DeltaRow[], codecs: ColumnCodec[]): string {
  const min: string[] = [];
  const max: string[] = [];
  const nulls: string[] = [];
  for (const codec of codecs) {
    const name = codec.column.name;
    let lo: DeltaRow[string] = null;
    let hi: DeltaRow[string] = null;
    let n = 0;
    for (const row of rows) {
      const v = row[name] ?? null;
      if (v === null) { n++; continue; }
      if (lo === null || codec.compare(v, lo) < 0) lo = v;
      if (hi === null || codec.compare(v, hi) > 0) hi = v;
    }
    nulls.push(`${JSON.stringify(name)}:${n}`);
    // Booleans carry no bounds (Spark writes none either).
    if (lo === null || hi === null || codec.column.type === 'boolean') continue;
    min.push(`${JSON.stringify(name)}:${render(codec, lo, false)}`);
    max.push(`${JSON.stringify(name)}:${render(codec, hi, true)}`);
  }
  return `{"numRecords":${rows.length},"minValues":{${min.join(',')}},"maxValues":{${max.join(',')}},"nullCount":{${nulls.join(',')}}}`;
}
