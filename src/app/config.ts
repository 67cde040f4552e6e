// Loading the process configuration: file, then environment, then one zod validation. A bad config
// fails at start with one line per bad field (`config: brokers: expected at least one host:port`),
// and no message or log line ever carries a secret's value.
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { configSchema, SECRET_PATHS, type Config } from './config/schema.ts';
import { defaultCommitIntervalMs } from '../runtime/config.ts';
import {
  ENV_BINDINGS, configFilePath, deepMerge, fromEnv, getPath, parseConfigFile, setPath, type RawObject,
} from './config/sources.ts';

export { configSchema, SECRET_PATHS, type Config, type ConfigInput } from './config/schema.ts';
export { ENV_BINDINGS, CONFIG_FILE_ENV } from './config/sources.ts';

/** The text that replaces a secret wherever configuration is shown. */
export const REDACTED = '[REDACTED]';

/** A configuration that failed validation; `message` lists every bad field, secrets removed. */
export class ConfigError extends Error {
  /** One entry per bad field: its dot path and what was wrong. */
  readonly fields: readonly { path: string; message: string }[];

  constructor(fields: readonly { path: string; message: string }[]) {
    super(fields.map((f) => `config: ${f.path}: ${f.message}`).join('\n'));
    this.name = 'ConfigError';
    this.fields = fields;
  }
}

/** Where loadConfig reads from; every part defaults to the real process. */
export interface ConfigSources {
  readonly argv?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the config file (tests pass a fake). */
  readonly readFile?: (path: string) => string;
}

/** Loads, merges and validates the configuration; throws ConfigError (or a file error) on a bad one. */
export function loadConfig(sources: ConfigSources = {}): Config {
  const argv = sources.argv ?? process.argv.slice(2);
  const env = sources.env ?? process.env;
  const readFile = sources.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const path = configFilePath(argv, env);
  let fileRaw: RawObject = {};
  if (path !== undefined) {
    let text: string;
    try {
      text = readFile(path);
    } catch (err) {
      throw new Error(`config: file ${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
    }
    fileRaw = parseConfigFile(text, path);
  }
  return parseConfig(deepMerge(fileRaw, fromEnv(env)));
}

/** Validates a raw (already merged) configuration object. */
export function parseConfig(raw: unknown): Config {
  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error.issues, raw));
  const parsed = result.data;
  const commitIntervalMs = parsed.commitIntervalMs ?? defaultCommitIntervalMs(parsed.processingGuarantee);
  return { ...parsed, commitIntervalMs };
}

/** Turns zod issues into field messages, naming the env variables that feed each field. */
function describeIssues(issues: readonly z.core.$ZodIssue[], raw: unknown): { path: string; message: string }[] {
  // Short values are left alone: marking where "p" occurs in a message would reveal the secret.
  const secrets = SECRET_PATHS.map((p) => getPath(raw, p)).filter((v): v is string => typeof v === 'string' && v.length >= 8);
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    const binding = ENV_BINDINGS.find((b) => b.path === path);
    const hint = binding === undefined ? '' : ` (env ${binding.names.join(' or ')})`;
    // Zod does not put input values in messages by default; scrubbing anyway guards against a
    // custom message or a future zod that does.
    return { path, message: scrub(`${issue.message}${hint}`, secrets) };
  });
}

/** Replaces every occurrence of any secret in `text`. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out;
}

/** A copy of `config` safe to log: every secret field that is set is replaced by REDACTED. */
export function redactConfig<T>(config: T): T {
  const copy = structuredClone(config) as unknown;
  if (typeof copy !== 'object' || copy === null) return copy as T;
  for (const path of SECRET_PATHS) {
    if (getPath(copy, path) !== undefined) setPath(copy as RawObject, path, REDACTED);
  }
  return copy as T;
}

/** The invoice output topic for an event type (`<prefix>.invoices[.<type>]`, no prefix: `invoices`). */
export function outputTopic(config: Pick<Config, 'topics'>, eventType?: string): string {
  const base = config.topics.outputPrefix === '' ? 'invoices' : `${config.topics.outputPrefix}.invoices`;
  if (!config.topics.routeByEventType || eventType === undefined) return base;
  // `invoice.paid` routes to `invoices.paid`: the type without its `invoice.` namespace.
  return `${base}.${eventType.replace(/^invoice\./, '')}`;
}
