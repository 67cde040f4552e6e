// moto's S3 server (PyPI `moto[server]` in .toolchain/py, installed by scripts/python-tools.sh),
// started by the object-storage tests on a free port and stopped after them; it serves one request
// at a time (test/python/moto_server.py says why). Credentials are moto's fakes, given through the
// environment as the SDK's default chain reads them (AWS_ACCESS_KEY_ID, ...).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../../../src/sinks/storage/index.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** Environment of an SDK (or delta-rs) client of moto: fake credentials and a region. */
export const MOTO_ENV = { AWS_ACCESS_KEY_ID: 'moto-test', AWS_SECRET_ACCESS_KEY: 'moto-test', AWS_REGION: 'us-east-1' } as const;

/** A running moto server. */
export interface Moto {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  /** A client of the endpoint (path-style), for set-up and inspection. */
  client: S3Client;
  /** delta-rs storage options for a table on this server. */
  deltaRsOptions(endpoint?: string): Record<string, string>;
  /** Creates a bucket; returns its name. */
  bucket(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts moto on a free port; its log goes to `logFile`. Sets the fake credentials in process.env. */
export async function startMoto(logFile: string): Promise<Moto> {
  Object.assign(process.env, MOTO_ENV);
  const child: ChildProcess = spawn(join(ROOT, '.toolchain/py/bin/python'), [join(ROOT, 'test/python/moto_server.py')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.pipe(createWriteStream(logFile));
  const endpoint = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`moto did not start in 60 s (log: ${logFile})`)), 60_000);
    child.once('exit', code => { clearTimeout(timer); fail(new Error(`moto exited with ${code} before listening (log: ${logFile}; run scripts/python-tools.sh)`)); });
    createInterface({ input: child.stdout! }).on('line', line => {
      const m = /^MOTO_ENDPOINT=(.+)$/.exec(line);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  const client = s3Client({ endpoint, forcePathStyle: true, region: MOTO_ENV.AWS_REGION });
  return {
    endpoint,
    client,
    deltaRsOptions: (at = endpoint) => ({ ...MOTO_ENV, AWS_ENDPOINT_URL: at, AWS_ALLOW_HTTP: 'true' }),
    async bucket(name) {
      await client.send(new CreateBucketCommand({ Bucket: name }));
      return name;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise(ok => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
