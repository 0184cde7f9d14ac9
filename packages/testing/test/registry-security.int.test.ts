/**
 * Issue 19, part 5, in a running app on the real broker: an app reads Avro records through a
 * registry that requires basic auth over HTTPS (a throwaway CA made at test time). With the right
 * credentials and CA it processes them; with a wrong password the registry refuses it, and the app
 * stops with a fatal error that says why (not retried, and never a dead-letter record, even with a
 * dead-letter handler: no record is at fault), committing nothing for the record it could not
 * read. No log line, error or printed client holds the password.
 */
import { inspect } from 'node:util';
import { StreamsApp, Topology, type Logger, type ProcessingError, type StreamsError } from '@rivulet/core';
import { registryAvroSerde, schemaRegistryClient, serdes, type SchemaRegistryClientOptions } from '@rivulet/serde';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KafkaTestHarness, MockSchemaRegistry, type MockSchemaRegistryServer } from '../src/index.js';
import { throwawayTls, type ThrowawayTls } from './support/throwaway-tls.js';

const PASSWORD = 'int-registry-PASSWORD-0b7e55';
const WRONG = 'int-wrong-PASSWORD-c2d913';
const AUTH = { username: 'readings-app', password: PASSWORD };
const Reading = { type: 'record', name: 'Reading', namespace: 'com.acme', fields: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'double' }] } as const;

let tls: ThrowawayTls;
let server: MockSchemaRegistryServer;
beforeAll(async () => {
  tls = throwawayTls('int-client-passphrase');
  server = await new MockSchemaRegistry().listen({ auth: AUTH, tls: tls.server });
});
afterAll(async () => {
  await server.close();
  tls.dispose();
});
const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** The readings app, reading through a registry client with these options; three readings written with the right ones. */
async function readingsApp(kafka: KafkaTestHarness, registry: SchemaRegistryClientOptions) {
  const [input, output, dlq] = [kafka.uniqueName('sec-readings'), kafka.uniqueName('sec-readings-out'), kafka.uniqueName('sec-readings-dlq')];
  await Promise.all([kafka.createTopic(input, 1), kafka.createTopic(output, 1), kafka.createTopic(dlq, 1)]);
  const writer = registryAvroSerde({ registry: { url: server.url, auth: AUTH, tls: { ca: tls.ca } }, schema: Reading });
  await kafka.produce(input, await Promise.all([1, 2, 3].map(async (i) => ({ key: `s${i}`, value: await writer.serialize(input, { sensor: `s${i}`, value: i }) }))));

  const lines: string[] = [];
  const write = (level: string) => (message: string, extra?: Record<string, unknown>) => void lines.push(`${level} ${message} ${inspect(extra, { depth: 10 })}`);
  const logger: Logger = { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
  const client = schemaRegistryClient({ ...registry, retry: { retries: 3, initialDelayMs: 50, maxDelayMs: 100 } });
  const topology = new Topology()
    .addSource('in', input, { key: serdes.string(), value: registryAvroSerde({ registry: client, schema: Reading }) })
    .addSink('out', output, { key: serdes.string(), value: serdes.json() }, 'in');
  const applicationId = kafka.uniqueName('sec-registry-app');
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: kafka.brokers,
    commitIntervalMs: 200,
    taskTimeoutMs: 60_000,
    deserializationExceptionHandler: { deadLetterTopic: dlq },
    logger,
    logLevel: 'debug',
  });
  apps.push(app);
  const errors: StreamsError[] = [];
  app.errors$.subscribe((e) => errors.push(e));
  return { app, errors, lines, client, input, output, dlq, applicationId };
}

describe('an app on a registry with basic auth over TLS', { timeout: 90_000 }, () => {
  it('reads the records with the right credentials and CA', async () => {
    const kafka = new KafkaTestHarness();
    const { app, output, lines } = await readingsApp(kafka, { url: server.url, auth: AUTH, tls: { ca: tls.ca } });
    await app.start();
    expect((await kafka.readAtLeast(output, 3)).map((r) => [r.key, JSON.parse(r.value!)])).toEqual([
      ['s1', { sensor: 's1', value: 1 }],
      ['s2', { sensor: 's2', value: 2 }],
      ['s3', { sensor: 's3', value: 3 }],
    ]);
    expect(lines.join('\n')).not.toContain(PASSWORD);
  });

  it('stops with a fatal error naming the fix on a wrong password: no retry, no dead-letter record, nothing committed, no password shown', async () => {
    const kafka = new KafkaTestHarness();
    const { app, errors, lines, client, input, dlq, applicationId } = await readingsApp(kafka, { url: server.url, auth: { ...AUTH, password: WRONG }, tls: { ca: tls.ca } });
    const before = server.requests.length;
    await app.start().catch(() => undefined);
    await kafka.eventually(async () => (app.state === 'ERROR' ? true : undefined), 60_000, 'the app to stop in ERROR');

    const fatal = errors.filter((e) => e.category === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(errors.filter((e) => e.category === 'retriable')).toEqual([]);
    const failure = fatal[0] as ProcessingError;
    expect(failure).toMatchObject({ name: 'ProcessingError', stage: 'deserialization', offset: '0' });
    expect((failure.cause as { code?: string }).code).toBe('SCHEMA_REGISTRY_REFUSED');
    expect(failure.message).toContain("401: Unauthorized: the registry refused the credentials of user 'readings-app'. Fix: check auth.username and auth.password");
    // One request: the 401 is an answer, not an outage.
    expect(server.requests.length - before).toBe(1);
    expect(await kafka.readAll(dlq, { timeoutMs: 3_000 })).toEqual([]);
    // No offset committed for the group ('-1' is Kafka's "none").
    expect(['-1', undefined]).toContain((await kafka.committedOffsets(applicationId, input)).get(0));

    const everything = [...lines, ...errors.map((e) => inspect(e, { depth: 10 })), inspect(client), JSON.stringify(client)].join('\n');
    expect(everything).toContain('readings-app');
    expect(everything).not.toContain(WRONG);
    expect(everything).not.toContain(PASSWORD);
  });
});
