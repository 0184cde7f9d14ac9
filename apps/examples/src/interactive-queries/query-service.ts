/**
 * The query service of one instance: a small node:http server that answers `GET /count/:user`
 * from this instance's store when this instance runs the user's task, and otherwise forwards the
 * request to the instance that does (its `applicationServer`, learned through the group's
 * assignment: `app.queryMetadataForKey`). `GET /metadata` shows which instance holds what.
 *
 * Answers are JSON: `{ user, count, servedBy }` (200), `{ user, count: null, servedBy }` (404, no
 * view yet; a forwarded answer has the header `x-forwarded-to-instance`), or `{ error }` with 503 and `Retry-After: 1` while the app rebalances, when the owner
 * cannot be reached, or when a forwarded request reaches an instance that no longer runs the task
 * (the instances' metadata disagree for a moment during a rebalance: ask again).
 */
import { createServer, request as httpRequest, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { InvalidStateStoreError, KeyQueryMetadata, type HostInfo, type StreamsMetadata } from '@rivulet/core';
import type { ReadOnlyKeyValueStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';

/** What the service needs of an app: a `StreamsApp` or a `StreamThreadsApp`. */
export interface QueryableApp {
  readonly config: { readonly applicationServer: string | undefined };
  queryMetadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>): KeyQueryMetadata;
  allMetadataForStore(storeName: string): StreamsMetadata[];
  store<K, V>(name: string): ReadOnlyKeyValueStore<K, V>;
}

/** The header a forwarded request carries: the instance that got it first. Such a request is never forwarded again. */
export const FORWARDED_BY = 'x-forwarded-by-instance';

/** The header of an answer that another instance gave: that instance's `host:port`. */
export const FORWARDED_TO = 'x-forwarded-to-instance';

/** How long a forwarded request may take. */
const FORWARD_TIMEOUT_MS = 5_000;

const hostPort = (h: HostInfo): string => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const unavailable = (res: ServerResponse, error: string): void => reply(res, 503, { error }, { 'retry-after': '1' });

/** Sends the request on to the instance at `owner` and relays its answer. */
function forward(req: IncomingMessage, res: ServerResponse, owner: HostInfo, self: string): void {
  const out = httpRequest(
    { host: owner.host, port: owner.port, path: req.url, method: 'GET', headers: { [FORWARDED_BY]: self }, timeout: FORWARD_TIMEOUT_MS },
    (answer) => {
      const retryAfter = answer.headers['retry-after'] !== undefined ? { 'retry-after': String(answer.headers['retry-after']) } : {};
      res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json', [FORWARDED_TO]: hostPort(owner), ...retryAfter });
      answer.pipe(res);
    },
  );
  out.on('timeout', () => out.destroy(new Error(`no answer within ${FORWARD_TIMEOUT_MS} ms`)));
  // The owner is leaving, or gone before the group noticed: the next rebalance names another.
  out.on('error', (err) => {
    if (!res.headersSent) unavailable(res, `the owner ${hostPort(owner)} could not be reached (${err.message}); try again`);
  });
  out.end();
}

/**
 * The request listener of an instance's query service over the key-value store `store` (keys
 * serialized with `keySerde`, values numbers or bigints).
 *
 * @example
 * const server = createServer(queryHandler(app, 'page-view-counts', serdes.string()));
 * server.listen(7070); // and applicationServer: 'this-host:7070' in the app's config
 */
export function queryHandler(app: QueryableApp, store: string, keySerde: Serde<string>): RequestListener {
  return (req, res) => {
    const self = app.config.applicationServer;
    const url = new URL(req.url ?? '/', 'http://query');
    if (req.method !== 'GET') return reply(res, 405, { error: 'GET only' });
    if (url.pathname === '/metadata') return reply(res, 200, app.allMetadataForStore(store));
    const match = /^\/count\/([^/]+)$/.exec(url.pathname);
    if (match === null) return reply(res, 404, { error: 'try GET /count/:user or GET /metadata' });
    const user = decodeURIComponent(match[1]!);
    const where = app.queryMetadataForKey(store, user, keySerde);
    if (where === KeyQueryMetadata.NOT_AVAILABLE) return unavailable(res, 'the app is rebalancing; try again');
    if (where.activeHost.port === -1) return unavailable(res, `no instance runs partition ${where.partition} now; try again`);
    const owner = hostPort(where.activeHost);
    if (owner !== self) {
      // A forwarded request that lands on an instance which no longer owns the key: the two
      // instances' metadata differ for a moment in a rebalance. Never forward twice (no loops).
      if (req.headers[FORWARDED_BY] !== undefined) return unavailable(res, `the key moved to ${owner}; try again`);
      return forward(req, res, where.activeHost, self ?? 'unknown');
    }
    let count: number | bigint | undefined;
    try {
      count = app.store<string, number | bigint>(store).get(user);
    } catch (err) {
      // The task is still restoring its store here (it just moved): ask again shortly.
      if (err instanceof InvalidStateStoreError) return unavailable(res, err.message);
      throw err;
    }
    if (count === undefined) return reply(res, 404, { user, count: null, servedBy: self });
    return reply(res, 200, { user, count: Number(count), servedBy: self });
  };
}

/** Starts an instance's query service on `port` (0: any free port); resolves once it listens. */
export async function serveQueries(listener: RequestListener | undefined, port: number, host = '127.0.0.1'): Promise<Server & { readonly port: number }> {
  const server = createServer();
  if (listener !== undefined) server.on('request', listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  return Object.assign(server, { port: bound });
}
