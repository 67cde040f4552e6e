// Event time of a raw input record: its `occurred_at`, read once. The replay merges its files by it
// and the live topology's timestamp extractor orders a task's input partitions by it, so both see
// the same order (docs/contract.md "Replay").
import { DEFAULT_MAX_VALUE_BYTES, parseAndRemember } from './json.ts';
import { OccurredAtScanner } from './occurred-at-scanner.ts';
import { parseTimestamp } from '../values/time.ts';

/** `occurred_at` of a JSON input record in epoch ms (µs precision kept as a fraction); undefined when unreadable. */
export function occurredAtMillis(bytes: Buffer): number | undefined {
  // Past the default size limit (oversize: dead-lettered unparsed), the event time the merge needs
  // is read in one streaming pass: the same result, without the value's text and object tree.
  if (bytes.length > DEFAULT_MAX_VALUE_BYTES) {
    const scanner = new OccurredAtScanner();
    scanner.write(bytes);
    return scanner.end();
  }
  let json: unknown;
  try {
    // Remembered so validation does not parse the same line again.
    json = parseAndRemember(bytes);
  } catch {
    return undefined; // not JSON: validation dead-letters it; here it simply has no event time
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const text = (json as { occurred_at?: unknown }).occurred_at;
  if (typeof text !== 'string') return undefined;
  const micros = parseTimestamp(text);
  return micros === undefined ? undefined : micros / 1000;
}
