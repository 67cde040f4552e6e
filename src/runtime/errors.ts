// Errors of the runtime that decide what happens next.

/** No restart can fix it (configuration or topology): the instance stops and reports it. */
export class FatalRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalRuntimeError';
  }
}

/**
 * The error and every error it wraps, breadth first, each once: `cause` chains and the `errors` of
 * aggregates (the Kafka client wraps a broker's answer in both). What the runtime asks of an
 * error (fatal? retriable? which broker codes?) is asked of all of them.
 */
export function* errorChain(error: unknown): Generator<object> {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length > 0) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    yield e;
    const rec = e as { cause?: unknown; errors?: unknown };
    queue.push(rec.cause);
    if (Array.isArray(rec.errors)) queue.push(...rec.errors);
  }
}

/** A FatalRuntimeError anywhere in the error or what it wraps. */
export function isFatal(error: unknown): boolean {
  for (const e of errorChain(error)) if (e instanceof FatalRuntimeError) return true;
  return false;
}
