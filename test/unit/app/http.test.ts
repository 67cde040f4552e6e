// The HTTP layer without a broker: routing on each port, 404/405, bad input, probes, owner
// redirects for keys on another instance, and the partitioner that decides ownership (checked
// against values kafkajs's gave and Kafka's test vectors). Authentication and the split between the ports: http-auth.test.ts.
import { describe, expect, it } from 'vitest';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import { createMetrics } from '../../../src/app/metrics.ts';
import { streamsProbes, type ProbedInstance, type Probes } from '../../../src/app/http/probes.ts';
import { routeOps, routeQueries, type OpsDeps, type QueryDeps } from '../../../src/app/http/routes.ts';
import { startOpsServer, startQueryServer } from '../../../src/app/http/server.ts';
import { localReads, type QueryHost } from '../../../src/app/queries/host.ts';
import { murmur2, partitionForKey } from '../../../src/runtime/client/partitioner.ts';
import { balanceKey } from '../../../src/invoice/balances.ts';
import type { InvoiceState } from '../../../src/invoice/invoice.ts';
import type { TaskState } from '../../../src/runtime/index.ts';

/** The engine's own in-memory store (ordered by UTF-8 bytes, as the live stores are), holding `entries`. */
function memoryStore<V>(entries: Array<[string, V]>): KeyValueStore<V> {
  const store = Stores.keyValueStoreBuilder<V>(Stores.inMemoryKeyValueStore('fake')).build();
  for (const [k, v] of entries) store.put(k, v);
  return store;
}

function invoice(id: string, over: Partial<InvoiceState> = {}): InvoiceState {
  return {
    invoiceId: id, orderId: id.slice(4), clientId: 'cli_1', currency: 'EUR', scale: 2, invoiceTotal: '100.00', amountPaid: '0',
    issueDay: 20_000, dueDay: 20_030, paidAt: null, sentAt: null, viewedAt: null, disputed: false, voided: false,
    status: 'open', version: 1, updatedAt: 20_000 * 86_400_000_000, ...over,
  };
}

const PARTITIONS = 4;
// Invoice ids on each side of the split: partition 0 is local, the others belong to b:8080.
const ids = Array.from({ length: 40 }, (_, i) => `inv_${i}`);
const localId = ids.find((id) => partitionForKey(id, PARTITIONS) === 0) as string;
const remoteId = ids.find((id) => partitionForKey(id, PARTITIONS) === 2) as string;
const missingLocal = ids.find((id) => id !== localId && partitionForKey(id, PARTITIONS) === 0) as string;

function host(overrides: Partial<QueryHost> = {}): QueryHost {
  const invoices = memoryStore<InvoiceState>([[localId, invoice(localId)]]);
  const balances = memoryStore<unknown>([[balanceKey('cli_1', 'EUR'), { client_id: 'cli_1', currency: 'EUR', outstanding: '100.00' }]]);
  return {
    self: 'a:8080',
    placement: (store) => (store === 'invoices' ? { subtopology: 1, partitions: PARTITIONS } : { subtopology: 2, partitions: PARTITIONS }),
    ...localReads(<V>(store: string, partition: number) => (partition !== 0 ? undefined : ((store === 'invoices' ? invoices : balances) as unknown as KeyValueStore<V>))),
    owner: async (_sub, partition) => (partition === 0 ? 'a:8080' : partition === 3 ? undefined : 'b:8080'),
    ...overrides,
  };
}

const okProbes: Probes = { health: () => ({ ok: true, detail: { status: 'up' } }), readiness: () => ({ ok: false, detail: { ready: false, reason: 'restoring' } }), stop: () => {} };
const ops = (extra: Partial<OpsDeps> = {}): OpsDeps => ({ probes: okProbes, registry: createMetrics({ defaultMetrics: false }).registry, ...extra });
const deps = (extra: Partial<QueryDeps> = {}): QueryDeps => ({ queries: host(), ...extra });
// Queries routed as the query server does once a request is authenticated.
const route = (method: string, url: string, d: QueryDeps) => routeQueries(method, url, d);

describe('HTTP routes', () => {
  it('404s unknown paths and 405s other methods', async () => {
    expect((await route('GET', '/nope', deps())).status).toBe(404);
    expect((await route('GET', '/invoices/a/b', deps())).status).toBe(404);
    const post = await route('POST', '/invoices/x', deps());
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    expect((await routeOps('GET', '/nope', ops())).status).toBe(404);
    expect((await routeOps('DELETE', '/metrics', ops())).status).toBe(405);
  });

  it('serves /metrics as Prometheus text, or 404 when metrics are off', async () => {
    const r = await routeOps('GET', '/metrics', ops());
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toContain('text/plain');
    expect(r.body).toContain('# TYPE invoice_stream_records_in_total counter');
    expect((await routeOps('GET', '/metrics', ops({ registry: undefined }))).status).toBe(404);
  });

  it('maps probes to 200/503 with a JSON reason', async () => {
    expect((await routeOps('GET', '/healthz', ops())).status).toBe(200);
    const ready = await routeOps('GET', '/readyz', ops());
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ ready: false, reason: 'restoring' });
  });

  it('answers a local invoice, 404s a missing local one, and redirects to the owner of a remote key', async () => {
    const found = await route('GET', `/invoices/${localId}`, deps());
    expect(found.status).toBe(200);
    expect(JSON.parse(found.body)).toMatchObject({ invoice_id: localId, invoice_total: '100.00', outstanding: '100.00', due_date: '2024-11-03' });
    expect((await route('GET', `/invoices/${missingLocal}`, deps())).status).toBe(404);
    const moved = await route('GET', `/invoices/${remoteId}?x=1`, deps());
    expect(moved.status).toBe(307);
    expect(moved.headers.location).toBe(`http://b:8080/invoices/${remoteId}?x=1`);
    expect(JSON.parse(moved.body)).toEqual({ owner: 'b:8080', partition: 2 });
  });

  it('503s while the owner is unknown or queries are not ready', async () => {
    const unknown = ids.find((id) => partitionForKey(id, PARTITIONS) === 3) as string;
    const r = await route('GET', `/invoices/${unknown}`, deps());
    expect(r.status).toBe(503);
    expect(r.headers['retry-after']).toBe('1');
    expect((await route('GET', `/invoices/${localId}`, deps({ queries: undefined }))).status).toBe(503);
    expect((await route('GET', `/invoices/${localId}`, deps({ queries: host({ placement: () => undefined }) }))).status).toBe(503);
  });

  it('rejects bad ids and dates with 400', async () => {
    expect((await route('GET', '/invoices/%ZZ', deps())).status).toBe(400);
    expect((await route('GET', '/invoices/a%00b', deps())).status).toBe(400);
    expect((await route('GET', `/invoices/${'x'.repeat(300)}`, deps())).status).toBe(400);
    expect((await route('GET', '/reports/aging', deps())).status).toBe(400);
    expect((await route('GET', '/reports/aging?as_of=2026-13-01', deps())).status).toBe(400);
    expect((await route('GET', '/reports/aging?as_of=2026-01-01T00:00:00Z', deps())).status).toBe(400);
  });

  it('lists local balances and the owners of the other candidate partitions', async () => {
    const r = await route('GET', '/clients/cli_1/balances', deps());
    const body = JSON.parse(r.body) as { balances: unknown[]; complete: boolean; elsewhere: string[] };
    const candidates = new Set(['EUR', 'USD', 'JPY', 'GBP', 'KWD'].map((c) => partitionForKey(balanceKey('cli_1', c), PARTITIONS)));
    if (candidates.has(0)) expect(body.balances).toHaveLength(1);
    expect(body.complete).toBe(false);
    expect(body.elsewhere).toEqual(['b:8080']);
  });

  it('reports aging over the local partitions and names the other owners', async () => {
    const r = await route('GET', '/reports/aging?as_of=2024-12-31', deps());
    expect(r.status).toBe(200);
    // Due 2024-11-03, 58 days before the as-of date.
    expect(JSON.parse(r.body)).toEqual({
      as_of: '2024-12-31', partitions: [0], complete: false, elsewhere: ['b:8080'],
      aging: { EUR: { current: '0.00', '1-30': '0.00', '31-60': '100.00', '61-90': '0.00', '90+': '0.00' } },
    });
  });

  it('serves over node:http, HEAD without a body, and closes', async () => {
    const server = await startOpsServer({ host: '127.0.0.1', port: 0, deps: ops() });
    const r = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'up' });
    const head = await fetch(`http://127.0.0.1:${server.port}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    await server.close();
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });
});

describe('HTTP server under failing requests', () => {
  // A response the server cannot write (writeHead throws on a header with CR/LF) or a handler that
  // throws must cost that request a 500, never the process: the next request is served.
  it('answers 500 when a response cannot be written, and keeps serving', async () => {
    const errors: unknown[] = [];
    const bad = host({ owner: async () => 'b:8080\r\nset-cookie: session=stolen' });
    const server = await startQueryServer({ host: '127.0.0.1', port: 0, deps: deps({ queries: bad }), auth: { kind: 'none' }, onError: (e) => errors.push(e) });
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/invoices/${remoteId}`, { redirect: 'manual', signal: AbortSignal.timeout(3_000) });
      expect(r.status).toBe(500);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(r.headers.get('location')).toBeNull();
      expect(await r.json()).toEqual({ error: 'internal error' });
      expect(errors).toHaveLength(1);
      expect((await fetch(`http://127.0.0.1:${server.port}/invoices/${localId}`, { signal: AbortSignal.timeout(3_000) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('answers 500 when a handler throws', async () => {
    const errors: unknown[] = [];
    const throwing: Probes = { ...okProbes, health: () => { throw new Error('probe broke'); } };
    const server = await startOpsServer({ host: '127.0.0.1', port: 0, deps: ops({ probes: throwing }), onError: (e) => errors.push(e) });
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(3_000) });
      expect(r.status).toBe(500);
      expect(await r.json()).toEqual({ error: 'internal error' });
      expect(String(errors[0])).toContain('probe broke');
      expect((await fetch(`http://127.0.0.1:${server.port}/readyz`, { signal: AbortSignal.timeout(3_000) })).status).toBe(503);
    } finally {
      await server.close();
    }
  });
});

describe('probes', () => {
  const fake = (state: ProbedInstance['state'], tasks?: Record<string, TaskState>): ProbedInstance => ({
    state, fatalError: state === 'ERROR' ? new Error('boom') : undefined, taskStates: () => (tasks ? new Map(Object.entries(tasks)) : undefined), stalledTasks: () => [],
  });

  it('is ready only when every assigned task runs', () => {
    const cases: Array<[ProbedInstance, boolean, string | undefined]> = [
      [fake('CREATED'), false, 'instance is CREATED'],
      [fake('RUNNING'), false, 'waiting for the first assignment'],
      [fake('RUNNING', { '0_0': 'running', '1_0': 'restoring' }), false, 'restoring'],
      [fake('RUNNING', { '0_0': 'running', '1_0': 'running' }), true, undefined],
      [fake('RUNNING', {}), true, undefined],
    ];
    for (const [instance, ok, reason] of cases) {
      const probes = streamsProbes(instance);
      const r = probes.readiness();
      probes.stop();
      expect(r.ok).toBe(ok);
      expect(r.detail.reason).toBe(reason);
    }
  });

  it('is neither alive nor ready while a task is stalled', () => {
    const stalled: ProbedInstance = { ...fake('RUNNING', { '1_0': 'running', '1_1': 'running' }), stalledTasks: () => ['1_1'] };
    const probes = streamsProbes(stalled);
    expect(probes.health()).toEqual({ ok: false, detail: { status: 'down', state: 'RUNNING', reason: 'tasks stalled', stalled: ['1_1'] } });
    expect(probes.readiness()).toEqual({ ok: false, detail: { ready: false, reason: 'tasks stalled', stalled: ['1_1'] } });
    probes.stop();
  });

  it('is not alive after a fatal error', () => {
    const probes = streamsProbes(fake('ERROR'));
    expect(probes.health()).toEqual({ ok: false, detail: { status: 'down', state: 'ERROR', error: 'boom' } });
    probes.stop();
    const running = streamsProbes(fake('RUNNING'));
    expect(running.health().ok).toBe(true);
    running.stop();
  });
});

describe('partitioner', () => {
  it('hashes as kafkajs (Java-compatible) murmur2 did', () => {
    // Values kafkajs 2.2.4's murmur2 gave (recorded when it left the project, 2026-12-06): every
    // tail length (0-3 bytes), multi-byte UTF-8, the project's own key shapes.
    const known: Array<[string, number]> = [
      ['', 275646681], ['a', -1563381124], ['ab', 316155434], ['abc', 479470107], ['abcd', -1323649548],
      ['inv_ord_1_0000219', 2071209152], ['ünïcødé', 2147241326], ['["cli_1","EUR"]', -1461356496],
      ['inv_7919', 1907908613], ['inv_1575881', 1799068981],
    ];
    for (const [key, hash] of known) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });

  it('matches Kafka for known keys', () => {
    // Values from Kafka's own UtilsTest.testMurmur2 (as signed ints).
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(partitionForKey('foobar', 3)).toBe((-790332482 & 0x7fffffff) % 3);
  });
});
