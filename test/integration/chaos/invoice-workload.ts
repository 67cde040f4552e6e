// The upstream of the invoice chaos test: a generated scenario fed to the three input topics in
// slices of the replay's merge order, each slice in one transaction, so that a live run that goes
// on while the slices arrive still merges its inputs exactly as the replay does.
//
// Why that holds: slice i holds the next records of the merge order, so whatever of slice i is
// left always comes before anything later; the runtime's partition group takes the smallest head
// among the partitions it has records of, and waits on a partition whose high watermark is ahead
// of its position (docs/exactly-once.md, "Known limits"). Records of a transaction are appended to
// all three partitions before it commits, so a fetch that returns one partition's new records
// already shows the others' as lag, and the task waits for them instead of going ahead.
import { createKafkaClient } from '../../../src/runtime/client/select.ts';
import type { TransactionalProducer } from '../../../src/runtime/client/api.ts';
import { pickNext } from '../../../src/engine/replay/merge.ts';
import { occurredAtMillis } from '../../../src/invoice/event-time.ts';
import { inputRecord, type InputName, type RunTopics } from '../support/live-pipeline.ts';

const INPUTS: readonly InputName[] = ['orders', 'payments', 'activity'];

/** Lines per input. */
export type InputLines = Record<InputName, readonly string[]>;

/** The scenario cut into `phases` consecutive slices of the replay's merge order (each input keeps its own order). */
export function mergePhases(scenario: InputLines, phases: number): InputLines[] {
  const taken = [0, 0, 0];
  const total = INPUTS.reduce((n, input) => n + scenario[input].length, 0);
  const timestamp = (line: string): number | undefined => occurredAtMillis(Buffer.from(line, 'utf8'));
  const heads = INPUTS.map((input) => {
    const line = scenario[input][0];
    return line === undefined ? undefined : { timestamp: timestamp(line) };
  });
  const out: InputLines[] = [];
  for (let phase = 1; phase <= phases; phase++) {
    const from = [...taken];
    const until = Math.round((total * phase) / phases);
    for (let n = taken.reduce((a, b) => a + b, 0); n < until; n++) {
      const next = pickNext(heads);
      if (next < 0) break;
      const input = INPUTS[next] as InputName;
      const at = (taken[next] = (taken[next] as number) + 1);
      const line = scenario[input][at];
      heads[next] = line === undefined ? undefined : { timestamp: timestamp(line) };
    }
    const slice = (i: number): readonly string[] => scenario[INPUTS[i] as InputName].slice(from[i], taken[i]);
    out.push({ orders: slice(0), payments: slice(1), activity: slice(2) });
  }
  return out;
}

/** Produces slices to a run's input topics, one transaction per slice, at a steady pace; can be held (a broker restart). */
export class TransactionalDriver {
  readonly #brokers: string[];
  readonly #t: RunTopics;
  #committed = 0;
  #records = 0;
  #done = false;
  #stopped = false;
  #holdRequest: (() => void) | undefined;
  #release: (() => void) | undefined;
  readonly #waiters: Array<{ phase: number; wake: () => void; fail: (error: Error) => void }> = [];

  constructor(brokers: string[], t: RunTopics) {
    this.#brokers = brokers;
    this.#t = t;
  }

  /** Slices committed so far. */
  get committed(): number {
    return this.#committed;
  }

  /** Input records committed so far. */
  get records(): number {
    return this.#records;
  }

  /** Produces every slice, one every `intervalMs`; resolves after the last commit. */
  async run(slices: readonly InputLines[], intervalMs: number): Promise<void> {
    // The runtime's client (retries inside it cover a broker restart while held).
    const client = createKafkaClient({ brokers: this.#brokers, clientId: `${this.#t.orders}-upstream`, retries: 15 });
    const producer = client.transactionalProducer(`${this.#t.orders}-upstream`);
    await producer.init();
    try {
      let due = Date.now();
      for (const slice of slices) {
        if (this.#stopped) break;
        const held = this.#holdRequest;
        if (held) {
          this.#holdRequest = undefined;
          await new Promise<void>((release) => {
            this.#release = release;
            held();
          });
          this.#release = undefined;
          due = Date.now();
        }
        await this.#produce(producer, slice);
        this.#committed++;
        for (const w of this.#waiters.filter((x) => x.phase <= this.#committed)) {
          this.#waiters.splice(this.#waiters.indexOf(w), 1);
          w.wake();
        }
        due += intervalMs;
        await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      }
    } finally {
      this.#done = true;
      this.#holdRequest?.();
      for (const w of this.#waiters.splice(0)) w.fail(new Error(`the upstream stopped after ${this.#committed} of ${slices.length} slices`));
      await producer.close();
    }
  }

  /** Resolves when `phase` slices are committed. */
  waitFor(phase: number): Promise<void> {
    if (this.#committed >= phase) return Promise.resolve();
    if (this.#done) return Promise.reject(new Error(`the upstream stopped after ${this.#committed} slices`));
    return new Promise((wake, fail) => this.#waiters.push({ phase, wake, fail }));
  }

  /** Resolves once the slice in flight has committed and no other will start until `release`. */
  hold(): Promise<void> {
    if (this.#done) return Promise.resolve();
    return new Promise((r) => (this.#holdRequest = r));
  }

  /** Ends the run after the slice in flight (a test that failed). */
  stop(): void {
    this.#stopped = true;
    this.release();
  }

  /** Lets the slices go on after `hold`. */
  release(): void {
    this.#release?.();
  }

  async #produce(producer: TransactionalProducer, slice: InputLines): Promise<void> {
    await producer.begin();
    try {
      for (const input of INPUTS) {
        const lines = slice[input];
        // Sends under the broker's 1 MB batch limit.
        for (let i = 0; i < lines.length; i += 1_000) {
          await producer.send(
            lines.slice(i, i + 1_000).map((line) => inputRecord(this.#t[input], line, input)),
          );
        }
      }
      await producer.commit();
    } catch (error) {
      if (producer.inTransaction()) await producer.abort().catch(() => undefined);
      throw error;
    }
    this.#records += INPUTS.reduce((n, input) => n + slice[input].length, 0);
  }
}
