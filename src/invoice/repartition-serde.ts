// The binary format of the invoice pipeline's repartition records: input envelopes (by invoice)
// and contribution changes (by client). Each record is one tag byte, then its fields in a fixed
// order with Avro's primitive encodings: zigzag varint lengths and counts, UTF-8 strings, numbers
// as little-endian float64 (every JS number round-trips), bytes as length + raw bytes.
//
// Why not the JSON of `internalJsonSerde`: it was the largest single item of a live profile (8.5 %
// of the processing thread: `JSON.parse` of every envelope, base64 of its original bytes), and it
// doubled the bytes the broker stores and the client CRCs. Measured with `npm run bench --
// serde-repartition` (docs/BENCHMARKS.md). Why by hand and not avsc: the event is a union of six
// shapes with optional fields that must stay absent (not null) after the round trip, which avsc
// gives only as wrapped unions and nulls, one more object per record to undo.
//
// Anything else, or a record with a string that is not well-formed UTF-16 (a lone surrogate from
// a JSON `\ud800` escape, which UTF-8 cannot carry), is written as that JSON instead, and records
// of either format are read: the JSON of earlier versions never starts with a tag byte.
import type { Serde } from '../engine/index.ts';
import { ByteReader, ByteWriter } from '../engine/index.ts';
import type { Contribution, ContributionChange } from './balances.ts';
import type { InputEnvelope, InputEvent, OrderLine, Origin } from './events.ts';
import { internalJsonSerde } from './serdes.ts';

/** First byte of a binary input envelope; JSON text never starts with it. */
export const ENVELOPE_TAG = 0xa1;
/** First byte of a binary contribution change. */
export const CHANGE_TAG = 0xa2;

// The event's type as one byte: its index here. Append only (records in flight carry the index).
const EVENT_TYPES = [
  'order.placed', 'order.amended', 'order.cancelled', 'payment.received', 'payment.refunded',
  'invoice.sent', 'invoice.viewed', 'invoice.disputed', 'invoice.dispute_resolved',
] as const;
const TYPE_CODE = new Map<string, number>(EVENT_TYPES.map((type, code) => [type, code]));

/** What repartition records are written in: `json` is what versions before 2026-12-07 read. */
export type RepartitionFormat = 'binary' | 'json';

/**
 * The repartition serde of the live pipeline: it reads both formats and writes `format`, binary
 * (envelopes and changes; JSON for anything else) unless told `json`, as an upgrade's first roll
 * must while instances of an earlier version still read the topics (Kafka Streams' `upgrade.from`).
 */
export function repartitionSerde(format: RepartitionFormat = 'binary'): Serde<unknown> {
  const json = internalJsonSerde<unknown>();
  return {
    serialize: (topic, data) => (format === 'binary' ? encodeRepartitionValue(data) : undefined) ?? json.serialize(topic, data),
    deserialize: (topic, data) => (data !== null && data.length > 0 && (data[0] === ENVELOPE_TAG || data[0] === CHANGE_TAG) ? decodeRepartitionValue(data) : json.deserialize(topic, data)),
  };
}

// Thrown inside an encoder when the value is not of the binary format's shape: JSON is written.
class NotBinary extends Error {}
const notBinary = new NotBinary();

class Writer extends ByteWriter {
  str(s: unknown): void {
    // The engine's string would write a lone surrogate as U+FFFD: such a record goes as JSON.
    if (typeof s !== 'string' || !s.isWellFormed()) throw notBinary;
    this.string(s);
  }

  num(v: unknown): void {
    if (typeof v !== 'number') throw notBinary;
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  blob(v: unknown): void {
    if (!Buffer.isBuffer(v)) throw notBinary;
    this.zigzag(v.length);
    this.bytes(v);
  }

  /** A presence byte: 1 when `v` is there (then written by the caller), 0 when undefined or null. */
  present(v: unknown): boolean {
    const here = v !== undefined && v !== null;
    this.u8(here ? 1 : 0);
    return here;
  }
}

// One writer per thread: serializing is synchronous, the record's bytes are copied out.
const out = new Writer(1 << 14);

/** The binary bytes of an envelope or a contribution change; undefined for any other value. */
export function encodeRepartitionValue(value: unknown): Buffer | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  out.pos = 0;
  try {
    if ('event' in value && 'origin' in value) writeEnvelope(value as InputEnvelope);
    else if ('clientId' in value && 'new' in value) writeChange(value as ContributionChange);
    else return undefined;
  } catch (error) {
    if (error === notBinary) return undefined;
    throw error;
  }
  return Buffer.from(out.view());
}

function writeEnvelope(envelope: InputEnvelope): void {
  const event = envelope.event;
  const code = TYPE_CODE.get(event.type);
  if (code === undefined) throw notBinary;
  out.u8(ENVELOPE_TAG);
  out.u8(code);
  out.str(event.eventId);
  out.num(event.occurredAt);
  switch (event.type) {
    case 'order.placed':
      out.str(event.orderId);
      out.str(event.clientId);
      out.str(event.currency);
      writeLines(event.lines);
      out.num(event.paymentTermsDays);
      break;
    case 'order.amended':
      out.str(event.orderId);
      if (out.present(event.lines)) writeLines(event.lines as OrderLine[]);
      if (out.present(event.dueDate)) out.num(event.dueDate);
      break;
    case 'order.cancelled':
      out.str(event.orderId);
      if (out.present(event.reason)) out.str(event.reason);
      break;
    case 'payment.received':
    case 'payment.refunded':
      out.str(event.paymentId);
      out.str(event.invoiceId);
      out.str(event.amount);
      out.str(event.currency);
      if (event.type === 'payment.received') out.str(event.method);
      break;
    default:
      out.str(event.invoiceId);
  }
  const origin = envelope.origin;
  out.str(origin.topic);
  out.num(origin.partition);
  out.num(origin.offset);
  if (out.present(origin.key)) out.blob(origin.key);
  out.blob(origin.value);
}

function writeLines(lines: readonly OrderLine[]): void {
  if (!Array.isArray(lines)) throw notBinary;
  out.zigzag(lines.length);
  for (const line of lines) {
    if (typeof line !== 'object' || line === null) throw notBinary;
    out.str(line.sku);
    out.str(line.quantity);
    out.str(line.unitPrice);
    out.str(line.taxRate);
  }
}

function writeChange(change: ContributionChange): void {
  out.u8(CHANGE_TAG);
  out.str(change.clientId);
  out.str(change.currency);
  out.num(change.scale);
  if (out.present(change.old)) writeContribution(change.old as Contribution);
  if (typeof change.new !== 'object' || change.new === null) throw notBinary;
  writeContribution(change.new);
}

function writeContribution(c: Contribution): void {
  out.str(c.invoiced);
  out.str(c.paid);
  out.str(c.outstanding);
  out.num(c.open);
  out.num(c.overdue);
}

// The record being read (reading is synchronous too).
const rd = new ByteReader('repartition record');

/** Reads a binary envelope or contribution change (the first byte says which). */
export function decodeRepartitionValue(data: Buffer): InputEnvelope | ContributionChange {
  rd.reset(data, 1);
  const value = data[0] === ENVELOPE_TAG ? readEnvelope() : readChange();
  if (rd.pos !== data.length) throw new Error(`repartition record: ${data.length - rd.pos} bytes left after the value`);
  return value;
}

const str = (): string => rd.string();
const num = (): number => rd.f64();
const present = (): boolean => rd.u8() === 1;

function blob(): Buffer {
  const view = rd.bytes();
  if (view === null) throw new Error('repartition record: null bytes');
  // A copy: the fetched batch this is a view of is not kept alive by a held payment.
  return Buffer.from(view);
}

function readEnvelope(): InputEnvelope {
  const type = EVENT_TYPES[rd.u8()];
  if (type === undefined) throw new Error('repartition record: unknown event type');
  const eventId = str();
  const occurredAt = num();
  let event: InputEvent;
  // Keys in the order validation builds them (the held-payments store serializes events as they are).
  switch (type) {
    case 'order.placed':
      event = { type, eventId, occurredAt, orderId: str(), clientId: str(), currency: str(), lines: readLines(), paymentTermsDays: num() };
      break;
    case 'order.amended':
      event = { type, eventId, occurredAt, orderId: str() };
      if (present()) event.lines = readLines();
      if (present()) event.dueDate = num();
      break;
    case 'order.cancelled':
      event = { type, eventId, occurredAt, orderId: str() };
      if (present()) event.reason = str();
      break;
    case 'payment.received':
      event = { type, eventId, occurredAt, paymentId: str(), invoiceId: str(), amount: str(), currency: str(), method: str() };
      break;
    case 'payment.refunded':
      event = { type, eventId, occurredAt, paymentId: str(), invoiceId: str(), amount: str(), currency: str() };
      break;
    default:
      event = { type, eventId, occurredAt, invoiceId: str() };
  }
  const origin: Origin = { topic: str(), partition: num(), offset: num(), key: present() ? blob() : null, value: blob() };
  return { event, origin };
}

function readLines(): OrderLine[] {
  const n = rd.zigzag();
  if (n < 0) throw new Error('repartition record: negative count');
  const lines: OrderLine[] = [];
  for (let i = 0; i < n; i++) lines.push({ sku: str(), quantity: str(), unitPrice: str(), taxRate: str() });
  return lines;
}

function readChange(): ContributionChange {
  return { clientId: str(), currency: str(), scale: num(), old: present() ? readContribution() : null, new: readContribution() };
}

function readContribution(): Contribution {
  return { invoiced: str(), paid: str(), outstanding: str(), open: num(), overdue: num() };
}
