// The sinks' one retry loop. A writer tries a write once and, when it fails, says whether trying
// again can help (`SinkWriteError.retriable`: a conflict or an unreachable target can pass; a
// syntax error, a missing permission or a row the table rejects cannot). The caller that owns the
// time budget (the sink stage per commit, the app while it opens the tables) retries here, with
// the one backoff, and nowhere else: writers do not retry inside, so retries never nest.

/** An error a sink writer raised, classified by that writer. */
export class SinkWriteError extends Error {
  /** True when the same write may succeed later (conflict, network, target busy). */
  readonly retriable: boolean;

  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'SinkWriteError';
    this.retriable = options.retriable;
  }
}

/**
 * Whether the loop may try again after `error`: the raising writer's verdict. An error no writer
 * classified (a wrapper's, a decoder's) is taken as transient: the time budget still bounds it.
 */
export function isRetriable(error: unknown): boolean {
  return error instanceof SinkWriteError ? error.retriable : true;
}

/** A write that failed for good: not retriable, or still failing when the budget ran out. */
export class SinkFatalError extends Error {
  /** How often the work was tried. */
  readonly attempts: number;

  constructor(message: string, options: { cause?: unknown; attempts?: number } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SinkFatalError';
    this.attempts = options.attempts ?? 0;
  }
}

/** Bounds of the loop: delays double from `initialDelayMs` up to `maxDelayMs`, until `timeoutMs` (and `maxAttempts`, if set). */
export interface RetryPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  timeoutMs: number;
  maxAttempts?: number;
}

/** 200 ms doubling to 10 s, for up to 5 minutes (the sink stage's defaults). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 10_000, timeoutMs: 300_000 };

/** Delay before retry `attempt` (1-based): initial × 2^(attempt-1), capped, with ±20% jitter. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** What the loop reports and what it may be given instead of the real clock. */
export interface RetryHooks {
  /** Before each retry (the stage logs and counts). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** True when the caller is shutting down: the next failure is the last. */
  isStopped?: () => boolean;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

const sleepFor = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, waiting the backoff delay between failures. Throws SinkFatalError
 * at once for an error its writer marked not retriable, or when the budget is spent.
 */
export async function retrying<T>(what: string, work: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const elapsed = Date.now() - started;
      const why = error instanceof Error ? error.message : String(error);
      if (!isRetriable(error)) {
        throw new SinkFatalError(`${what}: failed with a permanent error (not retried): ${why}`, { cause: error, attempts: attempt });
      }
      if (elapsed >= policy.timeoutMs || attempt >= (policy.maxAttempts ?? Infinity) || hooks.isStopped?.()) {
        throw new SinkFatalError(`${what}: still failing after ${attempt} attempts in ${Math.round(elapsed / 1000)} s: ${why}`, { cause: error, attempts: attempt });
      }
      const delay = Math.min(backoffDelay(policy, attempt, hooks.random), Math.max(0, policy.timeoutMs - elapsed));
      hooks.onRetry?.(error, attempt, delay);
      await (hooks.sleep ?? sleepFor)(delay);
    }
  }
}
