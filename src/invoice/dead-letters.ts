// Dead letters: a record the pipeline will not apply, with why, and where it came from. The DLQ
// record keeps the original key and bytes; the reason travels in headers (docs/contract.md rule 1).
import type { Headers } from '../engine/processor/api.ts';
import type { Origin } from './events.ts';

/** Bad input, found by validation before any state is touched. */
export type InputRejection = 'malformed_json' | 'schema_violation' | 'unknown_currency' | 'oversize' | 'bad_avro_framing';

/** A valid event the invoice state refuses, or a held payment whose invoice never came. */
export type DomainRejection =
  | 'unknown_order'
  | 'unknown_invoice'
  | 'invoice_voided'
  | 'currency_mismatch'
  | 'refund_exceeds_paid'
  | 'orphan_payment';

/** Every `dlq.reason` code. */
export type DeadLetterReason = InputRejection | DomainRejection;

/** One dead letter on its way to the DLQ sink. */
export interface DeadLetter {
  reason: DeadLetterReason;
  error: string;
  origin: Origin;
  /** Set when `origin.value` is only the start of the value: the value's full length in bytes. */
  originalLength?: number;
}

/** Header of a dead letter that carries only the start of its value: the value's full length. */
export const ORIGINAL_LENGTH = 'dlq.original.length';

/** The DLQ record headers: reason, error and the source coordinates. */
export function deadLetterHeaders(letter: DeadLetter): Headers {
  const headers: Headers = {
    'dlq.reason': letter.reason,
    'dlq.error': letter.error,
    'dlq.source.topic': letter.origin.topic,
    'dlq.source.partition': String(letter.origin.partition),
    'dlq.source.offset': String(letter.origin.offset),
  };
  if (letter.originalLength !== undefined) headers[ORIGINAL_LENGTH] = String(letter.originalLength);
  return headers;
}
