// Public API of what every sink shares: the row-per-key rule and the one retry loop.
export {
  beats, compareVersions, defaultWinnerMode, isNewer, pickWinners, rowKey, RowPerKey, winnerOrder,
  type KeyedTable, type OrderTerm, type Row, type Version, type WinnerMode,
} from './row-per-key.ts';
export {
  backoffDelay, DEFAULT_RETRY_POLICY, isRetriable, retrying, SinkFatalError, SinkWriteError, type RetryHooks, type RetryPolicy,
} from './retry.ts';
