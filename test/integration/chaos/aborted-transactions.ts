// Transaction markers counted where the broker keeps them: the log segments, dumped by Kafka's own
// DumpLogSegments (what kafka-dump-log.sh runs) from the jars the stack script fetched. An ABORT
// marker in a partition is one aborted transaction that had written to it.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** ABORT and COMMIT control records of a set of topics. */
export interface MarkerCounts {
  abort: number;
  commit: number;
}

/** The Kafka jars of scripts/stack.sh's cache for `version`. */
export function stackKafkaLibs(version: string): string {
  return join(process.env.INVOICE_STREAM_CACHE ?? join(homedir(), '.cache/invoice-stream'), `kafka_2.13-${version}`, 'libs');
}

/**
 * Markers in every segment of the partitions under `logDir` whose topic `kindOf` names, counted per
 * kind. The broker deletes segments while they are read (a repartition purge moves the log start):
 * a segment gone between the listing and the dump is listed again, up to three times.
 */
export async function transactionMarkers<K extends string>(logDir: string, kafkaLibs: string, kindOf: (topic: string) => K | undefined): Promise<Map<K, MarkerCounts>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dumpMarkers(logDir, kafkaLibs, kindOf);
    } catch (error) {
      if (attempt >= 3 || !/NoSuchFileException|FileRecords\.open/.test(String(error))) throw error;
    }
  }
}

async function dumpMarkers<K extends string>(logDir: string, kafkaLibs: string, kindOf: (topic: string) => K | undefined): Promise<Map<K, MarkerCounts>> {
  const segments = new Map<string, K>();
  for (const dir of readdirSync(logDir)) {
    const m = /^(.+)-(\d+)$/.exec(dir);
    const kind = m ? kindOf(m[1] as string) : undefined;
    if (kind === undefined) continue;
    for (const file of readdirSync(join(logDir, dir))) if (file.endsWith('.log')) segments.set(join(logDir, dir, file), kind);
  }
  const counts = new Map<K, MarkerCounts>();
  if (segments.size === 0) return counts;
  // A line per record (--deep-iteration prints the markers' type): read as it comes, never held.
  const dump = spawn('java', ['-cp', `${kafkaLibs}/*`, 'kafka.tools.DumpLogSegments', '--deep-iteration', '--files', [...segments.keys()].join(',')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  dump.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((r) => dump.once('close', r));
  let kind: K | undefined;
  for await (const line of createInterface({ input: dump.stdout })) {
    if (line.startsWith('Dumping ')) {
      kind = segments.get(line.slice('Dumping '.length).trim());
      if (kind !== undefined && !counts.has(kind)) counts.set(kind, { abort: 0, commit: 0 });
    } else if (kind !== undefined) {
      const c = counts.get(kind) as MarkerCounts;
      if (line.includes('endTxnMarker: ABORT')) c.abort++;
      else if (line.includes('endTxnMarker: COMMIT')) c.commit++;
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`DumpLogSegments exited with ${code}: ${stderr.slice(-2_000)}`);
  return counts;
}
