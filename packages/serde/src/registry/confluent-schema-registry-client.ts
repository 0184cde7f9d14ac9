import confluentApi from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import type { SchemaRegistryAPIClient } from '@kafkajs/confluent-schema-registry/dist/api/index.js';
import { SchemaRegistryClientError } from './schema-registry-client.js';
import type { SchemaDefinition, SchemaRegistryClient, SchemaType, SubjectVersion } from './schema-registry-client.js';
import { readConnection, tlsFailureFix } from './registry-connection.js';
import type { SchemaRegistryAuth, SchemaRegistryTlsOptions } from './registry-connection.js';
import { resolveRetry, withRetry } from './retry.js';
import type { ResolvedRetry, RetryOptions } from './retry.js';

/** Options of {@link schemaRegistryClient}. */
export interface SchemaRegistryClientOptions {
  /** The registry's base URL, e.g. `http://localhost:8081`. User info in it (`http://user:pass@host`) is taken as basic auth. */
  url: string;
  /** HTTP basic auth (Confluent Cloud: the API key and secret). Confluent's `basic.auth.user.info`. */
  auth?: SchemaRegistryAuth;
  /**
   * HTTP basic auth as Confluent's `basic.auth.user.info` writes it, `'username:password'`: the
   * same as `auth`, for a value kept in that form. Give one of `auth`, this, or user info in `url`.
   */
  basicAuthUserInfo?: string;
  /**
   * TLS to an `https://` registry: the CA to trust, a client certificate and key for mutual TLS;
   * see {@link SchemaRegistryTlsOptions}. An `https://` URL without it trusts Node's bundled CAs.
   */
  tls?: SchemaRegistryTlsOptions;
  /**
   * Retries, with exponential backoff, of a request the registry did not answer or answered with
   * a 5xx (it is down, restarting, or overloaded). A 4xx is an answer and is not retried.
   */
  retry?: RetryOptions;
  /** Sent in the User-Agent header; default `rivulet`. */
  clientId?: string;
}

const FACTORY = 'schemaRegistryClient';

// The library's HTTP client factory is a CommonJS default export: Node hands ESM the whole
// `module.exports` (`{ default }`), while bundlers and Vitest unwrap it. Take it either way.
const apiModule: unknown = confluentApi;
const createApiClient = (typeof apiModule === 'function' ? apiModule : (apiModule as { default: unknown }).default) as typeof confluentApi.default;

/** What mappersmith's error middleware (inside the library) throws: the status and the registry's message. */
interface ResponseError {
  status?: unknown;
  message?: unknown;
}

/**
 * A client of a Confluent Schema Registry over HTTP, for the schema-registry serdes. Requests go
 * through `@kafkajs/confluent-schema-registry`'s HTTP client (its User-Agent, content type and
 * basic auth); Rivulet adds the retries with backoff, Confluent's error codes on failures, and a
 * cache, so each schema id, registration and lookup is asked for once per client (concurrent
 * asks share one request).
 *
 * Share one client between serdes that talk to the same registry: they then share its cache.
 *
 * Rivulet registers schemas with a plain `POST /subjects/{subject}/versions`, as Java serializers
 * do, rather than the library's `register()`, which also sets the subject's compatibility level.
 *
 * @example
 * const registry = schemaRegistryClient({
 *   url: 'https://psrc-123.eu-central-1.aws.confluent.cloud',
 *   auth: { username: process.env.SR_KEY!, password: process.env.SR_SECRET! },
 * });
 * const orders = registryAvroSerde({ registry, schema: Order });
 */
export function schemaRegistryClient(options: SchemaRegistryClientOptions): SchemaRegistryClient {
  return new ConfluentSchemaRegistryClient(options);
}

class ConfluentSchemaRegistryClient implements SchemaRegistryClient {
  private readonly api: SchemaRegistryAPIClient;
  private readonly retry: ResolvedRetry;
  private readonly host: string;
  /** The basic-auth user, for messages; the password is never kept outside the HTTP client. */
  private readonly username: string | undefined;
  /** The password and TLS secrets, scrubbed from every message. */
  private readonly secrets: readonly string[];
  private readonly tls: boolean;
  private readonly schemasById = new Map<number, Promise<SchemaDefinition>>();
  private readonly idsByRegistration = new Map<string, Promise<number>>();
  private readonly versionsByLookup = new Map<string, Promise<SubjectVersion>>();
  private readonly versionsByNumber = new Map<string, Promise<SubjectVersion>>();

  constructor(options: SchemaRegistryClientOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError(`${FACTORY}: options are required: { url }`);
    const { host, auth, agent, secrets } = readConnection(FACTORY, options);
    this.host = host;
    this.username = auth?.username;
    this.secrets = secrets;
    this.tls = agent !== undefined;
    this.retry = resolveRetry(FACTORY, options.retry);
    this.api = createApiClient({
      host: this.host,
      clientId: options.clientId ?? 'rivulet',
      // Retries are Rivulet's (below): the library's only retry GETs, and a POST must be retried too.
      retry: { retries: 0 },
      ...(auth === undefined ? {} : { auth: { username: auth.username, password: auth.password } }),
      ...(agent === undefined ? {} : { agent }),
    });
  }

  /** What `util.inspect(client)` and `JSON.stringify(client)` show: never a password or key (docs/security.md). */
  toJSON(): Record<string, unknown> {
    return { url: this.host, ...(this.username === undefined ? {} : { auth: { username: this.username, password: '[redacted]' } }), tls: this.tls };
  }

  [Symbol.for('nodejs.util.inspect.custom')](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    return `SchemaRegistryClient ${inspect(this.toJSON(), options)}`;
  }

  getSchemaById(id: number): Promise<SchemaDefinition> {
    return cached(this.schemasById, id, async () => {
      const data = await this.call(`GET /schemas/ids/${id}`, () => this.api.Schema.find({ id }));
      return toDefinition(data);
    });
  }

  register(subject: string, schema: SchemaDefinition): Promise<number> {
    return cached(this.idsByRegistration, keyOf(subject, schema), async () => {
      const data = await this.call(`POST /subjects/${subject}/versions`, () =>
        this.api.Subject.register({ subject, body: requestBody(schema) }),
      );
      return (data as { id: number }).id;
    });
  }

  lookupSchema(subject: string, schema: SchemaDefinition): Promise<SubjectVersion> {
    return cached(this.versionsByLookup, keyOf(subject, schema), async () => {
      const data = await this.call(`POST /subjects/${subject}`, () => this.api.Subject.registered({ subject, body: requestBody(schema) }));
      return toSubjectVersion(data);
    });
  }

  async getLatestVersion(subject: string): Promise<SubjectVersion> {
    // Not cached here: "latest" changes. The serdes that use it resolve it once per topic.
    const data = await this.call(`GET /subjects/${subject}/versions/latest`, () => this.api.Subject.latestVersion({ subject }));
    return toSubjectVersion(data);
  }

  getVersion(subject: string, version: number): Promise<SubjectVersion> {
    // A numbered version never changes (unlike `latest`): cached, as schemas by id are.
    return cached(this.versionsByNumber, `${subject}\u0000${version}`, async () => {
      const data = await this.call(`GET /subjects/${subject}/versions/${version}`, () => this.api.Subject.version({ subject, version }));
      return toSubjectVersion(data);
    });
  }

  private call(what: string, request: () => Promise<{ data(): unknown }>): Promise<unknown> {
    return withRetry(
      this.retry,
      async () => (await request()).data(),
      (error) => classify(error).retriable,
      (error, attempts) => {
        const { status, message, retriable } = classify(error);
        const errorCode = status === undefined ? undefined : errorCodeOf(status, message);
        const tlsFix = status === undefined ? tlsFailureFix(message, this.tls) : undefined;
        const refused = tlsFix !== undefined || status === 401 || status === 403;
        const detail =
          tlsFix !== undefined
            ? `schema registry ${this.host}: ${what} failed in the TLS handshake: ${message}. Fix: ${tlsFix}`
            : status === 401 || status === 403
              ? `schema registry ${this.host}: ${what} failed with ${status}: ${this.refusal(status)}`
              : retriable
                ? `schema registry ${this.host} unavailable: ${what} failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${message}`
                : `schema registry ${this.host}: ${what} failed with ${status ?? 'no answer'}${errorCode !== undefined && errorCode !== status ? ` (error code ${errorCode})` : ''}: ${message}`;
        return new SchemaRegistryClientError(scrub(detail, this.secrets), { status, errorCode, retriable: retriable && !refused, attempts, refused }, { cause: error });
      },
    );
  }

  /** Why the registry refused the client (401, 403), and the fix. */
  private refusal(status: 401 | 403): string {
    const user = this.username === undefined ? undefined : `'${this.username}'`;
    if (status === 403) {
      return `Forbidden: the registry authenticated user ${user ?? '(anonymous)'} but does not allow it this request. Fix: grant it access to the subject (the registry's RBAC or ACLs).`;
    }
    return user === undefined
      ? 'Unauthorized: the registry requires credentials. Fix: set auth: { username, password } (Confluent Cloud: the API key and secret).'
      : `Unauthorized: the registry refused the credentials of user ${user}. Fix: check auth.username and auth.password (Confluent Cloud: the API key and secret).`;
  }
}

/** A message without the client's secrets, should a registry or proxy have echoed one. */
function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const secret of secrets) out = out.split(secret).join('[redacted]');
  return out;
}

/** Shares one request between concurrent asks; a failure is not cached, so the next ask retries. */
function cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  let pending = cache.get(key);
  if (pending === undefined) {
    pending = load();
    cache.set(key, pending);
    pending.catch(() => cache.delete(key));
  }
  return pending;
}

function keyOf(subject: string, schema: SchemaDefinition): string {
  return `${subject}\u0000${schema.schemaType}\u0000${schema.schema}`;
}

function requestBody(schema: SchemaDefinition): Record<string, unknown> {
  // Confluent's API leaves schemaType out for Avro (its default), as Java serializers do.
  return {
    schema: schema.schema,
    ...(schema.schemaType === 'AVRO' ? {} : { schemaType: schema.schemaType }),
    ...(schema.references === undefined || schema.references.length === 0 ? {} : { references: schema.references }),
  };
}

function toDefinition(data: unknown): SchemaDefinition {
  const d = data as { schema: string; schemaType?: string; references?: SchemaDefinition['references'] };
  return {
    schemaType: (d.schemaType ?? 'AVRO') as SchemaType,
    schema: d.schema,
    ...(d.references === undefined || d.references.length === 0 ? {} : { references: d.references }),
  };
}

function toSubjectVersion(data: unknown): SubjectVersion {
  const d = data as { subject: string; version: number; id: number };
  return { ...toDefinition(data), subject: d.subject, version: d.version, id: d.id };
}

/**
 * What a failed request was. The library's mappersmith client reports a request that got no answer
 * (refused, reset, timed out) as a status 400 whose message is `Error, status 400: <cause>`, and
 * an answer as its status with the registry's own message; the two are told apart by that text.
 */
function classify(error: unknown): { status: number | undefined; message: string; retriable: boolean } {
  const e = (error ?? {}) as ResponseError;
  const raw = typeof e.message === 'string' ? e.message : String(error);
  // Drop the `<clientId> - ` prefix the library puts on every message.
  const message = raw.replace(/^[^-]* - /, '');
  const status = typeof e.status === 'number' ? e.status : undefined;
  if (status === undefined || (status === 400 && message.startsWith('Error, status 400'))) {
    const cause = message.replace(/^Error, status 400: /, '').trim();
    // A TLS failure is an answer of sorts: the same certificate is refused again, so no retry.
    return { status: undefined, message: cause, retriable: tlsFailureFix(cause, false) === undefined };
  }
  return { status, message, retriable: status >= 500 || status === 408 || status === 429 };
}

/** Confluent's error code for a status, from the registry's message where the status alone is ambiguous. */
function errorCodeOf(status: number, message: string): number | undefined {
  if (status === 404) {
    if (/subject/i.test(message) && /not found/i.test(message)) return 40401;
    if (/version/i.test(message) && /not found/i.test(message)) return 40402;
    if (/schema/i.test(message) && /not found/i.test(message)) return 40403;
    return undefined;
  }
  if (status === 409) return 409;
  if (status === 422) return /version/i.test(message) ? 42202 : /compatibility/i.test(message) ? 42203 : 42201;
  return undefined;
}
