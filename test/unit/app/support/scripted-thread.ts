// A stand-in for threads/worker.ts in unit tests: does what its workerData.config.script says
// ('exit': starts, then exits with code 3; 'fatal': starts, then reports a fatal error; 'fail':
// fails to start; otherwise starts and answers close and metrics), so StreamThreadHandle is tested without Kafka.
import { parentPort, threadId, workerData } from 'node:worker_threads';

const port = parentPort as NonNullable<typeof parentPort>;
const script = (workerData as { config: { script?: string } }).config.script;
const up = { ok: true, detail: { status: 'up', state: 'RUNNING' } };
port.postMessage({ type: 'status', health: up, readiness: { ok: true, detail: { ready: true, tasks: ['0_0'] } } });
// Its metrics: one counter, one gauge (prom-client's JSON).
const metrics = [
  { name: 'records_total', help: 'r', type: 'counter', aggregator: 'sum', values: [{ value: 42, labels: {} }] },
  { name: 'lag', help: 'l', type: 'gauge', aggregator: 'sum', values: [{ value: 7, labels: {} }] },
];
port.on('message', (request: { id: number; op: string }) => {
  const value = request.op === 'close' ? { ok: true, fatal: false } : request.op === 'metrics' ? metrics : undefined;
  port.postMessage({ type: 'reply', id: request.id, value });
});
if (script === 'fail') {
  port.postMessage({ type: 'start_failed', error: 'topics missing: x' });
} else {
  port.postMessage({ type: 'started', threadId });
  if (script === 'exit') setTimeout(() => process.exit(3), 50);
  if (script === 'fatal') setTimeout(() => port.postMessage({ type: 'fatal', error: 'fenced' }), 50);
}
