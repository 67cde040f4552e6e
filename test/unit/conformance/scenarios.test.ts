// Any further conformance scenario dropped next to `small` in test/fixtures/conformance (a folder with orders.jsonl,
// payments.jsonl, activity.jsonl and expected.json; an optional as-of.txt holds --as-of) is
// replayed and compared by the same rules. `small` has its own, more detailed test.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayInvoices } from '../../../src/app/replay.ts';
import { parseAsOf } from '../../../src/app/cli.ts';
import { compareScenario, readReplayOutput, type Expected } from './compare.ts';
import { CONFORMANCE_DIR } from '../../fixtures/conformance.ts';

const ROOT = CONFORMANCE_DIR;
const scenarios = existsSync(ROOT)
  ? readdirSync(ROOT, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'small' && existsSync(join(ROOT, d.name, 'expected.json')))
    .map((d) => d.name)
  : [];

describe('conformance: other scenarios', () => {
  it('every scenario folder beside small holds its inputs', () => {
    expect(existsSync(join(ROOT, 'small', 'expected.json'))).toBe(true);
    for (const name of scenarios) {
      for (const file of ['orders.jsonl', 'payments.jsonl', 'activity.jsonl']) expect(existsSync(join(ROOT, name, file)), `${name}/${file}`).toBe(true);
    }
  });

  it.each(scenarios)('%s matches expected.json', async (name) => {
    const dir = join(ROOT, name);
    const out = await mkdtemp(join(tmpdir(), `invoice-${name}-`));
    try {
      const asOfFile = join(dir, 'as-of.txt');
      const asOf = existsSync(asOfFile) ? parseAsOf(readFileSync(asOfFile, 'utf8').trim()) : undefined;
      await replayInvoices({
        orders: join(dir, 'orders.jsonl'), payments: join(dir, 'payments.jsonl'), activity: join(dir, 'activity.jsonl'),
        out, asOfMicros: asOf, progress: false,
      });
      const expected = JSON.parse(await readFile(join(dir, 'expected.json'), 'utf8')) as Expected;
      expect(compareScenario(expected, await readReplayOutput(out))).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
