// How the Databricks writer classifies a failed statement for the sinks' one retry loop
// (../core/retry.ts); the writer itself tries each statement once. The driver retries some HTTP
// requests itself but never ExecuteStatement (a statement may have run before the connection
// broke), so only statements known to be idempotent are marked retriable: CREATE ... IF NOT EXISTS
// and the version-guarded or insert-only MERGEs (running one twice leaves the same table). Delta's
// optimistic-concurrency conflicts are retriable: the losing MERGE changed nothing.
import { SinkWriteError } from '../core/retry.ts';

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
  // The driver's RetryError: its own HTTP retries (429/503) ran out; the sinks' loop goes on with more patience.
  if (error instanceof Error && error.name === 'RetryError') return 'transient';
  if (TRANSIENT_MESSAGE.test(text)) return 'transient';
  return null;
}

/** A statement that failed, classified: `reason` null is permanent (syntax, permissions, bad data...). */
export class DatabricksStatementError extends SinkWriteError {
  readonly reason: RetryReason | null;
  constructor(message: string, reason: RetryReason | null, retriable: boolean, cause: unknown) {
    super(message, { retriable, cause });
    this.name = 'DatabricksStatementError';
    this.reason = reason;
  }
}

/**
 * The writer's verdict on a failed statement: retriable when the error is a conflict or transient
 * AND the statement is idempotent (after a broken connection a non-idempotent one may have run).
 */
export function statementError(error: unknown, idempotent: boolean): DatabricksStatementError {
  const reason = classifyError(error);
  const text = error instanceof Error ? error.message : String(error);
  if (reason === null) return new DatabricksStatementError(`statement failed (permanent, not retriable): ${text}`, null, false, error);
  if (!idempotent) return new DatabricksStatementError(`statement failed (${reason}, but not idempotent: not retriable): ${text}`, reason, false, error);
  return new DatabricksStatementError(`statement failed (${reason}): ${text}`, reason, true, error);
}
