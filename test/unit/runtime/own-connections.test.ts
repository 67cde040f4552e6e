// Connections the runtime opens itself (Fetch, Produce, TxnOffsetCommit) against a broker that
// resets them: the reset must not kill the process (their owners drop them when a request fails).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PlatformaticBase } from '../../../src/runtime/client/platformatic/connection.ts';

// A TCP server standing in for a broker: it accepts and keeps the sockets, to reset them on demand.
async function resettingServer(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, sockets };
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

const base = new PlatformaticBase({ clientId: 'own-connections', brokers: ['127.0.0.1:1'] });

describe('connections of our own', () => {
  it('survive a reset (ECONNRESET) without an uncaught error', async () => {
    const s = await resettingServer();
    server = s.server;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const connection = await base.connect('test', '127.0.0.1', s.port);
      await until(() => s.sockets.length === 1);
      (s.sockets[0] as Socket).resetAndDestroy();
      await until(() => !connection.isConnected());
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
