// One application instance as a child process, for the chaos, scaling and broker-restart tests:
//   node test/integration/chaos/instance.ts
// Env: KAFKA_BROKERS, APP_ID, TOPIC_PREFIX, STATE_DIR, INSTANCE_ID, GUARANTEE (exactly_once),
//      COMMIT_INTERVAL_MS (100), TOPOLOGY (eos | passthrough: `<prefix>-in` → `<prefix>-out`),
//      STATIC_MEMBERSHIP (1: group.instance.id = INSTANCE_ID, as a StatefulSet pod; 0: dynamic),
//      RUNTIME_DEBUG=1 (the runtime's debug lines),
//      LATENCY_STATS=1 (commit times, event-loop delay and GC pauses on stderr at exit; SIGUSR2 resets them).
// SIGTERM closes gracefully; the tests also SIGKILL it.
import { KafkaStreams, createKafkaClient, closeOnSignals, type ProcessingGuarantee } from '../../../src/runtime/index.ts';
import { eosTopics, eosTopology, passThroughTopology } from './eos-topology.ts';
import { latencyStats } from './latency-stats.ts';

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

const applicationId = env('APP_ID');
const prefix = env('TOPIC_PREFIX');
const topics = eosTopics(prefix);
const topology = env('TOPOLOGY', 'eos') === 'passthrough' ? passThroughTopology(`${prefix}-in`, `${prefix}-out`) : eosTopology(applicationId, topics);
const instanceId = env('INSTANCE_ID', `instance-${process.pid}`);
const stats = process.env.LATENCY_STATS === '1' ? latencyStats(instanceId) : undefined;
const streams = new KafkaStreams(topology, {
  applicationId,
  client: createKafkaClient({
    brokers: env('KAFKA_BROKERS').split(','),
    clientId: instanceId,
  }),
  guarantee: env('GUARANTEE', 'exactly_once') as ProcessingGuarantee,
  stateDir: env('STATE_DIR'),
  instanceId,
  ...(env('STATIC_MEMBERSHIP', '1') === '1' ? { groupInstanceId: instanceId } : {}),
  commitIntervalMs: Number(env('COMMIT_INTERVAL_MS', '100')),
  deadLetterTopic: topics.dlq,
  sessionTimeoutMs: Number(env('SESSION_TIMEOUT_MS', '6000')),
  shutdownTimeoutMs: 20_000,
  ...(stats ? { observer: stats.observer } : {}),
  log: (level, message, fields) => {
    if (level !== 'debug' || process.env.RUNTIME_DEBUG === '1') process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), instance: instanceId, level, message, ...fields })}\n`);
  },
  onFatal: (error) => {
    process.stderr.write(`[${instanceId}] fatal: ${error.message}\n`);
    process.exit(2);
  },
});
closeOnSignals(streams);
await streams.start();
process.stdout.write(`${JSON.stringify({ instance: instanceId, message: 'running' })}\n`);
// A progress line every few seconds: a member that stops making progress shows it in its log.
if (process.env.STATUS_EVERY_MS) {
  setInterval(() => {
    process.stdout.write(`${JSON.stringify({ t: new Date().toISOString(), instance: instanceId, message: 'status', state: streams.state, tasks: streams.activeTasks, ...streams.metrics })}\n`);
  }, Number(process.env.STATUS_EVERY_MS)).unref();
}
