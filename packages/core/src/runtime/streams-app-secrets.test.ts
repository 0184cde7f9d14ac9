/**
 * Issue 19, part 4: secrets never leak. An app configured with distinctive secrets (a SASL
 * password, a TLS key, certificate and passphrase) runs on the in-memory Kafka, and every output
 * path is captured and searched for them: config errors naming the setting, every log line at
 * every level, describe(), the Prometheus text, the live page (HTML and snapshot JSON) and health,
 * util.inspect / JSON.stringify of the config and of the app, runApp's report of a bad config, and
 * the CLI's output (describe and help). The secured broker runs are in packages/testing.
 */
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRETS as CLI_SECRETS } from '../../test/fixtures/cli/secret-app.js';
import { runCli } from '../cli/main.js';
import { ConfigError } from '../config/config-error.js';
import type { Logger } from '../config/logger.js';
import { REDACTED } from '../config/redaction.js';
import type { StreamsConfig } from '../config/streams-config.js';
import { resolveConfig } from '../config/validate.js';
import { serveObservability, type ObservabilityServer } from '../observability/http.js';
import { EXIT_CODES, runApp } from './run-app.js';
import { StreamsApp } from './streams-app.js';
import { FakeWorld, mapTopology, numbered, waitAllCommitted } from './test-support/fake-app.js';

const SECRETS = {
  password: 'sasl-PASSWORD-7f3a91',
  key: 'ssl-KEY-PEM-c0ffee42',
  cert: 'ssl-CERT-PEM-beef4242',
  passphrase: 'ssl-PASSPHRASE-9d2e17',
  pfx: 'ssl-PFX-BYTES-5ab3c1',
} as const;
const ALL = [...Object.values(SECRETS), ...Object.values(CLI_SECRETS)];

/** The security settings of every app here. */
const SECURED: Partial<StreamsConfig> = {
  sasl: { mechanism: 'scram-sha-512', username: 'app-user', password: SECRETS.password },
  ssl: { ca: 'public-ca-pem', key: SECRETS.key, cert: SECRETS.cert, passphrase: SECRETS.passphrase, pfx: Buffer.from(SECRETS.pfx), rejectUnauthorized: true },
};

/** Asserts that a captured output holds none of the secrets (and is not empty: something was captured). */
function expectNoSecret(what: string, output: string): void {
  expect(output.length, `${what} captured nothing`).toBeGreaterThan(0);
  for (const secret of ALL) expect(output, `${what} leaks ${secret}`).not.toContain(secret);
}

/** A logger that keeps every line of every level as the text a log sink would write. */
function capturingLogger(): Logger & { text(): string } {
  const lines: string[] = [];
  const write = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push(`${level} ${message} ${inspect(extra, { depth: 10 })}`);
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), text: () => lines.join('\n') };
}

function rejection(config: unknown): ConfigError {
  try {
    resolveConfig(config as StreamsConfig);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('the config was accepted');
}

let world: FakeWorld | undefined;
let server: ObservabilityServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  await world?.dispose();
  world = undefined;
});

describe('secrets in config errors', () => {
  const base = { applicationId: 'app', brokers: ['127.0.0.1:9092'] };

  it('names the setting at fault but never quotes a secret value, however the config is wrong', () => {
    const cases: [unknown, string][] = [
      // A password of the wrong type: the value would be quoted for any other setting.
      [{ ...base, sasl: { mechanism: 'plain', username: 'u', password: 98765432 } }, 'sasl.password'],
      // SASL or TLS given as text (a connection string, a PEM).
      [{ ...base, sasl: `app-user:${SECRETS.password}` }, 'sasl'],
      [{ ...base, ssl: SECRETS.key }, 'ssl'],
      // A misspelled secret and a misplaced security group: their values are never shown.
      [{ ...base, sasl: { mechanism: 'plain', username: 'u', password: 'ok-password', pasword: SECRETS.password } }, 'sasl.pasword'],
      [{ ...base, saslPassword: SECRETS.password }, 'saslPassword'],
      [{ ...base, pasword: SECRETS.passphrase }, 'pasword'],
      [{ ...base, producer: { ssl: { key: SECRETS.key, passphrase: SECRETS.passphrase } } }, 'producer.ssl'],
      [{ ...base, sll: { key: SECRETS.key, cert: SECRETS.cert } }, 'sll'],
      // A wrong setting beside valid secrets: the message is about the other setting only.
      [{ ...base, ...SECURED, commitIntervalMs: -1 }, 'commitIntervalMs'],
    ];
    for (const [config, setting] of cases) {
      const error = rejection(config);
      expect(error.settings, JSON.stringify(setting)).toContain(setting);
      const output = [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error.issues), error.stack ?? ''].join('\n');
      expectNoSecret(`the ConfigError for ${setting}`, output);
      expect(output).not.toContain('98765432');
    }
    expect(rejection(cases[0]![0]).message).toContain(`sasl.password = ${REDACTED} is not allowed`);
  });

  it("runApp's report of a bad config names the setting without the secret", async () => {
    const log = capturingLogger();
    const code = await runApp(() => new StreamsApp(mapTopology(), { ...base, sasl: `app-user:${SECRETS.password}` } as never), { logger: log, onExit: () => undefined });
    expect(code).toBe(EXIT_CODES.CONFIG);
    expect(log.text()).toContain('sasl');
    expectNoSecret("runApp's log", log.text());
  });
});

describe('secrets in a running app', { timeout: 15_000 }, () => {
  it('never appear in its logs, describe(), metrics, live page, health, or the printed config and app', async () => {
    world = new FakeWorld({ input: 2, output: 2 });
    const run = world.start(mapTopology(), { ...SECURED, logLevel: 'debug', clientLogLevel: 'debug', metricsRecordingLevel: 'DEBUG', clientId: 'secured' });
    server = await serveObservability(run.app, { port: 0 });
    expect(await run.started).toEqual({ ok: true });
    world.produce('input', numbered(20));
    await waitAllCommitted(world);

    const get = async (path: string): Promise<string> => (await fetch(`${server!.url}${path}`)).text();
    const metrics = await get('/metrics');
    expect(metrics).toContain('kafka_streams_stream_thread_metrics_process_total');
    expectNoSecret('/metrics', metrics);
    const snapshot = await get('/api/snapshot');
    expect(JSON.parse(snapshot)).toMatchObject({ applicationId: 'app' });
    expectNoSecret('/api/snapshot', snapshot);
    expectNoSecret('the live page', await get('/'));
    expectNoSecret('/health/live and /health/ready', (await get('/health/live')) + (await get('/health/ready')));

    const description = run.app.topology.describe();
    expectNoSecret('describe()', `${description.toString()}\n${description.toMermaid()}`);
    expectNoSecret('app.metrics()', inspect(run.app.metrics(), { depth: 10 }));

    // The config and the app print redacted, while the Kafka client still gets the real values.
    const { config } = run.app;
    for (const [what, text] of [
      ['inspect(config)', inspect(config, { depth: 10 })],
      ['JSON.stringify(config)', JSON.stringify(config)],
      ['inspect(config.sasl)', inspect(config.sasl)],
      ['JSON.stringify(config.ssl)', JSON.stringify(config.ssl)],
      ['`${config.sasl}`', `${JSON.stringify({ sasl: config.sasl, ssl: config.ssl })}`],
      ['inspect(app)', inspect(run.app, { depth: 10 })],
      ['JSON.stringify(app)', JSON.stringify(run.app)],
      ['console.log format', inspect({ app: run.app, config }, { depth: null })],
    ] as const) {
      expectNoSecret(what, text);
      expect(text, what).toContain(REDACTED);
    }
    expect(JSON.parse(JSON.stringify(run.app))).toMatchObject({ applicationId: 'app', state: 'RUNNING', config: { sasl: { username: 'app-user', password: REDACTED } } });
    expect(config.sasl).toMatchObject({ password: SECRETS.password });
    expect(config.ssl).toMatchObject({ key: SECRETS.key, passphrase: SECRETS.passphrase });

    await run.app.close();
    const logs = run.logger.lines.map((l) => `${l.level} ${l.message} ${inspect(l.extra, { depth: 10 })}`).join('\n');
    expect(logs).toContain('starting app');
    expectNoSecret('the log lines', logs);
  });

  it('never appear when an app of several stream threads is printed, though it keeps the config it was given for its threads', () => {
    const app = StreamsApp.fromModule(new URL('../../test/fixtures/cli/secret-app.ts', import.meta.url), {
      applicationId: 'threads-app',
      brokers: ['127.0.0.1:9092'],
      numStreamThreads: 2,
      ...SECURED,
    });
    for (const [what, text] of [
      ['inspect(app)', inspect(app, { depth: 10 })],
      ['JSON.stringify(app)', JSON.stringify(app)],
      ['inspect(app.config)', inspect(app.config, { depth: 10 })],
    ] as const) {
      expectNoSecret(what, text);
      expect(text, what).toContain(REDACTED);
    }
    expect(inspect(app)).toMatch(/^StreamThreadsApp \{/);
  });

  it('are scrubbed from a log line that quotes one, at every level', () => {
    const log = capturingLogger();
    const app = new StreamsApp(mapTopology(), { applicationId: 'app', brokers: ['127.0.0.1:9092'], ...SECURED, logger: log });
    app.config.logger.debug(`kafkajs: authenticating with ${SECRETS.password}`);
    app.config.logger.info('connecting', { sasl: { username: 'app-user', password: SECRETS.password }, ssl: { key: SECRETS.key } });
    app.config.logger.warn(`bad key ${SECRETS.key}`, { error: new Error(`handshake failed for ${SECRETS.passphrase}`) });
    app.config.logger.error(`cert ${SECRETS.cert} rejected`);
    expectNoSecret('the log lines', log.text());
    expect(log.text().split(REDACTED).length - 1).toBeGreaterThanOrEqual(6);
  });
});

describe('secrets in the CLI', () => {
  const fixture = fileURLToPath(new URL('../../test/fixtures/cli/secret-app.ts', import.meta.url));
  async function cli(args: string[]): Promise<{ code: number; output: string }> {
    const out: string[] = [];
    const code = await runCli(args, { out: (t) => void out.push(t), err: (t) => void out.push(t) });
    return { code, output: out.join('\n') };
  }

  it('describe of an app configured with secrets, its help, and its report of a bad secret setting show none', async () => {
    const described = await cli(['describe', fixture, '--export', 'secured']);
    expect(described.code).toBe(0);
    expectNoSecret('rivulet describe', described.output);
    expectNoSecret('rivulet --help', (await cli(['--help'])).output);
    expectNoSecret('rivulet describe --help', (await cli(['describe', '--help'])).output);
    const bad = await cli(['describe', fixture, '--export', 'misconfigured']);
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('sasl = [redacted] is not allowed');
    expect(bad.output).toContain('Unknown setting pasword (a string)');
    expectNoSecret('rivulet describe of a bad config', bad.output);
  });
});
