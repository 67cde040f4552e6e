// The binary repartition format: every valid event of generated scenarios, edge cases and field
// mutations comes back as validation built it (same keys, same order, Buffers as Buffers); values
// it cannot carry go as JSON; records of earlier versions (JSON) are read.
import { describe, expect, it } from 'vitest';
import type { ContributionChange } from '../../../src/invoice/balances.ts';
import type { InputEnvelope, InputRole } from '../../../src/invoice/events.ts';
import { CHANGE_TAG, ENVELOPE_TAG, repartitionSerde } from '../../../src/invoice/repartition-serde.ts';
import { internalJsonSerde } from '../../../src/invoice/serdes.ts';
import { validateValue } from '../../../src/invoice/validation.ts';
import { EDGE_CASES } from '../../oracle/edge-cases.ts';
import { generateScenario } from '../../oracle/generate.ts';
import { generateMutations } from '../../oracle/mutations.ts';
import type { OracleInput } from '../../oracle/model.ts';

const serde = repartitionSerde();
const bytesOf = (value: unknown) => serde.serialize('t', value) as Buffer;
const roundTrip = (value: unknown) => serde.deserialize('t', bytesOf(value));

function envelopes(inputs: readonly OracleInput[]): InputEnvelope[] {
  const out: InputEnvelope[] = [];
  for (const input of inputs) {
    for (const role of ['orders', 'payments', 'activity'] as InputRole[]) {
      input[role].forEach((line, offset) => {
        const value = Buffer.from(line, 'utf8');
        const result = validateValue(role, value);
        const key = offset % 3 === 0 ? null : Buffer.from(offset % 3 === 1 ? '' : `k${offset}`);
        if (result.ok) out.push({ event: result.event, origin: { topic: role, partition: offset % 4, offset: offset * 1_000_003, key, value } });
      });
    }
  }
  return out;
}

describe('repartitionSerde', () => {
  const all = envelopes([generateScenario(7), generateScenario(8), ...Object.values(EDGE_CASES), ...generateMutations(3, 400).map((m) => m.input)]);

  it('carries every valid event of scenarios, edge cases and mutations, keys in their order', () => {
    const types = new Set(all.map((e) => e.event.type));
    expect(types.size).toBe(9);
    let binary = 0;
    for (const envelope of all) {
      const bytes = bytesOf(envelope);
      if (bytes[0] === ENVELOPE_TAG) binary++;
      const back = serde.deserialize('t', bytes) as InputEnvelope;
      expect(back).toEqual(envelope);
      // Same keys in the same order: the held-payments store serializes events as they are.
      expect(JSON.stringify(back.event)).toBe(JSON.stringify(envelope.event));
      expect(Object.keys(back.origin)).toEqual(Object.keys(envelope.origin));
      expect(Buffer.isBuffer(back.origin.value)).toBe(true);
    }
    expect(binary).toBe(all.length);
  });

  it('is smaller than the JSON it replaced', () => {
    const json = internalJsonSerde<unknown>();
    const size = (f: (v: unknown) => Buffer) => all.reduce((n, e) => n + f(e).length, 0);
    expect(size(bytesOf)).toBeLessThan(size((v) => json.serialize('t', v) as Buffer) * 0.7);
  });

  it('keeps optional fields absent, and numbers exact', () => {
    const origin = { topic: 'orders', partition: 2 ** 31 - 1, offset: 2 ** 53 - 1, key: Buffer.from([0, 255]), value: Buffer.from('{}') };
    const amended: InputEnvelope = { event: { type: 'order.amended', eventId: 'e', occurredAt: -62135596800000000, orderId: 'o' }, origin };
    const back = roundTrip(amended) as InputEnvelope;
    expect(back).toEqual(amended);
    expect('lines' in back.event || 'dueDate' in back.event).toBe(false);
    const placed: InputEnvelope = { event: { type: 'order.placed', eventId: 'é€😀'.repeat(40), occurredAt: 253402300800000000, orderId: 'o', clientId: 'c', currency: 'JPY', lines: [], paymentTermsDays: 0 }, origin };
    expect(roundTrip(placed)).toEqual(placed);
  });

  it('carries contribution changes, with and without the old contribution', () => {
    const contribution = { invoiced: '10.00', paid: '0.00', outstanding: '10.00', open: 1, overdue: 0 };
    for (const old of [null, { ...contribution, paid: '2.50', open: 0 }]) {
      const change: ContributionChange = { clientId: 'cli_1', currency: 'EUR', scale: 2, old, new: contribution };
      const bytes = bytesOf(change);
      expect(bytes[0]).toBe(CHANGE_TAG);
      expect(serde.deserialize('t', bytes)).toEqual(change);
      expect(JSON.stringify(serde.deserialize('t', bytes))).toBe(JSON.stringify(change));
    }
  });

  it('writes JSON for a string UTF-8 cannot carry, and for any other value', () => {
    const lone: InputEnvelope = { event: { type: 'invoice.sent', eventId: 'a\ud800b', occurredAt: 1, invoiceId: 'i' }, origin: { topic: 't', partition: 0, offset: 0, key: null, value: Buffer.from('x') } };
    const bytes = bytesOf(lone);
    expect(bytes.toString('utf8', 0, 1)).toBe('{');
    expect((serde.deserialize('t', bytes) as InputEnvelope).event.eventId).toBe('a\ud800b');
    for (const other of [{ a: 1, b: Buffer.from('z') }, [1, 2], 'text', 5, { event: { type: 'unknown' }, origin: {} }]) {
      expect(bytesOf(other)[0]).not.toBe(ENVELOPE_TAG);
      expect(roundTrip(other)).toEqual(other);
    }
  });

  it('reads the JSON records earlier versions wrote', () => {
    const json = internalJsonSerde<unknown>();
    for (const envelope of all.slice(0, 50)) expect(serde.deserialize('t', json.serialize('t', envelope) as Buffer)).toEqual(envelope);
  });

  it('fails loudly on a cut or padded record', () => {
    const bytes = bytesOf(all[0]);
    expect(() => serde.deserialize('t', bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/);
    expect(() => serde.deserialize('t', Buffer.concat([bytes, Buffer.from([0])]))).toThrow(/left after/);
    expect(() => serde.deserialize('t', Buffer.from([ENVELOPE_TAG, 200]))).toThrow(/unknown event type/);
  });
});

describe('repartitionSerde("json")', () => {
  it('writes exactly what earlier versions wrote, and still reads binary', () => {
    const json = internalJsonSerde<unknown>();
    const compat = repartitionSerde('json');
    const [envelope] = envelopes([generateScenario(9)]);
    expect((compat.serialize('t', envelope) as Buffer).equals(json.serialize('t', envelope) as Buffer)).toBe(true);
    expect(compat.deserialize('t', serde.serialize('t', envelope) as Buffer)).toEqual(envelope);
  });
});
