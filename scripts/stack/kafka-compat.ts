// Which Kafka APIs kafkajs can use against a given broker: the calls this project's runtime
// makes (admin, consumer groups, idempotent and transactional producers, offsets sent inside a
// transaction). Written to answer "does kafkajs 2.2.4 work with Kafka 4.x?" with evidence.
// Usage: node scripts/stack/kafka-compat.ts <host:port>   (prints one line per check)
import { randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Consumer } from 'kafkajs';

/** Outcome of one compatibility check. */
export type CompatResult = { check: string; ok: boolean; detail: string };

const createPartitioner = Partitioners.DefaultPartitioner;

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms}ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads `topic` from the start in a new group until `count` values arrived; commits as it goes. */
async function readValues(kafka: Kafka, topic: string, count: number, readUncommitted: boolean, groupId: string): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId, readUncommitted });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              values.push(message.value?.toString() ?? '');
              if (values.length >= count) resolve();
            },
          })
          .catch(reject);
      }),
      30_000,
      `consume ${topic}`,
    );
    return values;
  } finally {
    await consumer.disconnect();
  }
}

/** Runs every check against the broker and returns one result per check, in order. */
export async function runCompatChecks(brokers: string[]): Promise<CompatResult[]> {
  const kafka = new Kafka({ clientId: 'kafka-compat', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const id = randomUUID().slice(0, 8);
  const topic = `compat-${id}`;
  const txTopic = `compat-tx-${id}`;
  const outTopic = `compat-out-${id}`;
  const group = `compat-group-${id}`;
  const results: CompatResult[] = [];
  const check = async (name: string, body: () => Promise<string>): Promise<void> => {
    try {
      results.push({ check: name, ok: true, detail: await withTimeout(body(), 60_000, name) });
    } catch (error) {
      results.push({ check: name, ok: false, detail: error instanceof Error ? error.message : String(error) });
    }
  };

  await check('admin: connect, describeCluster, listTopics (Metadata, DescribeCluster)', async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return `${cluster.brokers.length} broker(s), controller ${cluster.controller}, ${(await admin.listTopics()).length} topics`;
  });
  await check('admin: createTopics, createPartitions', async () => {
    await admin.createTopics({ waitForLeaders: true, topics: [topic, txTopic, outTopic].map((t) => ({ topic: t, numPartitions: 1 })) });
    await admin.createPartitions({ topicPartitions: [{ topic, count: 2 }] });
    return 'created 3 topics, grew one to 2 partitions';
  });
  await check('admin: describeConfigs', async () => {
    const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] });
    return `${configs.resources[0]?.configEntries.length ?? 0} config entries`;
  });
  await check('producer: idempotent send, acks=all (Produce)', async () => {
    const producer = kafka.producer({ idempotent: true, createPartitioner });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((v) => ({ key: v, value: v })) });
    await producer.disconnect();
    return '3 records';
  });
  await check('consumer group: join, fetch, commit (JoinGroup, SyncGroup, Fetch, OffsetCommit)', async () => {
    const values = await readValues(kafka, topic, 3, false, group);
    return `read ${values.length} records`;
  });
  await check('admin: fetchOffsets, describeGroups (OffsetFetch, DescribeGroups)', async () => {
    const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const groups = await admin.describeGroups([group]);
    return `committed ${JSON.stringify(offsets[0]?.partitions.map((p) => p.offset))}, state ${groups.groups[0]?.state}`;
  });
  await check('admin: fetchTopicOffsets, fetchTopicOffsetsByTimestamp (ListOffsets)', async () => {
    const latest = await admin.fetchTopicOffsets(topic);
    const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 60_000);
    return `high ${latest.map((p) => p.high).join(',')}; by time ${byTime.map((p) => p.offset).join(',')}`;
  });
  await check('transactions: commit + abort, read_committed vs read_uncommitted', async () => {
    const producer = kafka.producer({ transactionalId: `compat-tx-${id}`, maxInFlightRequests: 1, idempotent: true, createPartitioner });
    await producer.connect();
    const ok = await producer.transaction();
    await ok.send({ topic: txTopic, messages: [{ value: 'committed' }] });
    await ok.commit();
    const bad = await producer.transaction();
    await bad.send({ topic: txTopic, messages: [{ value: 'aborted' }] });
    await bad.abort();
    await producer.disconnect();
    const marker = kafka.producer({ createPartitioner });
    await marker.connect();
    await marker.send({ topic: txTopic, messages: [{ value: 'end' }] });
    await marker.disconnect();
    const committed = await readValues(kafka, txTopic, 2, false, `${group}-rc`);
    const all = await readValues(kafka, txTopic, 3, true, `${group}-ru`);
    if (committed.join() !== 'committed,end' || all.join() !== 'committed,aborted,end') {
      throw new Error(`read_committed saw ${committed.join()}; read_uncommitted saw ${all.join()}`);
    }
    return 'read_committed: committed,end; read_uncommitted: committed,aborted,end';
  });
  await check('transactions: sendOffsets inside a transaction (AddOffsetsToTxn, TxnOffsetCommit)', async () => {
    const producer = kafka.producer({ transactionalId: `compat-eos-${id}`, maxInFlightRequests: 1, idempotent: true, createPartitioner });
    await producer.connect();
    const txn = await producer.transaction();
    await txn.send({ topic: outTopic, messages: [{ value: 'derived' }] });
    await txn.sendOffsets({ consumerGroupId: `${group}-eos`, topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }] });
    await txn.commit();
    await producer.disconnect();
    // The offsets become visible once the coordinator has the commit marker: poll briefly.
    const started = Date.now();
    let committed: string | undefined;
    while (Date.now() - started < 15_000) {
      const offsets = await admin.fetchOffsets({ groupId: `${group}-eos`, topics: [topic] });
      committed = offsets[0]?.partitions.find((p) => p.partition === 0)?.offset;
      if (committed === '1') return `group offset visible ${Date.now() - started}ms after the commit`;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`group offset 15s after the transaction is ${committed}, expected 1`);
  });
  await check('admin: deleteGroups, deleteTopics', async () => {
    await admin.deleteGroups([group, `${group}-rc`, `${group}-ru`, `${group}-eos`]);
    await admin.deleteTopics({ topics: [topic, txTopic, outTopic] });
    return 'deleted';
  });
  await admin.disconnect().catch(() => undefined);
  return results;
}

if (import.meta.main) {
  const brokers = (process.argv[2] ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
  const results = await runCompatChecks(brokers);
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.check}: ${r.detail}`);
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
}
