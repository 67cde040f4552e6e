// A line far past the size limit goes to the DLQ without being held: the replay reads it in pieces,
// keeps its first 64 KiB for the dead letter (with `original_length`) and still reads its
// `occurred_at` for the merge, so the records around it come in the same order as when the line
// is held whole. A 600 MB line used to crash the replay (no summary, partial outputs) and 100 MB
// peaked at 744 MB RSS.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { replayInvoices } from '../../../src/app/replay.ts';
import type { DlqLine } from '../../../src/app/replay-outputs.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-long-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1 << 20;
const placed = (id: string, at: string) =>
  JSON.stringify({ event_id: id, event_type: 'order.placed', occurred_at: at, order_id: id, client_id: 'c', currency: 'USD', lines: [{ sku: 's', quantity: 1, unit_price: '10.00', tax_rate: '0' }] });
const sent = (id: string, invoice: string, at: string) => JSON.stringify({ event_id: id, event_type: 'invoice.sent', occurred_at: at, invoice_id: invoice });

// Writes `prefix`, `padBytes` of 'x' and `suffix` as one line, a block at a time.
function writeLongLine(fd: number, prefix: string, padBytes: number, suffix: string): void {
  writeSync(fd, prefix);
  const block = Buffer.alloc(MiB, 'x');
  for (let left = padBytes; left > 0; left -= MiB) writeSync(fd, block, 0, Math.min(MiB, left));
  writeSync(fd, suffix);
}

function readDlq(out: string): DlqLine[] {
  return readFileSync(join(out, 'dlq.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DlqLine);
}

describe('replay: lines past the line limit', () => {
  it('dead-letters a cut line as oversize and merges it by its occurred_at, as if held whole', async () => {
    // The long line (03-20) holds back its file: the order (03-10) must go first, then the
    // long line, then the activity (03-01) that needs the order. Read as "no occurred_at", the
    // long line would go at once and the activity before its invoice (unknown_invoice).
    const orders = join(dir, 'orders.jsonl');
    const activity = join(dir, 'activity.jsonl');
    const payments = join(dir, 'payments.jsonl');
    writeFileSync(orders, `${placed('o2', '2026-03-10T00:00:00Z')}\n`);
    writeFileSync(payments, '');
    const fd = openSync(activity, 'w');
    writeLongLine(fd, '{"event_id":"big","event_type":"invoice.sent","occurred_at":"2026-03-20T00:00:00Z","invoice_id":"inv_o2","pad":"', 2 * MiB, '"}\r\n');
    writeSync(fd, `${sent('s', 'inv_o2', '2026-03-01T00:00:00Z')}\n`);
    closeSync(fd);
    const lineLength = readFileSync(activity).indexOf('\r\n');

    const run = async (name: string, maxLineBytes: number) => {
      const out = join(dir, name);
      const result = await replayInvoices({ orders, payments, activity, out, progress: false, maxLineBytes });
      return { summary: result.summary, dlq: readDlq(out) };
    };
    const whole = await run('whole', 16 * MiB);
    const cut = await run('cut', MiB);

    expect(cut.summary).toEqual({ read: 3, applied: 2, duplicate: 0, dead_lettered: 1, held: 0 });
    expect(cut.summary).toEqual(whole.summary);
    const [letter] = cut.dlq;
    expect(cut.dlq).toHaveLength(1);
    expect(letter).toMatchObject({ reason: 'oversize', error: `${lineLength} bytes > ${MiB}`, source: { topic: 'invoice-activity', partition: 0, offset: 0 }, original_length: lineLength });
    expect(letter?.value).toBe(readFileSync(activity).subarray(0, 64 * 1024).toString('utf8'));
    expect(whole.dlq).toHaveLength(1);
    expect(whole.dlq[0]?.value.length).toBe(lineLength); // held whole: the contract's bytes unchanged
    expect(whole.dlq[0] && 'original_length' in whole.dlq[0]).toBe(false);
    expect({ ...letter, value: '', original_length: 0 }).toEqual({ ...whole.dlq[0], value: '', original_length: 0 });
  });

  it('a 96 MiB line: the replay finishes, dead-letters it and stays far below the line size in RSS', () => {
    const orders = join(dir, 'big-orders.jsonl');
    const activity = join(dir, 'big-activity.jsonl');
    const payments = join(dir, 'big-payments.jsonl');
    writeFileSync(orders, `${placed('o1', '2026-03-01T00:00:00Z')}\n`);
    writeFileSync(payments, '');
    const fd = openSync(activity, 'w');
    const prefix = '{"event_id":"big","event_type":"invoice.sent","occurred_at":"2026-03-02T00:00:00Z","invoice_id":"inv_o1","pad":"';
    writeLongLine(fd, prefix, 96 * MiB, '"}\n');
    writeSync(fd, `${sent('s', 'inv_o1', '2026-03-03T00:00:00Z')}\n`);
    closeSync(fd);
    const out = join(dir, 'big-out');
    // A child process, so its peak RSS is this replay's alone.
    const replayModule = fileURLToPath(new URL('../../../src/app/replay.ts', import.meta.url));
    const script = `
      const { replayInvoices } = await import(${JSON.stringify(replayModule)});
      const result = await replayInvoices(${JSON.stringify({ orders, payments, activity, out, progress: false })});
      console.log(JSON.stringify({ summary: result.summary, maxRssKb: process.resourceUsage().maxRSS }));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', maxBuffer: MiB });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const { summary, maxRssKb } = JSON.parse(child.stdout) as { summary: unknown; maxRssKb: number };
    expect(summary).toEqual({ read: 3, applied: 2, duplicate: 0, dead_lettered: 1, held: 0 });
    const [letter] = readDlq(out);
    expect(letter).toMatchObject({ reason: 'oversize', source: { offset: 0 }, original_length: prefix.length + 96 * MiB + 2 });
    expect(letter?.value.length).toBe(64 * 1024);
    // Held whole, the line alone is 96 MiB (and was parsed: ~7x); a replay starts near 110 MB.
    expect(maxRssKb * 1024).toBeLessThan(320 * 1e6);
  });
});
