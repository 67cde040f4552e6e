// Connection settings shared by every @platformatic/kafka client the runtime creates (admin,
// consumers, producers).
import { Connection, type BaseOptions, type SASLMechanismValue } from '@platformatic/kafka';
import type { KafkaConnection } from '../api.ts';
import { errorChain } from '../../errors.ts';

const SASL_MECHANISMS: Record<NonNullable<KafkaConnection['sasl']>['mechanism'], SASLMechanismValue> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
};

/**
 * The transaction coordinator answers CONCURRENT_TRANSACTIONS to a transaction's first
 * AddPartitionsToTxn while the previous one's markers are still being written: a matter of
 * milliseconds. Java's producer retries it after 20 ms instead of its usual backoff; with 100 ms
 * doubling, commits a few ms apart (a caught-up thread) waited 100–700 ms. Doubling from 20 ms,
 * not 20 ms flat: the client's 8 retries must still span seconds, for a coordinator slow to write
 * markers under load (20 ms flat gave up after ~160 ms, and the task restarts that followed met
 * the same error on InitProducerId).
 */
const CONCURRENT_TRANSACTIONS_BACKOFF_MS = 20;

function isConcurrentTransactions(error: unknown): boolean {
  for (const e of errorChain(error)) if ((e as { apiId?: unknown }).apiId === 'CONCURRENT_TRANSACTIONS') return true;
  return false;
}

/** Builds client options from the runtime's connection settings. */
export class PlatformaticBase {
  readonly connection: KafkaConnection;

  constructor(connection: KafkaConnection) {
    this.connection = connection;
  }

  /** Options of one client; `suffix` tells the clients apart in broker logs and quotas. */
  options(suffix = ''): BaseOptions {
    const c = this.connection;
    return {
      clientId: suffix ? `${c.clientId}-${suffix}` : c.clientId,
      bootstrapBrokers: [...c.brokers],
      // The runtime retries what it must itself (task restart); the client's own retries cover
      // a moving leader or coordinator: about 10 s.
      retries: c.retries ?? 8,
      retryDelay: (_client, _op, attempt, _retries, error) => Math.min(2_000, (isConcurrentTransactions(error) ? CONCURRENT_TRANSACTIONS_BACKOFF_MS : 100) * 2 ** (attempt - 1)),
      requestTimeout: 30_000,
      ...(c.ssl ? { tls: c.ssl } : {}),
      ...(c.sasl ? { sasl: { mechanism: SASL_MECHANISMS[c.sasl.mechanism], username: c.sasl.username, password: c.sasl.password } } : {}),
    };
  }

  /** A connection of our own to one broker (requests the client does not make as we need them: Fetch, TxnOffsetCommit). */
  async connect(suffix: string, host: string, port: number): Promise<Connection> {
    const options = this.options(suffix);
    const opened = new Connection(options.clientId, options);
    // A socket error (ECONNRESET while a broker restarts) comes as an 'error' event, and an event
    // nobody listens to is thrown: it killed an instance of the invoice chaos test. The requests
    // in flight fail with the error anyway, and their owner drops the connection then.
    opened.on('error', () => undefined);
    await opened.connect(host, port);
    return opened;
  }
}
