// The aging report served by /reports/aging, over the conformance scenario's final invoices: the
// replay of test/fixtures/conformance/small fills the invoices store, the query reads it as of the
// scenario's final clock, and the buckets must equal those computed here, independently, from
// expected.json's invoice rows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { replay, Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import type { InvoiceState } from '../../../src/invoice/invoice.ts';
import { STORE } from '../../../src/invoice/stores.ts';
import { localReads, type QueryHost } from '../../../src/app/queries/host.ts';
import { queryAging, type AgingReport } from '../../../src/app/queries/invoice-queries.ts';
import { agingAt, owedByDueDay } from '../../../src/app/queries/aging.ts';
import { buildInvoicePipeline } from '../../../topologies/invoice-pipeline.ts';
import { SMALL_SCENARIO } from '../../fixtures/conformance.ts';

const DIR = `${SMALL_SCENARIO}/`;

interface ExpectedRow {
  currency: string;
  outstanding: string;
  status: string;
  due_date: string;
}

// Decimal text → units of 10^-4 (every ISO 4217 currency has at most 4 decimals).
function units(text: string): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', frac = ''] = text.replace('-', '').split('.');
  const v = BigInt(whole) * 10_000n + BigInt(frac.padEnd(4, '0').slice(0, 4));
  return negative ? -v : v;
}

/** The buckets, written from the task's words rather than from the report's code. */
function expectedAging(rows: readonly ExpectedRow[], asOf: string): Map<string, Map<string, bigint>> {
  const asOfDay = Date.parse(`${asOf}T00:00:00Z`) / 86_400_000;
  const out = new Map<string, Map<string, bigint>>();
  for (const row of rows) {
    const owed = units(row.outstanding);
    if (row.status === 'voided' || owed <= 0n) continue;
    const late = asOfDay - Date.parse(`${row.due_date}T00:00:00Z`) / 86_400_000;
    const bucket = late <= 0 ? 'current' : late <= 30 ? '1-30' : late <= 60 ? '31-60' : late <= 90 ? '61-90' : '90+';
    const perCurrency = out.get(row.currency) ?? new Map<string, bigint>();
    perCurrency.set(bucket, (perCurrency.get(bucket) ?? 0n) + owed);
    out.set(row.currency, perCurrency);
  }
  return out;
}

describe('/reports/aging over the conformance scenario', () => {
  it('gives the buckets computed from expected.json at the final clock', async () => {
    const expected = JSON.parse(readFileSync(`${DIR}expected.json`, 'utf8')) as { invoices: Record<string, ExpectedRow>; clock: string };
    const pipeline = buildInvoicePipeline();
    let invoices: KeyValueStore<InvoiceState> | undefined;
    await replay({
      topology: pipeline.topology,
      applicationId: 'aging-test',
      inputs: [
        { topic: pipeline.topics.orders, path: `${DIR}orders.jsonl` },
        { topic: pipeline.topics.payments, path: `${DIR}payments.jsonl` },
        { topic: pipeline.topics.activity, path: `${DIR}activity.jsonl` },
      ],
      timestampOf: pipeline.eventTime.occurredAtMillis,
      progress: false,
      onSummary: (_summary, runner) => {
        invoices = runner.store<KeyValueStore<InvoiceState>>(STORE.invoices);
      },
    });
    expect(invoices).toBeDefined();
    // The store holds the scenario's invoices, each at its expected version.
    const states = [...(invoices as KeyValueStore<InvoiceState>).range()];
    expect(states.length).toBe(Object.keys(expected.invoices).length);
    for (const [id, state] of states) expect(state.version, id).toBe((expected.invoices[id] as ExpectedRow & { version: number }).version);
    // The replay is one task: partition 0 of one, local.
    const host: QueryHost = {
      self: 'test:0',
      placement: () => ({ subtopology: 1, partitions: 1 }),
      ...localReads(<V>(_store: string, partition: number) => (partition === 0 ? (invoices as unknown as KeyValueStore<V>) : undefined)),
      owner: async () => undefined,
    };
    const asOf = expected.clock.slice(0, 10);
    const result = await queryAging(host, Date.parse(`${asOf}T00:00:00Z`) / 86_400_000);
    expect(result.kind).toBe('found');
    const report = (result as { value: AgingReport }).value;
    expect(report).toMatchObject({ as_of: asOf, complete: true, partitions: [0], elsewhere: [] });

    const want = expectedAging(Object.values(expected.invoices), asOf);
    expect(Object.keys(report.aging).sort()).toEqual([...want.keys()].sort());
    let checked = 0;
    for (const [currency, buckets] of Object.entries(report.aging)) {
      for (const [bucket, amount] of Object.entries(buckets)) {
        expect(units(amount), `${currency} ${bucket}`).toBe(want.get(currency)?.get(bucket) ?? 0n);
        checked++;
      }
    }
    expect(checked).toBe(want.size * 5);
    // The scenario has overdue money: not every bucket is "current".
    expect([...want.values()].some((b) => [...b.keys()].some((k) => k !== 'current'))).toBe(true);
    console.info(`aging as of ${asOf}: ${states.length} invoices, ${JSON.stringify(report.aging)}`);
  });
});

describe('/reports/aging cost', () => {
  const DAY = 20_000;
  const invoice = (id: string, dueDay: number, total: string, over: Partial<InvoiceState> = {}): InvoiceState => ({
    invoiceId: id, orderId: id, clientId: 'cli', currency: 'EUR', scale: 2, invoiceTotal: total, amountPaid: '0',
    issueDay: dueDay - 30, dueDay, paidAt: null, sentAt: null, viewedAt: null, disputed: false, voided: false,
    status: 'open', version: 1, updatedAt: 0, ...over,
  });
  const single = (store: KeyValueStore<InvoiceState>): QueryHost => ({
    self: 'test:0',
    placement: () => ({ subtopology: 1, partitions: 1 }),
    ...localReads(<V>(_store: string, partition: number) => (partition === 0 ? (store as unknown as KeyValueStore<V>) : undefined)),
    owner: async () => undefined,
  });
  const aging = async (host: QueryHost, day: number): Promise<AgingReport['aging']> => ((await queryAging(host, day)) as { value: AgingReport }).value.aging;

  it('scans a partition once per commit at most, whatever the requests and their dates', async () => {
    // The engine's own store (metered, cached, UTF-8 byte order), not a fake.
    const store = Stores.keyValueStoreBuilder<InvoiceState>(Stores.inMemoryKeyValueStore(STORE.invoices)).build();
    const written = new Map<string, InvoiceState>();
    const put = (state: InvoiceState): void => {
      store.put(state.invoiceId, state);
      written.set(state.invoiceId, state);
    };
    const ids = ['inv_a', 'inv_\uffff', 'inv_\u{1F600}', ...Array.from({ length: 200 }, (_, i) => `inv_${i}`)];
    ids.forEach((id, i) => put(invoice(id, DAY - (i % 120), '10.00')));
    put(invoice('inv_void', DAY - 40, '99.00', { voided: true, status: 'voided' }));
    await store.flush();
    const host = single(store);
    const scans = (): number => store.metrics.ranges;
    // The answer computed independently of the store, from what was written.
    const fromScratch = (day: number) => agingAt([owedByDueDay(written.values())], day);

    const first = await aging(host, DAY);
    expect(first).toEqual(fromScratch(DAY));
    expect(await aging(host, DAY)).toEqual(first);
    // Another as-of date is a fold over the same summary.
    expect(await aging(host, DAY + 45)).toEqual(fromScratch(DAY + 45));
    expect(scans()).toBe(1);

    // Written but not yet committed: the last summary still answers (at most one commit behind).
    const atFirstScan = fromScratch(DAY);
    put(invoice('inv_new', DAY - 200, '5.00'));
    expect(await aging(host, DAY)).toEqual(atFirstScan);
    expect(scans()).toBe(1);
    // The commit flushes the store: the next request scans once and sees the write.
    await store.flush();
    const committed = await aging(host, DAY);
    expect(committed).toEqual(fromScratch(DAY));
    expect(committed.EUR?.['90+']).not.toBe(atFirstScan.EUR?.['90+']);
    expect(await aging(host, DAY + 1)).toEqual(fromScratch(DAY + 1));
    expect(scans()).toBe(2);
    // Commits with nothing written cost nothing.
    await store.flush();
    expect(await aging(host, DAY)).toEqual(committed);
    expect(scans()).toBe(2);
  });

  it('scans a new store instance (a task that moved away and back) afresh', async () => {
    const build = () => Stores.keyValueStoreBuilder<InvoiceState>(Stores.inMemoryKeyValueStore(STORE.invoices)).build();
    const before = build();
    before.put('inv_1', invoice('inv_1', DAY - 10, '10.00'));
    await before.flush();
    expect((await aging(single(before), DAY)).EUR?.['1-30']).toBe('10.00');
    const after = build();
    after.put('inv_1', invoice('inv_1', DAY - 10, '7.00', { amountPaid: '0' }));
    await after.flush();
    expect((await aging(single(after), DAY)).EUR?.['1-30']).toBe('7.00');
    expect(after.metrics.ranges).toBe(1);
  });
});
