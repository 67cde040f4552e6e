// The one configuration schema of the `invoice-stream` process. Every setting has a default here or
// is required; the environment and file sources (./sources.ts) only feed raw values into it.
import { accessSync, constants } from 'node:fs';
import { z } from 'zod';
import { isValidToken, TOKEN_RULE } from '../http/token.ts';
import { isHost } from '../queries/endpoint.ts';
import { DEFAULT_OPTIMIZE } from '../../sinks/delta/optimize-options.ts';

/** `host:port` with a port in 1–65535; IPv6 hosts in brackets (`[::1]:9092`). */
const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):([1-9]\d{0,4})$/, 'expected host:port')
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'port out of range');

/** A PEM given inline, or the path of a readable file holding one. */
const pemOrFile = z.string().min(1).superRefine((value, ctx) => {
  if (value.trimStart().startsWith('-----BEGIN ')) {
    // An inline PEM must at least be complete; the message never repeats the value (it may be a key).
    if (!/-----END [A-Z0-9 ]+-----/.test(value)) ctx.addIssue({ code: 'custom', message: 'inline PEM has no END line' });
    return;
  }
  try {
    accessSync(value, constants.R_OK);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an inline PEM or the path of a readable file' });
  }
});

/** Says `required` for a missing field instead of zod's "expected string, received undefined". */
const required = (iss: { input?: unknown }): string | undefined => (iss.input === undefined ? 'required' : undefined);

/** A non-empty string that must be given. */
const text = () => z.string({ error: required }).min(1, 'must not be empty');

/** Booleans from env strings arrive as strings; accept the usual spellings only. */
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])], { error: 'expected true or false' })
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');

/** Integers from env strings arrive as strings. */
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Kafka topic names: the broker's own rule (legal characters, at most 249). */
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'expected a Kafka topic name ([A-Za-z0-9._-], 1–249 chars)');

const sasl = z.object({
  mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
  username: text(),
  password: text(),
}).strict();

const tls = z.object({
  enabled: flag.default(false),
  ca: pemOrFile.optional(),
  cert: pemOrFile.optional(),
  key: pemOrFile.optional(),
  rejectUnauthorized: flag.default(true),
}).strict().superRefine((t, ctx) => {
  // A client certificate without its key (or the reverse) cannot do mutual TLS.
  if ((t.cert === undefined) !== (t.key === undefined)) {
    ctx.addIssue({ code: 'custom', path: [t.cert === undefined ? 'cert' : 'key'], message: 'cert and key must be given together' });
  }
});

const schemaRegistry = z.object({
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).optional(),
  username: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
}).strict().superRefine((r, ctx) => {
  if ((r.username === undefined) !== (r.password === undefined)) {
    ctx.addIssue({ code: 'custom', path: [r.username === undefined ? 'username' : 'password'], message: 'basic auth needs both username and password' });
  }
});

const topics = z.object({
  orders: topicName.default('orders'),
  payments: topicName.default('payments'),
  invoiceActivity: topicName.default('invoice-activity'),
  deadLetter: topicName.default('invoice-stream.dlq'),
  /** Output topic is `<prefix>.invoices`; an empty prefix gives `invoices`. */
  outputPrefix: z.string().regex(/^[A-Za-z0-9._-]{0,200}$/, 'expected [A-Za-z0-9._-], at most 200 chars').default(''),
  /** With routing, each event type goes to `<output>.<type>` (`invoices.paid`, ...). */
  routeByEventType: flag.default(false),
}).strict();

const clock = z.object({
  /** `event_time`: the clock is the largest occurred_at seen. `wall_clock`: it also advances on wall time. */
  mode: z.enum(['event_time', 'wall_clock']).default('event_time'),
  /** How often the wall clock is applied (punctuation interval), when mode is `wall_clock`. */
  wallClockIntervalMs: int(1000, 86_400_000).default(60_000),
}).strict();

const databricksAuth = z.object({
  token: text().optional(),
  clientId: text().optional(),
  clientSecret: text().optional(),
}, { error: required }).strict().superRefine((a, ctx) => {
  // Exactly one style: a personal access token, or a service principal's OAuth M2M credentials.
  const oauth = a.clientId !== undefined || a.clientSecret !== undefined;
  if (a.token !== undefined && oauth) {
    ctx.addIssue({ code: 'custom', message: 'give a token or clientId and clientSecret (OAuth M2M), not both' });
  } else if (a.token === undefined && !oauth) {
    ctx.addIssue({ code: 'custom', message: 'expected a token, or clientId and clientSecret (OAuth M2M)' });
  } else if (oauth && (a.clientId === undefined || a.clientSecret === undefined)) {
    ctx.addIssue({ code: 'custom', path: [a.clientId === undefined ? 'clientId' : 'clientSecret'], message: 'OAuth M2M needs both clientId and clientSecret' });
  }
});

/** Where the Delta tables live (one table per name below it): a path, file:///path or s3://bucket/prefix. */
const tableLocation = z.string().min(1)
  .refine((v) => !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(v) || /^(s3a?|file):\/\//i.test(v), 'expected a path, file:///path or s3://bucket/prefix')
  .refine((v) => !/^s3a?:\/\//i.test(v) || /^s3a?:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/|$)/.test(v), 'expected s3://bucket/prefix with a valid bucket name');

/** The S3 client of an s3:// location; credentials come from the AWS SDK's default chain, never from here. */
const s3 = z.object({
  /** An S3-compatible server (MinIO, R2, ...); default AWS S3. */
  endpoint: z.string().regex(/^https?:\/\/[^\s/]+\/?$/, 'expected http(s)://host[:port]').optional(),
  region: z.string().regex(/^[a-z0-9-]{2,32}$/, 'expected a region name (eu-west-1)').optional(),
  forcePathStyle: flag.default(false),
  maxAttempts: int(1, 20).default(5),
  /** Memory for the data files the sink wrote or read last (immutable objects), shared by the tables; 0: none. */
  cacheMb: int(0, 65536).default(128),
}).strict();

/** The sink's OPTIMIZE settings when none are given: the file choice is OPTIMIZE's own defaults. */
const COMPACTION_DEFAULTS = { enabled: true, ...DEFAULT_OPTIMIZE, maxMillisPerBatch: 500 };

/** OPTIMIZE run by the sink between batches (delta only): which files it rewrites, for how long. */
const compaction = z.object({
  enabled: flag.default(COMPACTION_DEFAULTS.enabled),
  /** Rewrite a file once its deletion vector deletes this fraction of its rows. */
  deletedFraction: z.coerce.number().gt(0).max(1).default(COMPACTION_DEFAULTS.deletedFraction),
  /** Files with fewer rows left are packed together. */
  minFileRows: int(0, 100_000_000).default(COMPACTION_DEFAULTS.minFileRows),
  /** Time one run may take after a batch (at least one group of files is rewritten per run). */
  maxMillisPerBatch: int(1, 600_000).default(COMPACTION_DEFAULTS.maxMillisPerBatch),
}).strict();

const sink = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('delta'),
    dir: tableLocation.default('/var/lib/invoice-stream/delta'),
    s3: s3.optional(),
    /** Tables the sink creates get deletion vectors (merge-on-read updates); existing tables keep theirs. */
    deletionVectors: flag.default(true),
    compaction: compaction.default(COMPACTION_DEFAULTS),
  }).strict(),
  z.object({
    kind: z.literal('databricks'),
    host: z.string({ error: required }).regex(/^(https:\/\/)?[A-Za-z0-9.-]+$/, 'expected a workspace host name'),
    httpPath: z.string({ error: required }).regex(/^\/sql\//, 'expected a SQL warehouse HTTP path (/sql/...)'),
    auth: databricksAuth,
    catalog: z.string().regex(/^[A-Za-z0-9_]+$/).default('finance'),
    schema: z.string().regex(/^[A-Za-z0-9_]+$/).default('ar'),
  }).strict(),
  z.object({ kind: z.literal('none') }).strict(),
], { error: 'expected kind delta, databricks or none' });

/** The whole configuration as accepted from sources, before defaults that depend on other fields. */
export const configSchema = z.object({
  applicationId: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'expected [A-Za-z0-9._-], 1–200 chars').default('invoice-stream'),
  brokers: z.array(hostPort, { error: 'expected at least one host:port' }).min(1, 'expected at least one host:port'),
  clientId: z.string().min(1).default('invoice-stream'),
  /** Static membership (group.instance.id); a StatefulSet sets it from the pod name. */
  groupInstanceId: z.string().min(1).max(249).optional(),
  sasl: sasl.optional(),
  tls: tls.default({ enabled: false, rejectUnauthorized: true }),
  schemaRegistry: schemaRegistry.default({}),
  topics: topics.default({ orders: 'orders', payments: 'payments', invoiceActivity: 'invoice-activity', deadLetter: 'invoice-stream.dlq', outputPrefix: '', routeByEventType: false }),
  stateDir: z.string().min(1).default('/var/lib/invoice-stream'),
  processingGuarantee: z.enum(['at_least_once', 'exactly_once']).default('exactly_once'),
  /** Unset: 100 ms under exactly_once, 30 s under at_least_once (Kafka Streams' defaults). */
  commitIntervalMs: int(1, 3_600_000).optional(),
  /** Bound on a graceful stop (final commit, store flush); keep it under the pod's grace period. */
  shutdownTimeoutMs: int(1000, 600_000).default(45_000),
  /** A task with records waiting whose offsets have not moved for this long fails the probes (0: off). */
  stallTimeoutMs: int(0, 86_400_000).default(120_000),
  /** How often task directories nobody holds are looked at; those without a usable checkpoint go (0: only at start). */
  stateCleanupIntervalMs: int(0, 86_400_000).default(600_000),
  /** `num.stream.threads`: stream threads of this instance, each a worker thread with its own group member, producer, tasks and stores; 1 runs on the main thread. */
  numStreamThreads: int(1, 16).default(1),
  /** What the repartition topics are written in (both are always read); `json` for the first roll of an upgrade from a version before 2026-12-07, which reads only that. */
  repartitionFormat: z.enum(['binary', 'json']).default('binary'),
  clock: clock.default({ mode: 'event_time', wallClockIntervalMs: 60_000 }),
  /** The query port: interactive queries only, behind a bearer token. */
  http: z.object({
    host: z.string().min(1).default('0.0.0.0'),
    port: int(0, 65535).default(8080),
    /** Host name other instances and clients reach this one at (interactive query owner address). */
    advertisedHost: z.string().refine(isHost, 'expected a host name or IP address').optional(),
    /** `token`: queries need `Authorization: Bearer <token>`, and `run` needs a token; `none`: open to anyone who reaches the port. */
    auth: z.enum(['token', 'none']).default('token'),
    /** The accepted token (a Secret's value through the environment). */
    token: z.string().refine(isValidToken, TOKEN_RULE).optional(),
    /** A file of accepted tokens, one per line (a Secret mounted as a volume); read at start. */
    tokenFile: z.string().min(1).optional(),
  }).strict().superRefine((h, ctx) => {
    if (h.token !== undefined && h.tokenFile !== undefined) ctx.addIssue({ code: 'custom', path: ['tokenFile'], message: 'give http.token or http.tokenFile, not both' });
    if (h.auth === 'none' && (h.token !== undefined || h.tokenFile !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['auth'], message: 'none contradicts the configured token: remove one of them' });
    }
  }).default({ host: '0.0.0.0', port: 8080, auth: 'token' }),
  /** The operations port: /metrics, /healthz, /readyz, unauthenticated (kubelet, Prometheus); keep it to the monitoring network. */
  ops: z.object({
    host: z.string().min(1).default('0.0.0.0'),
    port: int(0, 65535).default(9464),
  }).strict().default({ host: '0.0.0.0', port: 9464 }),
  metrics: z.object({
    enabled: flag.default(true),
    /** Node.js runtime metrics (event loop lag, heap, GC) from prom-client's default collectors. */
    defaultMetrics: flag.default(true),
  }).strict().default({ enabled: true, defaultMetrics: true }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  sink: sink.default({ kind: 'delta', dir: '/var/lib/invoice-stream/delta', deletionVectors: true, compaction: COMPACTION_DEFAULTS }),
}).strict().superRefine((c, ctx) => {
  // One port cannot be both open to monitoring and closed behind a token (0 picks a free port each).
  if (c.http.port !== 0 && c.http.port === c.ops.port) ctx.addIssue({ code: 'custom', path: ['ops', 'port'], message: `must differ from http.port (${c.http.port}): queries and operations are served apart` });
});

/** Validated configuration with every default applied. */
export type Config = Omit<z.output<typeof configSchema>, 'commitIntervalMs'> & { commitIntervalMs: number };

/** The raw shape a config file may hold (every field optional where a default exists). */
export type ConfigInput = z.input<typeof configSchema>;

/** Paths (dot-joined) of the fields that hold secrets: never logged, never echoed in errors. */
export const SECRET_PATHS: readonly string[] = [
  'sasl.password',
  'tls.key',
  'schemaRegistry.password',
  'sink.auth.token',
  'sink.auth.clientSecret',
  'http.token',
];
