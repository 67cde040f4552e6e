// Encoders alone (issue 14: one writer per format, kept only by a measured figure). Generated
// invoice events, prepared untimed; then, alternated for `--repeat` rounds:
// - encode-parquet: the invoice_events rows as data files of 65,536 rows (file bytes plus the add
//   action's stats JSON) through the one hand-written encoder (src/sinks/delta/flat-parquet.ts),
//   fed as appends feed it (typed batch) and as merges do (the physical column batch they edit,
//   through columnsToTyped), and through hyparquet-writer's public API with the same codec and
//   Node's zstd as its compressor (from either batch; no Delta stats).
// - encode-avro: the events as Avro binary through the hand-written encoder (writeEventBinary) and
//   through avsc (`toAvroRecord` + `Type#toBuffer`); then framed as the live topics' values, through
//   the Avro serde (the live serializer up to issue 12) and through `encodeInvoiceEventFramed` (now).
// Run: npm run bench -- encode-parquet [--rows=262144] [--repeat=3] [--codec=ZSTD|SNAPPY|UNCOMPRESSED]
//      npm run bench -- encode-avro [--events=300000] [--repeat=3]
import zlib from 'node:zlib';
import type { DecodedArray } from 'hyparquet';
import { parquetWriteBuffer, type ColumnSource } from 'hyparquet-writer';
import { AvroBuffer, encodeInvoiceEventFramed, HAND_ENCODER_MATCHES, INVOICE_EVENT_SCHEMA, invoiceEventType, toAvroRecord, writeEventBinary } from '../src/invoice/avro.ts';
import { avroSerde, InMemorySchemaRegistry } from '../src/engine/index.ts';
import type { InvoiceEvent } from '../src/invoice/invoice.ts';
import { INVOICE_EVENTS_TABLE } from '../src/invoice/tables.ts';
import { rowsToBatch, sliceBatch, type ColumnBatch } from '../src/sinks/delta/columnar.ts';
import { encodeTyped, type FlatCodec } from '../src/sinks/delta/flat-parquet.ts';
import { compileSpec, type CompiledSpec } from '../src/sinks/delta/schema.ts';
import { columnsToTyped, rowsToTyped, sliceTyped, type TypedBatch } from '../src/sinks/delta/typed.ts';
import type { DeltaRow } from '../src/sinks/delta/types.ts';
import { cpuSince, emit, numberArg, rate, rng, since, type BenchArgs, type BenchmarkMap } from './lib.ts';

const FILE_ROWS = 65_536;

/** Invoice events shaped like the pipeline's: a few events per invoice, ids, money at 2-4 decimals. */
function events(count: number, seed: number): InvoiceEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const money = (max: number): string => (Math.floor(r() * max * 100) / 100).toFixed(2);
  const out: InvoiceEvent[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < count; i++) {
    const inv = Math.floor(i / 4);
    const type = pick(['invoice.created', 'invoice.sent', 'invoice.payment_received', 'invoice.paid', 'invoice.overdue'] as const);
    const total = money(5000);
    const paid = type === 'invoice.paid' ? total : '0.00';
    out.push({
      event_type: type as InvoiceEvent['event_type'],
      event_id: `inv_ord_${String(inv).padStart(7, '0')}:${type}:${i % 4 + 1}`,
      timestamp: new Date(t0 + i * 1000 + Math.floor(r() * 1000)).toISOString(),
      invoice_id: `inv_ord_${String(inv).padStart(7, '0')}`,
      order_id: `ord_${String(inv).padStart(7, '0')}`,
      client_id: `cli_${String(Math.floor(r() * 5000)).padStart(5, '0')}`,
      currency: pick(['EUR', 'USD', 'GBP', 'JPY', 'KWD']),
      amount: type === 'invoice.payment_received' || type === 'invoice.paid' ? money(5000) : null,
      payment_method: type === 'invoice.payment_received' ? pick(['card', 'sepa', 'wire']) : null,
      invoice_total: total,
      amount_paid: paid,
      outstanding: type === 'invoice.paid' ? '0.00' : total,
      status: pick(['open', 'paid', 'overdue'] as const) as InvoiceEvent['status'],
      issue_date: `2024-0${1 + (inv % 9)}-1${inv % 10}`,
      due_date: `2024-0${1 + (inv % 9)}-2${inv % 9}`,
      days_to_pay: type === 'invoice.paid' ? Math.floor(r() * 60) : null,
      days_overdue: type === 'invoice.overdue' ? Math.floor(r() * 30) : null,
      version: i % 4 + 1,
    });
  }
  return out;
}

const zstdLevel1 = { params: { [zlib.constants.ZSTD_c_compressionLevel ?? 100]: 1 } };
const COMPRESSORS = { ZSTD: (b: Uint8Array): Uint8Array => zlib.zstdCompressSync(b, zstdLevel1) };

function hyparquetFile(columnData: ColumnSource[], spec: CompiledSpec, rows: number, codec: FlatCodec): Uint8Array {
  return new Uint8Array(parquetWriteBuffer({
    columnData, schema: spec.parquetSchema, rowGroupSize: Math.max(rows, 1), statisticsTruncateLength: 64,
    codec, compressors: COMPRESSORS, createdBy: 'bench',
  }));
}

/** The physical column batch (merge path's form) to hyparquet-writer's columns. */
function fromColumns(batch: ColumnBatch, spec: CompiledSpec): ColumnSource[] {
  return spec.codecs.map(c => ({ name: c.column.name, data: batch.columns.get(c.column.name) as DecodedArray, nullable: c.column.nullable }));
}

/** The append path's typed batch to hyparquet-writer's columns (typed arrays where no value is null). */
function fromTyped(batch: TypedBatch): ColumnSource[] {
  return batch.columns.map(col => {
    const n = batch.length;
    const nulls = col.nulls;
    const isNull = (i: number): boolean => nulls !== undefined && nulls[i] === 1;
    let data: DecodedArray;
    if (col.kind === 'str') data = col.values as (string | null)[];
    else if (col.kind === 'i32' && col.nullCount === 0) data = col.values as Int32Array;
    else if (col.kind === 'i32') data = Array.from(col.values as Int32Array, (v, i) => isNull(i) ? null : v) as DecodedArray;
    else if (col.kind === 'bool') data = Array.from(col.values as Uint8Array, (v, i) => isNull(i) ? null : v === 1) as DecodedArray;
    else {
      const v = col.values as Float64Array;
      if (col.kind === 'i64' && col.nullCount === 0 && !col.big) {
        const out = new BigInt64Array(n);
        for (let i = 0; i < n; i++) out[i] = BigInt(v[i] as number);
        data = out;
      } else {
        data = Array.from(v, (x, i) => isNull(i) ? null : col.big?.get(i) ?? BigInt(x)) as DecodedArray;
      }
    }
    return { name: col.column.name, data, nullable: col.column.nullable };
  });
}

interface Variant {
  name: string;
  run(): number; // bytes written
}

/** Runs each variant `repeat` times, the order rotated each round; one line per run. */
function alternate(bench: string, items: number, variants: Variant[], repeat: number, extra: object): void {
  for (let round = 0; round < repeat; round++) {
    for (let k = 0; k < variants.length; k++) {
      const v = variants[(k + round) % variants.length] as Variant;
      const t = performance.now();
      const cpu = process.cpuUsage();
      const bytes = v.run();
      const cpuMs = cpuSince(cpu);
      const ms = since(t);
      emit({ name: bench, variant: v.name, round, records_per_s: rate(items, ms), records_per_cpu_s: rate(items, cpuMs), cpu_s: Math.round(cpuMs) / 1000, bytes, records: items, ...extra });
    }
  }
}

export const benchmarks: BenchmarkMap = {
  'encode-parquet': async (args: BenchArgs) => {
    const rows = numberArg(args, 'rows', 4 * FILE_ROWS);
    const repeat = numberArg(args, 'repeat', 3);
    const codec = (args.codec ?? 'ZSTD') as FlatCodec;
    const spec = compileSpec(INVOICE_EVENTS_TABLE);
    const deltaRows = events(rows, 42) as unknown as DeltaRow[];
    const typed = rowsToTyped(deltaRows, spec);
    const columns = rowsToBatch(deltaRows, spec);
    const parts = (n: number): [number, number][] => Array.from({ length: Math.ceil(n / FILE_ROWS) }, (_, i) => [i * FILE_ROWS, Math.min(n, (i + 1) * FILE_ROWS)]);
    const typedParts = parts(rows).map(([a, b]) => sliceTyped(typed, a, b));
    const columnParts = parts(rows).map(([a, b]) => sliceBatch(columns, a, b));
    alternate('encode-parquet', rows, [
      // Each variant returns the file bytes. The flat encoder's stats JSON is made in the same pass
      // and counts; hyparquet-writer's variants make no Delta stats at all (a bound in its favour).
      { name: 'flat, typed batch (append path)', run: () => typedParts.reduce((n, p) => n + encodeTyped(p, spec, { codec }).bytes.length, 0) },
      {
        name: 'flat, column batch (merge path)',
        run: () => columnParts.reduce((n, p) => n + encodeTyped(columnsToTyped(p, spec), spec, { codec }).bytes.length, 0),
      },
      { name: 'hyparquet-writer, column batch (no stats)', run: () => columnParts.reduce((n, p) => n + hyparquetFile(fromColumns(p, spec), spec, p.length, codec).length, 0) },
      { name: 'hyparquet-writer, typed batch (no stats)', run: () => typedParts.reduce((n, p) => n + hyparquetFile(fromTyped(p), spec, p.length, codec).length, 0) },
    ], repeat, { codec, file_rows: FILE_ROWS });
  },

  'encode-avro': async (args: BenchArgs) => {
    const count = numberArg(args, 'events', 300_000);
    const repeat = numberArg(args, 'repeat', 3);
    if (!HAND_ENCODER_MATCHES) throw new Error('the hand encoder no longer matches the schema');
    const all = events(count, 7);
    const out = new AvroBuffer(1 << 20);
    const serde = await avroSerde<Record<string, unknown>>(new InMemorySchemaRegistry(), 'invoices-value', INVOICE_EVENT_SCHEMA);
    alternate('encode-avro', count, [
      {
        name: 'hand-written',
        run: () => {
          let bytes = 0;
          for (const e of all) {
            writeEventBinary(out, e);
            if (out.pos > 1 << 16) { bytes += out.pos; out.pos = 0; }
          }
          bytes += out.pos;
          out.pos = 0;
          return bytes;
        },
      },
      {
        name: 'avsc',
        run: () => {
          let bytes = 0;
          for (const e of all) bytes += invoiceEventType.toBuffer(toAvroRecord(e)).length;
          return bytes;
        },
      },
      // The live topics' values (Confluent framing, a Buffer of their own per event): what the
      // live serializer did up to issue 12, and what it does now.
      {
        name: 'framed, avsc (avroSerde)',
        run: () => {
          let bytes = 0;
          for (const e of all) bytes += (serde.serialize('invoices', toAvroRecord(e)) as Buffer).length;
          return bytes;
        },
      },
      {
        name: 'framed, hand-written (encodeInvoiceEventFramed)',
        run: () => {
          let bytes = 0;
          for (const e of all) bytes += encodeInvoiceEventFramed(serde.framing, e).length;
          return bytes;
        },
      },
    ], repeat, {});
  },
};
