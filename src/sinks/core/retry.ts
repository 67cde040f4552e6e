// The sinks' one retry loop. A writer tries a write once and, when it fails, says whether trying
// again can help (`SinkWriteError.retriable`: a conflict or an unreachable target can pass; a
// syntax error, a missing permission or a row the table rejects cannot). The caller that owns the
// time budget (the sink stage per commit, the app while it opens the tables) retries here, on the
// engine's one loop (`engine/retry.ts`), and nowhere else: writers do not retry inside, so retries
// never nest.
import { backoffDelay, retrying as retryLoop, type RetryHooks as EngineRetryHooks, type RetryPolicy } from '../../engine/retry.ts';

export { backoffDelay, type RetryPolicy };

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

/** 200 ms doubling to 10 s, for up to 5 minutes (the sink stage's defaults). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 200, maxDelayMs: 10_000, timeoutMs: 300_000 };

/** The sinks' hooks: the engine's loop asks its caller nothing else. */
export type RetryHooks = Omit<EngineRetryHooks, 'isRetriable' | 'giveUp'>;

/**
 * Runs `work` until it succeeds, waiting the backoff delay between failures. Throws SinkFatalError
 * at once for an error its writer marked not retriable, or when the budget is spent.
 */
export function retrying<T>(what: string, work: () => Promise<T>, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  return retryLoop(work, policy, {
    ...hooks,
    isRetriable,
    giveUp: ({ error, attempts, elapsedMs, permanent }) => {
      const why = error instanceof Error ? error.message : String(error);
      return permanent
        ? new SinkFatalError(`${what}: failed with a permanent error (not retried): ${why}`, { cause: error, attempts })
        : new SinkFatalError(`${what}: still failing after ${attempts} attempts in ${Math.round(elapsedMs / 1000)} s: ${why}`, { cause: error, attempts });
    },
  });
}
