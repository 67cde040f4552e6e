// The operations HTTP server (node:http, no framework): /metrics, /healthz, /readyz and the
// interactive queries. Started by `invoice-stream run`, closed on shutdown.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { route, type RouteDeps } from './routes.ts';

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
  /** Called when a handler throws (the client gets a 500). */
  onError?: (error: unknown) => void;
}

/** Starts the server; resolves once it listens. */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    route(req.method ?? 'GET', req.url ?? '/', options.deps).then(
      (r) => {
        res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
        res.end(req.method === 'HEAD' ? undefined : r.body);
      },
      (error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end('{"error":"internal error"}\n');
      },
    );
  });
  // Scrapes and probes are short: do not let a stuck client hold a socket open for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
