// Restore benchmark: changelog records/s read back into a store when a task starts on an empty
// state dir.   npm run bench -- restore [--records=500000] [--keys=100000] [--store=lmdb|memory]
// A count store's changelog (4 partitions) is filled directly, then one instance starts and
// restores all four tasks; the figure is restored records / time spent restoring. Then it closes
// clean and a second instance starts on the same state dir, as a restarted pod does:
// `restart_restored` and `restart_ms` (start to every task ready) say what its checkpoints saved.
// The store is LMDB, as in the live pipeline (`--store=memory`: the DSL's default, which a restart
// always restores in full).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The changelog is filled with the runtime's own producer (idempotent, acks=all), outside the timed restore.
import { KafkaStreams, createKafkaClient } from '../src/runtime/index.ts';
import { Stores, StreamsBuilder } from '../src/engine/index.ts';
import { emit, numberArg, type BenchArgs, type BenchmarkMap } from './lib.ts';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');

async function restore(args: BenchArgs): Promise<void> {
  const records = numberArg(args, 'records', 500_000);
  const keys = numberArg(args, 'keys', 100_000);
  const store = args.store === 'memory' ? 'memory' : 'lmdb';
  const app = `bench-restore-${Date.now()}`;
  const input = `${app}-in`;
  const changelog = `${app}-counts-changelog`;
  const client = createKafkaClient({ brokers: BROKERS, clientId: app });
  const admin = await client.admin();
  await admin.createTopics([{ name: input, partitions: 4 }, { name: `${app}-out`, partitions: 4 }, { name: `${app}-dlq`, partitions: 1 }, { name: changelog, partitions: 4, configs: { 'cleanup.policy': 'compact' } }]);
  const stateDir = mkdtempSync(join(tmpdir(), 'bench-restore-'));
  try {
    const producer = await createKafkaClient({ brokers: BROKERS, clientId: 'bench-restore-fill' }).producer();
    try {
      const batch = 8_000;
      for (let i = 0; i < records; i += batch) {
        const out = [];
        for (let j = i; j < Math.min(records, i + batch); j++) out.push({ topic: changelog, key: Buffer.from(`k${j % keys}`), value: Buffer.from(String(j)), partition: j % 4 });
        await producer.send(out);
      }
    } finally {
      await producer.close();
    }

    const instance = (): { streams: KafkaStreams; ready: () => number } => {
      const builder = new StreamsBuilder({ applicationId: app, ...(store === 'lmdb' ? { defaultStoreSupplier: (name: string) => Stores.persistentKeyValueStore(name, { dir: stateDir }) } : {}) });
      builder.stream(input).groupByKey().count({ storeName: 'counts' }).toStream().to(`${app}-out`);
      let ready = 0;
      const log = (_level: string, message: string): void => void (message === 'task ready' && ready++);
      return { streams: new KafkaStreams(builder.build(), { applicationId: app, client, guarantee: 'exactly_once', stateDir, deadLetterTopic: `${app}-dlq`, log }), ready: () => ready };
    };
    const first = instance();
    await first.streams.start();
    const deadline = Date.now() + 600_000;
    while (first.ready() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const m = first.streams.metrics;
    const restored = m?.restoredRecords ?? 0;
    const ms = m?.restoreMs ?? NaN;
    await first.streams.close();
    // A restart after a clean close: the checkpoints say where the local stores stand.
    const second = instance();
    const restartStarted = performance.now();
    await second.streams.start();
    while (second.ready() < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const restartMs = performance.now() - restartStarted;
    const restartRestored = second.streams.metrics?.restoredRecords ?? 0;
    await second.streams.close();
    emit({ name: 'restore', records_per_s: Math.round(restored / (ms / 1000)), records: restored, keys, partitions: 4, store, restore_ms: Math.round(ms), restart_restored: restartRestored, restart_ms: Math.round(restartMs) });
  } finally {
    await admin.deleteTopics([input, changelog, `${app}-out`, `${app}-dlq`]).catch(() => undefined);
    await admin.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/** The restore benchmark. */
export const benchmarks: BenchmarkMap = { restore };
