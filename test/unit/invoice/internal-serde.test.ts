// The repartition serde: Buffers survive the round trip at any depth, keys that look special
// (`__proto__`, `$b64` strings in data) stay plain data, and the bytes are the JSON format the
// topics already hold (readers of records written by earlier versions decode them the same).
import { describe, expect, it } from 'vitest';
import { internalJsonSerde } from '../../../src/invoice/serdes.ts';

describe('internalJsonSerde', () => {
  const serde = internalJsonSerde<unknown>();
  const roundTrip = (value: unknown): unknown => serde.deserialize('t', serde.serialize('t', value) as Buffer);

  it('keeps Buffers at any depth, and everything else as it was', () => {
    const value = { event: { id: 'e1', amounts: ['1.00', { n: 2 }], nested: [[Buffer.from([0, 255])]] }, origin: { key: null, value: Buffer.from('{"a":1}'), offset: 7 } };
    const back = roundTrip(value) as typeof value;
    expect(back).toEqual(value);
    expect(Buffer.isBuffer(back.origin.value)).toBe(true);
    expect(Buffer.isBuffer(back.event.nested[0]?.[0])).toBe(true);
    // The input is not changed by serializing it.
    expect(Buffer.isBuffer(value.origin.value)).toBe(true);
  });

  it('writes the wire format earlier versions wrote and read', () => {
    const bytes = serde.serialize('t', { k: Buffer.from('hi'), s: 'x' }) as Buffer;
    expect(bytes.toString('utf8')).toBe('{"k":{"$b64":"aGk="},"s":"x"}');
    expect(serde.deserialize('t', Buffer.from('{"origin":{"value":{"$b64":"aGk="}}}'))).toEqual({ origin: { value: Buffer.from('hi') } });
  });

  it('keeps a `__proto__` key as data and does not touch prototypes', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true,"raw":"x"},"a":1}') as Record<string, unknown>;
    value.b = Buffer.from('z');
    const back = roundTrip(value) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back).sort()).toEqual(['__proto__', 'a', 'b']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const withBuffer = JSON.parse('{"__proto__":{"$b64":"aGk="}}') as Record<string, unknown>;
    const decoded = serde.deserialize('t', Buffer.from(JSON.stringify(withBuffer))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual(Buffer.from('hi'));
  });

  it('walks own properties only, as JSON.stringify does', () => {
    const value = Object.create({ inherited: Buffer.from('no') }) as Record<string, unknown>;
    value.own = Buffer.from('yes');
    expect((serde.serialize('t', value) as Buffer).toString('utf8')).toBe('{"own":{"$b64":"eWVz"}}');
    expect(serde.serialize('t', 'text')?.toString('utf8')).toBe('"text"');
    expect(serde.deserialize('t', Buffer.from('[1,{"$b64":"aGk="},null]'))).toEqual([1, Buffer.from('hi'), null]);
  });

  it('passes null through', () => {
    expect(serde.serialize('t', null)).toBeNull();
    expect(serde.deserialize('t', null)).toBeNull();
  });
});
