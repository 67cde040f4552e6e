// The one retry loop: capped exponential backoff with jitter inside a time budget. Its users say
// what may be retried and what to throw when it gives up: the sinks (a SinkFatalError), the Kafka
// client's look-ups (the broker's own error), the Schema Registry client (its HTTP error).

/** Bounds of the loop: delays double from `initialDelayMs` up to `maxDelayMs`, until `timeoutMs` (and `maxAttempts`, if set). */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  maxAttempts?: number;
}

/** Delay before retry `attempt` (1-based): initial × 2^(attempt-1), capped, with ±20% jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** Why the loop stopped trying. */
export interface GiveUp {
  error: unknown;
  attempts: number;
  elapsedMs: number;
  /** True when `isRetriable` refused the error (as opposed to the budget running out). */
  permanent: boolean;
}

/** What the loop asks its caller, and what it may be given instead of the real clock. */
export interface RetryHooks {
  /** Whether trying again can help after `error` (default: always; the budget still bounds it). */
  isRetriable?: (error: unknown) => boolean;
  /** The error to throw when the loop gives up (default: the last error, as it was). */
  giveUp?: (why: GiveUp) => unknown;
  /** Before each retry (the caller logs and counts). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** True when the caller is shutting down: the next failure is the last. */
  isStopped?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `work` until it succeeds, waiting the backoff delay between failures, within the policy's budget. */
export async function retrying<T>(work: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const elapsedMs = Date.now() - started;
      const permanent = hooks.isRetriable ? !hooks.isRetriable(error) : false;
      if (permanent || elapsedMs >= policy.timeoutMs || attempt >= (policy.maxAttempts ?? Infinity) || hooks.isStopped?.()) {
        throw hooks.giveUp ? hooks.giveUp({ error, attempts: attempt, elapsedMs, permanent }) : error;
      }
      const delay = Math.min(backoffDelay(policy, attempt, hooks.random), Math.max(0, policy.timeoutMs - elapsedMs));
      hooks.onRetry?.(error, attempt, delay);
      await (hooks.sleep ?? sleepFor)(delay);
    }
  }
}
