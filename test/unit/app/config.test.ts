// Configuration: env and file sources, defaults, field-naming errors, and that secrets never leak.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, REDACTED, loadConfig, outputTopic, parseConfig, redactConfig } from '../../../src/app/config.ts';

const SECRET = 'hunter2-s3cr3t-value';
const noFile = (): string => { throw new Error('no file expected'); };

/** Loads from env only, failing the test on an unexpected file read. */
const fromEnv = (env: Record<string, string>) => loadConfig({ argv: [], env, readFile: noFile });

/** The ConfigError message thrown by `fn`. */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults with only the brokers given', () => {
    const c = fromEnv({ KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9092' });
    expect(c.brokers).toEqual(['kafka-0:9092', 'kafka-1:9092']);
    expect(c.processingGuarantee).toBe('exactly_once');
    expect(c.commitIntervalMs).toBe(100);
    expect(c.applicationId).toBe('invoice-stream');
    expect(c.topics).toEqual({
      orders: 'orders', payments: 'payments', invoiceActivity: 'invoice-activity',
      deadLetter: 'invoice-stream.dlq', outputPrefix: '', routeByEventType: false,
    });
    expect(c.clock.mode).toBe('event_time');
    expect(c.http.port).toBe(8080);
    expect(c.sink).toEqual({ kind: 'delta', dir: '/var/lib/invoice-stream/delta', deletionVectors: true, compaction: { enabled: true, deletedFraction: 0.2, minFileRows: 16_384, maxMillisPerBatch: 500 } });
    expect(c.tls.enabled).toBe(false);
  });

  it('sink.deletionVectors from INVOICE_STREAM_DELTA_DELETION_VECTORS (new local tables copy-on-write when false)', () => {
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DELETION_VECTORS: 'false' }).sink).toEqual({ kind: 'delta', dir: '/var/lib/invoice-stream/delta', deletionVectors: false, compaction: { enabled: true, deletedFraction: 0.2, minFileRows: 16_384, maxMillisPerBatch: 500 } });
    expect(() => fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DELETION_VECTORS: 'maybe' })).toThrow(/deletionVectors/);
  });

  it('sink.compaction from INVOICE_STREAM_DELTA_COMPACTION_* (OPTIMIZE between batches), checked', () => {
    const env = { KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta' };
    expect(fromEnv({ ...env, INVOICE_STREAM_DELTA_COMPACTION: 'false', INVOICE_STREAM_DELTA_COMPACTION_DELETED_FRACTION: '0.05', INVOICE_STREAM_DELTA_COMPACTION_MIN_FILE_ROWS: '1000', INVOICE_STREAM_DELTA_COMPACTION_MAX_MS: '250' }).sink)
      .toMatchObject({ compaction: { enabled: false, deletedFraction: 0.05, minFileRows: 1000, maxMillisPerBatch: 250 } });
    expect(() => fromEnv({ ...env, INVOICE_STREAM_DELTA_COMPACTION_DELETED_FRACTION: '0' })).toThrow(/deletedFraction/);
    expect(() => fromEnv({ ...env, INVOICE_STREAM_DELTA_COMPACTION_DELETED_FRACTION: '1.5' })).toThrow(/deletedFraction/);
    expect(() => fromEnv({ ...env, INVOICE_STREAM_DELTA_COMPACTION_MAX_MS: '0' })).toThrow(/maxMillisPerBatch/);
  });

  it('defaults the commit interval to 30 s under at_least_once', () => {
    const c = fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_PROCESSING_GUARANTEE: 'at_least_once' });
    expect(c.commitIntervalMs).toBe(30_000);
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_COMMIT_INTERVAL_MS: '250' }).commitIntervalMs).toBe(250);
  });

  it('reads a --config JSON file and lets the environment override it field by field', () => {
    const file = JSON.stringify({ brokers: ['file:9092'], topics: { orders: 'o.v1', payments: 'p.v1' }, http: { port: 9000 } });
    const c = loadConfig({
      argv: ['run', '--config', '/etc/is.json'],
      env: { INVOICE_STREAM_TOPIC_ORDERS: 'o.v2', INVOICE_STREAM_BROKERS: 'env:9092' },
      readFile: (p) => { expect(p).toBe('/etc/is.json'); return file; },
    });
    expect(c.brokers).toEqual(['env:9092']);
    expect(c.topics.orders).toBe('o.v2');
    expect(c.topics.payments).toBe('p.v1');
    expect(c.http.port).toBe(9000);
  });

  it('prefers INVOICE_STREAM_* over conventional names', () => {
    const c = fromEnv({ KAFKA_BROKERS: 'a:1', INVOICE_STREAM_BROKERS: 'b:2', SCHEMA_REGISTRY_URL: 'http://sr:8081' });
    expect(c.brokers).toEqual(['b:2']);
    expect(c.schemaRegistry.url).toBe('http://sr:8081');
  });

  it('reads SASL, TLS (inline PEM and file path) and Databricks OAuth settings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'is-config-'));
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const c = fromEnv({
      KAFKA_BROKERS: 'k:9093',
      INVOICE_STREAM_SASL_MECHANISM: 'scram-sha-512', INVOICE_STREAM_SASL_USERNAME: 'svc', INVOICE_STREAM_SASL_PASSWORD: SECRET,
      INVOICE_STREAM_TLS_ENABLED: 'true', INVOICE_STREAM_TLS_CA: ca,
      INVOICE_STREAM_TLS_CERT: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
      INVOICE_STREAM_TLS_KEY: '-----BEGIN PRIVATE KEY-----\ny\n-----END PRIVATE KEY-----',
      INVOICE_STREAM_SINK: 'databricks', DATABRICKS_HOST: 'adb-1.azuredatabricks.net',
      INVOICE_STREAM_DATABRICKS_HTTP_PATH: '/sql/1.0/warehouses/abc',
      DATABRICKS_CLIENT_ID: 'sp-id', DATABRICKS_CLIENT_SECRET: SECRET,
    });
    expect(c.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: SECRET });
    expect(c.tls.enabled).toBe(true);
    expect(c.tls.ca).toBe(ca);
    expect(c.sink).toMatchObject({ kind: 'databricks', catalog: 'finance', schema: 'ar', auth: { clientId: 'sp-id' } });
  });

  it('reads an s3:// table location with its endpoint, region and path style, and refuses other schemes', () => {
    const c = fromEnv({
      KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DIR: 's3://finance-lake/invoice-stream', INVOICE_STREAM_S3_ENDPOINT: 'http://minio.storage:9000',
      INVOICE_STREAM_S3_REGION: 'eu-west-1', INVOICE_STREAM_S3_FORCE_PATH_STYLE: 'true',
    });
    expect(c.sink).toEqual({ kind: 'delta', dir: 's3://finance-lake/invoice-stream', s3: { endpoint: 'http://minio.storage:9000', region: 'eu-west-1', forcePathStyle: true, maxAttempts: 5, cacheMb: 128 }, deletionVectors: true, compaction: { enabled: true, deletedFraction: 0.2, minFileRows: 16_384, maxMillisPerBatch: 500 } });
    expect(fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DIR: 'file:///data/delta' }).sink).toEqual({ kind: 'delta', dir: 'file:///data/delta', deletionVectors: true, compaction: { enabled: true, deletedFraction: 0.2, minFileRows: 16_384, maxMillisPerBatch: 500 } });
    expect(errorOf(() => fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DIR: 'gs://lake/x' }))).toMatch(/sink\.dir.*expected a path, file:\/\/\/path or s3:\/\/bucket\/prefix/s);
    expect(errorOf(() => fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_DELTA_DIR: 's3://B/x' }))).toMatch(/valid bucket name/);
    expect(errorOf(() => fromEnv({ KAFKA_BROKERS: 'k:9092', INVOICE_STREAM_SINK: 'delta', INVOICE_STREAM_S3_ENDPOINT: 'minio:9000' }))).toMatch(/sink\.s3\.endpoint.*INVOICE_STREAM_S3_ENDPOINT/s);
  });

  it('names the field (and its env variables) when the brokers are missing', () => {
    const msg = errorOf(() => fromEnv({}));
    expect(msg).toContain('config: brokers: expected at least one host:port');
    expect(msg).toContain('KAFKA_BROKERS');
  });

  it('lists every bad field at once', () => {
    const msg = errorOf(() => fromEnv({
      KAFKA_BROKERS: 'no-port', INVOICE_STREAM_PROCESSING_GUARANTEE: 'exactly_twice', INVOICE_STREAM_HTTP_PORT: 'eighty',
    }));
    expect(msg).toContain('config: brokers.0: expected host:port');
    expect(msg).toMatch(/config: processingGuarantee: /);
    expect(msg).toMatch(/config: http\.port: /);
  });

  it('rejects half-given credentials and unreadable certificate files', () => {
    const msg = errorOf(() => fromEnv({
      KAFKA_BROKERS: 'k:1', INVOICE_STREAM_SCHEMA_REGISTRY_USERNAME: 'u',
      INVOICE_STREAM_TLS_CA: '/nonexistent/ca.pem', INVOICE_STREAM_TLS_CERT: '/nonexistent/c.pem',
    }));
    expect(msg).toContain('config: schemaRegistry.password: basic auth needs both username and password');
    expect(msg).toContain('config: tls.ca: expected an inline PEM or the path of a readable file');
    expect(msg).toContain('config: tls.key: cert and key must be given together');
  });

  it('accepts only a host name or IP address as the advertised host (peers redirect clients to it)', () => {
    expect(fromEnv({ KAFKA_BROKERS: 'k:1', INVOICE_STREAM_ADVERTISED_HOST: 'invoice-stream-0.invoice-stream-headless.ar.svc' }).http.advertisedHost).toBe('invoice-stream-0.invoice-stream-headless.ar.svc');
    expect(fromEnv({ KAFKA_BROKERS: 'k:1', INVOICE_STREAM_ADVERTISED_HOST: 'fd00::7' }).http.advertisedHost).toBe('fd00::7');
    for (const bad of ['a\r\nx: y', 'a:8080', 'a/b', 'http://a']) {
      expect(errorOf(() => fromEnv({ KAFKA_BROKERS: 'k:1', INVOICE_STREAM_ADVERTISED_HOST: bad }))).toContain('config: http.advertisedHost: expected a host name or IP address (env INVOICE_STREAM_ADVERTISED_HOST)');
    }
  });

  it('rejects unknown fields in a config file', () => {
    expect(errorOf(() => parseConfig({ brokers: ['k:1'], brokrs: ['x:1'] }))).toMatch(/config: \(root\): .*brokrs/);
  });

  it('reports a file that is not JSON without quoting it', () => {
    expect(() => loadConfig({ argv: ['--config=/c.json'], env: {}, readFile: () => `{"sasl": {"password": ${SECRET}}}` }))
      .toThrow(/^config: file \/c\.json: not valid JSON$/);
    try {
      loadConfig({ argv: ['--config=/c.json'], env: {}, readFile: () => `{"sasl": {"password": ${SECRET}}}` });
    } catch (err) {
      expect((err as Error).message).not.toContain(SECRET);
    }
  });
});

describe('secrets', () => {
  const badWithSecrets: Record<string, string>[] = [
    // A bad mechanism beside a good password.
    { KAFKA_BROKERS: 'k:1', INVOICE_STREAM_SASL_MECHANISM: 'gssapi', INVOICE_STREAM_SASL_USERNAME: 'u', INVOICE_STREAM_SASL_PASSWORD: SECRET },
    // A truncated inline private key.
    { KAFKA_BROKERS: 'k:1', INVOICE_STREAM_TLS_CERT: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----', INVOICE_STREAM_TLS_KEY: `-----BEGIN PRIVATE KEY-----\n${SECRET}` },
    // Databricks with a token but no host, and both auth styles at once.
    { KAFKA_BROKERS: 'k:1', INVOICE_STREAM_SINK: 'databricks', DATABRICKS_TOKEN: SECRET, DATABRICKS_CLIENT_SECRET: SECRET },
    // Registry password without its user, and a broken URL.
    { KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: `http//${SECRET}`, INVOICE_STREAM_SCHEMA_REGISTRY_PASSWORD: SECRET },
    // The secret itself given where a number is expected does not count as secret, but in a
    // secret field with a wrong type it must not show either.
    { KAFKA_BROKERS: `${SECRET}`, INVOICE_STREAM_SASL_PASSWORD: SECRET },
  ];

  it.each(badWithSecrets.map((env, i) => [i, env] as const))('a config error never echoes a secret (case %i)', (_i, env) => {
    const msg = errorOf(() => fromEnv(env));
    expect(msg).not.toContain(SECRET);
    expect(msg).toMatch(/^config: /);
  });

  it('redactConfig hides every secret and keeps everything else', () => {
    const c = fromEnv({
      KAFKA_BROKERS: 'k:1', INVOICE_STREAM_SASL_MECHANISM: 'plain', INVOICE_STREAM_SASL_USERNAME: 'svc', INVOICE_STREAM_SASL_PASSWORD: SECRET,
      INVOICE_STREAM_TLS_CERT: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----',
      INVOICE_STREAM_TLS_KEY: `-----BEGIN PRIVATE KEY-----\n${SECRET}\n-----END PRIVATE KEY-----`,
      SCHEMA_REGISTRY_URL: 'https://sr', INVOICE_STREAM_SCHEMA_REGISTRY_USERNAME: 'u', INVOICE_STREAM_SCHEMA_REGISTRY_PASSWORD: SECRET,
      INVOICE_STREAM_SINK: 'databricks', DATABRICKS_HOST: 'h.example', DATABRICKS_HTTP_PATH: '/sql/1.0/x', DATABRICKS_TOKEN: SECRET,
    });
    const shown = redactConfig(c);
    expect(JSON.stringify(shown)).not.toContain(SECRET);
    expect(shown.sasl).toEqual({ mechanism: 'plain', username: 'svc', password: REDACTED });
    expect(shown.tls.key).toBe(REDACTED);
    expect(shown.schemaRegistry.password).toBe(REDACTED);
    expect(shown.sink).toMatchObject({ auth: { token: REDACTED }, host: 'h.example' });
    // The original is untouched: redaction works on a copy.
    expect(c.sasl?.password).toBe(SECRET);
  });
});

describe('outputTopic', () => {
  const topics = { orders: 'o', payments: 'p', invoiceActivity: 'a', deadLetter: 'd' };
  it('uses <prefix>.invoices, or invoices with an empty prefix', () => {
    expect(outputTopic({ topics: { ...topics, outputPrefix: '', routeByEventType: false } }, 'invoice.paid')).toBe('invoices');
    expect(outputTopic({ topics: { ...topics, outputPrefix: 'ar', routeByEventType: false } })).toBe('ar.invoices');
  });
  it('routes by event type when asked', () => {
    expect(outputTopic({ topics: { ...topics, outputPrefix: '', routeByEventType: true } }, 'invoice.paid')).toBe('invoices.paid');
    expect(outputTopic({ topics: { ...topics, outputPrefix: 'ar', routeByEventType: true } }, 'invoice.dispute_resolved')).toBe('ar.invoices.dispute_resolved');
  });
});
