// The HTTP servers (node:http, no framework), two ports: operations (/metrics, /healthz, /readyz:
// kubelet and Prometheus, unauthenticated) and interactive queries (clients, bearer token), so a
// NetworkPolicy can open each to its own callers. Started by `invoice-stream run` (the sink stage
// serves operations only), closed on shutdown. A request never takes the process down: whatever
// its handler throws, or writing its response throws (a header value node refuses), costs that
// request a 500 and reaches `onError`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticate, type QueryAuth } from './auth.ts';
import { routeOps, routeQueries, type HttpResponse, type OpsDeps, type QueryDeps } from './routes.ts';

/** A listening server. */
export interface HttpServer {
  /** The bound port (useful with port 0 in tests). */
  readonly port: number;
  /** Stops accepting, ends idle keep-alive connections, resolves when closed. */
  close(): Promise<void>;
}

/** Where a server listens and whom it tells about failed requests. */
export interface ListenOptions {
  host: string;
  port: number;
  /** Called when a request fails (the client gets a 500) or the server reports an error. Never given a request header. */
  onError?: (error: unknown) => void;
}

/** Options of startOpsServer. */
export interface OpsServerOptions extends ListenOptions {
  /** Read per request: fill it in place once the instance exists. */
  deps: OpsDeps;
}

/** Options of startQueryServer. */
export interface QueryServerOptions extends ListenOptions {
  /** Read per request: fill it in place once the instance exists. */
  deps: QueryDeps;
  auth: QueryAuth;
}

/** Turns a request into a response. */
type Handler = (req: IncomingMessage) => Promise<HttpResponse>;

const INTERNAL_ERROR = '{"error":"internal error"}\n';

/** Starts the operations server (/metrics, /healthz, /readyz); resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<HttpServer> {
  return serve(options, (req) => routeOps(req.method ?? 'GET', req.url ?? '/', options.deps));
}

/** Starts the query server; every request is authenticated before it is routed. Resolves once it listens. */
export async function startQueryServer(options: QueryServerOptions): Promise<HttpServer> {
  return serve(options, async (req) => authenticate(req.headers.authorization, options.auth) ?? routeQueries(req.method ?? 'GET', req.url ?? '/', options.deps));
}

async function serve({ host, port, onError }: ListenOptions, handle: Handler): Promise<HttpServer> {
  const report = (error: unknown): void => {
    try {
      onError?.(error);
    } catch {
      // A failing error reporter must not turn into the crash it reports.
    }
  };
  const server: Server = createServer((req, res) => void respond(req, res, handle, report));
  // Requests are short (probes, scrapes, queries): do not let a stuck client hold a socket open for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // Once listening, a server error (e.g. from accept) is reported, never thrown as 'error' with no listener.
  server.on('error', report);
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

async function respond(req: IncomingMessage, res: ServerResponse, handle: Handler, report: (error: unknown) => void): Promise<void> {
  try {
    const r = await handle(req);
    res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
    res.end(req.method === 'HEAD' ? undefined : r.body);
  } catch (error) {
    report(error);
    try {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Drop whatever a failed writeHead left set before answering.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      res.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(INTERNAL_ERROR.length) });
      res.end(INTERNAL_ERROR);
    } catch {
      res.destroy();
    }
  }
}
