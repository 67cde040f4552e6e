// Retry policy of the Databricks writer. The driver retries some HTTP requests itself but never
// ExecuteStatement (a statement may have run before the connection broke), so the writer retries
// the statements it knows to be idempotent: CREATE ... IF NOT EXISTS and the version-guarded or
// insert-only MERGEs (running one twice leaves the same table). Delta's optimistic-concurrency
// conflicts are retried too: the losing MERGE changed nothing and re-reads the new snapshot.

/** Tuning of the retry loop; defaults give ~2 minutes of retries before a batch fails. */
export interface RetryOptions {
  /** Total attempts, the first included (default 8). */
  maxAttempts?: number;
  /** First backoff in ms (default 500); doubled per attempt, full jitter. */
  baseDelayMs?: number;
  /** Upper bound of one backoff in ms (default 30000). */
  maxDelayMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Called before each retry (logging, metrics). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: RetryReason; error: unknown }) => void;
}

/** Why an error may be retried. */
export type RetryReason = 'concurrent-modification' | 'transient';

// Delta's conflict exceptions (OSS class names) and their Databricks error classes.
const CONFLICT = /\b(ConcurrentAppendException|ConcurrentDeleteReadException|ConcurrentDeleteDeleteException|ConcurrentTransactionException|ConcurrentWriteException|MetadataChangedException|ProtocolChangedException|DELTA_CONCURRENT_APPEND|DELTA_CONCURRENT_DELETE_READ|DELTA_CONCURRENT_DELETE_DELETE|DELTA_CONCURRENT_TRANSACTION|DELTA_CONCURRENT_WRITE|DELTA_METADATA_CHANGED|DELTA_PROTOCOL_CHANGED)\b/;

// Network and service-side trouble that says nothing about the statement itself.
const TRANSIENT_MESSAGE = /(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|socket hang up|network timeout|TEMPORARILY_UNAVAILABLE|\b(429|502|503|504)\b|Too Many Requests|Service Unavailable|Bad Gateway|Gateway Timeout|warehouse is (starting|stopped)|Invalid SessionHandle|session .* (expired|closed))/i;
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET']);

function messages(error: unknown): string {
  const parts: string[] = [];
  let e: unknown = error;
  // Walk `cause` chains: the driver wraps fetch and Thrift errors.
  for (let depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(`${e.name}: ${e.message}`);
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string') parts.push(code);
      // The driver's OperationStateError keeps the server's text in `response` (TGetOperationStatusResp).
      const response = (e as { response?: unknown }).response;
      if (typeof response === 'object' && response !== null) {
        for (const field of ['displayMessage', 'errorMessage', 'sqlState', 'errorCode']) {
          const v = (response as Record<string, unknown>)[field];
          if (typeof v === 'string' || typeof v === 'number') parts.push(String(v));
        }
      }
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join('\n');
}

/** Why `error` may be retried, or null when it must surface (syntax, permissions, bad data...). */
export function classifyError(error: unknown): RetryReason | null {
  const text = messages(error);
  if (CONFLICT.test(text)) return 'concurrent-modification';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && TRANSIENT_CODES.has(code)) return 'transient';
  // The driver's RetryError: its own HTTP retries (429/503) ran out; ours go on with more patience.
  if (error instanceof Error && error.name === 'RetryError') return 'transient';
  if (TRANSIENT_MESSAGE.test(text)) return 'transient';
  return null;
}

/** Backoff before retry number `attempt` (1 = first retry): exponential with full jitter. */
export function backoffDelay(attempt: number, options: RetryOptions = {}): number {
  const base = options.baseDelayMs ?? 500;
  const max = options.maxDelayMs ?? 30_000;
  const cap = Math.min(max, base * 2 ** (attempt - 1));
  return Math.round(cap * (options.random ?? Math.random)());
}

/** Thrown when a statement failed for good; `attempts` says how often it was tried. */
export class DatabricksStatementError extends Error {
  readonly attempts: number;
  readonly retryable: boolean;
  constructor(message: string, attempts: number, retryable: boolean, cause: unknown) {
    super(message, { cause });
    this.name = 'DatabricksStatementError';
    this.attempts = attempts;
    this.retryable = retryable;
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise(res => setTimeout(res, ms));

/**
 * Runs `fn`, retrying when it is idempotent and the error is retryable. A non-idempotent
 * statement is tried once: after a broken connection it may or may not have run.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, idempotent: boolean, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 8);
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const reason = classifyError(error);
      const text = error instanceof Error ? error.message : String(error);
      if (reason === null || !idempotent) {
        throw new DatabricksStatementError(`statement failed (${reason === null ? 'not retryable' : 'not idempotent'}): ${text}`, attempt, false, error);
      }
      if (attempt >= maxAttempts) {
        throw new DatabricksStatementError(`statement failed after ${attempt} attempts (${reason}): ${text}`, attempt, true, error);
      }
      const delayMs = backoffDelay(attempt, options);
      options.onRetry?.({ attempt, delayMs, reason, error });
      await sleep(delayMs);
    }
  }
}
