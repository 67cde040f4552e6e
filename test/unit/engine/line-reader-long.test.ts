// Lines longer than the reader's limit are never held whole: they come out cut to their first
// bytes, with their full length and what the extractor read from every byte. Lines within the
// limit come out as before, whatever the chunk boundaries and line endings.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LineReader, type Line, type StreamingExtractor } from '../../../src/engine/replay/line-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'line-reader-long-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Counts the bytes it sees, so a test can tell that every byte of a cut line went through it.
function counting(): StreamingExtractor {
  let n = 0;
  return { write: (bytes) => void (n += bytes.length), end: () => n };
}

async function readAll(text: string, chunkSize: number, maxLineBytes: number, headBytes: number): Promise<Line[]> {
  const path = join(dir, `f-${chunkSize}-${maxLineBytes}.jsonl`);
  writeFileSync(path, text);
  const reader = new LineReader(path, chunkSize, { maxLineBytes, headBytes, extractor: counting });
  const lines: Line[] = [];
  for (let l = await reader.next(); l; l = await reader.next()) lines.push(l);
  return lines;
}

describe('LineReader: lines longer than the limit', () => {
  const lines = ['short', 'x'.repeat(10), 'y'.repeat(11), 'z'.repeat(200), '', 'w'.repeat(9)];

  for (const ending of ['\n', '\r\n']) {
    for (const chunkSize of [1, 3, 7, 64, 4096]) {
      it(`cuts only lines past 10 bytes (${JSON.stringify(ending)}, chunks of ${chunkSize})`, async () => {
        const got = await readAll(lines.join(ending) + ending + 'v'.repeat(40), chunkSize, 10, 4);
        const expected = [...lines, 'v'.repeat(40)].map((text, lineNo) =>
          text.length > 10
            ? { bytes: text.slice(0, 4), lineNo, cutFrom: text.length, extracted: text.length + (ending === '\r\n' && lineNo < lines.length ? 1 : 0) }
            : { bytes: text, lineNo, cutFrom: undefined, extracted: undefined });
        expect(got.map((l) => ({ bytes: l.bytes.toString(), lineNo: l.lineNo, cutFrom: l.cutFrom, extracted: l.extracted }))).toEqual(expected);
      });
    }
  }

  it('keeps a line of exactly the limit whole, with or without a CR', async () => {
    const got = await readAll(`${'a'.repeat(10)}\r\n${'b'.repeat(10)}\n${'c'.repeat(10)}\r\r\n`, 4, 10, 4);
    expect(got.map((l) => [l.bytes.toString(), l.cutFrom])).toEqual([['a'.repeat(10), undefined], ['b'.repeat(10), undefined], ['cccc', 11]]);
  });

  it('never holds the line: a 64 MiB line with a 1 MiB limit goes by in pieces of a chunk at most', async () => {
    const path = join(dir, 'big.jsonl');
    const block = Buffer.alloc(1 << 20, 'x');
    writeFileSync(path, Buffer.concat([Buffer.from('head'), ...Array.from({ length: 64 }, () => block), Buffer.from('\nnext\n')]));
    let largestPiece = 0;
    const extractor = (): StreamingExtractor => {
      const inner = counting();
      return { write: (bytes) => ((largestPiece = Math.max(largestPiece, bytes.length)), inner.write(bytes)), end: inner.end };
    };
    const reader = new LineReader(path, 1 << 20, { maxLineBytes: 1 << 20, extractor });
    const first = await reader.next();
    const second = await reader.next();
    expect(first?.cutFrom).toBe(4 + 64 * (1 << 20));
    expect(first?.extracted).toBe(4 + 64 * (1 << 20));
    expect(first?.bytes.length).toBe(64 * 1024);
    expect(first?.bytes.buffer.byteLength).toBeLessThanOrEqual(64 * 1024); // not a view of the whole line
    expect(first?.bytes.subarray(0, 4).toString()).toBe('head');
    // Within the limit a line is held (up to 1 MiB + 1 byte, a possible CR); then chunks go by.
    expect(largestPiece).toBeLessThanOrEqual((1 << 20) + 1);
    expect(second?.bytes.toString()).toBe('next');
    expect(second?.lineNo).toBe(1);
  });
});
