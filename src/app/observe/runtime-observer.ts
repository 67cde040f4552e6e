// The runtime's observer callbacks as Prometheus updates: records in and out per topic, dead
// letters by reason (read from the DLQ record's headers, so deserialization failures count too),
// restore progress; and the invoice events as they are emitted (processing latency).
import type { InvoiceEvent } from '../../invoice/invoice.ts';
import { parseTimestamp } from '../../values/time.ts';
import type { RuntimeObserver } from '../../runtime/index.ts';
import { observeEmit, observeRestore, recordDeadLetter, type Metrics } from '../metrics.ts';

function headerText(value: Buffer | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** A RuntimeObserver that updates the metrics; `deadLetterTopic` is the physical DLQ topic. */
export function metricsObserver(m: Metrics, deadLetterTopic: string, guarantee: 'at_least_once' | 'exactly_once'): RuntimeObserver {
  // The runtime reports restored-so-far per restore; the counter wants increments.
  const restored = new Map<string, number>();
  // Records produced per topic since the last scrape: a count per record here, the counter's
  // labelled update once per topic when scraped (Metrics.beforeScrape).
  const produced = new Map<string, number>();
  m.beforeScrape.push(() => {
    for (const [topic, count] of produced) m.recordsOut.inc({ topic }, count);
    produced.clear();
  });
  return {
    consumed(topic, count) {
      m.recordsIn.inc({ topic }, count);
    },
    produced(record) {
      produced.set(record.topic, (produced.get(record.topic) ?? 0) + 1);
      if (record.topic === deadLetterTopic) {
        recordDeadLetter(m, headerText(record.headers?.['dlq.reason']), headerText(record.headers?.['dlq.source.topic']));
      }
    },
    offsetReset(topic, _partition, from, to) {
      if (to > from) m.recordsDeleted.inc({ topic }, to - from);
    },
    committed(seconds) {
      m.commitDuration.observe({ guarantee }, seconds);
    },
    restoreProgress(store, partition, done, remaining) {
      const key = `${store}\u0000${partition}`;
      const before = done === 0 ? 0 : (restored.get(key) ?? 0);
      restored.set(key, done);
      observeRestore(m, store, partition, done - before, remaining);
    },
  };
}

/** Observes one emitted invoice event: latency from its event time (the causing input's) to now. */
export function observeInvoiceEvent(m: Metrics, event: Pick<InvoiceEvent, 'event_type' | 'timestamp'>, nowMs: number = Date.now()): void {
  const micros = parseTimestamp(event.timestamp);
  if (micros !== undefined) observeEmit(m, event.event_type, micros / 1000, nowMs);
}
