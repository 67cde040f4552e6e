// The merge order of a replay (docs/contract.md "Replay"): each file in its own order; next comes the
// file whose next record has the smallest timestamp; ties go to the earlier input; a record with
// no readable timestamp is taken as soon as it is next in its file.
import type { Line, LineReader } from './line-reader.ts';

/** A file's next record, with its extracted timestamp (undefined when unreadable). */
export interface Head {
  readonly timestamp: number | undefined;
}

/** Index of the head to take next, or -1 when every input is exhausted. */
export function pickNext(heads: ReadonlyArray<Head | undefined>): number {
  let best = -1;
  let bestTs = Infinity;
  for (let i = 0; i < heads.length; i++) {
    const head = heads[i];
    if (!head) continue;
    // No readable timestamp: it goes first, and the earliest such input wins the tie.
    if (head.timestamp === undefined) return i;
    if (best < 0 || head.timestamp < bestTs) {
      best = i;
      bestTs = head.timestamp;
    }
  }
  return best;
}

/** One merged record: which input, its line and its timestamp. */
export interface MergedLine extends Line {
  readonly input: number;
  readonly timestamp: number | undefined;
}

/**
 * Merges files in replay order, handing out lines in batches: everything that can be merged from
 * what the readers hold goes out in one batch, and the merge awaits only when a file's buffer
 * runs dry. (A line per `yield` of an async generator cost a promise and a microtask per record.)
 */
export async function* mergeFiles(
  readers: readonly LineReader[],
  timestampOf: (value: Buffer) => number | undefined,
  maxBatch = 1024,
): AsyncGenerator<MergedLine[]> {
  const heads: Array<MergedLine | undefined> = [];
  // A cut line's timestamp was read from all of its bytes as they went by (its `bytes` are only its start).
  const headOf = (i: number, line: Line): MergedLine => ({
    bytes: line.bytes, lineNo: line.lineNo, cutFrom: line.cutFrom, input: i,
    timestamp: line.cutFrom === undefined ? safeTimestamp(timestampOf, line.bytes) : readable(line.extracted),
  });
  const load = async (i: number): Promise<void> => {
    const reader = readers[i] as LineReader;
    const line = reader.nextBuffered() ?? (await reader.next());
    heads[i] = line ? headOf(i, line) : undefined;
  };
  try {
    for (let i = 0; i < readers.length; i++) await load(i);
    while (true) {
      const batch: MergedLine[] = [];
      // A file whose buffer ran dry: its next head must be read before anything else is picked.
      let dry = -1;
      while (batch.length < maxBatch) {
        const i = pickNext(heads);
        if (i < 0) break;
        batch.push(heads[i] as MergedLine);
        const line = (readers[i] as LineReader).nextBuffered();
        if (line) {
          heads[i] = headOf(i, line);
        } else {
          heads[i] = undefined;
          dry = i;
          break;
        }
      }
      if (batch.length) yield batch;
      if (dry >= 0) await load(dry);
      else if (batch.length === 0) return;
    }
  } finally {
    for (const r of readers) await r.close();
  }
}

/** Readers exposed for progress (bytes read so far). */
export function bytesOf(readers: readonly LineReader[]): number {
  return readers.reduce((n, r) => n + r.bytesRead, 0);
}

// An extractor that throws means "no readable timestamp", not a failed replay.
function safeTimestamp(timestampOf: (value: Buffer) => number | undefined, bytes: Buffer): number | undefined {
  try {
    return readable(timestampOf(bytes));
  } catch {
    return undefined;
  }
}

function readable(ts: number | undefined): number | undefined {
  return ts === undefined || Number.isNaN(ts) ? undefined : ts;
}
