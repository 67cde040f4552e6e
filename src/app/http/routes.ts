// The HTTP routes as a pure function of (method, URL) → response, so routing, 404s and bad input
// are unit-tested without sockets. A key owned by another instance answers 307 with `Location` on
// the owner and a JSON body {owner}; clients that follow redirects get the answer transparently.
import type { Registry } from 'prom-client';
import { parseDate } from '../../invoice/time.ts';
import type { QueryHost } from '../queries/host.ts';
import { queryAging, queryClientBalances, queryInvoice, type QueryResult } from '../queries/invoice-queries.ts';
import type { Probes } from './probes.ts';

/** A response to write. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the routes serve from. */
export interface RouteDeps {
  /** The prom-client registry of /metrics; absent when metrics are disabled. */
  registry?: Registry;
  probes: Probes;
  /** Interactive queries; absent until the instance is built. */
  queries?: QueryHost;
}

const JSON_TYPE = 'application/json; charset=utf-8';
// invoice and client ids: the contract's event ids are 1-128 chars; keep ids printable and bounded.
const MAX_ID_LENGTH = 256;

function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return { status, headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store', ...headers }, body: `${JSON.stringify(body)}\n` };
}

function decodeId(raw: string): string | undefined {
  try {
    const id = decodeURIComponent(raw);
    return id.length > 0 && id.length <= MAX_ID_LENGTH && ![...id].some((c) => c.charCodeAt(0) < 0x20) ? id : undefined;
  } catch {
    return undefined;
  }
}

function answer<T>(result: QueryResult<T>, path: string, what: string): HttpResponse {
  switch (result.kind) {
    case 'found':
      return json(200, result.value);
    case 'not_found':
      return json(404, { error: `${what} not found` });
    case 'elsewhere':
      return json(307, { owner: result.owner, partition: result.partition }, { location: `http://${result.owner}${path}` });
    case 'unavailable':
      return json(503, { error: result.reason }, { 'retry-after': '1' });
  }
}

/** Routes one request. `url` is the request target (path and query). */
export async function route(method: string, url: string, deps: RouteDeps): Promise<HttpResponse> {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://localhost');
  } catch {
    return json(400, { error: 'bad request target' });
  }
  const path = parsed.pathname;
  const target = `${path}${parsed.search}`;
  const known = path === '/metrics' || path === '/healthz' || path === '/readyz' || path.startsWith('/invoices/') || path.startsWith('/clients/') || path === '/reports/aging';
  if (!known) return json(404, { error: `no route ${path}` });
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: `${method} not allowed` }, { allow: 'GET, HEAD' });

  if (path === '/metrics') {
    if (!deps.registry) return json(404, { error: 'metrics are disabled' });
    return { status: 200, headers: { 'content-type': deps.registry.contentType }, body: await deps.registry.metrics() };
  }
  if (path === '/healthz') {
    const r = deps.probes.health();
    return json(r.ok ? 200 : 503, r.detail);
  }
  if (path === '/readyz') {
    const r = deps.probes.readiness();
    return json(r.ok ? 200 : 503, r.detail);
  }
  const queries = deps.queries;
  if (!queries) return json(503, { error: 'queries are not available yet' }, { 'retry-after': '1' });

  const invoice = /^\/invoices\/([^/]+)$/.exec(path);
  if (invoice) {
    const id = decodeId(invoice[1] as string);
    if (id === undefined) return json(400, { error: 'bad invoice id' });
    return answer(await queryInvoice(queries, id), target, `invoice ${id}`);
  }
  const balances = /^\/clients\/([^/]+)\/balances$/.exec(path);
  if (balances) {
    const id = decodeId(balances[1] as string);
    if (id === undefined) return json(400, { error: 'bad client id' });
    return answer(await queryClientBalances(queries, id), target, `client ${id}`);
  }
  if (path === '/reports/aging') {
    const asOf = parsed.searchParams.get('as_of');
    const day = asOf === null ? undefined : parseDate(asOf);
    if (asOf === null || day === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) return json(400, { error: 'as_of: expected a date YYYY-MM-DD' });
    return answer(await queryAging(queries, day), target, 'aging');
  }
  return json(404, { error: `no route ${path}` });
}
