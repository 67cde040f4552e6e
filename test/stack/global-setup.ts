// vitest global setup of the `integration` project: resolves the broker and registry once per
// run, provides their addresses to the tests and exports them for child processes (the CLI).
import type { TestProject } from 'vitest/node';
import { resolveTestStack } from './resolve.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    schemaRegistryUrl: string;
    /** Why there is no stack (outside CI only: in CI the setup itself fails). */
    testStackError: string;
  }
}

/** Starts or finds the stack; returns the teardown that stops what this run started. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const stack = await resolveTestStack();
    project.provide('kafkaBrokers', stack.kafkaBrokers);
    project.provide('schemaRegistryUrl', stack.schemaRegistryUrl);
    project.provide('testStackError', '');
    process.env.KAFKA_BROKERS = stack.kafkaBrokers;
    process.env.SCHEMA_REGISTRY_URL = stack.schemaRegistryUrl;
    console.log(`[test stack] ${stack.source}: kafka ${stack.kafkaBrokers}, registry ${stack.schemaRegistryUrl}`);
    return async () => {
      await stack.stop?.();
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // In CI a missing broker is a failure of the run, never a reason to skip.
    if (process.env.CI === 'true') throw error;
    project.provide('kafkaBrokers', '');
    project.provide('schemaRegistryUrl', '');
    project.provide('testStackError', message);
    return async () => undefined;
  }
}
