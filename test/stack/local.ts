// The local JVM stack (scripts/stack.sh): idempotent `up`, left running after the tests so the
// next run starts in a second; `npm run stack -- down` (or .ci/run's trap) stops it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestStack } from './types.ts';

const run = promisify(execFile);
const STACK_SCRIPT = fileURLToPath(new URL('../../scripts/stack.sh', import.meta.url));

/** Brings the local stack up (a no-op when it already is) and returns its addresses. */
export async function startLocalStack(): Promise<TestStack> {
  let stdout: string;
  try {
    ({ stdout } = await run('bash', [STACK_SCRIPT, 'up'], { maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60_000 }));
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`scripts/stack.sh up failed (logs in .stack/logs/):\n${stderr.slice(-4000)}`, { cause: error });
  }
  const vars = new Map(
    stdout
      .split('\n')
      .map((line) => line.match(/^([A-Z_]+)=(.*)$/))
      .filter((match) => match !== null)
      .map((match) => [match[1], match[2]] as const),
  );
  const kafkaBrokers = vars.get('KAFKA_BROKERS');
  const schemaRegistryUrl = vars.get('SCHEMA_REGISTRY_URL');
  if (kafkaBrokers === undefined || schemaRegistryUrl === undefined) {
    throw new Error(`scripts/stack.sh up did not print KAFKA_BROKERS and SCHEMA_REGISTRY_URL:\n${stdout}`);
  }
  return { kafkaBrokers, schemaRegistryUrl, source: 'local' };
}
