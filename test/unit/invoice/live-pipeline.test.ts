// The live pipeline's serdes, in process: repartition topics as JSON bytes (original bytes of a
// dead letter survive them), invoice events as Confluent-framed Avro registered as <topic>-value,
// LMDB stores with changelogs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InMemorySchemaRegistry, TopologyTestDriver, schemaIdOf } from '../../../src/engine/index.ts';
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
});
