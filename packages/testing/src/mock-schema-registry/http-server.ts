import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { SchemaRegistryClientError } from '@rivulet/serde';
import type { SchemaDefinition, SchemaType } from '@rivulet/serde';
import type { CompatibilityLevel } from './compatibility.js';
import type { MockSchemaRegistry } from './mock-schema-registry.js';

/** Options of {@link MockSchemaRegistry.listen}. */
export interface MockSchemaRegistryServerOptions {
  /** The port; default 0, a free one. */
  port?: number;
  /** The address to listen on; default 127.0.0.1. */
  host?: string;
  /** Require HTTP basic auth with these credentials (401 otherwise). */
  auth?: {
    /** The user name clients must send. */
    username: string;
    /** The password clients must send. */
    password: string;
  };
  /**
   * Serve HTTPS with this certificate and key (PEM), as `https.createServer` takes them; with `ca`
   * and `requestCert: true`, clients must also present a certificate signed by `ca` (mutual TLS).
   * The URL is then `https://`. Tests make a throwaway CA and certificate for it.
   */
  tls?: {
    /** The server's certificate chain, PEM. */
    cert: string | Buffer;
    /** The server's private key, PEM. */
    key: string | Buffer;
    /** The CA(s) that sign client certificates, for `requestCert`. */
    ca?: string | Buffer;
    /** Ask each client for a certificate and refuse one without a certificate signed by `ca`. */
    requestCert?: boolean;
  };
}

/** A {@link MockSchemaRegistry} served over HTTP. */
export interface MockSchemaRegistryServer {
  /** The base URL, e.g. `http://127.0.0.1:53412` (`https://` with `tls`). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** Each request served, as `GET /schemas/ids/1`, in order: to assert what a client asked. */
  readonly requests: readonly string[];
  /** Stops serving, closing open connections. */
  close(): Promise<void>;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';
const MAX_BODY = 16 * 1024 * 1024;

type Handler = (match: string[], body: unknown, query: URLSearchParams) => unknown;

interface Route {
  method: string;
  path: RegExp;
  handle: Handler;
}

/** A request the client got wrong: answered with its status and error code. */
class BadRequest extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

function routes(registry: MockSchemaRegistry): Route[] {
  const subject = (match: string[]): string => decodeURIComponent(match[1]!);
  const version = (text: string): number | 'latest' => (text === 'latest' ? 'latest' : /^-?\d+$/.test(text) ? Number(text) : Number.NaN);
  const withoutAvroType = <T extends { schemaType: SchemaType }>(v: T): Omit<T, 'schemaType'> & { schemaType?: SchemaType } => {
    // Confluent leaves schemaType out for Avro, its default.
    if (v.schemaType !== 'AVRO') return v;
    const { schemaType: _, ...rest } = v;
    return rest;
  };
  return [
    { method: 'GET', path: /^\/schemas\/types$/, handle: () => ['AVRO', 'JSON', 'PROTOBUF'] },
    {
      method: 'GET',
      path: /^\/schemas\/ids\/(\d+)$/,
      handle: (m) => withoutAvroType(registry.getSchema(Number(m[1]))),
    },
    { method: 'GET', path: /^\/schemas\/ids\/(\d+)\/versions$/, handle: (m) => registry.getSubjectVersionsById(Number(m[1])) },
    { method: 'GET', path: /^\/subjects$/, handle: () => registry.getSubjects() },
    { method: 'GET', path: /^\/subjects\/([^/]+)\/versions$/, handle: (m) => registry.getVersions(subject(m)) },
    {
      method: 'GET',
      path: /^\/subjects\/([^/]+)\/versions\/([^/]+)$/,
      handle: (m) => withoutAvroType(registry.getVersion(subject(m), version(m[2]!))),
    },
    { method: 'GET', path: /^\/subjects\/([^/]+)\/versions\/([^/]+)\/schema$/, handle: (m) => JSON.parse(registry.getVersion(subject(m), version(m[2]!)).schema) },
    {
      method: 'POST',
      path: /^\/subjects\/([^/]+)\/versions$/,
      handle: (m, body, query) => ({ id: registry.registerSchema(subject(m), definition(body), normalize(query)).id }),
    },
    { method: 'POST', path: /^\/subjects\/([^/]+)$/, handle: (m, body, query) => withoutAvroType(registry.lookup(subject(m), definition(body), normalize(query))) },
    { method: 'DELETE', path: /^\/subjects\/([^/]+)$/, handle: (m) => registry.deleteSubject(subject(m)) },
    {
      method: 'POST',
      path: /^\/compatibility\/subjects\/([^/]+)\/versions(?:\/([^/]+))?$/,
      handle: (m, body, query) => {
        const result = registry.testCompatibility(subject(m), definition(body), m[2] === undefined ? undefined : version(m[2]), normalize(query));
        return query.get('verbose') === 'true' ? { is_compatible: result.compatible, messages: result.messages } : { is_compatible: result.compatible };
      },
    },
    { method: 'GET', path: /^\/config$/, handle: () => ({ compatibilityLevel: registry.getCompatibility() }) },
    { method: 'PUT', path: /^\/config$/, handle: (_m, body) => ({ compatibility: registry.setCompatibility(level(body)) }) },
    {
      method: 'GET',
      path: /^\/config\/([^/]+)$/,
      handle: (m, _body, query) => ({
        compatibilityLevel: query.get('defaultToGlobal') === 'true' ? registry.getCompatibility(subject(m)) : registry.getSubjectCompatibility(subject(m)),
      }),
    },
    { method: 'PUT', path: /^\/config\/([^/]+)$/, handle: (m, body) => ({ compatibility: registry.setCompatibility(level(body), subject(m)) }) },
    { method: 'DELETE', path: /^\/config\/([^/]+)$/, handle: (m) => ({ compatibilityLevel: registry.deleteSubjectCompatibility(subject(m)) }) },
  ];
}

function definition(body: unknown): SchemaDefinition {
  const b = (body ?? {}) as { schema?: unknown; schemaType?: unknown; references?: unknown };
  if (typeof b.schema !== 'string') throw new BadRequest(422, 42201, 'Invalid schema: the request body needs "schema", the schema as a string');
  const schemaType = b.schemaType ?? 'AVRO';
  if (schemaType !== 'AVRO' && schemaType !== 'JSON' && schemaType !== 'PROTOBUF') {
    throw new BadRequest(422, 42201, `Invalid schema: unknown schemaType ${JSON.stringify(schemaType)}`);
  }
  return { schemaType, schema: b.schema, ...(Array.isArray(b.references) ? { references: b.references as SchemaDefinition['references'] } : {}) };
}

/** `?normalize=true|false`, or the registry's default when absent. */
function normalize(query: URLSearchParams): { normalize?: boolean } {
  const value = query.get('normalize');
  return value === null ? {} : { normalize: value.toLowerCase() === 'true' };
}

function level(body: unknown): CompatibilityLevel {
  const value = (body as { compatibility?: unknown } | undefined)?.compatibility;
  return (typeof value === 'string' ? value.toUpperCase() : value) as CompatibilityLevel;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest(413, 413, 'Request body too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new BadRequest(400, 400, 'Unexpected character in the request body: not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': CONTENT_TYPE, ...headers });
  res.end(JSON.stringify(body));
}

function authorized(req: IncomingMessage, auth: { username: string; password: string } | undefined): boolean {
  if (auth === undefined) return true;
  const expected = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return req.headers.authorization === expected;
}

/** @internal Serves `registry` over HTTP: see {@link MockSchemaRegistry.listen}. */
export async function listen(registry: MockSchemaRegistry, options: MockSchemaRegistryServerOptions): Promise<MockSchemaRegistryServer> {
  const table = routes(registry);
  const requests: string[] = [];
  const sockets = new Set<Socket>();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://registry');
    requests.push(`${req.method ?? 'GET'} ${url.pathname}`);
    void (async () => {
      try {
        if (!authorized(req, options.auth)) {
          send(res, 401, { error_code: 401, message: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="MockSchemaRegistry"' });
          return;
        }
        registry.assertAvailable();
        const candidates = table.filter((r) => r.path.test(url.pathname));
        const route = candidates.find((r) => r.method === req.method);
        if (route === undefined) {
          if (candidates.length > 0) send(res, 405, { error_code: 405, message: `HTTP ${req.method} not allowed on ${url.pathname}` });
          else send(res, 404, { error_code: 404, message: `HTTP 404 Not Found: ${url.pathname}` });
          return;
        }
        const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readBody(req);
        const result = route.handle(route.path.exec(url.pathname)!, body, url.searchParams);
        send(res, 200, result);
      } catch (error) {
        if (error instanceof SchemaRegistryClientError && error.status !== undefined) {
          send(res, error.status, { error_code: error.errorCode ?? error.status, message: error.message });
        } else if (error instanceof BadRequest) {
          send(res, error.status, { error_code: error.errorCode, message: error.message });
        } else {
          send(res, 500, { error_code: 50001, message: `Error in the backend data store: ${(error as Error).message}` });
        }
      }
    })();
  };
  const { tls } = options;
  const server =
    tls === undefined
      ? createServer(handle)
      : createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.ca === undefined ? {} : { ca: tls.ca }), requestCert: tls.requestCert ?? false, rejectUnauthorized: tls.requestCert ?? false }, handle);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    url: `${tls === undefined ? 'http' : 'https'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const socket of sockets) socket.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
