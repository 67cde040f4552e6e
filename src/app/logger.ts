// Structured JSON logs (pino). Context travels as child bindings with fixed snake_case keys
// (task, partition, offset, invoice_id) so log queries work the same across every component; secret
// fields are censored by pino's redaction before a line is written.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { SECRET_PATHS } from './config/schema.ts';

export type { Logger } from 'pino';

/** Log levels accepted by createLogger (pino's, plus silent). */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The censor text pino writes in place of a redacted value (same as config's REDACTED). */
export const LOG_REDACTED = '[REDACTED]';

/**
 * Paths pino censors. The config's secret paths under the keys a config is usually logged as
 * (`config`, `cfg`), plus common secret-bearing names at the top level and one level down
 * (pino's wildcard matches a single level).
 */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_PATHS.flatMap((p) => [`config.${p}`, `cfg.${p}`]),
  ...['password', 'token', 'clientSecret', 'secret', 'authorization', 'key']
    .flatMap((k) => [k, `*.${k}`]),
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'sasl.password',
];

/** Options for createLogger. */
export interface LoggerSettings {
  readonly level?: LogLevel;
  /** Bound on every line, e.g. `{ instance: pod name }`. */
  readonly base?: Record<string, string>;
  /** Where lines go (default stdout); tests pass a memory stream. */
  readonly destination?: DestinationStream;
}

/** The process logger: JSON lines, ISO timestamps, `level` as a label, secrets redacted. */
export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    name: 'invoice-stream',
    level: settings.level ?? 'info',
    base: { ...settings.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Label levels ("info") rather than numbers: log pipelines and people read them without a map.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: LOG_REDACTED },
  };
  return settings.destination === undefined ? pino(options) : pino(options, settings.destination);
}

/** Bindings that identify where in the stream a log line comes from. */
export interface StreamPosition {
  /** Task id, `<subtopology>_<partition>` as in Kafka Streams. */
  readonly task?: string;
  readonly topic?: string;
  readonly partition?: number;
  /** Kafka offsets are 64-bit: carried as strings. */
  readonly offset?: string;
}

/** A child logger for one task (or one record of it). */
export function taskLogger(parent: Logger, position: StreamPosition): Logger {
  return parent.child(compact({ ...position }));
}

/** A child logger for one invoice (adds `invoice_id`, keeps the parent's task bindings). */
export function invoiceLogger(parent: Logger, invoiceId: string): Logger {
  return parent.child({ invoice_id: invoiceId });
}

/** Drops undefined bindings so lines do not carry empty keys. */
function compact(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** A leveled `(level, message, fields)` sink (the runtime's and the sink stage's shape) writing to `logger`. */
export function leveledLog(logger: Logger): (level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void {
  return (level, message, fields) => logger[level](fields ?? {}, message);
}

/** The log of a live instance's main thread when its caller gives none: pino at the configured level, tagged with the static member name. */
export function instanceLog(config: { logLevel?: LogLevel; groupInstanceId?: string }): ReturnType<typeof leveledLog> {
  return leveledLog(createLogger({ level: config.logLevel, base: config.groupInstanceId ? { instance: config.groupInstanceId } : {} }));
}
