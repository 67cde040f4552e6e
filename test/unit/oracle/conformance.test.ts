// The oracle (test/oracle/model.ts) must reproduce the public conformance scenario exactly, or
// the oracle is wrong.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runOracle } from '../../oracle/model.ts';
import { compareOutputs, type Outputs } from '../../oracle/compare.ts';
import { asOutputs, loadScenario } from '../../oracle/scenario.ts';
import { SMALL_SCENARIO } from '../../fixtures/conformance.ts';

const SCENARIO = SMALL_SCENARIO;

describe('oracle: conformance small', () => {
  it('matches expected.json exactly (events in emission order per invoice)', () => {
    const expected = JSON.parse(readFileSync(join(SCENARIO, 'expected.json'), 'utf8')) as Outputs & { invoices: Record<string, Outputs['invoices'][number]>; clock: string };
    const out = runOracle(loadScenario(SCENARIO));
    const want: Outputs = { ...expected, invoices: Object.values(expected.invoices) };
    expect(compareOutputs(want, asOutputs(out))).toEqual([]);
    expect(out.events.map((e) => `${e.invoice_id}#${e.version}`)).toEqual(expected.events.map((e) => `${e.invoice_id}#${e.version}`));
    expect(out.clock).toBe(expected.clock.replace('+00:00', 'Z'));
  });
});
