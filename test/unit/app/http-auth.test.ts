// The two HTTP surfaces over real node:http servers: queries behind a bearer token on their port
// (401 with a WWW-Authenticate challenge otherwise), probes and /metrics open on the operations
// port and nowhere else, a redirect to the owner answered there for the same token, no token
// configured refusing the start unless `http.auth` is `none`, and the token never echoed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig, redactConfig } from '../../../src/app/config.ts';
import { authenticate, queryAuth, type QueryAuth } from '../../../src/app/http/auth.ts';
import type { Probes } from '../../../src/app/http/probes.ts';
import { startOpsServer, startQueryServer, type HttpServer } from '../../../src/app/http/server.ts';
import { createMetrics } from '../../../src/app/metrics.ts';
import { startLiveInstance } from '../../../src/app/observe/live.ts';
import { localReads, type QueryHost } from '../../../src/app/queries/host.ts';
import { partitionForKey } from '../../../src/runtime/client/partitioner.ts';
import { Stores, type KeyValueStore } from '../../../src/engine/index.ts';
import type { InvoiceState } from '../../../src/invoice/invoice.ts';

const TOKEN = 'q7Rk2-vX9_pL4.mN8~tY3+wZ6/aB1cD=';
const OTHER = 'a-perfectly-valid-but-wrong-token';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const tokenAuth = (...tokens: string[]): QueryAuth => queryAuth({ host: '127.0.0.1', port: 0, auth: 'token', tokenFile: '/run/token' }, () => tokens.join('\n'));

describe('queryAuth: where the token comes from', () => {
  const http = { host: '0.0.0.0', port: 8080, auth: 'token' as const };

  it('refuses to run with no token unless http.auth is none, naming the fields and variables', () => {
    let error: unknown;
    try {
      queryAuth(http);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^config: http\.token: queries need a token: set http\.token or http\.tokenFile \(env INVOICE_STREAM_HTTP_TOKEN or INVOICE_STREAM_HTTP_TOKEN_FILE\), or http\.auth to none/);
    expect(queryAuth({ ...http, auth: 'none' })).toEqual({ kind: 'none' });
  });

  it('reads a Secret mounted as a file, one token per line (old and new during a rotation)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'query-token-'));
    const file = join(dir, 'token');
    writeFileSync(file, `${TOKEN}\n\n  ${OTHER}  \n`);
    const auth = queryAuth({ ...http, tokenFile: file });
    expect(authenticate(`Bearer ${TOKEN}`, auth)).toBeUndefined();
    expect(authenticate(`Bearer ${OTHER}`, auth)).toBeUndefined();
    expect(authenticate('Bearer yet-another-valid-token-0', auth)?.status).toBe(401);
  });

  it('rejects an unreadable or empty file and a malformed line, never quoting a token', () => {
    const message = (read: () => string): string => {
      try {
        queryAuth({ ...http, tokenFile: '/run/token' }, read);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('expected a ConfigError');
    };
    expect(message(() => { throw Object.assign(new Error('nope'), { code: 'ENOENT' }); })).toBe('config: http.tokenFile: cannot read /run/token (ENOENT)');
    expect(message(() => '\n \n')).toBe('config: http.tokenFile: /run/token holds no token');
    const bad = message(() => `${TOKEN}\n${TOKEN} trailing-part\n`);
    expect(bad).toContain('config: http.tokenFile: /run/token line 2: expected a token of 16+ characters');
    expect(bad).not.toContain(TOKEN);
    expect(message(() => 'short')).toContain('line 1');
  });
});

describe('authenticate', () => {
  const auth = tokenAuth(TOKEN);

  it('lets the right token through, whatever the case of the scheme', () => {
    expect(authenticate(`Bearer ${TOKEN}`, auth)).toBeUndefined();
    expect(authenticate(`bearer  ${TOKEN}`, auth)).toBeUndefined();
    expect(authenticate(undefined, { kind: 'none' })).toBeUndefined();
  });

  it('answers 401 with a bare challenge without credentials, and invalid_token with wrong ones', () => {
    const missing = authenticate(undefined, auth);
    expect(missing?.status).toBe(401);
    expect(missing?.headers['www-authenticate']).toBe('Bearer realm="invoice-stream"');
    for (const header of [`Bearer ${OTHER}`, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, `Bearer ${TOKEN} ${TOKEN}`, 'Bearer', TOKEN]) {
      const r = authenticate(header, auth);
      expect(r?.status, header).toBe(401);
      expect(r?.headers['www-authenticate'], header).toBe('Bearer realm="invoice-stream", error="invalid_token"');
      expect(r?.body, header).not.toContain(TOKEN);
    }
  });
});

const PARTITIONS = 2;
const ids = Array.from({ length: 20 }, (_, i) => `inv_${i}`);
const onPartition = (p: number): string => ids.find((id) => partitionForKey(id, PARTITIONS) === p) as string;

/** Instance `self` running partition `local` of the invoices store; the other partition is `peer()`'s. */
function instance(self: () => string, local: number, peer: () => string): QueryHost {
  const store = Stores.keyValueStoreBuilder<InvoiceState>(Stores.inMemoryKeyValueStore('invoices')).build();
  const id = onPartition(local);
  store.put(id, {
    invoiceId: id, orderId: id, clientId: 'cli', currency: 'EUR', scale: 2, invoiceTotal: '10.00', amountPaid: '0', issueDay: 20_000, dueDay: 20_030,
    paidAt: null, sentAt: null, viewedAt: null, disputed: false, voided: false, status: 'open', version: 1, updatedAt: 0,
  });
  return {
    get self() {
      return self();
    },
    placement: () => ({ subtopology: 1, partitions: PARTITIONS }),
    ...localReads(<V>(_s: string, p: number) => (p === local ? (store as unknown as KeyValueStore<V>) : undefined)),
    owner: async (_sub, p) => (p === local ? self() : peer()),
  };
}

const probes: Probes = { health: () => ({ ok: true, detail: { status: 'up' } }), readiness: () => ({ ok: true, detail: { ready: true } }), stop: () => {} };

describe('query and operations ports', () => {
  const servers: HttpServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const get = (port: number, path: string, headers: Record<string, string> = {}) =>
    fetch(`http://127.0.0.1:${port}${path}`, { headers, redirect: 'manual', signal: AbortSignal.timeout(3_000) });

  it('serves queries only with the token, probes and metrics only on the operations port', async () => {
    const errors: unknown[] = [];
    let queryPort = 0;
    const queries = instance(() => `127.0.0.1:${queryPort}`, 0, () => 'elsewhere:1');
    const query = await startQueryServer({ host: '127.0.0.1', port: 0, deps: { queries }, auth: tokenAuth(TOKEN), onError: (e) => errors.push(e) });
    queryPort = query.port;
    const ops = await startOpsServer({ host: '127.0.0.1', port: 0, deps: { probes, registry: createMetrics({ defaultMetrics: false }).registry } });
    servers.push(query, ops);
    const path = `/invoices/${onPartition(0)}`;

    const anonymous = await get(query.port, path);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="invoice-stream"');
    const wrong = await get(query.port, path, bearer(OTHER));
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe('Bearer realm="invoice-stream", error="invalid_token"');
    expect(await wrong.text()).not.toContain(OTHER);
    const ok = await get(query.port, path, bearer(TOKEN));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ invoice_id: onPartition(0), outstanding: '10.00' });
    // Nothing of the query port answers without the token, and it serves no operations path.
    for (const p of ['/metrics', '/healthz', '/readyz', '/nope']) {
      expect((await get(query.port, p)).status, p).toBe(401);
      expect((await get(query.port, p, bearer(TOKEN))).status, p).toBe(404);
    }
    // The operations port needs no token and serves no query.
    expect((await get(ops.port, '/healthz')).status).toBe(200);
    expect((await get(ops.port, '/readyz')).status).toBe(200);
    expect(await (await get(ops.port, '/metrics')).text()).toContain('invoice_stream_build_info');
    expect((await get(ops.port, path, bearer(TOKEN))).status).toBe(404);
    expect(errors).toEqual([]);
  });

  it('redirects to the owner, which answers the same token and refuses the request without it', async () => {
    let portA = 0;
    let portB = 0;
    const a = await startQueryServer({ host: '127.0.0.1', port: 0, deps: { queries: instance(() => `127.0.0.1:${portA}`, 0, () => `127.0.0.1:${portB}`) }, auth: tokenAuth(TOKEN) });
    const b = await startQueryServer({ host: '127.0.0.1', port: 0, deps: { queries: instance(() => `127.0.0.1:${portB}`, 1, () => `127.0.0.1:${portA}`) }, auth: tokenAuth(TOKEN) });
    servers.push(a, b);
    portA = a.port;
    portB = b.port;
    const path = `/invoices/${encodeURIComponent(onPartition(1))}?fields=all`;

    // No token, no redirect: who owns what is not told to strangers.
    expect((await get(a.port, path)).status).toBe(401);
    const moved = await get(a.port, path, bearer(TOKEN));
    expect(moved.status).toBe(307);
    const location = moved.headers.get('location') as string;
    expect(location).toBe(`http://127.0.0.1:${b.port}${path}`);
    expect(await moved.json()).toEqual({ owner: `127.0.0.1:${b.port}`, partition: 1 });
    const followed = await fetch(location, { headers: bearer(TOKEN), redirect: 'manual' });
    expect(followed.status).toBe(200);
    expect(await followed.json()).toMatchObject({ invoice_id: onPartition(1) });
    const stripped = await fetch(location, { redirect: 'manual' });
    expect(stripped.status).toBe(401);
  });
});

describe('configuration of the two ports', () => {
  const env = (extra: Record<string, string>) => loadConfig({ argv: [], env: { KAFKA_BROKERS: 'k:1', ...extra }, readFile: () => { throw new Error('no file'); } });
  const fails = (extra: Record<string, string>): string => {
    try {
      env(extra);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults: queries on 8080 behind a token, operations on 9464', () => {
    const c = env({});
    expect(c.http).toEqual({ host: '0.0.0.0', port: 8080, auth: 'token' });
    expect(c.ops).toEqual({ host: '0.0.0.0', port: 9464 });
    const set = env({ INVOICE_STREAM_HTTP_TOKEN_FILE: '/etc/invoice-stream/query-token/token', INVOICE_STREAM_OPS_PORT: '9100', INVOICE_STREAM_OPS_HOST: '127.0.0.1' });
    expect(set.http.tokenFile).toBe('/etc/invoice-stream/query-token/token');
    expect(set.ops).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(env({ INVOICE_STREAM_HTTP_AUTH: 'none' }).http.auth).toBe('none');
  });

  it('rejects one port for both, two token sources, a token beside auth none, and a weak token (never quoting it)', () => {
    expect(fails({ INVOICE_STREAM_OPS_PORT: '8080' })).toContain('config: ops.port: must differ from http.port (8080)');
    expect(fails({ INVOICE_STREAM_HTTP_TOKEN: TOKEN, INVOICE_STREAM_HTTP_TOKEN_FILE: '/t' })).toContain('config: http.tokenFile: give http.token or http.tokenFile, not both');
    expect(fails({ INVOICE_STREAM_HTTP_TOKEN: TOKEN, INVOICE_STREAM_HTTP_AUTH: 'none' })).toContain('config: http.auth: none contradicts the configured token');
    const weak = fails({ INVOICE_STREAM_HTTP_TOKEN: 'tooShort1' });
    expect(weak).toContain('config: http.token: expected a token of 16+ characters');
    expect(weak).not.toContain('tooShort1');
    const spaced = fails({ INVOICE_STREAM_HTTP_TOKEN: `${TOKEN} x` });
    expect(spaced).not.toContain(TOKEN);
    expect(env({ INVOICE_STREAM_HTTP_PORT: '0', INVOICE_STREAM_OPS_PORT: '0' }).ops.port).toBe(0);
  });

  it('redacts the token', () => {
    const c = env({ INVOICE_STREAM_HTTP_TOKEN: TOKEN });
    expect(JSON.stringify(redactConfig(c))).not.toContain(TOKEN);
    expect(c.http.token).toBe(TOKEN);
  });

  it('run refuses to start without a token before anything starts', async () => {
    const config = parseConfig({ brokers: ['127.0.0.1:1'], schemaRegistry: { url: 'http://127.0.0.1:1' }, http: { host: '127.0.0.1', port: 0 }, ops: { host: '127.0.0.1', port: 0 } });
    await expect(startLiveInstance(config, { log: () => {} })).rejects.toThrow(ConfigError);
  });
});
