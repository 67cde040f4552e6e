// Crash safety of the writer: a SIGKILL at any point leaves a table whose rows are exactly those of
// the batches up to its txn version (no partial batch), and a restarted writer resumes from there.
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DeltaTable, type DeltaRow, type DeltaTableSpec } from '../../../src/sinks/delta/index.ts';

const spec: DeltaTableSpec = {
  name: 't', keyColumns: ['id'], versionColumn: 'version',
  columns: [{ name: 'id', type: 'string', nullable: false }, { name: 'version', type: 'long', nullable: false }],
};
const BATCHES = 400;
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
      for (let b = 1; b <= ${BATCHES}; b++) {
        await t.upsert([{ id: 'a', version: b }, { id: 'k' + b, version: 1 }], { txn: { appId: 'app', version: b } });
        if (b === 5) process.stdout.write('go\\n');
      }
    `);
    const table = join(dir, 'table');
    const proc = spawn(process.execPath, [child, table], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>(ok => proc.stdout.once('data', () => ok()));
    await new Promise(ok => setTimeout(ok, 150 + Math.random() * 200));
    proc.kill('SIGKILL');
    await new Promise(ok => proc.once('exit', ok));

    const reopened = await DeltaTable.open(table, spec);
    const v = reopened.txnVersion('app') ?? 0;
    expect(v).toBeGreaterThanOrEqual(5);
    expect(v).toBeLessThan(BATCHES); // killed mid-stream, not after the end
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
