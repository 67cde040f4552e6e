// Crash safety of the writer: a SIGKILL at any point leaves a table whose rows are exactly those of
// the batches up to its txn version (no partial batch), and a restarted writer resumes from there.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';

const spec: DeltaTableSpec = {
  name: 't', keyColumns: ['id'], versionColumn: 'version',
  columns: [{ name: 'id', type: 'string', nullable: false }, { name: 'version', type: 'long', nullable: false }],
};
// The writer reports each committed batch and is killed when it reports KILL_AFTER, while it writes
// the batches after it: past two checkpoints (interval 7), so the reopen reads a checkpoint and the
// commits after it. It would write up to MAX_BATCHES, far more than it can before the kill lands.
const KILL_AFTER = 20;
const MAX_BATCHES = 100_000;
// Batch b: key `a` moves to version b, key `k<b>` is new. Rows of a table at txn version v are known.
const batch = (b: number): DeltaRow[] => [{ id: 'a', version: b }, { id: `k${b}`, version: 1 }];
const rowsUpTo = (v: number): DeltaRow[] => [
  ...(v > 0 ? [{ id: 'a', version: v }] : []),
  ...Array.from({ length: v }, (_, i) => ({ id: `k${i + 1}`, version: 1 })),
].sort((x, y) => (x.id as string).localeCompare(y.id as string));

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});

async function resumeFrom(table: DeltaTable, to: number): Promise<void> {
  for (let b = (table.txnVersion('app') ?? 0) + 1; b <= to; b++) await table.upsert(batch(b), { txn: { appId: 'app', version: b } });
}

describe('DeltaTable crash safety', () => {
  it('SIGKILL mid-stream: the table holds exactly the batches up to its txn version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'delta-crash-'));
    dirs.push(dir);
    const mod = pathToFileURL(resolve(import.meta.dirname, '../../../src/sinks/delta/index.ts')).href;
    const child = join(dir, 'writer.mjs');
    await writeFile(child, `
      const { DeltaTable } = await import(${JSON.stringify(mod)});
      const spec = ${JSON.stringify(spec)};
      const t = await DeltaTable.open(process.argv[2], spec, { checkpointInterval: 7 });
      for (let b = 1; b <= ${MAX_BATCHES}; b++) {
        await t.upsert([{ id: 'a', version: b }, { id: 'k' + b, version: 1 }], { txn: { appId: 'app', version: b } });
        process.stdout.write(b + '\\n');
      }
    `);
    const table = join(dir, 'table');
    const proc = spawn(process.execPath, [child, table], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number | null>(ok => proc.once('exit', ok));
    // The kill follows the writer's own report of batch KILL_AFTER, never a timer: it lands after
    // that commit and before the writer could run out of batches, however fast or loaded the machine.
    const killed = await new Promise<boolean>((ok) => {
      createInterface({ input: proc.stdout }).on('line', (line) => {
        if (Number(line) === KILL_AFTER) ok(proc.kill('SIGKILL'));
      });
      void exited.then(() => ok(false));
    });
    expect(killed).toBe(true); // the writer was alive at batch KILL_AFTER (did not die before)
    await exited;

    const reopened = await DeltaTable.open(table, spec);
    const v = reopened.txnVersion('app') ?? 0;
    expect(v).toBeGreaterThanOrEqual(KILL_AFTER); // every reported commit survived the kill
    expect(v).toBeLessThan(MAX_BATCHES); // killed mid-stream, not after the end
    expect(reopened.version).toBe(v); // one commit per batch after the create commit
    const rows = (await reopened.readAll()).sort((x, y) => (x.id as string).localeCompare(y.id as string));
    expect(rows).toEqual(rowsUpTo(v));
    await resumeFrom(reopened, v + 10);
    expect((await reopened.readAll()).sort((x, y) => (x.id as string).localeCompare(y.id as string))).toEqual(rowsUpTo(v + 10));
    // Leftovers of the kill (a data file or temp commit written but never committed) are ignored.
    const log = await readdir(join(table, '_delta_log'));
    expect(log.filter(n => /^\d{20}\.json$/.test(n)).length).toBe(v + 11);
  });
});
