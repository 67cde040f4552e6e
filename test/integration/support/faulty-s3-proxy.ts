// An HTTP proxy in front of an S3-compatible server that answers chosen requests with
// `503 SlowDown`, as S3 does under load: either before the request reaches the store (it never
// happened) or after the store applied it (the answer was lost, the client cannot tell).
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the fault hooks see it. */
export interface ProxiedRequest {
  /** 1 for the first request through the proxy, 2 for the next, ... */
  n: number;
  method: string;
  /** Path and query (`/bucket/key?x-id=PutObject`). */
  url: string;
  /** True for a PUT with `If-None-Match: *` (a put-if-absent). */
  conditional: boolean;
}

/** Which requests fail, and how. */
export interface S3Faults {
  /** Answer 503 SlowDown without forwarding. */
  refuse?(req: ProxiedRequest): boolean;
  /** Forward, let the store apply the request, then answer 503 SlowDown instead of its answer. */
  loseAnswer?(req: ProxiedRequest): boolean;
}

/** A running proxy. */
export interface FaultyS3Proxy {
  endpoint: string;
  /** What went through, what was refused, whose answer was lost. */
  counts: { requests: number; refused: number; answersLost: number; conditionalAnswersLost: number };
  close(): Promise<void>;
}

const SLOW_DOWN = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'expect', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** Starts a proxy to `target` (`http://host:port`) on a free port. */
export async function faultyS3Proxy(target: string, faults: S3Faults): Promise<FaultyS3Proxy> {
  const to = new URL(target);
  const counts = { requests: 0, refused: 0, answersLost: 0, conditionalAnswersLost: 0 };
  const slowDown = (res: import('node:http').ServerResponse): void => {
    res.writeHead(503, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(SLOW_DOWN) });
    res.end(SLOW_DOWN);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const seen: ProxiedRequest = {
        n: ++counts.requests, method: req.method ?? 'GET', url: req.url ?? '/',
        conditional: req.method === 'PUT' && req.headers['if-none-match'] === '*',
      };
      if (faults.refuse?.(seen)) {
        counts.refused++;
        slowDown(res);
        return;
      }
      const headers: IncomingHttpHeaders = {};
      for (const [k, v] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(k)) headers[k] = v;
      const body = Buffer.concat(chunks);
      headers['content-length'] = String(body.length);
      const up = request({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, upRes => {
        const got: Buffer[] = [];
        upRes.on('data', (c: Buffer) => got.push(c));
        upRes.on('end', () => {
          if (faults.loseAnswer?.(seen)) {
            counts.answersLost++;
            if (seen.conditional) counts.conditionalAnswersLost++;
            slowDown(res);
            return;
          }
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(upRes.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
          res.writeHead(upRes.statusCode ?? 502, out);
          res.end(Buffer.concat(got));
        });
      });
      up.on('error', () => { res.writeHead(502); res.end(); });
      up.end(body);
    });
  });
  await new Promise<void>(ok => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    close: () => new Promise<void>(ok => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}
