// The validation processor: raw input bytes → a typed event re-keyed by invoice_id (on to the
// repartition), or a dead letter with the key and bytes unchanged (docs/contract.md rule 1).
import { ORIGINAL_LENGTH_HEADER, type Headers, type Processor, type ProcessorContext, type StreamRecord } from '../engine/index.ts';
import type { Accounting } from './accounting.ts';
import type { AvroInputDecoder } from './avro-input.ts';
import { deadLetterHeaders } from './dead-letters.ts';
import type { EventTimeReader } from './event-time.ts';
import { invoiceIdOf, type InputEnvelope, type InputRole } from './events.ts';
import { oversize, validateValue } from './validation.ts';

/** Settings of the validation processor. */
export interface ValidateOptions {
  /** Role of each input topic (topic names are configurable). */
  roles: ReadonlyMap<string, InputRole>;
  accounting: Accounting;
  /** Child names: valid events, dead letters. */
  outputs: { valid: string; dlq: string };
  maxValueBytes?: number;
  /** Accept Confluent-framed Avro values too (live mode with a registry). */
  avroInputs?: AvroInputDecoder;
  /** Inputs are a replay's lines: one too long to hold comes cut, its length in `ORIGINAL_LENGTH_HEADER`. */
  cutLines?: boolean;
  /** The pipeline's event-time reader: the parse its extractor made of a record is taken, not made again. */
  eventTime?: EventTimeReader;
}

function toBuffer(value: unknown): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  throw new Error(`expected raw bytes, got ${typeof value}`);
}

// The full length of a value that reached us cut (a replay's long line), from its header.
function lengthOf(headers: Headers | undefined): number | undefined {
  const text = headers?.[ORIGINAL_LENGTH_HEADER];
  return text === undefined ? undefined : Number(text.toString());
}

/** Validates each input record (see the file comment). */
export class ValidateProcessor implements Processor<unknown, unknown, string | Buffer | null, InputEnvelope | Buffer | null> {
  readonly #options: ValidateOptions;
  #context!: ProcessorContext<string | Buffer | null, InputEnvelope | Buffer | null>;

  constructor(options: ValidateOptions) {
    this.#options = options;
  }

  init(context: ProcessorContext<string | Buffer | null, InputEnvelope | Buffer | null>): void {
    this.#context = context;
  }

  process(record: StreamRecord<unknown, unknown>): void {
    const meta = this.#context.recordMetadata();
    if (!meta) throw new Error('validation needs record metadata');
    const role = this.#options.roles.get(meta.topic);
    if (!role) throw new Error(`no input role for topic ${meta.topic}`);
    this.#options.accounting.read();
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    // A replay line too long to hold comes cut, with its length: oversize, whatever its start says.
    // (Only in a replay: on a topic, that header is the producer's and means nothing.)
    const originalLength = this.#options.cutLines ? lengthOf(record.headers) : undefined;
    // Taken whatever happens next, so nothing waits in the reader for a record already handled.
    const parsed = value === null ? undefined : this.#options.eventTime?.take(value);
    const result = originalLength === undefined
      ? validateValue(role, value, this.#options.maxValueBytes, this.#options.avroInputs, parsed)
      : oversize(originalLength, this.#options.maxValueBytes);
    const origin = { topic: meta.topic, partition: meta.partition, offset: meta.offset, key, value: value ?? Buffer.alloc(0) };
    if (!result.ok) {
      this.#options.accounting.count('dead_lettered');
      const headers = deadLetterHeaders({ reason: result.reason, error: result.error, origin, originalLength });
      this.#context.forward({ key, value, timestamp: record.timestamp, headers }, this.#options.outputs.dlq);
      return;
    }
    const envelope: InputEnvelope = { event: result.event, origin };
    const timestamp = Math.floor(result.event.occurredAt / 1000);
    this.#context.forward({ key: invoiceIdOf(result.event), value: envelope, timestamp }, this.#options.outputs.valid);
  }
}
