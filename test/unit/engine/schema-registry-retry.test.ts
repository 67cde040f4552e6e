// The HTTP registry client asks again when the registry is busy (5xx, 429) or unreachable, and
// not when it answers for good (404, an incompatible schema's 409); a 409 from a subject another
// instance just created is answered by the look-up. A local HTTP server scripts the answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpSchemaRegistry, SchemaNotFoundError } from '../../../src/engine/index.ts';

const FAST = { initialDelayMs: 1, maxDelayMs: 5, timeoutMs: 2_000 };
let server: Server | undefined;

/** Serves the scripted statuses in order, then 200 with `body`; counts the requests and keeps their paths. */
async function scripted(statuses: number[], body: unknown): Promise<{ url: string; requests: () => number; paths: string[] }> {
  let n = 0;
  const paths: string[] = [];
  server = createServer((req, res) => {
    paths.push(req.url ?? '');
    const status = statuses[n++] ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(status === 200 ? body : { message: `scripted ${status}`, error_code: status }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n, paths };
}

afterEach(async () => {
  const running = server;
  if (running) await new Promise((resolve) => running.close(resolve));
  server = undefined;
});

describe('HttpSchemaRegistry retries', () => {
  it('registers through a registry that answers 500 and 429 first (a storage lock timeout)', async () => {
    const { url, requests } = await scripted([500, 429, 503], { id: 7 });
    const registry = new HttpSchemaRegistry(url, { retry: FAST });
    await expect(registry.register('invoices-value', '"string"')).resolves.toBe(7);
    expect(requests()).toBe(4);
  });

  it('does not retry an answer that will not change: 404 is a missing schema at once', async () => {
    const { url, requests } = await scripted([404], { schema: '"string"' });
    const registry = new HttpSchemaRegistry(url, { retry: FAST });
    await expect(registry.getSchema(3)).rejects.toBeInstanceOf(SchemaNotFoundError);
    expect(requests()).toBe(1);
  });

  it('gives up with the registry error when it stays busy past the budget', async () => {
    const { url, requests } = await scripted(Array(1000).fill(500), {});
    const registry = new HttpSchemaRegistry(url, { retry: { ...FAST, maxAttempts: 3 } });
    await expect(registry.register('s', '"string"')).rejects.toThrow(/schema registry POST \/subjects\/s\/versions: 500/);
    expect(requests()).toBe(3);
  });

  it('takes a 409 as a race when the subject then holds the schema (Apicurio: "already exists")', async () => {
    const { url, paths } = await scripted([409], { id: 11 });
    const registry = new HttpSchemaRegistry(url, { retry: FAST });
    await expect(registry.register('invoices-value', '"string"')).resolves.toBe(11);
    expect(paths).toEqual(['/subjects/invoices-value/versions', '/subjects/invoices-value']);
  });

  it('gives up with the 409 when the subject never holds the schema (incompatible)', async () => {
    const { url, requests } = await scripted(Array(1000).fill(409), {});
    const registry = new HttpSchemaRegistry(url, { retry: FAST });
    await expect(registry.register('s', '"string"')).rejects.toThrow(/POST \/subjects\/s\/versions: 409/);
    expect(requests()).toBe(7); // four registrations, three look-ups between them
  });

  it('asks again when the registry cannot be reached at all', async () => {
    const registry = new HttpSchemaRegistry('http://127.0.0.1:1', { retry: { ...FAST, maxAttempts: 2 } });
    await expect(registry.register('s', '"string"')).rejects.toThrow(TypeError);
  });
});
