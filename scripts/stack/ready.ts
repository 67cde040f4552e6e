// Readiness probes for the local stack: a real Kafka metadata request and a real registry call,
// polled until a deadline, so that `stack up` returns only when clients can work.
// Usage: node scripts/stack/ready.ts kafka <host:port> <timeoutSeconds>
//        node scripts/stack/ready.ts registry <baseUrl> <timeoutSeconds>
import { createKafkaClient } from '../../src/runtime/client/select.ts';

const POLL_MS = 500;
const PROBE_TIMEOUT_MS = 5_000;

/**
 * One topic listing (a Metadata request) with the runtime's own client (src/runtime/client/api.ts):
 * the broker is up and answers metadata, which a KRaft broker does once it has joined the cluster.
 */
export async function probeKafka(brokers: string[]): Promise<string> {
  const admin = await createKafkaClient({ brokers, clientId: 'invoice-stream-ready', retries: 0 }).admin();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      admin.partitionCounts([]),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no metadata answer in ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS))),
    ]);
    return 'metadata answered';
  } finally {
    clearTimeout(timer);
    await admin.close().catch(() => undefined);
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
