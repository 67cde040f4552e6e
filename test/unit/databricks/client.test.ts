// Connection options handed to @databricks/sql: token or OAuth M2M, host normalisation, and the
// writer built from the app's `databricks` sink config (default place finance.ar).
import { describe, expect, it } from 'vitest';
import { connectionOptions, databricksWriterFromConfig } from '../../../src/sinks/databricks/client.ts';

describe('connectionOptions', () => {
  it('uses a personal access token', () => {
    expect(connectionOptions({ host: 'https://adb-1.azuredatabricks.net/', httpPath: '/sql/1.0/warehouses/abc', auth: { token: 'dapi1' } })).toEqual({
      host: 'adb-1.azuredatabricks.net', path: '/sql/1.0/warehouses/abc', userAgentEntry: 'invoice-stream', authType: 'access-token', token: 'dapi1',
    });
  });

  it('uses OAuth M2M (client credentials) for a service principal', () => {
    expect(connectionOptions({ host: 'h.cloud.databricks.com', httpPath: '/sql/1.0/warehouses/abc', auth: { clientId: 'sp', clientSecret: 's3' } }, { port: 8443, telemetryEnabled: false }))
      .toMatchObject({ host: 'h.cloud.databricks.com', port: 8443, telemetryEnabled: false, authType: 'databricks-oauth', oauthClientId: 'sp', oauthClientSecret: 's3', useDatabricksOAuthInAzure: true });
  });

  it('refuses a config without credentials', () => {
    expect(() => connectionOptions({ host: 'h', httpPath: '/sql/x', auth: { clientId: 'sp' } })).toThrow(/OAuth M2M/);
  });

  it('builds a writer for finance.ar by default', () => {
    const w = databricksWriterFromConfig({ host: 'h', httpPath: '/sql/1.0/warehouses/x', auth: { token: 't' } });
    expect(w.target).toEqual({ catalog: 'finance', schema: 'ar' });
    expect(databricksWriterFromConfig({ host: 'h', httpPath: '/sql/x', auth: { token: 't' }, catalog: 'dev', schema: 'ar_test' }).target)
      .toEqual({ catalog: 'dev', schema: 'ar_test' });
  });
});
