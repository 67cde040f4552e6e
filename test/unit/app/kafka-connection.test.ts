// The config → Kafka client connection mapping: TLS material (inline PEM or file) and SASL reach the client.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.ts';
import { kafkaClientOptions } from '../../../src/app/kafka-connection.ts';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const fromEnv = (env: Record<string, string>) => loadConfig({ argv: [], env, readFile: () => { throw new Error('no file'); } });

describe('kafkaClientOptions', () => {
  it('is plaintext without authentication by default', () => {
    const options = kafkaClientOptions(fromEnv({ KAFKA_BROKERS: 'k0:9092,k1:9092' }));
    expect(options).toEqual({ brokers: ['k0:9092', 'k1:9092'], clientId: expect.any(String) });
  });

  it('passes SCRAM credentials and TLS with a CA from a file and an inline client certificate', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-conn-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, CA);
    const cert = '-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----';
    const key = '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----';
    const config = fromEnv({
      KAFKA_BROKERS: 'k0:9093',
      INVOICE_STREAM_SASL_MECHANISM: 'scram-sha-512', INVOICE_STREAM_SASL_USERNAME: 'svc', INVOICE_STREAM_SASL_PASSWORD: 'pw',
      INVOICE_STREAM_TLS_ENABLED: 'true', INVOICE_STREAM_TLS_CA: caFile, INVOICE_STREAM_TLS_CERT: cert, INVOICE_STREAM_TLS_KEY: key,
    });
    const options = kafkaClientOptions(config, '-sink');
    expect(options.clientId.endsWith('-sink')).toBe(true);
    expect(options.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'svc', password: 'pw' });
    expect(options.ssl).toEqual({ ca: CA, cert, key, rejectUnauthorized: true });
  });
});
