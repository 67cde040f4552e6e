// Retries of a table commit (or a txn read) while the target is slow or down: exponential
// backoff, bounded in time, then a fatal error that says what failed and for how long.

/** A commit that kept failing past the retry budget; the stage stops and the process restarts. */
export class SinkFatalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SinkFatalError';
  }
}

/** Backoff settings. */
export interface BackoffPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
}

/** Delay before retry `attempt` (1-based): initial × 2^(attempt-1), capped, with ±20% jitter. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/**
 * Runs `work` until it succeeds; between failures waits the backoff delay (calling `onRetry`, which
 * the stage uses to log). Throws SinkFatalError after `timeoutMs`, or at once for an error `isRetryable` rejects.
 */
export async function withBackoff<T>(
  what: string,
  policy: BackoffPolicy,
  work: () => Promise<T>,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void = () => undefined,
  isStopped: () => boolean = () => false,
  isRetryable: (error: unknown) => boolean = () => true,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const elapsed = Date.now() - started;
      const why = error instanceof Error ? error.message : String(error);
      if (!isRetryable(error)) throw new SinkFatalError(`${what}: not retryable: ${why}`, { cause: error });
      if (elapsed >= policy.timeoutMs || isStopped()) {
        throw new SinkFatalError(`${what}: still failing after ${attempt} attempts in ${Math.round(elapsed / 1000)} s: ${why}`, { cause: error });
      }
      const delay = Math.min(backoffDelay(policy, attempt), Math.max(0, policy.timeoutMs - elapsed));
      onRetry(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
