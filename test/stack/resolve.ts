// The one place that decides where tests get their broker and registry: addresses in the
// environment, else Docker through testcontainers, else the local JVM stack.
import { dockerAvailable, startContainerStack } from './containers.ts';
import { startLocalStack } from './local.ts';
import type { TestStack } from './types.ts';

export type { TestStack } from './types.ts';

/** Finds or starts a broker and registry, in the order env, testcontainers, local JVM stack. */
export async function resolveTestStack(env: NodeJS.ProcessEnv = process.env): Promise<TestStack> {
  const kafkaBrokers = env.KAFKA_BROKERS?.trim();
  const schemaRegistryUrl = env.SCHEMA_REGISTRY_URL?.trim();
  if (kafkaBrokers && schemaRegistryUrl) {
    return { kafkaBrokers, schemaRegistryUrl: schemaRegistryUrl.replace(/\/+$/, ''), source: 'env' };
  }
  if (kafkaBrokers || schemaRegistryUrl) {
    // Half a configuration would silently mix a real cluster with a local registry (or back).
    throw new Error('set both KAFKA_BROKERS and SCHEMA_REGISTRY_URL, or neither');
  }
  if (env.INVOICE_STREAM_TEST_STACK !== 'local' && (await dockerAvailable())) return startContainerStack();
  return startLocalStack();
}
