// Splitting a send into chunks under the broker's size limit, for every client library.
import type { OutgoingRecord } from './api.ts';

/** Splits records into sends of at most `maxBytes` (estimated), so that no partition's record
 * batch exceeds the broker's message.max.bytes (1 MiB by default): a client puts all of one
 * partition's records of a send into one batch. With `maxTimestampSpanMs`, the timestamps of one
 * topic's records in a send also stay within that span (a record without one counts as now: the
 * client stamps it so), which bounds every timestamp delta in a batch. Order is kept. */
export function chunkBySize(records: readonly OutgoingRecord[], maxBytes = 768 * 1024, maxTimestampSpanMs = Infinity): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let size = 0;
  const spans = new Map<string, { min: number; max: number }>();
  const now = Date.now();
  for (const r of records) {
    let bytes = 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
    for (const [name, value] of Object.entries(r.headers ?? {})) bytes += name.length + value.length + 4;
    const ts = r.timestamp ?? now;
    const span = spans.get(r.topic);
    const tooWide = span !== undefined && Math.max(span.max, ts) - Math.min(span.min, ts) > maxTimestampSpanMs;
    if (current.length > 0 && (size + bytes > maxBytes || tooWide)) {
      chunks.push(current);
      current = [];
      size = 0;
      spans.clear();
    }
    current.push(r);
    size += bytes;
    const s = spans.get(r.topic);
    if (s) {
      s.min = Math.min(s.min, ts);
      s.max = Math.max(s.max, ts);
    } else spans.set(r.topic, { min: ts, max: ts });
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
