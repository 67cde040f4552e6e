// One instance of the live invoice pipeline as a child process, for the invoice chaos test:
//   node test/integration/chaos/live-instance.ts
// Env: LIVE_CONFIG (the app's configuration as JSON, validated by the app's own parseConfig),
//      SESSION_TIMEOUT_MS (6000).
// Started by startLiveInstance, as `invoice-stream run` starts it. One difference: the group's
// session timeout, which the app leaves at the runtime's 30 s, so that a SIGKILLed member leaves
// the group in seconds and a short test can kill several times.
// Stdout: JSON lines, `tasks` whenever this instance's active tasks change, and the runtime's
// warnings and errors. SIGTERM closes it (exit 0; 1 when the close hit its bound or it failed);
// a fatal error exits 2. SIGUSR2 arms a kill inside a transaction: at its next commit that sent
// records, after the records and offsets went out and before EndTxn, the process SIGKILLs itself.
import { parseConfig } from '../../../src/app/config.ts';
import { tuneGarbageCollector } from '../../../src/app/gc-tuning.ts';
import { kafkaClientOptions } from '../../../src/app/kafka-connection.ts';
import { startLiveInstance } from '../../../src/app/observe/live.ts';
import { createKafkaClient, type KafkaClient } from '../../../src/runtime/index.ts';
import type { EncodedRecords, TransactionalProducer } from '../../../src/runtime/client/api.ts';

const config = parseConfig(JSON.parse(process.env.LIVE_CONFIG ?? '{}'));
const sessionTimeoutMs = Number(process.env.SESSION_TIMEOUT_MS ?? 6_000);
const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), ...line })}\n`);
};

let armed = false;
process.on('SIGUSR2', () => (armed = true));

/** `inner`, dying at an armed commit with records in the transaction (an open transaction the broker must abort). */
function dyingInTransaction(inner: TransactionalProducer): TransactionalProducer {
  let records = 0;
  return {
    init: () => inner.init(),
    async begin() {
      records = 0;
      await inner.begin();
    },
    encode: (batch) => inner.encode(batch),
    async send(batch) {
      records += Array.isArray(batch) ? batch.length : (batch as EncodedRecords).count;
      return inner.send(batch);
    },
    sendOffsets: (group, offsets) => inner.sendOffsets(group, offsets),
    async commit() {
      if (armed && records > 0) {
        print({ event: 'dying in transaction', records });
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => {});
      }
      return inner.commit();
    },
    abort: () => inner.abort(),
    inTransaction: () => inner.inTransaction(),
    close: () => inner.close(),
  };
}

const base = createKafkaClient(kafkaClientOptions(config));
const client: KafkaClient = {
  admin: () => base.admin(),
  producer: () => base.producer(),
  partitionReader: () => base.partitionReader(),
  transactionalProducer: (id, timeoutMs) => dyingInTransaction(base.transactionalProducer(id, timeoutMs)),
  groupConsumer: (options) => base.groupConsumer({ ...options, sessionTimeoutMs }),
};

// As startInstance (what `invoice-stream run` calls) does before it starts the stream thread.
tuneGarbageCollector();
const live = await startLiveInstance(config, {
  client,
  log: (level, message, fields) => {
    if (level === 'warn' || level === 'error') print({ level, message, ...fields });
  },
});
print({ event: 'running' });

// Which tasks run here: the test kills the instance that owns the task with work left. A fatal
// error ends the process (under `run` the probes would fail and the pod be restarted): the test
// sees an exit it did not cause.
let tasks = '';
setInterval(() => {
  const fatal = live.streams.fatalError;
  if (fatal) {
    print({ event: 'fatal', message: fatal.message });
    process.exit(2);
  }
  const now = [...live.streams.activeTasks].sort();
  if (now.join(',') === tasks) return;
  tasks = now.join(',');
  print({ event: 'tasks', tasks: now });
}, 100).unref();

process.once('SIGTERM', () => {
  void live.close().then((ok) => {
    print({ event: 'closed', ok, fatal: live.streams.fatalError?.message });
    process.exit(ok && !live.streams.fatalError ? 0 : 1);
  });
});
