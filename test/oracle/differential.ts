// One differential run: a scenario through the project's replay and through the oracle, compared.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayInvoices } from '../../src/app/replay.ts';
import { runOracle, type OracleInput, type OracleOptions } from './model.ts';
import { compareOutputs, readDeltaTables, readReplayDir } from './compare.ts';
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
export async function differential(input: OracleInput, options: OracleOptions = {}, delta = false): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'oracle-diff-'));
  try {
    await writeScenario(dir, input);
    const out = join(dir, 'out');
    try {
      await replayInvoices({
        orders: join(dir, 'orders.jsonl'), payments: join(dir, 'payments.jsonl'), activity: join(dir, 'activity.jsonl'),
        out, asOfMicros: input.asOfMicros, progress: false,
      });
    } catch (err) {
      return [`replay failed: ${(err as Error).message}`];
    }
    const actual = await readReplayDir(out);
    const expected = asOutputs(runOracle(input, options));
    const diffs = compareOutputs(expected, actual);
    if (delta) {
      // The Delta tables must hold the same rows and events (events in any order there).
      const tables = await readDeltaTables(out);
      const events = [...tables.events].sort((a, b) => String(a.invoice_id).localeCompare(String(b.invoice_id)) || Number(a.version) - Number(b.version));
      diffs.push(...compareOutputs(expected, { ...actual, ...tables, events }).map((d) => `delta: ${d}`));
    }
    return diffs;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
