// The HTTP routes as pure functions of (method, URL) → response, so routing, 404s and bad input
// are unit-tested without sockets. Two surfaces on two ports (server.ts): operations (/metrics,
// /healthz, /readyz) for the kubelet and Prometheus, and interactive queries for clients, behind
// a bearer token (auth.ts). A key owned by another instance answers 307 with `Location` on the
// owner and a JSON body {owner}; clients that follow redirects get the answer transparently.
import type { Registry } from 'prom-client';
import { parseDate } from '../../values/time.ts';
import type { QueryHost } from '../queries/host.ts';
import { queryAging, queryClientBalances, queryInvoice, type QueryResult } from '../queries/invoice-queries.ts';
import type { Probes } from './probes.ts';

/** A response to write. */
export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the operations routes serve from. */
export interface OpsDeps {
  /** The prom-client registry of /metrics (or one that merges several: threads/metrics.ts); absent when metrics are disabled. */
  registry?: Pick<Registry, 'contentType' | 'metrics'>;
  probes: Probes;
}

/** What the query routes serve from. */
export interface QueryDeps {
  /** Interactive queries; absent until the instance is built. */
  queries?: QueryHost;
}

const JSON_TYPE = 'application/json; charset=utf-8';
// invoice and client ids: the contract's event ids are 1-128 chars; keep ids printable and bounded.
const MAX_ID_LENGTH = 256;

/** A JSON response, never cached. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
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

/** The request target parsed, or the 4xx that answers it: unknown path, other method. */
function target(method: string, url: string, known: (path: string) => boolean): URL | HttpResponse {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://localhost');
  } catch {
    return json(400, { error: 'bad request target' });
  }
  if (!known(parsed.pathname)) return json(404, { error: `no route ${parsed.pathname}` });
  if (method !== 'GET' && method !== 'HEAD') return json(405, { error: `${method} not allowed` }, { allow: 'GET, HEAD' });
  return parsed;
}

const OPS_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** Routes one request on the operations port. `url` is the request target (path and query). */
export async function routeOps(method: string, url: string, deps: OpsDeps): Promise<HttpResponse> {
  const parsed = target(method, url, (path) => OPS_PATHS.has(path));
  if (!(parsed instanceof URL)) return parsed;
  if (parsed.pathname === '/metrics') {
    if (!deps.registry) return json(404, { error: 'metrics are disabled' });
    return { status: 200, headers: { 'content-type': deps.registry.contentType }, body: await deps.registry.metrics() };
  }
  const r = parsed.pathname === '/healthz' ? deps.probes.health() : deps.probes.readiness();
  return json(r.ok ? 200 : 503, r.detail);
}

/** Routes one (authenticated) request on the query port. `url` is the request target (path and query). */
export async function routeQueries(method: string, url: string, deps: QueryDeps): Promise<HttpResponse> {
  const parsed = target(method, url, (path) => path.startsWith('/invoices/') || path.startsWith('/clients/') || path === '/reports/aging');
  if (!(parsed instanceof URL)) return parsed;
  const path = parsed.pathname;
  const queries = deps.queries;
  if (!queries) return json(503, { error: 'queries are not available yet' }, { 'retry-after': '1' });
  // The owner is asked the very same request: path and query string.
  const same = `${path}${parsed.search}`;

  const invoice = /^\/invoices\/([^/]+)$/.exec(path);
  if (invoice) {
    const id = decodeId(invoice[1] as string);
    if (id === undefined) return json(400, { error: 'bad invoice id' });
    return answer(await queryInvoice(queries, id), same, `invoice ${id}`);
  }
  const balances = /^\/clients\/([^/]+)\/balances$/.exec(path);
  if (balances) {
    const id = decodeId(balances[1] as string);
    if (id === undefined) return json(400, { error: 'bad client id' });
    return answer(await queryClientBalances(queries, id), same, `client ${id}`);
  }
  if (path === '/reports/aging') {
    const asOf = parsed.searchParams.get('as_of');
    const day = asOf === null ? undefined : parseDate(asOf);
    if (asOf === null || day === undefined || !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) return json(400, { error: 'as_of: expected a date YYYY-MM-DD' });
    return answer(await queryAging(queries, day), same, 'aging');
  }
  return json(404, { error: `no route ${path}` });
}
