// Connections of our own to each broker node, for the requests the runtime makes itself (Fetch,
// Produce): opened on first use, dropped after a failure so the next use reconnects.
import type { ClusterMetadata, Connection } from '@platformatic/kafka';
import type { PlatformaticBase } from './connection.ts';

/** One connection per broker node, under one client id suffix. */
export class BrokerConnections {
  readonly #base: PlatformaticBase;
  readonly #suffix: string;
  readonly #connections = new Map<number, Promise<Connection>>();

  constructor(base: PlatformaticBase, suffix: string) {
    this.#base = base;
    this.#suffix = suffix;
  }

  /** The connection to `node` (as `metadata` locates it), opened if needed. */
  get(metadata: ClusterMetadata, node: number): Promise<Connection> {
    let connection = this.#connections.get(node);
    if (!connection) {
      const broker = metadata.brokers.get(node);
      if (!broker) return Promise.reject(new Error(`no broker ${node} in the metadata`));
      connection = this.#base.connect(this.#suffix, broker.host, broker.port);
      connection.catch(() => this.#connections.delete(node));
      this.#connections.set(node, connection);
    }
    return connection;
  }

  /** Closes the connection to `node`; the next `get` opens a new one. */
  async drop(node: number): Promise<void> {
    const connection = this.#connections.get(node);
    this.#connections.delete(node);
    await connection?.then((c) => c.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const node of [...this.#connections.keys()]) await this.drop(node);
  }
}
