import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StreamsApp } from '../runtime/streams-app.js';
import { LiveFeed } from './live-feed.js';
import { LIVE_PAGE_HTML } from './live-page.js';
import { PrometheusExporter, type PrometheusOptions } from './prometheus.js';


/** How often the live page gets a new snapshot. */
const LIVE_INTERVAL_MS = 1_000;

/** Options of {@link observabilityHandler} and {@link serveObservability}. */
export interface ObservabilityOptions extends PrometheusOptions {
  /** How long the processing loop may go without progress and still be live (`StreamsApp.health`). Default 60000. */
  readonly livenessWindowMs?: number;
  /** Serve the live page (`/`, `/events`, `/api/snapshot`). Default `true`. */
  readonly livePage?: boolean;
}

/**
 * A request handler for your own HTTP server (node:http, Express, Fastify's `raw` routes):
 * - `GET /`: the live page: the topology with its rates, tasks, lag, stores, dropped records,
 *   rebalances and recent errors, updated every second (`/events`, server-sent events; `/api/snapshot`
 *   the same as JSON). Self-contained: it works offline;
 * - `GET /metrics`: every metric in Prometheus' text format (see {@link PrometheusExporter});
 * - `GET /health/live`: 200 when the app is alive, 503 when not, with `StreamsApp.health()` as JSON;
 * - `GET /health/ready`: 200 when it is ready (RUNNING, every task restored and processing), 503 when not.
 * Other paths: 404, or `next()` when given one (Express' middleware signature).
 *
 * @example
 * http.createServer(observabilityHandler(app)).listen(9464);
 * // or, in Express:
 * server.use(observabilityHandler(app));
 */
export function observabilityHandler(app: StreamsApp, options: ObservabilityOptions = {}): (req: IncomingMessage, res: ServerResponse, next?: () => void) => void {
  const exporter = new PrometheusExporter(app, options);
  const live = options.livePage === false ? undefined : new LiveFeed(app);
  if (live !== undefined) app.state$.subscribe({ complete: () => live.close() });
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (next !== undefined) return next();
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      exporter.metrics().then(
        (text) => res.writeHead(200, { 'content-type': exporter.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
      );
      return;
    }
    if (live !== undefined && (path === '/' || path === '/index.html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(LIVE_PAGE_HTML);
      return;
    }
    if (live !== undefined && path === '/api/snapshot') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(live.snapshot()));
      return;
    }
    if (live !== undefined && path === '/events') {
      streamSnapshots(live, req, res);
      return;
    }
    if (path === '/health/live' || path === '/health/ready') {
      const health = app.health(options.livenessWindowMs);
      const ok = path === '/health/live' ? health.live : health.ready;
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(`${JSON.stringify(health)}\n`);
      return;
    }
    if (next !== undefined) return next();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics, /health/live or /health/ready\n');
  };
}

/** Server-sent events: a snapshot now, then one per second until the page goes away. */
function streamSnapshots(live: LiveFeed, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (): void => {
    res.write(`data: ${JSON.stringify(live.snapshot())}\n\n`);
  };
  send();
  const timer = setInterval(send, LIVE_INTERVAL_MS);
  // The page stays open; the process need not: a closing server ends the connection.
  timer.unref();
  const stop = (): void => clearInterval(timer);
  req.on('close', stop);
  res.on('close', stop);
}

/** A running observability server ({@link serveObservability}). */
export interface ObservabilityServer {
  /** Its base URL, such as `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Its port (the one chosen, with port 0). */
  readonly port: number;
  /** Stops it; resolves once it is closed. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server with {@link observabilityHandler}'s endpoints (the live page, `/metrics`,
 * `/health/live`, `/health/ready`) on `port` (0: any free
 * port) and `host` (default `127.0.0.1`; `0.0.0.0` for a container's probes). It stops by itself
 * when the app stops (NOT_RUNNING or ERROR), or with `close()`; it never keeps a stopped process alive.
 *
 * @example
 * const server = await serveObservability(app, { port: 9464, host: '0.0.0.0' });
 * console.log(`metrics on ${server.url}/metrics`);
 */
export async function serveObservability(
  app: StreamsApp,
  options: ObservabilityOptions & { readonly port: number; readonly host?: string },
): Promise<ObservabilityServer> {
  const handler = observabilityHandler(app, options);
  const server: Server = createServer((req, res) => handler(req, res));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  // Filled after subscribing: a state$ that already completed calls close() during subscribe().
  const life: { subscription?: { unsubscribe(): void } } = {};
  const close = (): Promise<void> =>
    (closed ??= new Promise<void>((resolve) => {
      life.subscription?.unsubscribe();
      server.close(() => resolve());
      server.closeAllConnections();
    }));
  life.subscription = app.state$.subscribe({ complete: () => void close() });
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`, port, close };
}
