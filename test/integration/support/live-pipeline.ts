// What the live invoice-pipeline tests and the live-invoices bench share: the topic names of one
// run, an instance config as `invoice-stream run` would build it from the environment, and input
// lines produced as the upstream services would (keyed by their own id, timestamp = occurred_at).
import { createKafkaClient } from '../../../src/runtime/index.ts';
import { configSchema } from '../../../src/app/config/schema.ts';
import type { Config } from '../../../src/app/config.ts';
import type { LiveInstance } from '../../../src/app/observe/live.ts';
import type { OutgoingRecord } from '../../../src/runtime/client/api.ts';
import { occurredAtMillis } from '../../../src/invoice/event-time.ts';
import { STORE } from '../../../src/invoice/stores.ts';
import { changelogTopicName } from '../../../src/runtime/topics/layout.ts';

export { createKafkaClient };

/** The three inputs, as docs/contract.md names them. */
export type InputName = 'orders' | 'payments' | 'activity';

/** Topics of one run, all under the run's name (its application id and output prefix). */
export interface RunTopics {
  orders: string;
  payments: string;
  activity: string;
  dlq: string;
  invoices: string;
  rows: string;
  balances: string;
  /** The two internal repartition topics the runtime creates (`<app>-<prefix>.<name>`). */
  repartitions: string[];
  /** The changelog topics the runtime creates, one per store (`<app>-<store>-changelog`). */
  changelogs: string[];
}

/** The topic names of run `run` (application id = output prefix = `run`). */
export function runTopics(run: string): RunTopics {
  return {
    orders: `${run}.orders`,
    payments: `${run}.payments`,
    activity: `${run}.activity`,
    dlq: `${run}.dlq`,
    invoices: `${run}.invoices`,
    rows: `${run}.invoice-rows`,
    balances: `${run}.client-balances`,
    repartitions: [`${run}-${run}.invoice-pipeline-by-invoice-repartition`, `${run}-${run}.invoice-pipeline-by-client-repartition`],
    changelogs: Object.values(STORE).map((store) => changelogTopicName(run, store)),
  };
}

/** Every topic of a run, the instance's internal ones included: what a test or bench deletes
 * when it ends (left behind, each run's 40 internal partitions filled the test broker's disk and
 * made every later topic creation slower). */
export function runTopicsToDelete(t: RunTopics): string[] {
  return [t.orders, t.payments, t.activity, ...outputTopics(t), ...t.repartitions, ...t.changelogs];
}

/** The output topics of a run (events, both table changelogs, dead letters). */
export function outputTopics(t: RunTopics): string[] {
  return [t.invoices, t.rows, t.balances, t.dlq];
}

/** Settings a test varies; the rest is what every live test runs with. */
export interface LiveConfigOptions {
  brokers: string[];
  registryUrl: string;
  stateDir: string;
  guarantee?: 'exactly_once' | 'at_least_once';
  commitIntervalMs?: number;
  metrics?: boolean;
  clientId?: string;
  groupInstanceId?: string;
  /** The query port's bearer token; without one, queries are open (`http.auth: none`). */
  queryToken?: string;
  /** What the instance writes its repartition records in (the app's default: binary). */
  repartitionFormat?: 'binary' | 'json';
}

/** An instance config for run `run`, parsed by the app's own schema (so defaults are the app's). */
export function liveConfig(run: string, t: RunTopics, o: LiveConfigOptions): Config {
  return configSchema.parse({
    applicationId: run,
    brokers: o.brokers,
    clientId: o.clientId ?? run,
    ...(o.groupInstanceId ? { groupInstanceId: o.groupInstanceId } : {}),
    schemaRegistry: { url: o.registryUrl },
    topics: { orders: t.orders, payments: t.payments, invoiceActivity: t.activity, deadLetter: t.dlq, outputPrefix: run },
    stateDir: o.stateDir,
    processingGuarantee: o.guarantee ?? 'exactly_once',
    ...(o.commitIntervalMs !== undefined ? { commitIntervalMs: o.commitIntervalMs } : {}),
    ...(o.repartitionFormat !== undefined ? { repartitionFormat: o.repartitionFormat } : {}),
    http: { host: '127.0.0.1', port: 0, advertisedHost: '127.0.0.1', ...(o.queryToken ? { token: o.queryToken } : { auth: 'none' }) },
    ops: { host: '127.0.0.1', port: 0 },
    ...(o.metrics !== undefined ? { metrics: { enabled: o.metrics } } : {}),
    logLevel: 'silent',
  }) as Config;
}

const OPS_PATHS = new Set(['/metrics', '/healthz', '/readyz']);

/** The URL of `path` on a live instance: /metrics and the probes on its ops port, queries on its query port. */
export function liveUrl(live: Pick<LiveInstance, 'queryServer' | 'opsServer'>, path: string): string {
  const port = OPS_PATHS.has(new URL(path, 'http://x').pathname) ? live.opsServer.port : live.queryServer.port;
  return `http://127.0.0.1:${port}${path}`;
}

// The upstream key of each input (docs/contract.md: orders by order_id, payments by payment_id, activity by invoice_id).
const KEY_FIELD: Record<InputName, string> = { orders: 'order_id', payments: 'payment_id', activity: 'invoice_id' };

/** The upstream key of an input line; null when the line is not JSON or has no such string field. */
export function upstreamKey(line: string, input: InputName): string | null {
  try {
    const value = (JSON.parse(line) as Record<string, unknown>)[KEY_FIELD[input]];
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

/** A line as the upstream service produces it to `topic`: its original bytes, its upstream key, timestamp = occurred_at. */
export function inputRecord(topic: string, line: string, input: InputName): OutgoingRecord {
  const value = Buffer.from(line, 'utf8');
  const key = upstreamKey(line, input);
  const ts = occurredAtMillis(value);
  return { topic, key: key === null ? null : Buffer.from(key), value, ...(ts === undefined ? {} : { timestamp: Math.floor(ts) }) };
}

/** Produces each line as a record value with its original bytes, its upstream key and timestamp = occurred_at. */
export async function produceLines(brokers: string[], t: RunTopics, lines: Record<InputName, readonly string[]>, batch = 5_000): Promise<number> {
  const producer = await createKafkaClient({ brokers, clientId: `${t.orders}-driver` }).producer();
  let records = 0;
  try {
    for (const input of ['orders', 'payments', 'activity'] as const) {
      const all = lines[input];
      records += all.length;
      for (let i = 0; i < all.length; i += batch) {
        await producer.send(
          all.slice(i, i + batch).map((line) => inputRecord(t[input], line, input)),
        );
      }
    }
  } finally {
    await producer.close();
  }
  return records;
}
