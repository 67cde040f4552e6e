// Event time of a raw input record: its `occurred_at`, read once. The replay merges its files by it
// and the live topology's timestamp extractor orders a task's input partitions by it, so both see
// the same order (docs/contract.md "Replay").
import { DEFAULT_MAX_VALUE_BYTES, readJson } from './json.ts';
import { OccurredAtScanner } from './occurred-at-scanner.ts';
import { parseTimestamp } from '../values/time.ts';

/** `occurred_at` of a JSON input record in epoch ms (µs precision kept as a fraction); undefined when unreadable. */
export function occurredAtMillis(bytes: Buffer): number | undefined {
  return readOccurredAt(bytes, undefined);
}

// Parses waiting for validation: a bounded Map keyed by the very Buffer (not a WeakMap: ephemerons
// made every GC slower). Entries are taken within a batch of reading ahead; if ever this many wait
// (records validation never took), they are dropped at once: evicting the oldest one by one
// walked the Map's deleted slots from the front on every insert (a third of the read time).
const WAITING = 8192;

/**
 * The event time of a pipeline's raw input records, each read once: the replay's merge (or the
 * live timestamp extractor) parses a record's JSON for its `occurred_at`, and validation then
 * takes that parse instead of parsing the record again. One per pipeline
 * (`InvoicePipeline.eventTime`), owned by it and handed to its two users: the extractor
 * (`occurredAtMillis`) and the validation processor (`take`).
 */
export class EventTimeReader {
  readonly #parsed = new Map<Uint8Array, unknown>();

  /** `occurredAtMillis`, keeping the record's parse for `take` (a bound function: pass it as the extractor). */
  readonly occurredAtMillis = (bytes: Buffer): number | undefined => readOccurredAt(bytes, this.#parsed);

  /** The parse kept for these bytes, forgotten once taken; undefined when there is none. */
  take(bytes: Uint8Array): { value: unknown } | undefined {
    const value = this.#parsed.get(bytes);
    if (value === undefined) return undefined;
    this.#parsed.delete(bytes);
    return { value };
  }
}

function readOccurredAt(bytes: Buffer, keep: Map<Uint8Array, unknown> | undefined): number | undefined {
  // Past the default size limit (oversize: dead-lettered unparsed), the event time the merge needs
  // is read in one streaming pass: the same result, without the value's text and object tree.
  if (bytes.length > DEFAULT_MAX_VALUE_BYTES) {
    const scanner = new OccurredAtScanner();
    scanner.write(bytes);
    return scanner.end();
  }
  const read = readJson(bytes);
  // Not JSON: validation dead-letters it; here it simply has no event time.
  if (!('value' in read)) return undefined;
  const json = read.value;
  if (keep) {
    if (keep.size >= WAITING) keep.clear();
    keep.set(bytes, json);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const occurredAt = (json as { occurred_at?: unknown }).occurred_at;
  if (typeof occurredAt !== 'string') return undefined;
  const micros = parseTimestamp(occurredAt);
  return micros === undefined ? undefined : micros / 1000;
}
