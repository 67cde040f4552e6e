// The live pipeline's serdes, in process: repartition topics as JSON bytes (original bytes of a
// dead letter survive them), invoice events as Confluent-framed Avro registered as <topic>-value,
// LMDB stores with changelogs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry, TopologyTestDriver, schemaIdOf } from '../../../src/engine/index.ts';
import { createMetrics, mirrorAccounting } from '../../../src/app/metrics.ts';
import { decimalText, invoiceEventType } from '../../../src/invoice/avro.ts';
import { buildLiveInvoicePipeline } from '../../../topologies/invoice-pipeline-live.ts';

describe('live invoice pipeline (serdes)', () => {
  it('runs through Kafka serdes: Avro events per routed topic, JSON repartitions, DLQ with original bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'invoice-live-'));
    const registry = new InMemorySchemaRegistry();
    const pipeline = await buildLiveInvoicePipeline({ registry, stateDir: dir, prefix: 'acme', routeByType: true, dlqTopic: 'acme.dlq' });
    const driver = new TopologyTestDriver(pipeline.topology, { applicationId: 'live-test' });
    const placed = '{"event_id":"o1","event_type":"order.placed","occurred_at":"2026-01-01T00:00:00Z","order_id":"1","client_id":"c","currency":"EUR","lines":[{"sku":"a","quantity":1,"unit_price":"10.005","tax_rate":"0"}]}';
    const mismatch = '{"event_id":"p1","event_type":"payment.received","occurred_at":"2026-01-02T00:00:00Z","payment_id":"x","invoice_id":"inv_1","amount":"1","currency":"USD","method":"ach"}';
    driver.pipeRecord('orders', { key: Buffer.from('1'), value: Buffer.from(placed), timestamp: 0, offset: 0 });
    driver.pipeRecord('payments', { key: Buffer.from('x'), value: Buffer.from(mismatch), timestamp: 0, offset: 5 });
    const created = driver.createOutputTopic<Buffer, Buffer>('acme.invoices.created').readRecordsToList();
    expect(created).toHaveLength(1);
    const bytes = created[0]?.value as Buffer;
    expect(schemaIdOf(bytes)).toBeGreaterThan(0);
    const decoded = invoiceEventType.fromBuffer(bytes.subarray(5)) as Record<string, unknown>;
    expect(decimalText(decoded.invoice_total as Buffer)).toBe('10.0100');
    expect(created[0]?.key).toEqual(Buffer.from('inv_1'));
    const dlq = driver.createOutputTopic<Buffer, Buffer>('acme.dlq').readRecordsToList();
    expect(dlq.map((r) => [r.key?.toString(), r.value.toString(), r.headers?.['dlq.reason'], r.headers?.['dlq.source.offset']])).toEqual([
      ['x', mismatch, 'currency_mismatch', '5'],
    ]);
    const rows = driver.createOutputTopic<Buffer, Buffer>('acme.invoice-rows').readRecordsToList();
    expect(JSON.parse((rows[0]?.value as Buffer).toString())).toMatchObject({ invoice_id: 'inv_1', invoice_total: '10.01' });
    await driver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts a restored task\'s held payments in the held gauge, which a release then never takes below zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'invoice-live-held-'));
    const registry = new InMemorySchemaRegistry();
    const payment = '{"event_id":"p9","event_type":"payment.received","occurred_at":"2026-01-02T00:00:00Z","payment_id":"y","invoice_id":"inv_9","amount":"5","currency":"EUR","method":"ach"}';
    const placed = '{"event_id":"o9","event_type":"order.placed","occurred_at":"2026-01-03T00:00:00Z","order_id":"9","client_id":"c","currency":"EUR","lines":[{"sku":"a","quantity":1,"unit_price":"10","tax_rate":"0"}]}';
    try {
      // A first run holds the payment, then stops: the payment stays in the task's state.
      const first = await buildLiveInvoicePipeline({ registry, stateDir: dir, prefix: 'acme', dlqTopic: 'acme.dlq' });
      const before = new TopologyTestDriver(first.topology, { applicationId: 'live-held' });
      before.pipeRecord('payments', { key: Buffer.from('y'), value: Buffer.from(payment), timestamp: 0, offset: 0 });
      expect(first.accounting.counts.held).toBe(1);
      expect(first.accounting.heldNow()).toBe(1);
      await before.close();
      expect(first.accounting.heldNow()).toBe(0);

      // The restart: the task opens with the payment held, which this pipeline never read.
      const second = await buildLiveInvoicePipeline({ registry, stateDir: dir, prefix: 'acme', dlqTopic: 'acme.dlq' });
      const after = new TopologyTestDriver(second.topology, { applicationId: 'live-held' });
      expect(second.accounting.heldNow()).toBe(1);
      after.pipeRecord('orders', { key: Buffer.from('9'), value: Buffer.from(placed), timestamp: 0, offset: 0 });
      expect(after.createOutputTopic<Buffer, Buffer>('acme.invoices').readRecordsToList()).toHaveLength(2); // created, then partially_paid
      // This pipeline's own counts: one read, two applied (the order and the released payment).
      expect(second.accounting.counts).toEqual({ read: 1, applied: 2, duplicate: 0, dead_lettered: 0, held: -1 });
      expect(second.accounting.heldNow()).toBe(0);
      const metrics = createMetrics();
      mirrorAccounting(metrics, { read: 0, applied: 0, duplicate: 0, dead_lettered: 0, held: 0 }, second.accounting.counts, second.accounting.heldNow());
      expect((await metrics.heldPayments.get()).values[0]?.value).toBe(0);
      await after.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
