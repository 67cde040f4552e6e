// The invoice event schema: every checked-in version can read data written with the previous
// one (backward compatibility, as the Schema Registry checks it), and encoding round-trips.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { decimalBytes, decimalText, encodeInvoiceEvent, invoiceEventType } from '../../../src/invoice/avro.ts';
import type { InvoiceEvent } from '../../../src/invoice/invoice.ts';

const SCHEMAS = join(import.meta.dirname, '../../../schemas');
const versions = readdirSync(SCHEMAS)
  .map((f) => /^invoice-event\.v(\d+)\.avsc$/.exec(f))
  .filter((m): m is RegExpExecArray => m !== null)
  .map((m) => ({ version: Number(m[1]), schema: JSON.parse(readFileSync(join(SCHEMAS, m[0]), 'utf8')) as avro.Schema }))
  .sort((a, b) => a.version - b.version);

describe('invoice event schema', () => {
  it('has versions 1..N with no gaps, and invoice-event.avsc is the latest', () => {
    expect(versions.map((v) => v.version)).toEqual(versions.map((_, i) => i + 1));
    const current = JSON.parse(readFileSync(join(SCHEMAS, 'invoice-event.avsc'), 'utf8')) as unknown;
    expect(current).toEqual(versions.at(-1)?.schema);
  });

  it.each(versions.slice(1).map((v, i) => [v.version, v.schema, versions[i]?.schema] as const))(
    'v%i reads data written with the previous version (backward compatible)',
    (_version, schema, previous) => {
      const reader = avro.Type.forSchema(schema);
      const writer = avro.Type.forSchema(previous as avro.Schema);
      expect(() => reader.createResolver(writer)).not.toThrow();
    },
  );

  it('the check has teeth: a new required field without a default is refused', () => {
    const latest = versions.at(-1)?.schema as unknown as { fields: unknown[] };
    const broken = { ...latest, fields: [...latest.fields, { name: 'tenant', type: 'string' }] } as avro.Schema;
    const widened = { ...latest, fields: [...latest.fields, { name: 'tenant', type: ['null', 'string'], default: null }] } as avro.Schema;
    expect(() => avro.Type.forSchema(broken).createResolver(avro.Type.forSchema(latest as avro.Schema))).toThrow();
    expect(() => avro.Type.forSchema(widened).createResolver(avro.Type.forSchema(latest as avro.Schema))).not.toThrow();
  });

  it('encodes decimals as two’s-complement unscaled bytes at scale 4', () => {
    expect(decimalBytes('1')).toEqual(Buffer.from([0x27, 0x10]));
    expect(decimalBytes('0')).toEqual(Buffer.from([0x00]));
    expect(decimalBytes('-0.0001')).toEqual(Buffer.from([0xff]));
    expect(decimalBytes('0.0128')).toEqual(Buffer.from([0x00, 0x80]));
    for (const v of ['0.0000', '-4383.6000', '12400.5380', '99999999999999999999999999999999.9999', '-0.0128']) expect(decimalText(decimalBytes(v))).toBe(v);
  });

  it('round-trips an invoice event', () => {
    const event: InvoiceEvent = {
      event_type: 'invoice.paid', event_id: 'inv_1:2', timestamp: '2026-01-16T09:00:27.388123Z', invoice_id: 'inv_1', order_id: '1',
      client_id: 'c', currency: 'KWD', amount: '1.297', payment_method: 'ach', invoice_total: '1.297', amount_paid: '1.297',
      outstanding: '0.000', status: 'paid', issue_date: '2026-01-05', due_date: '2026-02-04', days_to_pay: 11, days_overdue: null, version: 2,
    };
    const decoded = invoiceEventType.fromBuffer(encodeInvoiceEvent(event)) as Record<string, unknown>;
    expect(decoded.timestamp).toBe(Date.UTC(2026, 0, 16, 9, 0, 27) * 1000 + 388123);
    expect(decoded.issue_date).toBe(Date.UTC(2026, 0, 5) / 86_400_000);
    expect(decimalText(decoded.amount as Buffer)).toBe('1.2970');
    expect(decoded).toMatchObject({ event_type: 'invoice.paid', days_to_pay: 11, days_overdue: null, version: 2, payment_method: 'ach' });
  });
});
