// Interactive query routing across two live instances on the real broker: each advertises its
// address in the group, a key on the other instance's partition answers 307 to that address, and
// following it with the same bearer token gives the invoice from either instance.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/app/config.ts';
import { startLiveInstance, type LiveInstance } from '../../src/app/observe/live.ts';
import { partitionForKey } from '../../src/runtime/client/partitioner.ts';
import { createKafkaClient, liveConfig, liveUrl, outputTopics, runTopics, runTopicsToDelete } from './support/live-pipeline.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { testStack } from '../stack/env.ts';
import { produceRaw } from './chaos/workload.ts';
import { until } from './support/until.ts';

describe('ops: query routing between instances', () => {
  const run = `opsr-${Date.now()}`;
  const t = runTopics(run);
  const dirs: string[] = [];
  const instances: LiveInstance[] = [];
  let admin: RuntimeAdmin;
  // One token for the whole deployment (one Secret): the owner accepts what the redirecting instance accepted.
  const token = `routing-token-${run}`;
  const authorization = { authorization: `Bearer ${token}` };

  const config = (name: string): Config => {
    const stack = testStack();
    const stateDir = mkdtempSync(join(tmpdir(), `ops-routing-${name}-`));
    dirs.push(stateDir);
    return liveConfig(run, t, {
      brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir, commitIntervalMs: 200,
      clientId: `${run}-${name}`, groupInstanceId: `${run}-${name}`, queryToken: token,
    });
  };

  beforeAll(async () => {
    admin = await createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: `${run}-admin` }).admin();
    await admin.createTopics([
      ...[t.orders, t.payments, t.activity].map((name) => ({ name, partitions: 4 })),
      ...outputTopics(t).map((name) => ({ name, partitions: 1 })),
    ]);
  });

  afterAll(async () => {
    for (const i of instances) await i.close().catch(() => undefined);
    await admin?.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
    await admin?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('redirects a key to the instance that owns its partition', async () => {
    const lines = [{ sku: 'A', quantity: 1, unit_price: '10.00', tax_rate: '0' }];
    const ids = Array.from({ length: 12 }, (_, i) => `ord_${i}`);
    await produceRaw(testStack().kafkaBrokers, t.orders, ids.map((id, i) => ({
      key: id,
      value: JSON.stringify({ event_id: `o${i}`, event_type: 'order.placed', occurred_at: new Date().toISOString(), order_id: id, client_id: 'cli', currency: 'EUR', lines }),
    })));
    const a = await startLiveInstance(config('a'), { log: () => {} });
    instances.push(a);
    const url = (i: LiveInstance, path: string): string => `http://${i.applicationServer}${path}`;
    for (const id of ids) await until(`inv_${id} on a`, 60_000, async () => ((await fetch(url(a, `/invoices/inv_${id}`), { headers: authorization })).status === 200 ? true : undefined));

    const b = await startLiveInstance(config('b'), { log: () => {} });
    instances.push(b);
    // Both ready with tasks split between them (the newcomer restored its stores from changelogs).
    await until('both ready with tasks', 90_000, async () => {
      const [ra, rb] = [await fetch(liveUrl(a, '/readyz')), await fetch(liveUrl(b, '/readyz'))];
      const both = ra.status === 200 && rb.status === 200 && (a.streams.taskStates()?.size ?? 0) > 0 && (b.streams.taskStates()?.size ?? 0) > 0;
      return both ? true : undefined;
    });
    const owns = (i: LiveInstance, id: string): boolean => i.streams.taskStates()?.get(`1_${partitionForKey(`inv_${id}`, 4)}`) === 'running';
    expect(ids.some((id) => owns(a, id))).toBe(true);
    expect(ids.some((id) => owns(b, id))).toBe(true);

    let redirected = 0;
    for (const id of ids) {
      // Ask a; the owner answers, the other redirects to it.
      const owner = owns(a, id) ? a : b;
      const other = owner === a ? b : a;
      const direct = await until(`owner answers inv_${id}`, 30_000, async () => {
        const r = await fetch(url(owner, `/invoices/inv_${id}`), { redirect: 'manual', headers: authorization });
        return r.status === 200 ? ((await r.json()) as { invoice_id: string; status: string }) : undefined;
      });
      expect(direct).toMatchObject({ invoice_id: `inv_${id}`, status: 'open' });
      const moved = await until(`redirect for inv_${id}`, 30_000, async () => {
        const r = await fetch(url(other, `/invoices/inv_${id}`), { redirect: 'manual', headers: authorization });
        return r.status === 307 ? r : undefined;
      });
      expect(moved.headers.get('location')).toBe(url(owner, `/invoices/inv_${id}`));
      expect(await moved.json()).toEqual({ owner: owner.applicationServer, partition: partitionForKey(`inv_${id}`, 4) });
      // A client that follows the redirect with its token gets the invoice from either instance
      // (fetch drops Authorization on a redirect to another origin: follow by hand, as documented).
      const followed = await fetch(moved.headers.get('location') as string, { headers: authorization });
      expect(followed.status).toBe(200);
      expect(await followed.json()).toMatchObject({ invoice_id: `inv_${id}` });
      redirected++;
    }
    expect(redirected).toBe(ids.length);

    // The aging report from one instance is partial and names the other.
    const aging = (await (await fetch(url(a, '/reports/aging?as_of=2020-01-01'), { headers: authorization })).json()) as { complete: boolean; elsewhere: string[] };
    expect(aging).toMatchObject({ complete: false, elsewhere: [b.applicationServer] });
  });
});
