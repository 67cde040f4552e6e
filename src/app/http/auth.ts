// Authentication of the query port: `Authorization: Bearer <token>` (RFC 6750), the token shared by
// every instance and its clients through a Kubernetes Secret (env or mounted file). A redirected
// client presents the same token to the owner. No token configured is not an open door: `run`
// refuses to start unless `http.auth` says `none` explicitly. Tokens are compared in constant time
// (SHA-256 digests, timingSafeEqual) and never logged nor echoed.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../config.ts';
import { json, type HttpResponse } from './routes.ts';
import { isValidToken, TOKEN_RULE } from './token.ts';

/** How the query port authenticates. */
export type QueryAuth = { kind: 'none' } | { kind: 'bearer'; digests: readonly Buffer[] };

const REALM = 'invoice-stream';

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * The query port's authentication from the configuration: `http.token`, or the tokens of
 * `http.tokenFile` (one per line, so a rotation can accept old and new at once). Throws a
 * ConfigError naming the field, never quoting a token, when none is configured and `http.auth` is
 * not `none`, or the file is unreadable, empty or holds a malformed line.
 */
export function queryAuth(http: Config['http'], readFile: (path: string) => string = (p) => readFileSync(p, 'utf8')): QueryAuth {
  if (http.auth === 'none') return { kind: 'none' };
  if (http.token !== undefined) return { kind: 'bearer', digests: [digest(http.token)] };
  if (http.tokenFile === undefined) {
    throw new ConfigError([{
      path: 'http.token',
      message: 'queries need a token: set http.token or http.tokenFile (env INVOICE_STREAM_HTTP_TOKEN or INVOICE_STREAM_HTTP_TOKEN_FILE), or http.auth to none (INVOICE_STREAM_HTTP_AUTH=none) to serve them to anyone who reaches http.port',
    }]);
  }
  const path = http.tokenFile;
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError([{ path: 'http.tokenFile', message: `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})` }]);
  }
  const tokens: string[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    const token = line.trim();
    if (token === '') continue;
    if (!isValidToken(token)) throw new ConfigError([{ path: 'http.tokenFile', message: `${path} line ${i + 1}: ${TOKEN_RULE}` }]);
    tokens.push(token);
  }
  if (tokens.length === 0) throw new ConfigError([{ path: 'http.tokenFile', message: `${path} holds no token` }]);
  return { kind: 'bearer', digests: tokens.map(digest) };
}

/** Undefined when the request may proceed; else the 401 to answer, with its WWW-Authenticate challenge. */
export function authenticate(authorization: string | undefined, auth: QueryAuth): HttpResponse | undefined {
  if (auth.kind === 'none') return undefined;
  if (authorization === undefined || authorization === '') {
    // No credentials: the bare challenge (RFC 6750 §3.1: no error code).
    return json(401, { error: 'bearer token required' }, { 'www-authenticate': `Bearer realm="${REALM}"` });
  }
  const presented = /^Bearer +(\S+) *$/i.exec(authorization)?.[1];
  let ok = false;
  if (presented !== undefined) {
    const candidate = digest(presented);
    // Every configured token is compared, match or not: the time does not depend on which one.
    for (const d of auth.digests) ok = timingSafeEqual(candidate, d) || ok;
  }
  if (ok) return undefined;
  return json(401, { error: 'invalid bearer token' }, { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"` });
}
