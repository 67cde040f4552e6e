// Confluent-framed Avro input values: decoded with the writer schema from the registry, then
// validated like JSON; bad framing is dead-lettered as `bad_avro_framing`.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry } from '../../../src/engine/index.ts';
import { AvroInputDecoder } from '../../../src/invoice/avro-input.ts';
import { validateValue } from '../../../src/invoice/validation.ts';

const PAYMENT = {
  type: 'record', name: 'PaymentReceived', namespace: 'test', fields: [
    { name: 'event_id', type: 'string' }, { name: 'event_type', type: 'string' },
    { name: 'occurred_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'payment_id', type: 'string' }, { name: 'invoice_id', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'currency', type: 'string' }, { name: 'method', type: ['null', 'string'], default: null },
  ],
};

function framed(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(id, 1);
  return Buffer.concat([header, body]);
}

describe('Avro inputs', () => {
  it('decodes framed values and validates them like JSON; bad framing is its own reason', async () => {
    const registry = new InMemorySchemaRegistry();
    const id = await registry.register('payments-value', JSON.stringify(PAYMENT));
    const body = avro.Type.forSchema(PAYMENT as avro.Schema).toBuffer({
      event_id: 'p1', event_type: 'payment.received', occurred_at: Date.UTC(2026, 0, 2), payment_id: 'pay', invoice_id: 'inv_1',
      amount: Buffer.from([0x04, 0xe2]), currency: 'EUR', method: 'ach',
    });
    const decoder = new AvroInputDecoder(registry);
    const value = framed(id, body);
    await decoder.prepare(value);
    expect(validateValue('payments', value, undefined, decoder)).toMatchObject({
      ok: true, event: { type: 'payment.received', amount: '12.50', occurredAt: Date.UTC(2026, 0, 2) * 1000, method: 'ach' },
    });
    expect(validateValue('payments', Buffer.from([0, 0, 1]), undefined, decoder)).toMatchObject({ ok: false, reason: 'bad_avro_framing' });
    const unknown = framed(9999, body);
    await decoder.prepare(unknown);
    expect(validateValue('payments', unknown, undefined, decoder)).toEqual({ ok: false, reason: 'bad_avro_framing', error: 'unknown schema id 9999' });
    expect(validateValue('payments', framed(id, Buffer.from([0x02])), undefined, decoder)).toMatchObject({ ok: false, reason: 'bad_avro_framing' });
    // Without a registry, a framed value is simply not JSON.
    expect(validateValue('payments', value)).toMatchObject({ ok: false, reason: 'malformed_json' });
  });
});
