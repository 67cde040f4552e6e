// One differential run: a scenario through the project's replay and through the oracle, compared.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayInvoices } from '../../src/app/replay.ts';
import { runOracle, type OracleInput, type OracleOptions } from './model.ts';
import { compareOutputs, readReplayDir } from './compare.ts';
import { asOutputs } from './scenario.ts';

/** Writes a scenario as JSONL files into `dir`. */
export async function writeScenario(dir: string, input: OracleInput): Promise<void> {
  const jsonl = (lines: string[]) => lines.map((l) => `${l}\n`).join('');
  await writeFile(join(dir, 'orders.jsonl'), jsonl(input.orders));
  await writeFile(join(dir, 'payments.jsonl'), jsonl(input.payments));
  await writeFile(join(dir, 'activity.jsonl'), jsonl(input.activity));
  if (input.asOfMicros !== undefined) await writeFile(join(dir, 'as-of.txt'), `${new Date(input.asOfMicros / 1000).toISOString()}\n`);
}

/** Runs both sides; returns the differences (empty: they agree). */
export async function differential(input: OracleInput, options: OracleOptions = {}): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'oracle-diff-'));
  try {
    await writeScenario(dir, input);
    const out = join(dir, 'out');
    await replayInvoices({
      orders: join(dir, 'orders.jsonl'), payments: join(dir, 'payments.jsonl'), activity: join(dir, 'activity.jsonl'),
      out, asOfMicros: input.asOfMicros, progress: false,
    });
    const actual = await readReplayDir(out);
    return compareOutputs(asOutputs(runOracle(input, options)), actual);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
