// Chaos on the product: the live invoice pipeline (three instances as child processes, exactly_once)
// and the Delta sink stage on a private broker, while the inputs arrive, instances are SIGKILLed
// again and again, the broker is restarted once and the sink is SIGKILLed mid-batch once. Then
// everything is read by clients independent of the one under test and compared with the replay
// of the same inputs:
//   - every output topic (invoice events, invoice rows, client balances, dead letters), read
//     read_committed by librdkafka (test/python/kafka_read.py): nothing lost, nothing twice; the
//     replay's events, final rows, balances and dead letters; as many records per topic as the
//     replay produced;
//   - the sink's Delta tables, read by delta-rs: equal to the replay's own Delta tables, with each
//     partition's txn version at its last data offset;
//   - the kills landed inside open transactions: ABORT markers in the output and repartition
//     partitions, counted in the broker's log segments by Kafka's DumpLogSegments. A transaction
//     is open only while a commit sends (records wait in the tasks until then), so every other
//     kill is armed: the instance SIGKILLs itself at its next commit with records, between the
//     sends and EndTxn (live-instance.ts); the others land wherever they land.
// One summary line gives the figures (kills, broker restarts, sink kills, records, lost,
// duplicated, aborted transactions).
//
// The outcome is the replay's to the event because inputs have one partition each and arrive in
// slices of the replay's merge order, one transaction per slice (invoice-workload.ts). The three
// sub-topologies are then three tasks, which the kills move between the instances. Several input
// partitions would make the outcome depend on timing, not on the contract: each invoice task has
// its own event-time clock, and upstream tasks interleave their writes to a repartition partition.
//
// Instance a writes its repartition records as JSON (`repartitionFormat: json`), b and c in binary:
// the state of a rolling upgrade between its two rolls (docs/operations.md). When the kills move a
// repartition topic's writer between a and the others, the topic holds both formats, and its
// reader must take both (the summary's `ranOn` says which instances ran each task).
//
// The private broker (scripts/stack.sh with its own directory and ports, as in
// runtime-broker-restart.test.ts) is the only one restarted; the shared stack gives the schema
// registry. CI: 4,000 orders over 45 s, 4 kills, about 2 minutes in all. INVOICE_CHAOS_LONG=1:
// 40,000 orders over 7 minutes, 20 kills. INVOICE_CHAOS_KEEP=1 keeps the logs, state, tables and
// broker data; INVOICE_CHAOS_ORDERS, _KILLS, _SEED and _KAFKA_PORT override the defaults.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { replayInvoices } from '../../../src/app/replay.ts';
import { sinkGroupId } from '../../../src/app/sink-command.ts';
import { replay } from '../../../src/engine/index.ts';
import { occurredAtMillis } from '../../../src/invoice/event-time.ts';
import { CLIENT_BALANCES_TABLE, INVOICE_EVENTS_TABLE, INVOICES_TABLE } from '../../../src/invoice/tables.ts';
import type { RuntimeAdmin } from '../../../src/runtime/client/api.ts';
import type { DeltaRow } from '../../../src/sinks/delta/index.ts';
import { txnAppId } from '../../../src/connect/index.ts';
import { buildInvoicePipeline } from '../../../topologies/invoice-pipeline.ts';
import { generateScenario } from '../../../bench/scenario/generator.ts';
import { compareScenario, readReplayOutput, type Expected } from '../../unit/conformance/compare.ts';
import { testStack } from '../../stack/env.ts';
import { canonical, deltaRs } from '../sink/fixture.ts';
import { CONTRACT_TOPICS, deadLetters, decodeEvents, finalRows, readCommittedIndependently, type ReadRecord } from '../support/live-outputs.ts';
import { createKafkaClient, liveConfig, outputTopics, runTopics } from '../support/live-pipeline.ts';
import { stackKafkaLibs, transactionMarkers } from './aborted-transactions.ts';
import { InstanceCluster } from './cluster.ts';
import { mergePhases, TransactionalDriver } from './invoice-workload.ts';
import { logTail, SinkProcess } from './sink-process.ts';
import { waitForLag0, waitUntilQuiet } from './workload.ts';

const LONG = process.env.INVOICE_CHAOS_LONG === '1';
const ORDERS = Number(process.env.INVOICE_CHAOS_ORDERS ?? (LONG ? 40_000 : 4_000));
const KILLS = Number(process.env.INVOICE_CHAOS_KILLS ?? (LONG ? 20 : 4));
const SEED = Number(process.env.INVOICE_CHAOS_SEED ?? 13);
// Slices of the merge order, one every SLICE_MS: the inputs arrive over SLICES * SLICE_MS.
const SLICES = LONG ? 280 : 30;
const SLICE_MS = 1_500;
const INSTANCES = ['a', 'b', 'c'];
// Output topics have several partitions: the sink commits partitions of one table side by side.
const OUTPUT_PARTITIONS = 3;
const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '3.9.2';
const STACK = resolve(import.meta.dirname, '../../../scripts/stack.sh');
const LIVE_INSTANCE = join(import.meta.dirname, 'live-instance.ts');
const TABLES: Array<{ name: string; key: (r: DeltaRow) => string }> = [
  { name: INVOICES_TABLE.name, key: (r) => String(r.invoice_id) },
  { name: INVOICE_EVENTS_TABLE.name, key: (r) => String(r.event_id) },
  { name: CLIENT_BALANCES_TABLE.name, key: (r) => `${String(r.client_id)}/${String(r.currency)}` },
];

type Row = Record<string, unknown>;

let root: string;
let port: number;
let brokers: string[];
let admin: RuntimeAdmin | undefined;
// The children, ended in afterAll whatever happened: a failed run must leave no process behind.
const children: { cluster?: InstanceCluster; sink?: SinkProcess; driver?: TransactionalDriver } = {};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The private broker, `up` or `down`, with the stack script in this test's directory and ports. */
function stack(command: 'up' | 'down'): void {
  execFileSync('bash', [STACK, command, 'kafka'], {
    env: { ...process.env, INVOICE_STREAM_STACK_DIR: join(root, 'stack'), KAFKA_VERSION, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(port + 1) },
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 180_000,
  });
}

/** A port free together with the next one (broker and controller): the preferred one if it is. */
async function freePortPair(preferred: number): Promise<number> {
  const free = (p: number): Promise<boolean> => new Promise((ok) => {
    const server = createServer();
    server.once('error', () => ok(false));
    server.listen(p, '127.0.0.1', () => server.close(() => ok(true)));
  });
  for (const p of [preferred, ...Array.from({ length: 50 }, () => 20_000 + Math.floor(Math.random() * 30_000))]) {
    if ((await free(p)) && (await free(p + 1))) return p;
  }
  throw new Error('no two free consecutive ports for the private broker');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'invoice-chaos-'));
  port = await freePortPair(Number(process.env.INVOICE_CHAOS_KAFKA_PORT ?? 19_292));
  brokers = [`127.0.0.1:${port}`];
  try {
    stack('up');
  } catch (error) {
    // Fail, never skip: the test needs the stack script's broker (a JDK and Maven, or its cache).
    throw new Error(`could not start a private broker on ${port} with scripts/stack.sh: ${String(error)}`, { cause: error });
  }
}, 200_000);

afterAll(async () => {
  children.driver?.stop();
  for (const name of children.cluster?.running ?? []) await children.cluster?.kill(name);
  await children.sink?.kill();
  await admin?.close().catch(() => undefined);
  try {
    if (root) stack('down');
  } finally {
    if (root && !process.env.INVOICE_CHAOS_KEEP) rmSync(root, { recursive: true, force: true });
    else if (root) console.log(`kept ${root}`);
  }
}, 60_000);

it(`invoice pipeline and Delta sink: ${KILLS} instance SIGKILLs, a broker restart, a sink SIGKILL mid-batch; outputs and tables equal the replay's`, { timeout: LONG ? 3_600_000 : 300_000 }, async () => {
  const started = Date.now();
  const registryUrl = testStack().schemaRegistryUrl;
  admin = await createKafkaClient({ brokers, clientId: 'invoice-chaos-admin' }).admin();
  const run = `inv-chaos-${Date.now()}`;
  const t = runTopics(run);
  const inputs = [t.orders, t.payments, t.activity];
  const consumed = [...inputs, ...t.repartitions];
  // Event times months back: the topics the test creates keep their records for the whole run.
  const forever = { 'retention.ms': '-1' };
  await admin.createTopics([
    ...inputs.map((name) => ({ name, partitions: 1, configs: forever })),
    ...outputTopics(t).map((name) => ({ name, partitions: OUTPUT_PARTITIONS, configs: forever })),
  ]);

  // What must come out: the replay of the same inputs (outputs, Delta tables, records per topic).
  const scenario = generateScenario({ orders: ORDERS, seed: SEED });
  const files = { orders: join(root, 'orders.jsonl'), payments: join(root, 'payments.jsonl'), activity: join(root, 'activity.jsonl') };
  for (const input of ['orders', 'payments', 'activity'] as const) writeFileSync(files[input], scenario[input].map((l) => `${l}\n`).join(''));
  const replayDir = join(root, 'replay');
  await replayInvoices({ ...files, out: replayDir, progress: false });
  const replayed = await readReplayOutput(replayDir);
  const expected: Expected = { ...replayed, invoices: Object.fromEntries(replayed.invoices.map((r) => [String(r.invoice_id), r])) };
  const expectedCounts = await replayedRecordCounts(files);

  // Three instances; who runs which task, from their `tasks` lines.
  mkdirSync(join(root, 'logs'), { recursive: true });
  const owner = new Map<string, string>();
  // Every instance that ran each task: a repartition topic holds both formats once its writer
  // (task 0_0 for by-invoice, 1_0 for by-client) ran on a and on b or c.
  const ranOn = new Map<string, Set<string>>();
  const cluster = new InstanceCluster({
    brokers, applicationId: run, topicPrefix: run, stateRoot: join(root, 'state'), logDir: join(root, 'logs'), entry: LIVE_INSTANCE,
    env: (name) => ({
      LIVE_CONFIG: JSON.stringify(liveConfig(run, t, { brokers, registryUrl, stateDir: join(root, 'state', name), clientId: `${run}-${name}`, groupInstanceId: name, commitIntervalMs: 100, repartitionFormat: name === 'a' ? 'json' : 'binary' })),
    }),
    onLine: (name, line) => {
      const event = parseLine(line);
      if (event?.event !== 'tasks') return;
      for (const [task, who] of owner) if (who === name) owner.delete(task);
      for (const task of event.tasks as string[]) {
        owner.set(task, name);
        ranOn.set(task, (ranOn.get(task) ?? new Set()).add(name));
      }
    },
  });
  children.cluster = cluster;
  for (const name of INSTANCES) cluster.start(name);

  // The sink stage in its own process, as `invoice-stream sink` runs it.
  const deltaDir = join(root, 'delta');
  const sink = new SinkProcess({ ...liveConfig(run, t, { brokers, registryUrl, stateDir: join(root, 'state', 'sink'), clientId: `${run}-sink` }), sink: { kind: 'delta', dir: deltaDir } }, join(root, 'logs', 'sink.log'));
  children.sink = sink;
  // The first incarnation commits small batches, slowly: its SIGKILL lands among commits in flight.
  sink.start({ maxBatchRows: 50, maxBatchMs: 100 }, { SINK_WRITE_DELAY_MS: '20' });

  // The upstream: slices of the merge order, one transaction each, while the chaos goes on.
  const driver = new TransactionalDriver(brokers, t);
  children.driver = driver;
  const slices = mergePhases(scenario, SLICES);
  let driverError: Error | undefined;
  const driving = driver.run(slices, SLICE_MS).catch((error: unknown) => {
    driverError = error as Error;
  });

  const failed = (): Error | undefined => {
    const exit = cluster.unexpectedExits[0];
    if (exit) return new Error(`instance ${exit.name} exited on its own (code ${exit.code}, signal ${exit.signal}): ${logTail(join(root, 'logs', `${exit.name}.log`))}`);
    return driverError ?? sink.failed();
  };
  // Whether any of `tasks` has input or repartition records not committed yet.
  const sourcesOf = (task: string): string[] => ({ '0': inputs, '1': [t.repartitions[0] as string], '2': [t.repartitions[1] as string] })[task.split('_')[0] as string] ?? [];
  const hadWorkLeft = async (tasks: readonly string[]): Promise<boolean> => {
    for (const topic of tasks.flatMap(sourcesOf)) {
      const ends = await admin?.endOffsets(topic).catch(() => undefined);
      const committed = await admin?.committedOffsets(run, topic).catch(() => undefined);
      for (const [p, end] of ends ?? []) if (end > (committed?.get(p) ?? 0)) return true;
    }
    return false;
  };
  // Each fault waits for its slice, then for the next slice to commit, and strikes while the
  // group works on it (a slice takes a few hundred ms to go through the three tasks).
  const afterSlice = async (slice: number): Promise<void> => {
    const next = Math.max(slice, driver.committed + 1);
    if (next > SLICES) throw new Error(`the faults fell behind the input (slice ${next} of ${SLICES}): a stalled group, or a machine too slow (INVOICE_CHAOS_KEEP=1 keeps the logs)`);
    await driver.waitFor(next);
    const error = failed();
    if (error) throw error;
    await sleep(Math.random() * 150);
  };

  // Kills spread over the first 80 % of the slices; the sink's after the first, the broker's in the middle.
  const sliceOfKill = (k: number): number => Math.max(2, Math.round(((k + 1) * SLICES * 0.8) / (KILLS + 1)));
  const restartAfter = Math.floor(KILLS / 2);
  let killsWithWorkLeft = 0;
  let brokerRestarts = 0;
  // A transaction is open only while a commit sends (records wait in the tasks until then), so
  // every other kill is armed (SIGUSR2): the owner of a task, in turn, SIGKILLs itself at its next
  // commit with records, after they went out and before EndTxn. The others kill an instance, in
  // turn, wherever it is.
  const ARMED = ['1_0', '0_0', '2_0'];
  const killsOf = new Map(INSTANCES.map((name) => [name, 0]));
  let killsInTransaction = 0;
  for (let k = 0; k < KILLS; k++) {
    await afterSlice(sliceOfKill(k));
    const turn = Math.floor(k / 2);
    const victim = (k % 2 === 0 ? owner.get(ARMED[turn % ARMED.length] as string) : undefined) ?? (INSTANCES[turn % INSTANCES.length] as string);
    const itsTasks = [...owner].filter(([, who]) => who === victim).map(([task]) => task);
    for (const task of itsTasks) owner.delete(task);
    // Asked before: committed offsets are read stable, and the kill may leave a transaction open.
    let hitWork = await hadWorkLeft(itsTasks);
    if (k % 2 === 0) {
      // An armed kill that died inside a transaction hit work, whatever the offsets said before.
      if (await cluster.killVia(victim, 'SIGUSR2', 5_000)) {
        killsInTransaction++;
        hitWork = true;
      }
    } else await cluster.kill(victim);
    if (hitWork) killsWithWorkLeft++;
    killsOf.set(victim, (killsOf.get(victim) as number) + 1);
    // Armed kills come back at once: the restart must abort what its predecessor left open. The
    // others stay down past the session timeout (6 s): the survivors take the victim's tasks,
    // wait out its transaction if one was open, restore, and hand some back on the restart.
    await sleep(k % 2 === 1 ? 8_000 : 500 + Math.random() * 1_500);
    cluster.start(victim);
    if (k === 0) {
      // The sink, SIGKILLed while its table commits are in flight, restarted at once (the stage's
      // default batches from then on).
      await sink.commits(10, 90_000);
      await sleep(Math.random() * 40);
      await sink.kill();
      sink.start();
    }
    if (k === restartAfter) {
      // The broker, restarted while the group works on a slice (the stack script stops it with SIGTERM).
      await afterSlice(0);
      await driver.hold();
      await admin.close();
      admin = undefined;
      stack('down');
      await sleep(2_000);
      stack('up');
      brokerRestarts++;
      admin = await createKafkaClient({ brokers, clientId: 'invoice-chaos-admin-2' }).admin();
      driver.release();
    }
  }
  await driving;
  if (driverError) throw driverError;

  // Every member must catch up on its own; then the outputs stop moving.
  await waitForLag0(admin, run, consumed, LONG ? 1_200_000 : 150_000, failed);
  await waitUntilQuiet(admin, run, consumed, outputTopics(t), failed);
  expect(cluster.unexpectedExits).toEqual([]);
  const closes = await Promise.all(cluster.running.map((name) => cluster.stop(name)));
  expect(closes, 'every instance closes cleanly').toEqual(INSTANCES.map(() => 0));
  // Repartition records the group committed are purged every 30 s by an instance that ran that
  // long (their retention is infinite): where each log starts now.
  const purgedTo = Object.fromEntries(await Promise.all(t.repartitions.map(async (topic) => [topic.slice(topic.lastIndexOf('.') + 1), (await admin?.offsetRange(topic, 0))?.low ?? -1] as const)));

  // Every output topic and the inputs, read_committed by librdkafka (a topic per read: the long
  // run's records in one would pass the reader's output buffer).
  const read = new Map<string, ReadRecord[]>();
  for (const topic of [...inputs, ...outputTopics(t)]) for (const [name, records] of await readCommittedIndependently(brokers, [topic])) read.set(name, records);
  const records = (topic: string): ReadRecord[] => read.get(topic) ?? [];
  // Dead letters name their input by offset; the inputs came in transactions, whose markers take
  // offsets too: back to line numbers (the replay's offsets) by the records' order.
  const contractTopic = new Map<string, string>([[t.orders, CONTRACT_TOPICS.orders], [t.payments, CONTRACT_TOPICS.payments], [t.activity, CONTRACT_TOPICS.activity]]);
  const lineOf = new Map(inputs.map((topic) => [contractTopic.get(topic) as string, new Map(records(topic).map((r, i) => [r.offset, i]))]));
  const outputs = {
    invoices: finalRows(records(t.rows)),
    client_balances: finalRows(records(t.balances)),
    events: await decodeEvents(records(t.invoices), registryUrl),
    dlq: deadLetters(records(t.dlq), (topic) => contractTopic.get(topic) ?? topic).map((d) => {
      const source = d.source as { topic: string; partition: number; offset: number };
      return { ...d, source: { ...source, offset: lineOf.get(source.topic)?.get(source.offset) ?? -1 } };
    }),
  };
  const verdict = lostAndDuplicated(expected, outputs);
  const counts = { events: records(t.invoices).length, rows: records(t.rows).length, balances: records(t.balances).length, dlq: records(t.dlq).length };

  // The sink: each partition's table txn at its last data offset, then the tables read by delta-rs.
  const group = sinkGroupId(run);
  const lastOffsets = new Map<string, Map<string, number>>();
  for (const [topic, table] of [[t.invoices, INVOICE_EVENTS_TABLE.name], [t.rows, INVOICES_TABLE.name], [t.balances, CLIENT_BALANCES_TABLE.name]] as const) {
    const last = new Map<string, number>();
    for (const r of records(topic)) last.set(txnAppId(group, topic, r.partition), r.offset);
    lastOffsets.set(table, last);
  }
  await sink.waitForTxns(deltaDir, lastOffsets, LONG ? 600_000 : 120_000);
  expect(await sink.stop(), 'the sink stops cleanly').toBe(0);
  const tableDiffs: string[] = [];
  let sinkRows = 0;
  for (const { name, key } of TABLES) {
    const want = await deltaRs(join(replayDir, 'delta', name));
    const got = await deltaRs(join(deltaDir, name), [...(lastOffsets.get(name) ?? new Map()).keys()]);
    sinkRows += got.rows.length;
    if (new Set(got.rows.map(key)).size !== got.rows.length) tableDiffs.push(`${name}: a key twice`);
    const gotRows = canonical(got.rows, key);
    const wantRows = canonical(want.rows, key);
    if (JSON.stringify(gotRows) !== JSON.stringify(wantRows)) {
      const first = wantRows.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(gotRows[i]));
      tableDiffs.push(`${name}: ${got.rows.length} rows, the replay's ${want.rows.length}; first difference: ${JSON.stringify(gotRows[first])} vs ${JSON.stringify(wantRows[first])}`);
    }
    if (JSON.stringify(got.txn) !== JSON.stringify(Object.fromEntries(lastOffsets.get(name) ?? []))) tableDiffs.push(`${name}: txn ${JSON.stringify(got.txn)}`);
  }

  // Kills inside open transactions: ABORT markers in the run's partitions.
  const outputSet = new Set(outputTopics(t));
  const markers = await transactionMarkers(join(root, 'stack', `kafka-${KAFKA_VERSION}`, 'logs'), stackKafkaLibs(KAFKA_VERSION), (topic) => {
    if (outputSet.has(topic)) return 'outputs';
    if (t.repartitions.includes(topic)) return 'repartitions';
    if (topic.startsWith(`${run}-`) && topic.endsWith('-changelog')) return 'changelogs';
    return undefined;
  });
  const aborted = (kind: 'outputs' | 'repartitions' | 'changelogs'): number => markers.get(kind)?.abort ?? 0;
  console.log(JSON.stringify({
    invoiceChaos: LONG ? 'long' : 'ci', orders: ORDERS, kills: cluster.kills, killsInTransaction, killsWithWorkLeft, killsOf: Object.fromEntries(killsOf), brokerRestarts, sinkKills: sink.kills,
    inputRecords: driver.records, outputRecords: counts.events + counts.rows + counts.balances + counts.dlq, outputs: counts,
    lost: verdict.lost, duplicated: verdict.duplicated, diffs: verdict.diffs.length, sinkRows, tableDiffs: tableDiffs.length,
    abortedTransactions: { outputs: aborted('outputs'), repartitions: aborted('repartitions'), changelogs: aborted('changelogs') }, purgedTo,
    ranOn: Object.fromEntries([...ranOn].map(([task, names]) => [task, [...names].sort().join('')])),
    seconds: Math.round((Date.now() - started) / 1000), load: loadavg().map((l) => Number(l.toFixed(2))),
  }));

  expect(verdict.diffs.slice(0, 20)).toEqual([]);
  expect({ lost: verdict.lost, duplicated: verdict.duplicated }).toEqual({ lost: 0, duplicated: 0 });
  expect(counts).toEqual(expectedCounts);
  expect(tableDiffs).toEqual([]);
  expect(cluster.kills).toBe(KILLS);
  expect(brokerRestarts).toBe(1);
  expect(sink.kills).toBe(1);
  expect(driver.records).toBe(scenario.orders.length + scenario.payments.length + scenario.activity.length);
  // Armed kills die inside a transaction unless their instance had nothing to commit for 5 s.
  expect(killsInTransaction).toBeGreaterThanOrEqual(Math.ceil(KILLS / 4));
  // A kill after the work ran out finds nothing open; most must hit a working group (input not yet
  // committed by the victim's tasks, or a transaction the victim died in).
  expect(killsWithWorkLeft).toBeGreaterThanOrEqual(Math.ceil(KILLS / 2));
  expect(aborted('outputs') + aborted('repartitions')).toBeGreaterThan(0);
  // The short run's instances may all have been killed within 30 s of the end: only the long one must show purges.
  if (LONG) for (const low of Object.values(purgedTo)) expect(low).toBeGreaterThan(0);
});

/** One JSON line of a child, or undefined. */
function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Records per output topic of the replay of `files` (the topology over the files, no broker). */
async function replayedRecordCounts(files: { orders: string; payments: string; activity: string }): Promise<{ events: number; rows: number; balances: number; dlq: number }> {
  const pipeline = buildInvoicePipeline();
  const topics = pipeline.topics;
  const counts = { events: 0, rows: 0, balances: 0, dlq: 0 };
  await replay({
    topology: pipeline.topology,
    applicationId: 'invoice-chaos-counts',
    inputs: [{ topic: topics.orders, path: files.orders }, { topic: topics.payments, path: files.payments }, { topic: topics.activity, path: files.activity }],
    timestampOf: occurredAtMillis,
    onOutput: (r) => {
      if (r.topic === topics.invoiceEvents) counts.events++;
      else if (r.topic === topics.invoiceRows) counts.rows++;
      else if (r.topic === topics.balanceRows) counts.balances++;
      else if (r.topic === topics.dlq) counts.dlq++;
    },
    progress: false,
  });
  return counts;
}

/**
 * Events (by invoice and version) and dead letters (a multiset) the replay has and the run does
 * not (lost) or has more than once (duplicated), and every difference from the replay
 * (compareScenario: events, final rows, balances, dead letters).
 */
function lostAndDuplicated(expected: Expected, actual: { invoices: Row[]; client_balances: Row[]; events: Row[]; dlq: Row[] }): { lost: number; duplicated: number; diffs: string[] } {
  const eventKey = (r: Row): string => `${String(r.invoice_id)}#${String(r.version)}`;
  const dlqKey = (r: Row): string => {
    const source = r.source as Row;
    return JSON.stringify([r.reason, source.topic, source.partition ?? 0, source.offset, r.value]);
  };
  let lost = 0;
  let duplicated = 0;
  for (const [keyOf, want, got] of [[eventKey, expected.events, actual.events], [dlqKey, expected.dlq, actual.dlq]] as const) {
    const left = new Map<string, number>();
    for (const r of got) left.set(keyOf(r), (left.get(keyOf(r)) ?? 0) + 1);
    for (const r of want) {
      const n = left.get(keyOf(r)) ?? 0;
      if (n === 0) lost++;
      else left.set(keyOf(r), n - 1);
    }
    // Left over and expected: produced twice. Left over and never expected: a difference below.
    const wanted = new Set(want.map(keyOf));
    for (const [k, n] of left) if (wanted.has(k)) duplicated += n;
  }
  const diffs = compareScenario(expected, { ...actual, summary: expected.summary } as Parameters<typeof compareScenario>[1]);
  return { lost, duplicated, diffs };
}
