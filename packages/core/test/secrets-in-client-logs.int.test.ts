/**
 * Issue 19, part 4, on the real broker with the real Kafka client (kafkajs): an app with SASL
 * credentials tries to authenticate on the plain listener, which refuses the SASL handshake, and
 * the app fails to start (a fatal error, no retry loop).
 * Every line kafkajs and Rivulet log on the way (at debug), the start error and every error of
 * errors$ are searched for the password and the OAuth token. The runs on the secured broker,
 * where authentication succeeds, are in packages/testing.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamsApp, type Logger, type StreamsConfig } from '../src/index.js';
import { brokers, uniqueName } from './support/kafka.js';
import { upperCaseTopology } from './support/topologies.js';

const PASSWORD = 'int-PASSWORD-3c9f0e71';
const TOKEN = 'int-OAUTH-TOKEN-a81d44e2';

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** Starts an app with these SASL settings; resolves with everything it said, once start() has failed. */
async function failedStart(sasl: StreamsConfig['sasl']): Promise<string> {
  const lines: string[] = [];
  const write = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push(`${level} ${message} ${inspect(extra, { depth: 10 })}`);
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  const applicationId = uniqueName('secret-logs');
  const app = new StreamsApp(upperCaseTopology(uniqueName('secret-in'), uniqueName('secret-out')), {
    applicationId,
    brokers: brokers(),
    sasl,
    logger,
    logLevel: 'debug',
    clientLogLevel: 'debug',
    connectionTimeoutMs: 2_000,
    taskTimeoutMs: 2_000,
    retry: { retries: 1, initialRetryTimeMs: 100, maxRetryTimeMs: 200 },
    stateDir: `/tmp/rivulet-test-state/${applicationId}`,
  });
  apps.push(app);
  const errors: string[] = [];
  app.errors$.subscribe((e) => errors.push(`${e.message} ${inspect(e, { depth: 10 })}`));
  const outcome = await app.start().then(
    () => 'started',
    (error: unknown) => `${(error as Error).message} ${inspect(error, { depth: 10 })}`,
  );
  expect(app.state).toBe('ERROR');
  return [outcome, ...errors, ...lines].join('\n');
}

describe('secrets in the Kafka client logs', { timeout: 30_000 }, () => {
  it('a SCRAM password never appears in any log line or error of a failed authentication', async () => {
    const output = await failedStart({ mechanism: 'scram-sha-512', username: 'int-user', password: PASSWORD });
    // The plain listener refuses the SASL handshake: kafkajs logs and throws ILLEGAL_SASL_STATE.
    expect(output).toMatch(/SASL state/);
    expect(output).not.toContain(PASSWORD);
  });

  it('an OAuth bearer token from the provider never appears either', async () => {
    const output = await failedStart({ mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: TOKEN }) });
    expect(output).toMatch(/SASL state/);
    expect(output).not.toContain(TOKEN);
  });
});
