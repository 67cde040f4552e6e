// Invoice events as Avro (schemas/invoice-event.avsc): decimals as big-endian two's-complement
// unscaled bytes at scale 4, dates as days since the epoch, timestamps as epoch microseconds.
import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { avroType, ByteWriter } from '../engine/index.ts';
import type { InvoiceEvent } from './invoice.ts';
import { formatUnscaled, parseUnscaled, smallUnscaled, unscaledByteLength, unscaledFromBytes, writeUnscaledBytes } from '../values/decimal.ts';
import { parseDate, parseTimestamp } from '../values/time.ts';

/** Scale of every Avro money field. */
export const AVRO_MONEY_SCALE = 4;

/** The current invoice event schema (JSON), as checked in. */
export const INVOICE_EVENT_SCHEMA: avro.Schema = JSON.parse(
  readFileSync(new URL('../../schemas/invoice-event.avsc', import.meta.url), 'utf8'),
) as avro.Schema;

/** The avsc type of the current schema. */
export const invoiceEventType = avroType(INVOICE_EVENT_SCHEMA);

/** Decimal text → unscaled two's-complement big-endian bytes at `scale` (Avro decimal), as few as hold it. */
export function decimalBytes(text: string, scale = AVRO_MONEY_SCALE): Buffer {
  const unscaled = parseUnscaled(text, scale);
  const bytes = Buffer.alloc(unscaledByteLength(unscaled));
  writeUnscaledBytes(bytes, 0, unscaled, bytes.length);
  return bytes;
}

/** Avro decimal bytes → decimal text at `scale`. */
export function decimalText(bytes: Buffer, scale = AVRO_MONEY_SCALE): string {
  return formatUnscaled(unscaledFromBytes(bytes), scale);
}

function day(text: string): number {
  const d = parseDate(text);
  if (d === undefined) throw new Error(`not a date: ${text}`);
  return d;
}

function micros(text: string): number {
  const t = parseTimestamp(text);
  if (t === undefined) throw new Error(`not a timestamp: ${text}`);
  return t;
}

/** The Avro record of an invoice event. */
export function toAvroRecord(e: InvoiceEvent): Record<string, unknown> {
  return {
    event_type: e.event_type,
    event_id: e.event_id,
    timestamp: micros(e.timestamp),
    invoice_id: e.invoice_id,
    order_id: e.order_id,
    client_id: e.client_id,
    currency: e.currency,
    amount: e.amount === null ? null : decimalBytes(e.amount),
    payment_method: e.payment_method,
    invoice_total: decimalBytes(e.invoice_total),
    amount_paid: decimalBytes(e.amount_paid),
    outstanding: decimalBytes(e.outstanding),
    status: e.status,
    issue_date: day(e.issue_date),
    due_date: day(e.due_date),
    days_to_pay: e.days_to_pay,
    days_overdue: e.days_overdue,
    version: e.version,
  };
}

/** Encodes an invoice event as Avro binary (no framing). */
export function encodeInvoiceEvent(e: InvoiceEvent): Buffer {
  return invoiceEventType.toBuffer(toAvroRecord(e));
}

// ---------------------------------------------------------------------------------------------
// A hand-written binary encoder of the invoice event schema and an object container file writer:
// what the replay (and, framed, the live topics) write per event, without avsc's intermediate
// record, its per-value dispatch and its stream plumbing. Kept by measurement (issues 14 and 12,
// docs/BENCHMARKS.md): a third of avsc's CPU per event (`npm run bench -- encode-avro`), and the
// replay's outputs took 30-50 % more CPU with avsc (`delta-replay-outputs`). Bytes equal
// `encodeInvoiceEvent` (unit tests hold them to it over edge values and 20,000 random events); when
// the checked-in schema's fields differ from the ones coded here, `InvoiceEventContainer` and
// `encodeInvoiceEventFramed` fall back to avsc. It also writes longs past ±2^52 exactly, where
// avsc 5.7.9 does not (test/unit/app/replay-outputs-avro.test.ts).

/** The fields, in order, that `writeEventBinary` encodes (name:avro type). */
const HAND_FIELDS = 'event_type:string,event_id:string,timestamp:long,invoice_id:string,order_id:string,client_id:string,' +
  'currency:string,amount:null|decimal,payment_method:null|string,invoice_total:decimal,amount_paid:decimal,outstanding:decimal,' +
  'status:string,issue_date:int,due_date:int,days_to_pay:null|int,days_overdue:null|int,version:long';

function fieldSignature(schema: avro.Schema): string {
  const t = (x: unknown): string => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x)) return x.map(t).join('|');
    const o = x as { type: string; logicalType?: string; scale?: number; precision?: number };
    if (o.logicalType === 'decimal') return o.type === 'bytes' && o.scale === AVRO_MONEY_SCALE ? 'decimal' : `${o.type}/decimal(${o.precision},${o.scale})`;
    return o.type;
  };
  return (schema as { fields: { name: string; type: unknown }[] }).fields.map(f => `${f.name}:${t(f.type)}`).join(',');
}

/** True when the hand encoder matches the checked-in schema. */
export const HAND_ENCODER_MATCHES = fieldSignature(INVOICE_EVENT_SCHEMA) === HAND_FIELDS;

/** Growable byte buffer for Avro binary: the engine's ByteWriter plus Avro's primitive encodings. */
export class AvroBuffer extends ByteWriter {
  /** Avro long/int: the engine's zigzag varint. */
  long(n: number): void {
    this.zigzag(n);
  }
  /** Avro decimal bytes (minimal two's complement, big-endian) of decimal text at the money scale. */
  decimal(text: string): void {
    // Plain text of up to 15 digits without BigInt (nearly every amount); the rest as a BigInt.
    const small = smallUnscaled(text, AVRO_MONEY_SCALE);
    const unscaled = small ?? parseUnscaled(text, AVRO_MONEY_SCALE);
    const n = unscaledByteLength(unscaled);
    this.long(n);
    this.ensure(n);
    writeUnscaledBytes(this.buf, this.pos, unscaled, n);
    this.pos += n;
  }
}

const dayCache = new Map<string, number>();
function dayCached(text: string): number {
  let d = dayCache.get(text);
  if (d === undefined) {
    d = day(text);
    if (dayCache.size > 4096) dayCache.clear();
    dayCache.set(text, d);
  }
  return d;
}

/** Appends the Avro binary of an event (no framing). Only valid when HAND_ENCODER_MATCHES. */
export function writeEventBinary(out: AvroBuffer, e: InvoiceEvent): void {
  out.string(e.event_type);
  out.string(e.event_id);
  out.long(micros(e.timestamp));
  out.string(e.invoice_id);
  out.string(e.order_id);
  out.string(e.client_id);
  out.string(e.currency);
  if (e.amount === null) out.long(0); else { out.long(1); out.decimal(e.amount); }
  if (e.payment_method === null) out.long(0); else { out.long(1); out.string(e.payment_method); }
  out.decimal(e.invoice_total);
  out.decimal(e.amount_paid);
  out.decimal(e.outstanding);
  out.string(e.status);
  out.long(dayCached(e.issue_date));
  out.long(dayCached(e.due_date));
  if (e.days_to_pay === null) out.long(0); else { out.long(1); out.long(e.days_to_pay); }
  if (e.days_overdue === null) out.long(0); else { out.long(1); out.long(e.days_overdue); }
  out.long(e.version);
}

// Where framed events are written before being copied out (one per process: encoding is synchronous).
const framedScratch = new AvroBuffer(1 << 16);

/**
 * `framing` (a wire format's prefix, e.g. the Confluent header of `AvroSerde.framing`) then the
 * Avro binary of `e`, in a Buffer of its own: the hand encoder when it matches the schema, avsc
 * otherwise. What the live pipeline produces per invoice event.
 */
export function encodeInvoiceEventFramed(framing: Uint8Array, e: InvoiceEvent): Buffer {
  if (!HAND_ENCODER_MATCHES) return Buffer.concat([framing, encodeInvoiceEvent(e)]);
  const out = framedScratch;
  out.pos = 0;
  out.bytes(framing);
  writeEventBinary(out, e);
  return Buffer.from(out.view());
}

const MAGIC = Buffer.from('Obj\x01', 'latin1');

/**
 * Invoice events as an Avro object container file (codec null), produced as chunks of bytes:
 * `header()` once, then `write(event)` per event, `block()` whenever it returns true, and `block()`
 * at the end. Falls back to avsc for the records when the schema moved on from the hand encoder.
 */
export class InvoiceEventContainer {
  readonly #sync: Buffer;
  readonly #blockSize: number;
  #data = new AvroBuffer(1 << 17);
  #count = 0;

  constructor(sync: Buffer, blockSize = 1 << 16) {
    if (sync.length !== 16) throw new Error('sync marker must be 16 bytes');
    this.#sync = sync;
    this.#blockSize = blockSize;
  }

  /** The file header: magic, metadata (schema, codec), sync marker. */
  header(): Buffer {
    const h = new AvroBuffer(8192);
    h.bytes(MAGIC);
    const meta: [string, Buffer][] = [['avro.schema', Buffer.from(JSON.stringify(INVOICE_EVENT_SCHEMA))], ['avro.codec', Buffer.from('null')]];
    h.long(meta.length);
    for (const [k, v] of meta) { h.string(k); h.long(v.length); h.bytes(v); }
    h.long(0);
    h.bytes(this.#sync);
    return Buffer.from(h.buf.subarray(0, h.pos));
  }

  /** Adds one event; true when a block is due. */
  write(e: InvoiceEvent): boolean {
    if (HAND_ENCODER_MATCHES) writeEventBinary(this.#data, e);
    else this.#data.bytes(encodeInvoiceEvent(e));
    this.#count++;
    return this.#data.pos >= this.#blockSize;
  }

  /** The pending events as one block (count, size, data, sync), or undefined when none. */
  block(): Buffer | undefined {
    if (this.#count === 0) return undefined;
    const d = this.#data;
    const out = new AvroBuffer(d.pos + 40);
    out.long(this.#count);
    out.long(d.pos);
    out.bytes(d.buf.subarray(0, d.pos));
    out.bytes(this.#sync);
    this.#count = 0;
    d.pos = 0;
    return out.buf.subarray(0, out.pos);
  }
}
