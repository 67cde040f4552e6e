// Where raw configuration comes from: a JSON file (`--config file.json` or INVOICE_STREAM_CONFIG_FILE)
// and environment variables, the environment winning field by field.

/** How an environment value becomes a config value. */
type EnvKind = 'string' | 'list';

/** One configuration field fed by environment variables; the first variable set wins. */
export interface EnvBinding {
  /** Dot-joined path in the config schema. */
  readonly path: string;
  /** Variable names, most specific first (INVOICE_STREAM_* before conventional names). */
  readonly names: readonly string[];
  readonly kind: EnvKind;
}

const b = (path: string, names: string[], kind: EnvKind = 'string'): EnvBinding => ({ path, names, kind });

/** Every environment variable the process reads, and the field it sets. */
export const ENV_BINDINGS: readonly EnvBinding[] = [
  b('applicationId', ['INVOICE_STREAM_APPLICATION_ID']),
  b('brokers', ['INVOICE_STREAM_BROKERS', 'KAFKA_BROKERS'], 'list'),
  b('clientId', ['INVOICE_STREAM_CLIENT_ID']),
  b('groupInstanceId', ['INVOICE_STREAM_GROUP_INSTANCE_ID']),
  b('sasl.mechanism', ['INVOICE_STREAM_SASL_MECHANISM']),
  b('sasl.username', ['INVOICE_STREAM_SASL_USERNAME']),
  b('sasl.password', ['INVOICE_STREAM_SASL_PASSWORD']),
  b('tls.enabled', ['INVOICE_STREAM_TLS_ENABLED']),
  b('tls.ca', ['INVOICE_STREAM_TLS_CA']),
  b('tls.cert', ['INVOICE_STREAM_TLS_CERT']),
  b('tls.key', ['INVOICE_STREAM_TLS_KEY']),
  b('tls.rejectUnauthorized', ['INVOICE_STREAM_TLS_REJECT_UNAUTHORIZED']),
  b('schemaRegistry.url', ['INVOICE_STREAM_SCHEMA_REGISTRY_URL', 'SCHEMA_REGISTRY_URL']),
  b('schemaRegistry.username', ['INVOICE_STREAM_SCHEMA_REGISTRY_USERNAME']),
  b('schemaRegistry.password', ['INVOICE_STREAM_SCHEMA_REGISTRY_PASSWORD']),
  b('topics.orders', ['INVOICE_STREAM_TOPIC_ORDERS']),
  b('topics.payments', ['INVOICE_STREAM_TOPIC_PAYMENTS']),
  b('topics.invoiceActivity', ['INVOICE_STREAM_TOPIC_INVOICE_ACTIVITY']),
  b('topics.deadLetter', ['INVOICE_STREAM_TOPIC_DLQ']),
  b('topics.outputPrefix', ['INVOICE_STREAM_OUTPUT_PREFIX']),
  b('topics.routeByEventType', ['INVOICE_STREAM_ROUTE_BY_EVENT_TYPE']),
  b('stateDir', ['INVOICE_STREAM_STATE_DIR']),
  b('processingGuarantee', ['INVOICE_STREAM_PROCESSING_GUARANTEE']),
  b('commitIntervalMs', ['INVOICE_STREAM_COMMIT_INTERVAL_MS']),
  b('shutdownTimeoutMs', ['INVOICE_STREAM_SHUTDOWN_TIMEOUT_MS']),
  b('stallTimeoutMs', ['INVOICE_STREAM_STALL_TIMEOUT_MS']),
  b('stateCleanupIntervalMs', ['INVOICE_STREAM_STATE_CLEANUP_INTERVAL_MS']),
  b('numStreamThreads', ['INVOICE_STREAM_NUM_STREAM_THREADS']),
  b('repartitionFormat', ['INVOICE_STREAM_REPARTITION_FORMAT']),
  b('clock.mode', ['INVOICE_STREAM_CLOCK_MODE']),
  b('clock.wallClockIntervalMs', ['INVOICE_STREAM_WALL_CLOCK_INTERVAL_MS']),
  b('http.host', ['INVOICE_STREAM_HTTP_HOST']),
  b('http.port', ['INVOICE_STREAM_HTTP_PORT']),
  b('http.advertisedHost', ['INVOICE_STREAM_ADVERTISED_HOST']),
  b('http.auth', ['INVOICE_STREAM_HTTP_AUTH']),
  b('http.token', ['INVOICE_STREAM_HTTP_TOKEN']),
  b('http.tokenFile', ['INVOICE_STREAM_HTTP_TOKEN_FILE']),
  b('ops.host', ['INVOICE_STREAM_OPS_HOST']),
  b('ops.port', ['INVOICE_STREAM_OPS_PORT']),
  b('metrics.enabled', ['INVOICE_STREAM_METRICS_ENABLED']),
  b('metrics.defaultMetrics', ['INVOICE_STREAM_METRICS_DEFAULT']),
  b('logLevel', ['INVOICE_STREAM_LOG_LEVEL']),
  b('sink.kind', ['INVOICE_STREAM_SINK']),
  b('sink.dir', ['INVOICE_STREAM_DELTA_DIR']),
  b('sink.s3.endpoint', ['INVOICE_STREAM_S3_ENDPOINT']),
  b('sink.s3.region', ['INVOICE_STREAM_S3_REGION']),
  b('sink.s3.forcePathStyle', ['INVOICE_STREAM_S3_FORCE_PATH_STYLE']),
  b('sink.s3.maxAttempts', ['INVOICE_STREAM_S3_MAX_ATTEMPTS']),
  b('sink.s3.cacheMb', ['INVOICE_STREAM_S3_CACHE_MB']),
  b('sink.deletionVectors', ['INVOICE_STREAM_DELTA_DELETION_VECTORS']),
  b('sink.compaction.enabled', ['INVOICE_STREAM_DELTA_COMPACTION']),
  b('sink.compaction.deletedFraction', ['INVOICE_STREAM_DELTA_COMPACTION_DELETED_FRACTION']),
  b('sink.compaction.minFileRows', ['INVOICE_STREAM_DELTA_COMPACTION_MIN_FILE_ROWS']),
  b('sink.compaction.maxMillisPerBatch', ['INVOICE_STREAM_DELTA_COMPACTION_MAX_MS']),
  b('sink.host', ['INVOICE_STREAM_DATABRICKS_HOST', 'DATABRICKS_HOST']),
  b('sink.httpPath', ['INVOICE_STREAM_DATABRICKS_HTTP_PATH', 'DATABRICKS_HTTP_PATH']),
  b('sink.auth.token', ['INVOICE_STREAM_DATABRICKS_TOKEN', 'DATABRICKS_TOKEN']),
  b('sink.auth.clientId', ['INVOICE_STREAM_DATABRICKS_CLIENT_ID', 'DATABRICKS_CLIENT_ID']),
  b('sink.auth.clientSecret', ['INVOICE_STREAM_DATABRICKS_CLIENT_SECRET', 'DATABRICKS_CLIENT_SECRET']),
  b('sink.catalog', ['INVOICE_STREAM_DATABRICKS_CATALOG']),
  b('sink.schema', ['INVOICE_STREAM_DATABRICKS_SCHEMA']),
];

/** Environment variable naming the config file when `--config` is not on the command line. */
export const CONFIG_FILE_ENV = 'INVOICE_STREAM_CONFIG_FILE';

/** A plain JSON object (what a config file and the env overlay are made of). */
export type RawObject = { [key: string]: unknown };

const isObject = (v: unknown): v is RawObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Sets `path` in `target`, creating the objects on the way. */
export function setPath(target: RawObject, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (!isObject(next)) node[key] = {};
    node = node[key] as RawObject;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** Reads `path` from `source`, or undefined. */
export function getPath(source: unknown, path: string): unknown {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (!isObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** The config fields set by the environment, as a nested object. Empty variables count as unset. */
export function fromEnv(env: Readonly<Record<string, string | undefined>>): RawObject {
  const out: RawObject = {};
  for (const binding of ENV_BINDINGS) {
    const name = binding.names.find((n) => env[n] !== undefined && env[n] !== '');
    if (name === undefined) continue;
    const value = env[name] as string;
    setPath(out, binding.path, binding.kind === 'list' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value);
  }
  return out;
}

/** `overlay` merged over `base`: objects merge key by key, anything else replaces. */
export function deepMerge(base: RawObject, overlay: RawObject): RawObject {
  const out: RawObject = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const prev = out[key];
    out[key] = isObject(prev) && isObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

/** The config file path from `--config FILE` / `--config=FILE`, else from INVOICE_STREAM_CONFIG_FILE. */
export function configFilePath(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--config') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  const fromEnvVar = env[CONFIG_FILE_ENV];
  return fromEnvVar === '' ? undefined : fromEnvVar;
}

/** Parses a config file's text; throws a message that never quotes the file (it may hold secrets). */
export function parseConfigFile(text: string, path: string): RawObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // V8's JSON errors quote the text around the fault: that text may be a password.
    throw new Error(`config: file ${path}: not valid JSON`);
  }
  if (!isObject(parsed)) throw new Error(`config: file ${path}: expected a JSON object`);
  return parsed;
}
