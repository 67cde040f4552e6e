// Spark + Delta Lake as an independent reader and writer of the tables (pyspark and delta-spark in
// .toolchain/py, test/python/delta_spark.py): one Spark session per call runs the statements in order.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DeltaRow } from '../../../src/sinks/delta/index.ts';

const exec = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../..');

/** Where the session reads from besides local paths. */
export interface SparkOptions {
  /** An S3-compatible endpoint (moto's) for delta.`s3a://bucket/prefix` tables; credentials from process.env. */
  s3Endpoint?: string;
}

/** The rows of each statement, printed as the TypeScript writer's readAll() does. */
export async function spark(sql: string[], options: SparkOptions = {}): Promise<DeltaRow[][]> {
  const args = [join(ROOT, 'test/python/delta_spark.py'), ...(options.s3Endpoint ? ['--s3-endpoint', options.s3Endpoint] : []), ...sql.flatMap(q => ['--sql', q])];
  const { stdout } = await exec(join(ROOT, '.toolchain/py/bin/python'), args, { maxBuffer: 64 << 20, timeout: 300_000 });
  const last = stdout.trim().split('\n').at(-1) ?? ''; // Ivy may print before Spark starts
  return (JSON.parse(last) as { results: DeltaRow[][] }).results;
}

/** s3a's address of an s3:// table location. */
export const s3a = (url: string): string => url.replace(/^s3:\/\//, 's3a://');
