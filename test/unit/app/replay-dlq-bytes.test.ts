// A dead letter keeps its original bytes (docs/contract.md, rule 1). dlq.jsonl is text: a line that
// is not valid UTF-8 shows replacement characters in `value`, so its bytes also come as
// `value_base64`; valid lines have no such field (their `value` is their bytes).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayInvoices } from '../../../src/app/replay.ts';

describe('replay: dead letters keep their bytes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'replay-dlq-bytes-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('adds value_base64 exactly when the line is not valid UTF-8', async () => {
    const bad = Buffer.concat([Buffer.from('{"event_id":"x","note":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    const notJson = Buffer.from('not json at all', 'utf8');
    writeFileSync(join(dir, 'orders.jsonl'), Buffer.concat([bad, Buffer.from('\n'), notJson, Buffer.from('\n')]));
    writeFileSync(join(dir, 'payments.jsonl'), '');
    writeFileSync(join(dir, 'activity.jsonl'), '');
    const out = join(dir, 'out');
    await replayInvoices({ orders: join(dir, 'orders.jsonl'), payments: join(dir, 'payments.jsonl'), activity: join(dir, 'activity.jsonl'), out, progress: false });
    const lines = readFileSync(join(out, 'dlq.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { source: { offset: number }; value: string; value_base64?: string });
    expect(lines).toHaveLength(2);
    const first = lines.find((l) => l.source.offset === 0);
    const second = lines.find((l) => l.source.offset === 1);
    expect(first?.value).toContain('\ufffd');
    expect(Buffer.from(first?.value_base64 ?? '', 'base64').equals(bad)).toBe(true);
    expect(second?.value).toBe('not json at all');
    expect(second && 'value_base64' in second).toBe(false);
  });
});
