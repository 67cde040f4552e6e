// The replay runner: runs a topology over JSONL files with no broker, as docs/contract.md "Replay"
// says. One runner (the test driver's), one partition, files merged by event time; each line
// goes through the whole topology before the next is read.
import { stat } from 'node:fs/promises';
import type { DeserializationExceptionHandler } from '../processor/internals/deserialization.ts';
import type { ProducedRecord } from '../processor/internals/records.ts';
import { TopologyRunner } from '../processor/internals/runner.ts';
import type { Topology } from '../topology/topology.ts';
import { LineReader, type StreamingExtractor } from './line-reader.ts';
import { mergeFiles } from './merge.ts';
import { ProgressBar } from './progress.ts';

/** One input file and the topic its lines are read as. */
export interface ReplayInput {
  readonly topic: string;
  readonly path: string;
}

/** What a replay reports at the end. */
export interface ReplaySummary {
  readonly records: number;
  /** Lines read per topic. */
  readonly perTopic: Readonly<Record<string, number>>;
  /** Lines whose timestamp could not be read (given to the topology with timestamp -1). */
  readonly withoutTimestamp: number;
  /** The largest stream time of any task at the end (after `asOf`). */
  readonly streamTime: number;
  readonly elapsedMs: number;
  readonly recordsPerSecond: number;
}

/** Longest line a replay holds whole by default (16 MiB); longer ones reach the topology cut. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Header on a record whose value is only the start of its line (the line was longer than
 * `maxLineBytes`): the line's full length in bytes, as decimal text.
 */
export const ORIGINAL_LENGTH_HEADER = 'replay.original.length';

/** Options of a replay. */
export interface ReplayOptions {
  readonly topology: Topology;
  /** Inputs in tie-break order. */
  readonly inputs: readonly ReplayInput[];
  /** Event time of a line's raw bytes, epoch ms; undefined (or a throw) when unreadable. */
  readonly timestampOf: (value: Buffer) => number | undefined;
  /**
   * Longest line held whole (default `DEFAULT_MAX_LINE_BYTES`). A longer line is read in pieces
   * and never held: the topology gets its first bytes with `ORIGINAL_LENGTH_HEADER`.
   */
  readonly maxLineBytes?: number;
  /** The same event time read from a line's bytes in pieces, for lines past `maxLineBytes` (none: unreadable). */
  readonly streamingTimestampOf?: () => StreamingExtractor;
  /** At the end, stream time is advanced to this (epoch ms) so due stream-time punctuators fire. */
  readonly asOf?: number;
  readonly applicationId?: string;
  readonly onDeserializationError?: DeserializationExceptionHandler;
  /** Every produced record, in order (synchronous: buffer it; write it at `onCommit`). */
  readonly onOutput?: (record: ProducedRecord) => void;
  /** Records between commits (default 10,000). */
  readonly commitEvery?: number;
  /** Runs at each commit after the stores are flushed, and once at the end: flush sinks here. */
  readonly onCommit?: (runner: TopologyRunner) => Promise<void>;
  /** `'stream'` (default): the wall clock follows stream time, so output is deterministic. `'system'`: real time. */
  readonly wallClock?: 'stream' | 'system';
  /** Progress bar: default only when stderr is a terminal. */
  readonly progress?: boolean;
  /** Called with the summary before the stores are closed. */
  readonly onSummary?: (summary: ReplaySummary, runner: TopologyRunner) => void | Promise<void>;
}

/** Runs the replay to the end; closes the topology's stores. */
export async function replay(options: ReplayOptions): Promise<ReplaySummary> {
  const started = Date.now();
  const streamClock = (options.wallClock ?? 'stream') === 'stream';
  const runner = new TopologyRunner(options.topology, {
    applicationId: options.applicationId,
    initialWallClockTimeMs: streamClock ? 0 : Date.now(),
    onDeserializationError: options.onDeserializationError,
    onOutput: options.onOutput,
  });
  for (const input of options.inputs) if (!runner.reads(input.topic)) throw new Error(`no source reads topic ${input.topic}`);
  const long = { maxLineBytes: options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES, extractor: options.streamingTimestampOf };
  const readers = options.inputs.map((i) => new LineReader(i.path, undefined, long));
  const totalBytes = (await Promise.all(options.inputs.map((i) => stat(i.path)))).reduce((n, s) => n + s.size, 0);
  const bar = new ProgressBar(totalBytes, options.progress ?? Boolean(process.stderr.isTTY));
  const commitEvery = options.commitEvery ?? 10_000;
  const perTopic: Record<string, number> = Object.fromEntries(options.inputs.map((i) => [i.topic, 0]));
  const commit = async (): Promise<void> => {
    await runner.commit();
    await options.onCommit?.(runner);
  };
  let records = 0;
  let withoutTimestamp = 0;
  let streamTime = -Infinity;
  try {
    for await (const batch of mergeFiles(readers, options.timestampOf)) {
      for (const line of batch) {
        const input = options.inputs[line.input] as ReplayInput;
        if (line.timestamp === undefined) withoutTimestamp++;
        const timestamp = line.timestamp ?? -1;
        const headers = line.cutFrom === undefined ? undefined : { [ORIGINAL_LENGTH_HEADER]: String(line.cutFrom) };
        runner.process({ topic: input.topic, partition: 0, offset: line.lineNo, key: null, value: line.bytes, timestamp, headers });
        perTopic[input.topic] = (perTopic[input.topic] ?? 0) + 1;
        records++;
        if (timestamp > streamTime) {
          streamTime = timestamp;
          if (streamClock) runner.setWallClockTime(streamTime);
        }
        if (!streamClock && (records & 1023) === 0) runner.setWallClockTime(Date.now());
        if (records % commitEvery === 0) await commit();
        if ((records & 4095) === 0) bar.update(readers.reduce((n, r) => n + r.bytesRead, 0), records);
      }
    }
    if (options.asOf !== undefined) {
      runner.advanceStreamTime(options.asOf);
      if (streamClock) runner.setWallClockTime(options.asOf);
    }
    await commit();
    bar.update(totalBytes, records);
    bar.finish();
    const elapsedMs = Date.now() - started;
    const summary: ReplaySummary = {
      records,
      perTopic,
      withoutTimestamp,
      streamTime: Math.max(-Infinity, ...runner.tasks.map((t) => t.streamTime)),
      elapsedMs,
      recordsPerSecond: Math.round(records / Math.max(0.001, elapsedMs / 1000)),
    };
    await options.onSummary?.(summary, runner);
    return summary;
  } finally {
    await runner.close();
    for (const r of readers) await r.close();
  }
}
