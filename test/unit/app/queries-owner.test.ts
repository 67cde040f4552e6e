// A peer's advertised address comes from the group's member metadata, written by another process.
// Only a host name or IP literal with a port in 1-65535 may become a redirect's Location; any other
// value makes that peer unknown (503 for its keys, one warning), and never reaches writeHead.
import { describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../../src/engine/index.ts';
import { routeQueries as route } from '../../../src/app/http/routes.ts';
import { startQueryServer } from '../../../src/app/http/server.ts';
import { formatEndpoint, parseEndpoint } from '../../../src/app/queries/endpoint.ts';
import { partitionForKey } from '../../../src/runtime/client/partitioner.ts';
import { streamsQueryHost, type QueriedInstance } from '../../../src/app/queries/streams-host.ts';
import type { GroupMember } from '../../../src/runtime/index.ts';

describe('parseEndpoint', () => {
  it('accepts host names and IP literals with a port in 1-65535', () => {
    expect(parseEndpoint('invoice-stream-0.invoice-stream-headless.ar.svc:8080')).toEqual({ host: 'invoice-stream-0.invoice-stream-headless.ar.svc', port: 8080 });
    expect(parseEndpoint('10.0.0.7:1')).toEqual({ host: '10.0.0.7', port: 1 });
    expect(parseEndpoint('[fd00::1]:65535')).toEqual({ host: 'fd00::1', port: 65_535 });
    expect(parseEndpoint('build_host:9000')).toEqual({ host: 'build_host', port: 9000 });
    expect(formatEndpoint({ host: 'fd00::1', port: 8080 })).toBe('[fd00::1]:8080');
  });

  it('rejects everything else', () => {
    const bad = [
      'a:8080\r\nset-cookie: x=1', 'a\r\n:8080', 'a:8080\n', ' a:8080', 'a b:8080', 'a:0', 'a:65536', 'a:08080', 'a:80a', 'a:', ':8080', 'a',
      'user@a:8080', 'a/b:8080', 'a:8080/path', 'a?x:8080', '-a:8080', 'a-.b:8080', 'a..b:8080', '1.2.3.999:8080', 'fd00::1:8080',
      '[not-v6]:8080', '[::1]8080', `${'a'.repeat(64)}:8080`, `${'a.'.repeat(127)}a:8080`, 'é:8080',
    ];
    for (const text of bad) expect(parseEndpoint(text), JSON.stringify(text)).toBeUndefined();
  });
});

const PARTITIONS = 4;
const TOPIC = 'app-invoices-repartition';
const ids = Array.from({ length: 40 }, (_, i) => `inv_${i}`);
const onPartition = (p: number): string => ids.find((id) => partitionForKey(id, PARTITIONS) === p) as string;

/** Member `id` advertising `endpoint` and owning `partitions` of the invoices sub-topology. */
function member(id: string, endpoint: string, partitions: number[]): GroupMember {
  return { memberId: id, userData: Buffer.from(JSON.stringify({ instanceId: id, owned: [], onDisk: [], endpoint })), partitions: new Map([[TOPIC, partitions]]) };
}

/** An instance running partition 0 of the invoices store, with the group's members as given. */
function instance(members: GroupMember[]): QueriedInstance & { describes: number } {
  const invoices = { get: () => undefined, range: () => [] } as unknown as KeyValueStore<unknown>;
  const fake = {
    describes: 0,
    layout: { subtopologies: [{ id: 1, sourceTopics: [TOPIC], partitions: PARTITIONS, changelogs: [{ store: 'invoices', topic: 'app-invoices-changelog' }] }], internalTopics: [], repartitionTopics: [], physicalName: (t: string) => t },
    taskStates: () => new Map([['1_0', 'running' as const]]),
    store: (task: string) => (task === '1_0' ? invoices : undefined),
    groupMembers: async () => {
      fake.describes++;
      return members;
    },
  };
  return fake;
}

describe('owners from group metadata', () => {
  it('redirects to a valid peer, and answers 503 (never a Location) for a peer with an invalid endpoint, warning once', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const streams = instance([
      member('a', 'a:8080', [0]),
      member('b', 'b.example:8080', [1]),
      member('evil', 'c:8080\r\nset-cookie: session=stolen', [2]),
      member('far', 'd:99999', [3]),
    ]);
    const queries = streamsQueryHost(streams, { self: 'a:8080', membersTtlMs: 60_000, warn: (_m, fields) => warnings.push(fields) });
    const moved = await route('GET', `/invoices/${onPartition(1)}`, { queries });
    expect(moved.status).toBe(307);
    expect(moved.headers.location).toBe(`http://b.example:8080/invoices/${onPartition(1)}`);
    for (const partition of [2, 3]) {
      for (let i = 0; i < 2; i++) {
        const r = await route('GET', `/invoices/${onPartition(partition)}`, { queries });
        expect(r.status).toBe(503);
        expect(r.headers.location).toBeUndefined();
        expect(JSON.parse(r.body)).toEqual({ error: `no owner known for partition ${partition} (rebalancing?)` });
      }
    }
    // One warning per bad address, however often it is asked for, with the value quoted.
    expect(warnings).toEqual([
      { member: 'evil', endpoint: JSON.stringify('c:8080\r\nset-cookie: session=stolen') },
      { member: 'far', endpoint: JSON.stringify('d:99999') },
    ]);
    // Owners listed in aging and balances answers are checked alike.
    const aging = JSON.parse((await route('GET', '/reports/aging?as_of=2024-01-01', { queries })).body) as { elsewhere: string[] };
    expect(aging.elsewhere).toEqual(['b.example:8080']);
  });

  it('serves the 503 over node:http and keeps serving', async () => {
    const queries = streamsQueryHost(instance([member('evil', 'c:8080\r\nx: y', [1, 2, 3])]), { self: 'a:8080' });
    const server = await startQueryServer({ host: '127.0.0.1', port: 0, deps: { queries }, auth: { kind: 'none' } });
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/invoices/${onPartition(2)}`, { redirect: 'manual', signal: AbortSignal.timeout(3_000) });
      expect(r.status).toBe(503);
      expect(r.headers.get('x')).toBeNull();
      expect((await fetch(`http://127.0.0.1:${server.port}/invoices/${onPartition(0)}`, { signal: AbortSignal.timeout(3_000) })).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
