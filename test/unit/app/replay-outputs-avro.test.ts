// The replay's Avro output: the hand encoder (src/invoice/avro.ts) gives avsc's bytes for every
// event, and ReplayOutputs' container file reads back with avsc, every event in order; the
// invoice_events table, appended batch by batch while events arrive, holds each event once.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { zigzagVarintHex } from '../support/avro-long.ts';
import { AvroBuffer, encodeInvoiceEvent, encodeInvoiceEventFramed, HAND_ENCODER_MATCHES, INVOICE_EVENT_SCHEMA, invoiceEventType, toAvroRecord, writeEventBinary } from '../../../src/invoice/avro.ts';
import { avroSerde, InMemorySchemaRegistry } from '../../../src/engine/index.ts';
import type { InvoiceEvent } from '../../../src/invoice/invoice.ts';
import { ReplayOutputs } from '../../../src/app/replay-outputs.ts';
import { pipelineTopics } from '../../../topologies/invoice-pipeline.ts';
import { DeltaTable } from '../../../src/sinks/delta/index.ts';
import { INVOICE_EVENTS_TABLE } from '../../../src/invoice/tables.ts';
import { rng } from '../../../bench/lib.ts';

const MONEY = ['0', '0.00', '-0.00', '1', '3978.28', '-12.5', '0.0001', '127.99', '128', '-128', '-129', '32767', '32768', '255', '256',
  '999999999999999', '-999999999999999.9999', '1234567890123456', '12345678901234567890.1234', '-98765432109876543210987654321.5', '1.23456', '1e3', '7.000'];

function events(count: number, seed: number): InvoiceEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: InvoiceEvent[] = [];
  for (let i = 0; i < count; i++) {
    out.push({
      event_type: pick(['invoice.created', 'invoice.paid', 'invoice.overdue'] as const),
      event_id: `inv_ord_${i}:${i % 7}`,
      timestamp: pick(['2024-03-01T10:00:00.000Z', '2024-03-01T10:00:00.123456Z', '1969-12-31T23:59:59.999Z', '2026-07-15T00:00:00.000Z']),
      invoice_id: pick(['inv_ord_1', 'inv_é', 'inv_😀', `inv_${'x'.repeat(70)}`, `inv_${'ü'.repeat(30)}`, '']),
      order_id: `ord_${i}`,
      client_id: `cli_${i % 13}`,
      currency: pick(['EUR', 'JPY', 'KWD']),
      amount: r() < 0.3 ? null : pick(MONEY),
      payment_method: r() < 0.5 ? null : pick(['card', 'sepa', 'wire ✓']),
      invoice_total: pick(MONEY),
      amount_paid: pick(MONEY),
      outstanding: pick(MONEY),
      status: pick(['open', 'paid'] as const),
      issue_date: pick(['2024-02-29', '1970-01-01', '1969-12-31', '9999-12-31']),
      due_date: pick(['2024-03-30', '2000-01-01']),
      days_to_pay: r() < 0.5 ? null : pick([0, 1, 63, 64, -1, -65, 100000, 2147483647, -2147483648]),
      days_overdue: r() < 0.5 ? null : pick([0, 5, 1000]),
      version: pick([1, 2, 63, 64, 1 << 30, 2 ** 31, 2 ** 40 + 3, 2 ** 52 + 5, -(2 ** 51)]),
    });
  }
  return out;
}

/**
 * Random events over each field's domain: any code point, decimals of 1-34 digits at scales 0-4,
 * dates and timestamps in 0001-9999, every int range. The timestamps' longs pass ±2^53: avsc's
 * own long writes a long below -2^52 with its sign lost and rejects |n| >= 2^53, so every type is
 * built with the engine's exact long (`avroType`), which the live serializer uses too.
 */
function randomEvents(count: number, seed: number): InvoiceEvent[] {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const text = (): string => {
    const n = r() < 0.1 ? int(60, 200) : int(0, 20);
    let s = '';
    for (let i = 0; i < n; i++) {
      const k = r();
      const cp = k < 0.7 ? int(0x20, 0x7e) : k < 0.85 ? int(0x80, 0x7ff) : k < 0.95 ? int(0x800, 0xd7ff) : int(0x10000, 0x10ffff);
      s += String.fromCodePoint(cp);
    }
    return s;
  };
  const decimal = (): string => {
    const digits = int(1, 34);
    let d = String(int(1, 9));
    for (let i = 1; i < digits; i++) d += String(int(0, 9));
    const scale = int(0, 4);
    const body = scale === 0 ? d : d.length > scale ? `${d.slice(0, -scale)}.${d.slice(-scale)}` : `0.${d.padStart(scale, '0')}`;
    return (r() < 0.3 ? '-' : '') + body;
  };
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  const date = (): string => `${pad(int(1, 9999), 4)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}`;
  const timestamp = (): string => `${pad(int(1, 9999), 4)}-${pad(int(1, 12), 2)}-${pad(int(1, 28), 2)}T${pad(int(0, 23), 2)}:${pad(int(0, 59), 2)}:${pad(int(0, 59), 2)}.${pad(int(0, 999999), 6)}Z`;
  const maybe = <T>(f: () => T): T | null => r() < 0.3 ? null : f();
  return Array.from({ length: count }, () => ({
    event_type: 'invoice.created', event_id: text(), timestamp: timestamp(), invoice_id: text(), order_id: text(), client_id: text(),
    currency: text(), amount: maybe(decimal), payment_method: maybe(text), invoice_total: decimal(), amount_paid: decimal(),
    outstanding: decimal(), status: 'open', issue_date: date(), due_date: date(),
    days_to_pay: maybe(() => int(-(2 ** 31), 2 ** 31 - 1)), days_overdue: maybe(() => int(-1000, 1000)),
    version: r() < 0.5 ? int(0, 1000) : int(-(2 ** 52), 2 ** 52),
  }));
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});

describe('replay Avro output', () => {
  it('the hand encoder matches the checked-in schema', () => {
    expect(HAND_ENCODER_MATCHES).toBe(true);
  });

  it('encodes every event to the bytes avsc gives', () => {
    const out = new AvroBuffer(16);
    for (const e of events(3000, 5)) {
      out.pos = 0;
      writeEventBinary(out, e);
      expect(Buffer.from(out.buf.subarray(0, out.pos)).toString('hex')).toBe(encodeInvoiceEvent(e).toString('hex'));
    }
  });

  it('encodes 20,000 random events to the bytes avsc gives', () => {
    const out = new AvroBuffer(16);
    for (const e of randomEvents(20_000, 21)) {
      out.pos = 0;
      writeEventBinary(out, e);
      const hand = Buffer.from(out.buf.subarray(0, out.pos));
      if (!hand.equals(encodeInvoiceEvent(e))) expect({ e, hand: hand.toString('hex') }).toEqual({ e, hand: encodeInvoiceEvent(e).toString('hex') });
    }
  });

  it('frames events for the live topics with the bytes the Avro serde gives', async () => {
    const serde = await avroSerde<Record<string, unknown>>(new InMemorySchemaRegistry(), 'invoices-value', INVOICE_EVENT_SCHEMA);
    for (const e of [...events(500, 6), ...randomEvents(2000, 22)]) {
      const framed = encodeInvoiceEventFramed(serde.framing, e);
      const expected = serde.serialize('invoices', toAvroRecord(e)) as Buffer;
      if (!framed.equals(expected)) expect({ e, framed: framed.toString('hex') }).toEqual({ e, framed: expected.toString('hex') });
    }
    // Each value has bytes of its own (the encoder's scratch is reused).
    const [a, b] = events(2, 8).map((e) => encodeInvoiceEventFramed(serde.framing, e));
    expect(serde.deserialize('invoices', a as Buffer)).toEqual(invoiceEventType.fromBuffer((a as Buffer).subarray(5)));
    expect((a as Buffer).equals(b as Buffer)).toBe(false);
  });

  it('writes longs past ±2^52 exactly (zigzag varint by BigInt)', () => {
    const b = new AvroBuffer(16);
    for (const n of [-(2 ** 52) - 1, -(2 ** 53) + 1, 2 ** 53 - 1, -8742385641607654, 2 ** 52 + 3]) {
      b.pos = 0;
      b.long(n);
      expect(Buffer.from(b.buf.subarray(0, b.pos)).toString('hex')).toBe(zigzagVarintHex(BigInt(n)));
    }
  });

  it.each([false, true])('ReplayOutputs (writer thread: %s) writes a container file avsc reads back, every event in order', async (worker) => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-outputs-avro-'));
    dirs.push(dir);
    const topics = pipelineTopics();
    const o = await ReplayOutputs.open(dir, topics, { eventsPerBatch: 1500, worker });
    const all = events(20_000, 9).filter(e => !/e|\.\d{5}/.test(`${e.amount ?? ''}${e.invoice_total}${e.amount_paid}${e.outstanding}`));
    all.forEach((e, i) => {
      o.accept({ topic: topics.invoiceEvents, key: e.invoice_id, value: e, timestamp: 0, partition: 0 } as never);
      if (i % 4000 === 3999) void o.commit();
    });
    await o.close({});
    expect(o.finalRows().invoices).toEqual([]);
    const table = await DeltaTable.open(join(dir, 'delta', INVOICE_EVENTS_TABLE.name), INVOICE_EVENTS_TABLE);
    expect(table.version).toBe(Math.ceil(all.length / 1500));
    expect(table.txnVersion('replay-invoice-events')).toBe(Math.ceil(all.length / 1500));
    const rows = await table.readAll();
    expect(rows.length).toBe(all.length);
    expect(new Set(rows.map(r => r.event_id)).size).toBe(all.length);
    const back: unknown[] = [];
    for await (const rec of avro.createFileDecoder(join(dir, 'invoice-events.avro')) as AsyncIterable<unknown>) back.push(rec);
    expect(back.length).toBe(all.length);
    const type = avro.Type.forSchema((await import('../../../src/invoice/avro.ts')).INVOICE_EVENT_SCHEMA);
    for (let i = 0; i < all.length; i++) {
      expect(type.toBuffer(back[i]).toString('hex')).toBe(type.toBuffer(toAvroRecord(all[i] as InvoiceEvent)).toString('hex'));
    }
  });
});

describe('replay Delta writer thread', () => {
  it('reports a bad row from the writer thread at the commit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-outputs-worker-'));
    dirs.push(dir);
    const topics = pipelineTopics();
    const o = await ReplayOutputs.open(dir, topics, { eventsPerBatch: 10, worker: true });
    const bad = { ...(events(1, 1)[0] as InvoiceEvent), invoice_total: '1.23456', amount: null };
    // the Avro side rounds; the table refuses more than 4 decimals when the row is validated
    o.accept({ topic: topics.invoiceRows, key: 'x', value: { ...bad, invoice_id: 'x', paid_at: null, sent_at: null, viewed_at: null, disputed: false, updated_at: bad.timestamp }, timestamp: 0, partition: 0 } as never);
    await expect(o.close({})).rejects.toThrow(/replay Delta writer/);
  });
});
