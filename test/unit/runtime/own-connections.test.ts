// Connections the runtime opens itself (Fetch, Produce, TxnOffsetCommit) against a broker that
// resets them: the reset must neither kill the process nor leave a dead connection in use.
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConnections } from '../../../src/runtime/client/platformatic/broker-connections.ts';
import { PlatformaticBase } from '../../../src/runtime/client/platformatic/connection.ts';
import type { ClusterMetadata } from '@platformatic/kafka';

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
  it('survive a reset (ECONNRESET) without an uncaught error, and tell their owner they closed', async () => {
    const s = await resettingServer();
    server = s.server;
    let closed = 0;
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown): void => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const connection = await base.connect('test', '127.0.0.1', s.port, () => closed++);
      await until(() => s.sockets.length === 1);
      (s.sockets[0] as Socket).resetAndDestroy();
      await until(() => closed === 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(uncaught).toEqual([]);
      expect(connection.isConnected()).toBe(false);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });

  it('are opened again after the broker reset the last one', async () => {
    const s = await resettingServer();
    server = s.server;
    const connections = new BrokerConnections(base, 'test');
    const metadata = { brokers: new Map([[1, { host: '127.0.0.1', port: s.port }]]) } as unknown as ClusterMetadata;
    const first = await connections.get(metadata, 1);
    expect(await connections.get(metadata, 1)).toBe(first);
    await until(() => s.sockets.length === 1);
    (s.sockets[0] as Socket).resetAndDestroy();
    await until(() => !first.isConnected());
    const second = await connections.get(metadata, 1);
    expect(second).not.toBe(first);
    expect(second.isConnected()).toBe(true);
    await connections.close();
  });
});

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
