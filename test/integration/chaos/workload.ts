// Driver and verifier of the runtime tests: produces the keyed workload whose exact results are
// known, waits for an application to catch up, and reads outputs back read_committed.
import { createKafkaClient } from '../../../src/runtime/client/select.ts';
import type { ConsumedRecord, RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import { GROUPS, type EosTopics } from './eos-topology.ts';

/** Creates the input, output and dead-letter topics. */
export async function createTopics(admin: RuntimeAdmin, topics: EosTopics, partitions: number): Promise<void> {
  await admin.createTopics([
    { name: topics.data, partitions },
    { name: topics.echo, partitions },
    { name: topics.sum, partitions },
    { name: topics.cnt, partitions },
    { name: topics.dlq, partitions: 1 },
  ]);
}

/** Produces records `from..to-1`: key `k<i % keys>`, value `i`, with the runtime's client (idempotent, acks=all). Returns the count. */
export async function produceWorkload(brokers: string[], topic: string, from: number, to: number, keys: number, options: { batch?: number; ratePerSec?: number; retries?: number } = {}): Promise<number> {
  // Retries stay inside the client (same producer id and sequence: a retried batch is written once).
  const producer = await createKafkaClient({ brokers, clientId: 'workload-driver', ...(options.retries === undefined ? {} : { retries: options.retries }) }).producer();
  const batch = options.batch ?? 2_000;
  const started = Date.now();
  try {
    for (let i = from; i < to; i += batch) {
      const records = [];
      for (let j = i; j < Math.min(to, i + batch); j++) records.push({ topic, key: Buffer.from(`k${j % keys}`), value: Buffer.from(String(j)) });
      await producer.send(records);
      if (options.ratePerSec) {
        const due = started + ((i + records.length - from) / options.ratePerSec) * 1000;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await producer.close();
  }
  return to - from;
}

/** Produces raw values (e.g. bad input) to a topic. */
export async function produceRaw(brokers: string[], topic: string, records: Array<{ key: string; value: string }>): Promise<void> {
  const producer = await createKafkaClient({ brokers, clientId: 'workload-raw' }).producer();
  try {
    await producer.send(records.map((r) => ({ topic, key: Buffer.from(r.key), value: Buffer.from(r.value) })));
  } finally {
    await producer.close();
  }
}

/**
 * Waits until the group has committed every partition of `topics` up to its end (lag 0). Gives up
 * after `timeoutMs`, or at once when `failed()` returns an error (an instance that stopped), saying
 * which partitions are behind and by how much.
 */
export async function waitForLag0(admin: RuntimeAdmin, groupId: string, topics: readonly string[], timeoutMs: number, failed?: () => Error | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  let behind: string[] = [];
  for (;;) {
    let lag = 0;
    try {
      const now: string[] = [];
      for (const { topic, partition, end, committed } of await admin.groupOffsets(groupId, topics)) {
        const left = Math.max(0, end - (committed ?? 0));
        lag += left;
        if (left > 0) now.push(`${topic}:${partition} ${left} behind (committed ${committed ?? 'none'}, end ${end})`);
      }
      behind = now;
    } catch (error) {
      lag = -1; // coordinator moving (broker restart): ask again
      last = String(error);
    }
    if (lag === 0) return;
    if (lag > 0) last = `lag ${lag}`;
    const error = failed?.();
    const where = behind.length > 0 ? `; behind: ${behind.join('; ')}` : '';
    if (error) throw new Error(`group ${groupId} stopped before catching up (${last}${where}): ${error.message}`, { cause: error });
    if (Date.now() >= deadline) throw new Error(`group ${groupId} did not catch up in ${timeoutMs} ms (${last}${where})`);
    // One probe is three requests (metadata, end offsets, committed offsets): every 100 ms costs
    // the run little and ends a timed span within ~100 ms of its last commit.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Waits until the group is at lag 0 on `consumed` and the ends of `produced` have not moved for
 * `quietMs` (the last commits have landed): what a test reads afterwards is the run's whole output.
 */
export async function waitUntilQuiet(admin: RuntimeAdmin, groupId: string, consumed: readonly string[], produced: readonly string[], failed?: () => Error | undefined, quietMs = 2_000): Promise<void> {
  const ends = async (): Promise<string> => JSON.stringify(await Promise.all([...consumed, ...produced].map(async (topic) => [...(await admin.endOffsets(topic))])));
  let last = '';
  let quietSince = Date.now();
  for (;;) {
    await waitForLag0(admin, groupId, consumed, 60_000, failed);
    const now = await ends();
    if (now !== last) {
      last = now;
      quietSince = Date.now();
    } else if (Date.now() - quietSince >= quietMs) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Reads every committed record of a topic (all partitions, start to end), read_committed. */
export async function readCommitted(brokers: string[], admin: RuntimeAdmin, topic: string): Promise<ConsumedRecord[]> {
  const client = createKafkaClient({ brokers, clientId: 'verifier' });
  const reader = await client.partitionReader();
  const out: ConsumedRecord[] = [];
  try {
    for (const [partition] of await admin.endOffsets(topic)) {
      const range = await admin.offsetRange(topic, partition);
      await reader.read(topic, partition, range.low, range.high, (records) => {
        for (const r of records) out.push(r);
      });
    }
  } finally {
    await reader.close();
  }
  return out;
}

/** What the verifier found. */
export interface Verdict {
  expected: number;
  echoed: number;
  missing: number;
  duplicated: number;
  wrongSums: string[];
  wrongCounts: string[];
}

/** Checks echo (each of 0..n-1 exactly once), final sums per key and final counts per group. */
export async function verify(brokers: string[], admin: RuntimeAdmin, topics: EosTopics, n: number, keys: number): Promise<Verdict> {
  const seen = new Map<number, number>();
  for (const r of await readCommitted(brokers, admin, topics.echo)) {
    const v = Number(r.value?.toString());
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  let missing = 0;
  let duplicated = 0;
  for (let i = 0; i < n; i++) {
    const c = seen.get(i) ?? 0;
    if (c === 0) missing++;
    if (c > 1) duplicated += c - 1;
  }
  const expectedSum = new Map<string, number>();
  const expectedCnt = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    expectedSum.set(`k${i % keys}`, (expectedSum.get(`k${i % keys}`) ?? 0) + i);
    expectedCnt.set(`g${i % GROUPS}`, (expectedCnt.get(`g${i % GROUPS}`) ?? 0) + 1);
  }
  const finals = async (topic: string): Promise<Map<string, number>> => {
    const last = new Map<string, { offset: number; value: number }>();
    for (const r of await readCommitted(brokers, admin, topic)) {
      const key = r.key?.toString() ?? '';
      const prev = last.get(key);
      if (!prev || r.offset > prev.offset) last.set(key, { offset: r.offset, value: Number(r.value?.toString()) });
    }
    return new Map([...last].map(([k, v]) => [k, v.value]));
  };
  const sums = await finals(topics.sum);
  const cnts = await finals(topics.cnt);
  const wrongSums = [...expectedSum].filter(([k, v]) => sums.get(k) !== v).map(([k, v]) => `${k}: ${sums.get(k)} != ${v}`);
  const wrongCounts = [...expectedCnt].filter(([k, v]) => cnts.get(k) !== v).map(([k, v]) => `${k}: ${cnts.get(k)} != ${v}`);
  return { expected: n, echoed: seen.size, missing, duplicated, wrongSums, wrongCounts };
}

/** Sum of the group's committed offsets on `topic` (progress of the application); 0 while the
 * group coordinator is not available yet (a fresh or restarted broker). */
export async function committedTotal(admin: RuntimeAdmin, groupId: string, topic: string): Promise<number> {
  let total = 0;
  try {
    for (const offset of (await admin.committedOffsets(groupId, topic)).values()) total += offset;
  } catch {
    return 0;
  }
  return total;
}

/** Waits until the group commits at least `delta` more input offsets (or the timeout passes). */
export async function waitForProgress(admin: RuntimeAdmin, groupId: string, topic: string, delta: number, timeoutMs: number): Promise<boolean> {
  const start = await committedTotal(admin, groupId, topic);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((await committedTotal(admin, groupId, topic)) >= start + delta) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}
