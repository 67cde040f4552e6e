// The operations HTTP server (node:http, no framework): /metrics, /healthz, /readyz and the
// interactive queries. Started by `invoice-stream run`, closed on shutdown. A request never takes
// the process down: whatever its handler throws, or writing its response throws (a header value
// node refuses), costs that request a 500 and reaches `onError`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { route, type HttpResponse, type RouteDeps } from './routes.ts';

/** A listening server. */
export interface OpsServer {
  /** The bound port (useful with port 0 in tests). */
  readonly port: number;
  /** Stops accepting, ends idle keep-alive connections, resolves when closed. */
  close(): Promise<void>;
}

/** Options of startOpsServer. */
export interface OpsServerOptions {
  host: string;
  port: number;
  deps: RouteDeps;
  /** Called when a request fails (the client gets a 500) or the server reports an error. */
  onError?: (error: unknown) => void;
}

/** Turns a request into a response. */
type Handler = (req: IncomingMessage) => Promise<HttpResponse>;

const INTERNAL_ERROR = '{"error":"internal error"}\n';

/** Starts the server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  return serve(options.host, options.port, (req) => route(req.method ?? 'GET', req.url ?? '/', options.deps), options.onError);
}

async function serve(host: string, port: number, handle: Handler, onError?: (error: unknown) => void): Promise<OpsServer> {
  const report = (error: unknown): void => {
    try {
      onError?.(error);
    } catch {
      // A failing error reporter must not turn into the crash it reports.
    }
  };
  const server: Server = createServer((req, res) => void respond(req, res, handle, report));
  // Scrapes and probes are short: do not let a stuck client hold a socket open for long.
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
