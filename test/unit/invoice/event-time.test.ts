// Event time of raw input lines: occurred_at in epoch ms (µs kept as a fraction), undefined when the
// line has none that can be read, never an exception (bad lines are validation's to dead-letter).
import { describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../src/engine/index.ts';
import { EventTimeReader, occurredAtMillis } from '../../../src/invoice/event-time.ts';
import { buildInvoicePipeline } from '../../../topologies/invoice-pipeline.ts';

const line = (text: string) => Buffer.from(text, 'utf8');

describe('occurredAtMillis', () => {
  it('reads occurred_at with its offset and microseconds', () => {
    expect(occurredAtMillis(line('{"occurred_at":"2026-01-05T10:51:54.897123+01:00"}'))).toBe(Date.UTC(2026, 0, 5, 9, 51, 54, 897) + 0.123);
  });

  it('is undefined for lines with no readable occurred_at', () => {
    for (const bad of ['not json at all', '[1,2]', '{"occurred_at":42}', '{"occurred_at":"yesterday"}', '{}', '']) {
      expect(occurredAtMillis(line(bad))).toBeUndefined();
    }
  });
});

describe('EventTimeReader: the parse is the pipeline\'s, handed from its extractor to its validation', () => {
  it('reads the same event time as occurredAtMillis and keeps the parse for one take', () => {
    const reader = new EventTimeReader();
    const bytes = line('{"occurred_at":"2026-01-05T10:51:54.897123+01:00","amount":12.50}');
    expect(reader.occurredAtMillis(bytes)).toBe(occurredAtMillis(bytes));
    // The very Buffer: an equal copy is another record.
    expect(reader.take(Buffer.from(bytes))).toBeUndefined();
    expect(reader.take(bytes)).toEqual({ value: { occurred_at: '2026-01-05T10:51:54.897123+01:00', amount: '12.50' } });
    expect(reader.take(bytes)).toBeUndefined();
  });

  it('keeps parses of JSON without an event time too (validation refuses them), and nothing of bad JSON', () => {
    const reader = new EventTimeReader();
    const array = line('[1,2]');
    const bad = line('{"occurred_at":');
    expect(reader.occurredAtMillis(array)).toBeUndefined();
    expect(reader.occurredAtMillis(bad)).toBeUndefined();
    expect(reader.take(array)).toEqual({ value: [1, 2] });
    expect(reader.take(bad)).toBeUndefined();
  });

  it('belongs to one pipeline: another pipeline\'s reader never sees its parses', () => {
    const a = new EventTimeReader();
    const b = new EventTimeReader();
    const bytes = line('{"occurred_at":"2026-01-05T10:51:54Z"}');
    a.occurredAtMillis(bytes);
    expect(b.take(bytes)).toBeUndefined();
    expect(a.take(bytes)).toBeDefined();
  });

  it('validation takes the parse: the pipeline gives the same outputs with or without its reader', async () => {
    const records = [
      '{"event_id":"o1","event_type":"order.placed","occurred_at":"2026-01-05T10:00:00Z","order_id":"1","client_id":"c","currency":"USD","lines":[{"sku":"s","quantity":2,"unit_price":4792.65,"tax_rate":"0.1"}]}',
      '{"event_id":"o2","event_type":"order.placed","occurred_at":"2026-01-05T10:00:01Z"}',
      'not json',
    ].map(line);
    const run = (withReader: boolean) => {
      const pipeline = buildInvoicePipeline();
      const driver = new TopologyTestDriver(pipeline.topology, { applicationId: 'event-time-test' });
      const orders = driver.createInputTopic<null, Buffer>(pipeline.topics.orders);
      for (const [i, value] of records.entries()) {
        const timestamp = withReader ? pipeline.eventTime.occurredAtMillis(value) : occurredAtMillis(value);
        orders.pipeRecord({ key: null, value, timestamp: timestamp ?? -1, partition: 0, offset: i });
      }
      // Every parse was taken by validation: none waits.
      if (withReader) for (const value of records) expect(pipeline.eventTime.take(value)).toBeUndefined();
      const out = [pipeline.topics.invoiceEvents, pipeline.topics.dlq].map((t) => driver.createOutputTopic(t).readRecordsToList().map((r) => JSON.stringify(r.value)));
      return { out, counts: { ...pipeline.accounting.counts } };
    };
    const withReader = run(true);
    expect(withReader).toEqual(run(false));
    expect(withReader.counts.applied).toBe(1);
  });
});
