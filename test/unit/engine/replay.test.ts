import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessorContext, StreamRecord } from '../../../src/engine/processor/api.ts';
import { LineReader } from '../../../src/engine/replay/line-reader.ts';
import { pickNext } from '../../../src/engine/replay/merge.ts';
import { replay } from '../../../src/engine/replay/replay.ts';
import { Topology } from '../../../src/engine/topology/topology.ts';
import { StreamsBuilder } from '../../../src/engine/dsl/streams-builder.ts';
import type { KeyValueStore } from '../../../src/engine/state/api.ts';
import { Stores } from '../../../src/engine/state/stores.ts';

const dir = mkdtempSync(join(tmpdir(), 'replay-test-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const ts = (bytes: Buffer): number | undefined => {
  const v = (JSON.parse(bytes.toString('utf8')) as { t?: number }).t;
  return typeof v === 'number' ? v : undefined;
};

// A topology that logs "topic:offset:value@timestamp" for each record it sees.
function recorder(seen: string[]): Topology {
  const tap = () => {
    let ctx: ProcessorContext;
    return {
      init: (c: ProcessorContext) => (ctx = c),
      process: (r: StreamRecord<null, Buffer>) => {
        const m = ctx.recordMetadata();
        seen.push(`${m?.topic}:${m?.offset}:${r.value.toString()}@${r.timestamp}`);
      },
    };
  };
  return new Topology().addSource('a', 'A').addSource('b', 'B').addSource('c', 'C').addProcessor('tap', tap, 'a', 'b', 'c');
}

describe('replay merge', () => {
  it('picks the smallest timestamp, ties to the earlier input, unreadable first', () => {
    expect(pickNext([{ timestamp: 5 }, { timestamp: 3 }, { timestamp: 4 }])).toBe(1);
    expect(pickNext([{ timestamp: 3 }, { timestamp: 3 }])).toBe(0);
    expect(pickNext([undefined, { timestamp: 3 }, { timestamp: 3 }])).toBe(1);
    expect(pickNext([{ timestamp: 1 }, { timestamp: undefined }, { timestamp: undefined }])).toBe(1);
    expect(pickNext([undefined, undefined])).toBe(-1);
  });

  it('merges files by timestamp, each in its own order', async () => {
    const seen: string[] = [];
    const summary = await replay({
      topology: recorder(seen),
      inputs: [
        { topic: 'A', path: file('a.jsonl', '{"t":10}\n{"t":30}\n{"t":20}\n') },
        { topic: 'B', path: file('b.jsonl', '{"t":10}\nnot json\n{"t":15}\r\n{"t":40}') },
        { topic: 'C', path: file('c.jsonl', '{"t":5}\n\n{"x":1}\n{"t":30}\n') },
      ],
      timestampOf: ts,
      progress: false,
    });
    expect(seen).toEqual([
      'C:0:{"t":5}@5',
      'C:1:@-1', // empty line: a record with no timestamp, taken as soon as it is next
      'C:2:{"x":1}@-1',
      'A:0:{"t":10}@10', // tie at 10: A before B
      'B:0:{"t":10}@10',
      'B:1:not json@-1',
      'B:2:{"t":15}@15', // CR of the CRLF dropped
      'A:1:{"t":30}@30', // tie at 30: A before C
      'A:2:{"t":20}@20', // A's own order is kept even though 20 < 30
      'C:3:{"t":30}@30',
      'B:3:{"t":40}@40', // last line without a newline
    ]);
    expect(summary.records).toBe(11);
    expect(summary.withoutTimestamp).toBe(3);
    expect(summary.perTopic).toEqual({ A: 3, B: 4, C: 4 });
    expect(summary.streamTime).toBe(40);
  });

  it('reads lines across chunk boundaries', async () => {
    const lines = Array.from({ length: 1000 }, (_, i) => `{"t":${i},"pad":"${'x'.repeat(i % 37)}"}`);
    const reader = new LineReader(file('long.jsonl', lines.join('\r\n') + '\r\n'), 64);
    const got: string[] = [];
    for (let l = await reader.next(); l; l = await reader.next()) got.push(l.bytes.toString());
    expect(got).toEqual(lines);
  });

  it('runs a DSL topology on the persistent store, committing as it goes', async () => {
    const stateDir = join(dir, 'state');
    const b = new StreamsBuilder({ applicationId: 'r', defaultStoreSupplier: (name) => Stores.persistentKeyValueStore(name, { dir: stateDir }) });
    b.stream<null, Buffer>('A')
      .selectKey((_, v) => String((JSON.parse(v.toString()) as { k: string }).k))
      .groupByKey({ name: 'by-k' })
      .count({ storeName: 'counts' });
    const lines = Array.from({ length: 250 }, (_, i) => JSON.stringify({ t: i, k: `k${i % 7}` })).join('\n');
    let commits = 0;
    let counts: Array<[string, number]> = [];
    await replay({
      topology: b.build(),
      inputs: [{ topic: 'A', path: file('counts.jsonl', lines) }],
      timestampOf: ts,
      commitEvery: 100,
      onCommit: async () => void commits++,
      onSummary: (_summary, runner) => {
        counts = [...(runner.store<KeyValueStore<number>>('counts')?.range() ?? [])];
      },
      progress: false,
    });
    expect(commits).toBe(3); // at 100, 200 and the end
    expect(counts).toEqual(Array.from({ length: 7 }, (_, i) => [`k${i}`, i < 250 % 7 ? 36 : 35]));
  });

  it('advances stream time to asOf at the end', async () => {
    const seen: string[] = [];
    const summary = await replay({ topology: recorder(seen), inputs: [{ topic: 'A', path: file('one.jsonl', '{"t":1}\n') }], timestampOf: ts, asOf: 99, progress: false });
    expect(summary.streamTime).toBe(99);
  });
});
