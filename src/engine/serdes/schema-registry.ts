// The Schema Registry behind a small interface: an HTTP client (Confluent REST API, via fetch)
// and an in-memory one for tests. Lookups are cached; ids never change meaning.
import { retrying, type RetryPolicy } from '../retry.ts';

/**
 * A registry that is busy or briefly away (a 5xx, 408, 429, a refused connection) is asked again
 * for up to a minute: several instances registering at once can time out on the registry's own
 * storage lock (Apicurio on H2 answers 500), and an instance should not die of it at start.
 */
const REGISTRY_RETRY: RetryPolicy = { initialDelayMs: 100, maxDelayMs: 5_000, timeoutMs: 60_000 };

/** Registrations answered 409 before the conflict is taken as an incompatible schema. */
const REGISTER_CONFLICT_ROUNDS = 4;

/** One request's bound; a timed-out request is retried like an unreachable registry. */
const ATTEMPT_TIMEOUT_MS = 10_000;

/** The registry does not know a schema id (as opposed to being unreachable). */
export class SchemaNotFoundError extends Error {
  constructor(id: number) {
    super(`schema id ${id} is not in the registry`);
    this.name = 'SchemaNotFoundError';
  }
}

/** What the Avro serdes need from a registry. */
export interface SchemaRegistry {
  /** The writer schema (JSON text) of an id. */
  getSchema(id: number): Promise<string>;
  /** Registers (or finds) a schema under a subject; returns its id. */
  register(subject: string, schema: string): Promise<number>;
}

/** A Confluent-compatible registry over HTTP. */
export class HttpSchemaRegistry implements SchemaRegistry {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #byId = new Map<number, Promise<string>>();

  readonly #policy: RetryPolicy;

  constructor(url: string, options: { username?: string; password?: string; retry?: RetryPolicy } = {}) {
    this.#policy = options.retry ?? REGISTRY_RETRY;
    this.#url = url.replace(/\/+$/, '');
    this.#headers = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    if (options.username !== undefined) this.#headers.authorization = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
  }

  getSchema(id: number): Promise<string> {
    let found = this.#byId.get(id);
    if (!found) {
      found = this.#fetch(`/schemas/ids/${id}`).then(
        (body) => (body as { schema: string }).schema,
        (error: unknown) => {
          throw error instanceof HttpError && error.status === 404 ? new SchemaNotFoundError(id) : error;
        },
      );
      // A failed lookup is not cached: the registry may be back on the next try.
      found.catch(() => this.#byId.delete(id));
      this.#byId.set(id, found);
    }
    return found;
  }

  async register(subject: string, schema: string): Promise<number> {
    const path = `/subjects/${encodeURIComponent(subject)}`;
    const body = JSON.stringify({ schema });
    for (let attempt = 1; ; attempt++) {
      try {
        return ((await this.#fetch(`${path}/versions`, { method: 'POST', body })) as { id: number }).id;
      } catch (error) {
        // 409: incompatible, or (Apicurio) another instance created the subject at the same
        // moment ("already exists"). Ask whether this schema is registered under the subject:
        // if so that is the answer; if not, register again, and after a few rounds the 409 stands.
        if (!(error instanceof HttpError && error.status === 409) || attempt >= REGISTER_CONFLICT_ROUNDS) throw error;
        const found = await this.#fetch(path, { method: 'POST', body }).catch(() => undefined);
        if (found) return (found as { id: number }).id;
        await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
      }
    }
  }

  #fetch(path: string, init: { method?: string; body?: string } = {}): Promise<unknown> {
    return retrying(async () => {
      // Bounded per attempt: a registry that accepts the connection and never answers would
      // otherwise hold the stream thread until fetch's own 300 s, past the retry budget.
      const response = await fetch(this.#url + path, { ...init, headers: this.#headers, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
      if (!response.ok) throw new HttpError(response.status, `schema registry ${init.method ?? 'GET'} ${path}: ${response.status} ${await response.text()}`);
      return response.json();
    }, this.#policy, { isRetriable: isTransient });
  }
}

/** A registry in memory (tests, replay of Avro files). */
export class InMemorySchemaRegistry implements SchemaRegistry {
  readonly #schemas: string[] = [];
  readonly #subjects = new Map<string, number>();

  async getSchema(id: number): Promise<string> {
    const schema = this.#schemas[id - 1];
    if (schema === undefined) throw new SchemaNotFoundError(id);
    return schema;
  }

  async register(subject: string, schema: string): Promise<number> {
    const key = `${subject}\u0000${schema}`;
    const known = this.#subjects.get(key);
    if (known !== undefined) return known;
    const existing = this.#schemas.indexOf(schema);
    const id = existing >= 0 ? existing + 1 : this.#schemas.push(schema);
    this.#subjects.set(key, id);
    return id;
  }
}

/** A registry answer worth asking again (busy, overloaded, timed out), or no answer at all (fetch's TypeError). */
function isTransient(error: unknown): boolean {
  if (error instanceof HttpError) return error.status >= 500 || error.status === 408 || error.status === 429;
  return error instanceof TypeError || (error instanceof DOMException && error.name === 'TimeoutError');
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}
