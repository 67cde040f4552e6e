// Readiness probes for the local stack: a real Kafka metadata request and a real registry call,
// polled until a deadline, so that `stack up` returns only when clients can work.
// Usage: node scripts/stack/ready.ts kafka <host:port> <timeoutSeconds>
//        node scripts/stack/ready.ts registry <baseUrl> <timeoutSeconds>
import { Kafka, logLevel } from 'kafkajs';

const POLL_MS = 500;

/** One metadata round trip: the broker is up, has a controller, and answers topic listings. */
export async function probeKafka(brokers: string[]): Promise<string> {
  const admin = new Kafka({
    clientId: 'invoice-stream-ready',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (cluster.controller === null || cluster.controller < 0) throw new Error('no active controller yet');
    const topics = await admin.listTopics();
    return `cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), ${topics.length} topic(s)`;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** GET /subjects on the Confluent-compatible API: the registry's storage is reachable. */
export async function probeRegistry(baseUrl: string): Promise<string> {
  const response = await fetch(new URL('subjects', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`), {
    signal: AbortSignal.timeout(5_000),
  });
  if (!response.ok) throw new Error(`GET /subjects answered ${response.status}`);
  const subjects: unknown = await response.json();
  if (!Array.isArray(subjects)) throw new Error('GET /subjects did not answer a JSON array');
  return `${subjects.length} subject(s)`;
}

/** Polls a probe until it succeeds or the deadline passes; returns the last error on failure. */
export async function waitUntilReady(probe: () => Promise<string>, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'not tried';
  while (Date.now() < deadline) {
    try {
      return await probe();
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`not ready after ${timeoutMs / 1000}s: ${lastError}`);
}

async function main(argv: string[]): Promise<number> {
  const [kind, address, timeoutText] = argv;
  const timeoutMs = Number(timeoutText ?? '60') * 1000;
  if ((kind !== 'kafka' && kind !== 'registry') || address === undefined || !(timeoutMs > 0)) {
    console.error('usage: ready.ts kafka|registry <address> <timeoutSeconds>');
    return 2;
  }
  const started = Date.now();
  const probe = kind === 'kafka' ? () => probeKafka(address.split(',')) : () => probeRegistry(address);
  try {
    const detail = await waitUntilReady(probe, timeoutMs);
    console.error(`[stack] ${kind} ready at ${address} in ${((Date.now() - started) / 1000).toFixed(1)}s: ${detail}`);
    return 0;
  } catch (error) {
    console.error(`[stack] ${kind} at ${address}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
