// The checked-in description of the invoice topology (topologies/invoice-pipeline.txt, which the
// docs point readers to) is the topology's own `describe()`: a store or node added or removed
// without regenerating it (`node src/app/cli.ts describe`) fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildInvoicePipeline } from '../../../topologies/invoice-pipeline.ts';

describe('topologies/invoice-pipeline.txt', () => {
  it('is what the topology describes', () => {
    const checkedIn = readFileSync(new URL('../../../topologies/invoice-pipeline.txt', import.meta.url), 'utf8');
    expect(checkedIn).toBe(`${buildInvoicePipeline().topology.describe()}\n`);
  });
});
