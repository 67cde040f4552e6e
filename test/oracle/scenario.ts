// Loading a scenario folder (orders.jsonl, payments.jsonl, activity.jsonl, optional as-of.txt).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OracleInput, OracleOutput } from './model.ts';
import { parseTimestamp } from './time.ts';
import type { Outputs } from './compare.ts';

/** The lines of a JSONL file (a final newline does not make an extra record). */
export function jsonlLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Reads a scenario folder as oracle input. */
export function loadScenario(dir: string): OracleInput {
  const read = (name: string) => jsonlLines(readFileSync(join(dir, name), 'utf8'));
  const asOfFile = join(dir, 'as-of.txt');
  const asOf = existsSync(asOfFile) ? parseTimestamp(readFileSync(asOfFile, 'utf8').trim()) : undefined;
  return { orders: read('orders.jsonl'), payments: read('payments.jsonl'), activity: read('activity.jsonl'), asOfMicros: asOf };
}

/** The oracle's output in the shape `compareOutputs` takes. */
export function asOutputs(out: OracleOutput): Outputs {
  return {
    invoices: Object.values(out.invoices),
    client_balances: out.client_balances,
    events: out.events,
    dlq: out.dlq as unknown as Outputs['dlq'],
    summary: { ...out.summary },
  };
}
