// The SqlRunner over @databricks/sql (Thrift over HTTPS to a SQL warehouse). One session, opened
// lazily and reopened after a failure that may have broken it, so a retried statement gets a
// fresh session instead of failing again on a dead handle.
import { DBSQLClient, DBSQLLogger, LogLevel } from '@databricks/sql';
import { classifyError } from './errors.ts';
import type { Statement } from './sql.ts';
import { DatabricksWriter, type DatabricksWriterOptions, type ResultRow, type SqlRunner } from './writer.ts';

// The driver's package exports only its entry point: its option and session types by inference.
type ConnectionOptions = Parameters<DBSQLClient['connect']>[0];
type IDBSQLSession = Awaited<ReturnType<DBSQLClient['openSession']>>;

/** Connection settings; the same shape as the `databricks` sink of src/app/config/schema.ts. */
export interface DatabricksConnectionConfig {
  /** Workspace host name (`https://` prefix tolerated). */
  host: string;
  /** SQL warehouse HTTP path, `/sql/1.0/warehouses/<id>`. */
  httpPath: string;
  /** A personal access token, or a service principal's OAuth M2M client id and secret. */
  auth: { token?: string; clientId?: string; clientSecret?: string };
}

/** Driver settings beside the connection (tests, private endpoints). */
export interface DriverOptions {
  port?: number;
  /** Extra CA certificate (PEM) trusted for the warehouse endpoint. */
  customCaCert?: string | Buffer;
  /** Default true: the driver's usage telemetry; off in tests. */
  telemetryEnabled?: boolean;
  /** Driver-level HTTP retry attempts for the requests it retries itself (default: the driver's). */
  retryMaxAttempts?: number;
  /** Tag sent as the driver's user agent entry. */
  userAgentEntry?: string;
  /** Server-side limit of one statement in seconds (session `STATEMENT_TIMEOUT`, default 900): a
   * stuck MERGE fails instead of holding the sink forever; 0 leaves the warehouse's setting. */
  statementTimeoutSeconds?: number;
}

/** The driver's connect options for `config`: token auth, or OAuth M2M (client credentials). */
export function connectionOptions(config: DatabricksConnectionConfig, driver: DriverOptions = {}): ConnectionOptions {
  const host = config.host.replace(/^https:\/\//, '').replace(/\/+$/, '');
  const common = {
    host,
    path: config.httpPath,
    userAgentEntry: driver.userAgentEntry ?? 'invoice-stream',
    ...(driver.port === undefined ? {} : { port: driver.port }),
    ...(driver.customCaCert === undefined ? {} : { customCaCert: driver.customCaCert }),
    ...(driver.telemetryEnabled === undefined ? {} : { telemetryEnabled: driver.telemetryEnabled }),
    ...(driver.retryMaxAttempts === undefined ? {} : { retryMaxAttempts: driver.retryMaxAttempts }),
  };
  const { token, clientId, clientSecret } = config.auth;
  if (token !== undefined) return { ...common, authType: 'access-token', token };
  if (clientId !== undefined && clientSecret !== undefined) {
    // Databricks-managed OAuth secrets of a service principal on every cloud: without the flag
    // the driver sends Azure workspaces to Entra ID, which needs a tenant id we do not configure.
    return { ...common, authType: 'databricks-oauth', oauthClientId: clientId, oauthClientSecret: clientSecret, useDatabricksOAuthInAzure: true };
  }
  throw new Error('databricks: expected auth.token, or auth.clientId and auth.clientSecret (OAuth M2M)');
}

/** Runs statements through one DBSQLClient session. */
export class DriverSqlRunner implements SqlRunner {
  readonly #options: ConnectionOptions;
  readonly #sessionConfig: Record<string, string>;
  #client: DBSQLClient | null = null;
  #session: Promise<IDBSQLSession> | null = null;

  constructor(config: DatabricksConnectionConfig, driver: DriverOptions = {}) {
    this.#options = connectionOptions(config, driver);
    const timeout = driver.statementTimeoutSeconds ?? 900;
    this.#sessionConfig = timeout > 0 ? { STATEMENT_TIMEOUT: String(timeout) } : {};
  }

  /** Executes `stmt` with its named parameters (all strings; NULLs are inlined in the SQL). */
  async run(stmt: Statement): Promise<ResultRow[]> {
    const session = await this.#openSession();
    try {
      const namedParameters: Record<string, string> = {};
      for (const [k, v] of Object.entries(stmt.params)) {
        if (v === null) throw new Error(`parameter ${k} is NULL: NULLs belong in the SQL text`);
        namedParameters[k] = v;
      }
      const op = await session.executeStatement(stmt.sql, Object.keys(namedParameters).length ? { namedParameters } : {});
      try {
        // Wait for the final state first: for a statement without a result set (DDL) fetchAll
        // returns at once and would not notice that the statement failed.
        await op.finished();
        return (await op.fetchAll()) as ResultRow[];
      } finally {
        await op.close().catch(() => undefined);
      }
    } catch (error) {
      // A transient failure may have broken the session or the connection: start over next time.
      if (classifyError(error) === 'transient') await this.#reset();
      throw error;
    }
  }

  /** Closes the session and the client. */
  async close(): Promise<void> {
    await this.#reset();
  }

  #openSession(): Promise<IDBSQLSession> {
    if (this.#session === null) {
      // The driver logs every client creation at info to stdout; the writer reports failures itself.
      const client = new DBSQLClient({ logger: new DBSQLLogger({ level: LogLevel.warn }) });
      this.#client = client;
      const session = client.connect(this.#options).then(c => c.openSession({ configuration: this.#sessionConfig }));
      this.#session = session;
      session.catch(() => { if (this.#session === session) { this.#session = null; this.#client = null; } });
    }
    return this.#session;
  }

  async #reset(): Promise<void> {
    const session = this.#session;
    const client = this.#client;
    this.#session = null;
    this.#client = null;
    if (session) await session.then(s => s.close()).catch(() => undefined);
    if (client) await client.close().catch(() => undefined);
  }
}

/** The `databricks` sink settings of the app config (src/app/config/schema.ts): connection + place. */
export interface DatabricksSinkConfig extends DatabricksConnectionConfig {
  /** Default `finance`. */
  catalog?: string;
  /** Default `ar`. */
  schema?: string;
}

/** A writer for the app's `databricks` sink config: one driver session, tables under catalog.schema. */
export function databricksWriterFromConfig(
  config: DatabricksSinkConfig, options: Omit<DatabricksWriterOptions, 'target'> = {}, driver: DriverOptions = {},
): DatabricksWriter {
  const target = { catalog: config.catalog ?? 'finance', schema: config.schema ?? 'ar' };
  return new DatabricksWriter(new DriverSqlRunner(config, driver), { ...options, target });
}
