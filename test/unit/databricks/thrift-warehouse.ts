// A local SQL-warehouse endpoint for driver wiring tests, built from the driver's OWN generated
// TCLIService (the `thrift` export of @databricks/sql) and the `thrift` runtime it depends on:
// HTTPS (the driver always uses TLS) + THttpTransport framing (one Thrift message per POST to the
// HTTP path) + TBinaryProtocol. It executes nothing: it records each statement with its named
// parameters and answers as the test scripts it (a result set, an error state, a dropped socket).
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { thrift as driverThrift } from '@databricks/sql';

// The Thrift runtime and Int64 exactly as the driver resolves them (they are its dependencies).
const driverRequire = createRequire(createRequire(import.meta.url).resolve('@databricks/sql'));

interface ThriftTransportCtor {
  new (buffer: undefined, onFlush: (buf: Buffer) => void): object;
  receiver(callback: (transportWithData: object) => void, seqid?: number): (data: Buffer) => void;
}
type ThriftProtocolCtor = new (transport: object) => object;
interface ThriftRuntime { TBufferedTransport: ThriftTransportCtor; TBinaryProtocol: ThriftProtocolCtor }
type Int64Ctor = new (n: number) => object;

const thriftRuntime = driverRequire('thrift') as ThriftRuntime;
const Int64 = driverRequire('node-int64') as Int64Ctor;
const { TCLIService, TCLIService_types: T } = driverThrift;

/** A statement as the endpoint received it. */
export interface ReceivedStatement {
  sql: string;
  params: Record<string, string | null>;
  /** Parameter types the driver declared (`STRING`, ...). */
  types: Record<string, string | undefined>;
}

/** How the endpoint answers one statement. */
export type Outcome =
  | { kind: 'ok'; columns?: { name: string; type: 'BIGINT' | 'STRING' }[]; rows?: (number | string | null)[][] }
  /** The operation ends in ERROR_STATE (as Delta conflicts and SQL errors do on a warehouse). */
  | { kind: 'error'; message: string; sqlState?: string }
  /** The TCP connection is destroyed instead of answering ExecuteStatement. */
  | { kind: 'drop' };

interface Operation { outcome: Extract<Outcome, { kind: 'ok' | 'error' }>; fetched: boolean }

const SUCCESS = { statusCode: T.TStatusCode.SUCCESS_STATUS };

function handleId(): { guid: Buffer; secret: Buffer } {
  // The driver prints handles as UUIDs and rejects bytes that are not a valid one.
  return { guid: Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), secret: randomBytes(16) };
}

function nulls(values: readonly unknown[]): Buffer {
  const buf = Buffer.alloc(Math.ceil(values.length / 8));
  values.forEach((v, i) => { if (v === null) buf[i >> 3]! |= 1 << (i & 7); });
  return buf;
}

/** Self-signed certificate for localhost (the driver always speaks TLS). */
function selfSignedCert(): { key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'thrift-wh-'));
  try {
    const r = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The endpoint: start it, point a DBSQLClient at `localhost:port` + `httpPath`, read what it got. */
export class ThriftWarehouse {
  readonly statements: ReceivedStatement[] = [];
  /** Every RPC by name, in order (OpenSession, ExecuteStatement, ...). */
  readonly calls: string[] = [];
  /** Session configuration of each OpenSession. */
  readonly sessionConfigs: Record<string, string>[] = [];
  /** Authorization headers seen. */
  readonly authorizations = new Set<string>();
  readonly httpPath: string;
  readonly caCert: Buffer;
  readonly #server: Server;
  readonly #onStatement: (s: ReceivedStatement) => Outcome;
  readonly #operations = new Map<string, Operation>();
  readonly #sessions = new Set<string>();

  private constructor(server: Server, caCert: Buffer, httpPath: string, onStatement: (s: ReceivedStatement) => Outcome) {
    this.#server = server;
    this.caCert = caCert;
    this.httpPath = httpPath;
    this.#onStatement = onStatement;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.#request(req, res));
  }

  /** Starts on an ephemeral port of 127.0.0.1. */
  static async start(onStatement: (s: ReceivedStatement) => Outcome, httpPath = '/sql/1.0/warehouses/local'): Promise<ThriftWarehouse> {
    const { key, cert } = selfSignedCert();
    const server = createServer({ key, cert });
    const wh = new ThriftWarehouse(server, cert, httpPath, onStatement);
    await new Promise<void>(res => server.listen(0, '127.0.0.1', res));
    return wh;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Open sessions (opened and not closed). */
  get openSessions(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>(res => this.#server.close(() => res()));
  }

  #request(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'POST' || req.url !== this.httpPath) {
      res.writeHead(404).end();
      return;
    }
    if (req.headers.authorization) this.authorizations.add(req.headers.authorization);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      // One processor per request: its handler can answer this HTTP exchange (or drop it).
      const processor = new TCLIService.Processor(this.#handler(res));
      const { TBufferedTransport, TBinaryProtocol } = thriftRuntime;
      TBufferedTransport.receiver(withData => {
        const input = new TBinaryProtocol(withData);
        const output = new TBinaryProtocol(new TBufferedTransport(undefined, buf => {
          if (!res.headersSent) res.writeHead(200, { 'Content-Type': 'application/x-thrift' }).end(buf);
        }));
        processor.process(input as Parameters<typeof processor.process>[0], output as Parameters<typeof processor.process>[1]);
      })(Buffer.concat(chunks));
    });
  }

  /** TCLIService handler: one-argument methods, answered through the processor's promise path. */
  #handler(res: ServerResponse): object {
    const ops = this.#operations;
    const opKey = (h: { operationId: { guid: Buffer } }): string => h.operationId.guid.toString('hex');
    return {
      // Each method takes exactly one argument: the generated processor checks `length === 1` to
      // pick the promise style (any other arity is called with a callback).
      OpenSession: (req: { configuration?: Record<string, string> }) => {
        this.calls.push('OpenSession');
        this.sessionConfigs.push(req.configuration ?? {});
        const sessionId = handleId();
        this.#sessions.add(sessionId.guid.toString('hex'));
        // V8: the first version with named parameters (the driver sends them only from V8 on).
        return { status: SUCCESS, serverProtocolVersion: T.TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8, sessionHandle: { sessionId } };
      },
      CloseSession: (req: { sessionHandle: { sessionId: { guid: Buffer } } }) => {
        this.calls.push('CloseSession');
        this.#sessions.delete(req.sessionHandle.sessionId.guid.toString('hex'));
        return { status: SUCCESS };
      },
      ExecuteStatement: (req: { statement: string; parameters?: { name?: string; type?: string; value?: { stringValue?: string } }[] }) => {
        this.calls.push('ExecuteStatement');
        const params: Record<string, string | null> = {};
        const types: Record<string, string | undefined> = {};
        for (const p of req.parameters ?? []) {
          params[p.name ?? ''] = p.value?.stringValue ?? null;
          types[p.name ?? ''] = p.type;
        }
        const stmt: ReceivedStatement = { sql: req.statement, params, types };
        this.statements.push(stmt);
        const outcome = this.#onStatement(stmt);
        if (outcome.kind === 'drop') {
          res.socket?.destroy();
          return new Promise(() => undefined); // never answered
        }
        const operationId = handleId();
        ops.set(operationId.guid.toString('hex'), { outcome, fetched: false });
        const hasResultSet = outcome.kind === 'ok' && outcome.columns !== undefined;
        return { status: SUCCESS, operationHandle: { operationId, operationType: T.TOperationType.EXECUTE_STATEMENT, hasResultSet } };
      },
      GetOperationStatus: (req: { operationHandle: { operationId: { guid: Buffer } } }) => {
        this.calls.push('GetOperationStatus');
        const op = ops.get(opKey(req.operationHandle));
        if (op === undefined) return { status: { statusCode: T.TStatusCode.ERROR_STATUS, errorMessage: 'Invalid OperationHandle' } };
        if (op.outcome.kind === 'error') {
          return {
            status: SUCCESS, operationState: T.TOperationState.ERROR_STATE, errorMessage: op.outcome.message, displayMessage: op.outcome.message,
            sqlState: op.outcome.sqlState,
          };
        }
        return { status: SUCCESS, operationState: T.TOperationState.FINISHED_STATE, hasResultSet: op.outcome.columns !== undefined };
      },
      GetResultSetMetadata: (req: { operationHandle: { operationId: { guid: Buffer } } }) => {
        this.calls.push('GetResultSetMetadata');
        const op = ops.get(opKey(req.operationHandle));
        const columns = op?.outcome.kind === 'ok' ? op.outcome.columns ?? [] : [];
        return {
          status: SUCCESS,
          resultFormat: T.TSparkRowSetType.COLUMN_BASED_SET,
          schema: {
            columns: columns.map((c, i) => ({
              columnName: c.name, position: i + 1,
              typeDesc: { types: [{ primitiveEntry: { type: c.type === 'BIGINT' ? T.TTypeId.BIGINT_TYPE : T.TTypeId.STRING_TYPE } }] },
            })),
          },
        };
      },
      FetchResults: (req: { operationHandle: { operationId: { guid: Buffer } } }) => {
        this.calls.push('FetchResults');
        const op = ops.get(opKey(req.operationHandle));
        const outcome = op?.outcome.kind === 'ok' ? op.outcome : { columns: [], rows: [] };
        const rows = op?.fetched ? [] : outcome.rows ?? [];
        if (op) op.fetched = true;
        const columns = (outcome.columns ?? []).map((c, i) => {
          const values = rows.map(r => r[i] ?? null);
          return c.type === 'BIGINT'
            ? { i64Val: { values: values.map(v => new Int64(v === null ? 0 : Number(v))), nulls: nulls(values) } }
            : { stringVal: { values: values.map(v => (v === null ? '' : String(v))), nulls: nulls(values) } };
        });
        return { status: SUCCESS, hasMoreRows: false, results: { startRowOffset: new Int64(0), rows: [], columns } };
      },
      CloseOperation: (req: { operationHandle: { operationId: { guid: Buffer } } }) => {
        this.calls.push('CloseOperation');
        ops.delete(opKey(req.operationHandle));
        return { status: SUCCESS };
      },
    };
  }
}
