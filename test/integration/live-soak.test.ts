// The live pipeline, round after round on one stack, with transactions aborted on purpose: each
// round is a fresh generated scenario through a fresh instance (as `invoice-stream run` starts
// it), checked against the replay of the same inputs. Outputs are read read_committed by librdkafka,
// a client independent of the one under test. Every round must finish (no stall: the group reaches
// lag 0 on inputs and repartition topics, no task flagged by the stall watch, the instance never
// fails) with nothing lost and nothing twice: every invoice, balance, event (by invoice and
// version) and dead letter equal to the replay's, and as many events and dead letters.
//
// Each round runs in two phases: the first half of the inputs (a prefix of the replay's merge
// order) through one instance, closed cleanly; then the rest through a second instance on the
// same state directory. Faults, in exactly_once rounds (under at_least_once a failed commit may
// repeat outputs by definition, so those rounds run clean), hit the second instance's producer
// (one per instance: EOS-v2) at its first commit, so every task is rewound onto the first phase's
// committed state:
//   - fenced:        another producer initializes the same transactional id (a zombie's successor);
//   - produce-error: the send of the transaction's records fails;
//   - txn-timeout:   the commit waits past the producer's transaction timeout (3 s), so the broker
//                    aborts the transaction itself.
// One partition per topic, so the live run merges inputs in the replay's order and the outcome is
// the replay's to the event (see invoice-live-conformance.test.ts).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaClientOptions } from '../../src/app/kafka-connection.ts';
import { startLiveInstance } from '../../src/app/observe/live.ts';
import { replayInvoices } from '../../src/app/replay.ts';
import type { RuntimeAdmin } from '../../src/runtime/client/api.ts';
import { generateScenario } from '../../bench/scenario/generator.ts';
import { compareScenario, readReplayOutput, type Expected } from '../unit/conformance/compare.ts';
import { testStack } from '../stack/env.ts';
import { waitForLag0, waitUntilQuiet } from './chaos/workload.ts';
import { faultyClient, type Faults } from './support/faulty-client.ts';
import { readLiveOutputs } from './support/live-outputs.ts';
import { createKafkaClient, liveConfig, outputTopics, produceLines, runTopics, runTopicsToDelete, type InputName } from './support/live-pipeline.ts';
import { pickNext } from '../../src/engine/replay/merge.ts';
import { occurredAtMillis } from '../../src/invoice/event-time.ts';

type Fault = 'none' | 'fenced' | 'produce-error' | 'txn-timeout';
interface Round {
  guarantee: 'exactly_once' | 'at_least_once';
  fault: Fault;
}

const ROUNDS: Round[] = [
  { guarantee: 'exactly_once', fault: 'fenced' },
  { guarantee: 'at_least_once', fault: 'none' },
  { guarantee: 'exactly_once', fault: 'produce-error' },
  { guarantee: 'at_least_once', fault: 'none' },
  { guarantee: 'exactly_once', fault: 'txn-timeout' },
  { guarantee: 'exactly_once', fault: 'none' },
];
const ORDERS = 400;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The fault hooks of a round, and whether the fault has fired (at the first commit of a producer whose transactional id starts with `prefix`: the instance's, `<application.id>-<instanceId>`). */
function faultsFor(fault: Fault, prefix: string, brokers: string[]): { faults: Faults; fired: () => boolean } {
  let fired = false;
  const at = (point: { transactionalId: string; commit: number }): boolean => {
    if (fired || !point.transactionalId.startsWith(prefix) || point.commit !== 1) return false;
    fired = true;
    return true;
  };
  const faults: Faults = {};
  if (fault === 'fenced') {
    faults.beforeCommit = async (point) => {
      if (!at(point)) return;
      const successor = createKafkaClient({ brokers, clientId: `${point.transactionalId}-successor` }).transactionalProducer(point.transactionalId, 60_000);
      await successor.init();
      await successor.close();
    };
  } else if (fault === 'produce-error') {
    faults.beforeSend = (point) => {
      if (at(point)) throw new Error(`injected produce error in ${point.transactionalId}`);
    };
  } else if (fault === 'txn-timeout') {
    faults.transactionTimeoutMs = (id) => (id.startsWith(prefix) ? 3_000 : undefined);
    // The broker aborts expired transactions on its cleanup pass (every 10 s by default).
    faults.beforeCommit = async (point) => {
      if (at(point)) await sleep(15_000);
    };
  }
  return { faults, fired: () => fired };
}

/** How many lines of each input come first in the replay's merge order, for the first `share` of all lines. */
function mergePrefix(scenario: Record<InputName, readonly string[]>, share: number): Record<InputName, number> {
  const inputs: InputName[] = ['orders', 'payments', 'activity'];
  const taken = [0, 0, 0];
  const total = inputs.reduce((n, i) => n + scenario[i].length, 0);
  const timestamp = (line: string): number | undefined => occurredAtMillis(Buffer.from(line, 'utf8'));
  for (let n = 0; n < total * share; n++) {
    const heads = inputs.map((input, i) => {
      const line = scenario[input][taken[i] as number];
      return line === undefined ? undefined : { timestamp: timestamp(line) };
    });
    const next = pickNext(heads);
    if (next < 0) break;
    taken[next] = (taken[next] as number) + 1;
  }
  return { orders: taken[0] as number, payments: taken[1] as number, activity: taken[2] as number };
}

describe('live soak: rounds on one stack with aborted transactions, checked against the replay', () => {
  let admin: RuntimeAdmin;
  const work = mkdtempSync(join(tmpdir(), 'live-soak-'));

  beforeAll(async () => {
    admin = await createKafkaClient({ brokers: testStack().kafkaBrokers, clientId: 'live-soak-admin' }).admin();
  });

  afterAll(async () => {
    await admin?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it.each(ROUNDS.map((round, i) => ({ ...round, n: i + 1 })))('round $n: $guarantee, fault $fault', async ({ guarantee, fault, n }) => {
    const stack = testStack();
    const run = `soak-${n}-${Date.now()}`;
    const t = runTopics(run);
    const dir = join(work, run);
    const topics = [t.orders, t.payments, t.activity, ...outputTopics(t)];
    // Event times months back: records must outlive the broker's 24 h retention during the round.
    await admin.createTopics(topics.map((name) => ({ name, partitions: 1, configs: { 'retention.ms': '-1' } })));
    const scenario = generateScenario({ orders: ORDERS, seed: 1_000 + n });

    // What the contract says must come out: the replay of the same inputs.
    const files = { orders: join(dir, 'orders.jsonl'), payments: join(dir, 'payments.jsonl'), activity: join(dir, 'activity.jsonl') };
    mkdirSync(dir, { recursive: true });
    for (const input of ['orders', 'payments', 'activity'] as const) writeFileSync(files[input], scenario[input].map((l) => `${l}\n`).join(''));
    await replayInvoices({ ...files, out: join(dir, 'replay'), progress: false });
    const replayed = await readReplayOutput(join(dir, 'replay'));
    const expected: Expected = { ...replayed, invoices: Object.fromEntries(replayed.invoices.map((r) => [String(r.invoice_id), r])) };

    const config = { ...liveConfig(run, t, { brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, stateDir: join(dir, 'state'), guarantee, commitIntervalMs: 100 }), stallTimeoutMs: 30_000 };
    const { faults, fired } = faultsFor(fault, `${run}-`, stack.kafkaBrokers);
    const consumed = [t.orders, t.payments, t.activity, ...t.repartitions];
    const warnings: string[] = [];
    // One phase: produce `lines`, run an instance until everything is consumed and the outputs are still, close it.
    const phase = async (lines: Record<InputName, readonly string[]>, phaseFaults: Faults): Promise<void> => {
      await produceLines(stack.kafkaBrokers, t, lines);
      const live = await startLiveInstance(config, {
        client: faultyClient(createKafkaClient(kafkaClientOptions(config)), phaseFaults),
        log: (level, message, fields) => {
          if (level === 'warn' || level === 'error') warnings.push(`${message} ${JSON.stringify(fields ?? {})}`);
        },
      });
      try {
        const failed = (): Error | undefined => {
          const stalled = live.streams.stalledTasks();
          return live.streams.fatalError ?? (stalled.length > 0 ? new Error(`tasks stalled: ${stalled.join(', ')}`) : undefined);
        };
        await waitForLag0(admin, run, consumed, 120_000, failed);
        await waitUntilQuiet(admin, run, consumed, outputTopics(t), failed);
        expect(live.streams.state).toBe('RUNNING');
        expect(live.streams.stalledTasks()).toEqual([]);
      } catch (error) {
        // Closed, but the first failure is the one reported.
        await live.close();
        throw error;
      }
      // A clean close within its bound: the next phase starts from this one's checkpoints.
      expect(await live.close()).toBe(true);
    };
    const first = mergePrefix(scenario, 0.5);
    const part = (from: 'head' | 'tail'): Record<InputName, readonly string[]> => {
      const cut = (input: InputName): readonly string[] => (from === 'head' ? scenario[input].slice(0, first[input]) : scenario[input].slice(first[input]));
      return { orders: cut('orders'), payments: cut('payments'), activity: cut('activity') };
    };
    await phase(part('head'), {});
    await phase(part('tail'), faults);
    if (fault !== 'none') {
      expect(fired()).toBe(true);
      // The fault reached the runtime, which recovered from it (not a silent no-op).
      expect(warnings.some((w) => w.includes('task failure'))).toBe(true);
    }

    const outputs = await readLiveOutputs(stack.kafkaBrokers, stack.schemaRegistryUrl, t);
    // The summary counts are in-process metrics, not outputs (a rewound task counts again): not compared here.
    expect(compareScenario(expected, { ...outputs, summary: expected.summary })).toEqual([]);
    expect(outputs.events).toHaveLength(replayed.events.length);
    expect(outputs.dlq).toHaveLength(replayed.dlq.length);
    expect(outputs.events.length).toBeGreaterThan(ORDERS);
    await admin.deleteTopics(runTopicsToDelete(t)).catch(() => undefined);
  }, 240_000);
});
