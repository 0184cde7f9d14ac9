/**
 * On the real broker, the registry serdes' failures in a running app. An output schema the registry
 * refuses (incompatible) is a production failure: an async serializer that rejects goes to the
 * production handler, here the dead-letter topic, record by record, and the app goes on.
 * A schema registry that goes down is a dependency outage, not bad data: a retriable error. The
 * app's registry client retries, then the task retries the record with backoff (even with a
 * dead-letter handler: nothing goes to the dead-letter topic) until the registry is back, or until
 * taskTimeoutMs, when the app stops with the committed offset still at that record.
 */
import { StreamsApp, TaskTimeoutError, Topology, type ProcessingError, type StreamsError } from '@rivulet/core';
import { registryAvroSerde, schemaRegistryClient, serdes } from '@rivulet/serde';
import { afterEach, describe, expect, it } from 'vitest';
import { KafkaTestHarness, MockSchemaRegistry } from '../src/index.js';

const Reading = {
  type: 'record',
  name: 'Reading',
  namespace: 'com.acme',
  fields: [
    { name: 'sensor', type: 'string' },
    { name: 'value', type: 'double' },
  ],
} as const;
// An evolved writer schema: the app has not seen its id when the registry goes down.
const ReadingV2 = { ...Reading, fields: [...Reading.fields, { name: 'unit', type: 'string', default: 'C' }] } as const;

const apps: StreamsApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

/** The readings app on a registry that goes down after the first three records; returns what the tests look at. */
async function outage(kafka: KafkaTestHarness, taskTimeoutMs: number) {
  const [input, output, dlq] = [kafka.uniqueName('readings'), kafka.uniqueName('readings-out'), kafka.uniqueName('readings-dlq')];
  await Promise.all([kafka.createTopic(input, 1), kafka.createTopic(output, 1), kafka.createTopic(dlq, 1)]);
  const registry = new MockSchemaRegistry();
  const server = await registry.listen();
  const producerClient = schemaRegistryClient({ url: server.url });
  const v1 = registryAvroSerde({ registry: producerClient, schema: Reading });
  const v2 = registryAvroSerde({ registry: producerClient, schema: ReadingV2 });
  const first = await Promise.all([1, 2, 3].map(async (i) => ({ key: `s${i}`, value: await v1.serialize(input, { sensor: `s${i}`, value: i }) })));
  const later = { key: 's9', value: await v2.serialize(input, { sensor: 's9', value: 9, unit: 'F' }) };
  await kafka.produce(input, first);

  const appClient = schemaRegistryClient({ url: server.url, retry: { retries: 2, initialDelayMs: 50, maxDelayMs: 100 } });
  const topology = new Topology()
    .addSource('in', input, { key: serdes.string(), value: registryAvroSerde({ registry: appClient, schema: Reading }) })
    .addSink('out', output, { key: serdes.string(), value: serdes.json() }, 'in');
  const applicationId = kafka.uniqueName('outage-app');
  const app = new StreamsApp(topology, {
    applicationId,
    brokers: kafka.brokers,
    processingGuarantee: 'at_least_once',
    commitIntervalMs: 200,
    taskTimeoutMs,
    retry: { initialRetryTimeMs: 100, maxRetryTimeMs: 500 },
    deserializationExceptionHandler: { deadLetterTopic: dlq },
    logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  apps.push(app);
  const errors: StreamsError[] = [];
  app.errors$.subscribe((e) => errors.push(e));
  await app.start();
  expect((await kafka.readAtLeast(output, 3)).map((r) => r.key)).toEqual(['s1', 's2', 's3']);
  await kafka.eventually(async () => ((await kafka.committedOffsets(applicationId, input)).get(0) === '3' ? true : undefined), 30_000, 'offset 3 committed');

  // The registry goes down; a record written with a schema id the app has not fetched arrives.
  await server.close();
  await kafka.produce(input, [later]);
  return { app, errors, input, output, dlq, applicationId, registry, port: server.port };
}

describe('registry serde failures in a running app', () => {
  it('rides out a schema registry outage: the record is retried, never dead-lettered, and read once the registry is back', async () => {
    const kafka = new KafkaTestHarness();
    const { app, errors, input, output, dlq, applicationId, registry, port } = await outage(kafka, 120_000);
    let server: Awaited<ReturnType<MockSchemaRegistry['listen']>> | undefined;
    try {
      // Retried from the record it could not read, with backoff; still RUNNING, nothing committed past it.
      await kafka.eventually(async () => (errors.filter((e) => e.category === 'retriable').length >= 3 ? true : undefined), 30_000, 'three retries');
      const retry = errors.find((e) => e.name === 'ProcessingError') as ProcessingError | undefined;
      expect(retry).toMatchObject({ category: 'retriable', action: 'retrying', stage: 'deserialization', offset: '3' });
      expect((retry?.cause as { code?: string } | undefined)?.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
      expect(app.state).toBe('RUNNING');
      expect((await kafka.committedOffsets(applicationId, input)).get(0)).toBe('3');

      // The registry is back on the same address: the record is read and the app goes on.
      server = await registry.listen({ port });
      expect((await kafka.readAtLeast(output, 4)).map((r) => r.key)).toEqual(['s1', 's2', 's3', 's9']);
      await kafka.eventually(async () => ((await kafka.committedOffsets(applicationId, input)).get(0) === '4' ? true : undefined), 30_000, 'offset 4 committed');
      expect(app.state).toBe('RUNNING');
      expect(errors.filter((e) => e.category === 'fatal')).toEqual([]);
      expect(await kafka.readAll(dlq, { timeoutMs: 5_000 })).toEqual([]);
    } finally {
      await server?.close().catch(() => undefined);
    }
  });

  it('stops the app at the record after taskTimeoutMs, instead of dead-lettering it', async () => {
    const kafka = new KafkaTestHarness();
    const { app, errors, input, dlq, applicationId } = await outage(kafka, 3_000);
    await kafka.eventually(async () => (app.state === 'ERROR' ? true : undefined), 60_000, 'the app to stop in ERROR');

    const fatal = errors.filter((e) => e.category === 'fatal');
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toBeInstanceOf(TaskTimeoutError);
    expect(fatal[0]!.message).toMatch(/^task 0_0 could not recover within taskTimeoutMs \(3000 ms, \d+ attempts\): deserialization failed for the record at .*-0 offset 3: /);
    expect(((fatal[0]!.cause as ProcessingError).cause as { code?: string }).code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
    expect(await kafka.readAll(dlq, { timeoutMs: 5_000 })).toEqual([]);
    expect((await kafka.committedOffsets(applicationId, input)).get(0)).toBe('3');
  });

  it('sends records whose async serialization the registry refuses to the production handler', async () => {
    const kafka = new KafkaTestHarness();
    const [input, output, dlq] = [kafka.uniqueName('sensors'), kafka.uniqueName('sensors-out'), kafka.uniqueName('sensors-dlq')];
    await Promise.all([kafka.createTopic(input, 2), kafka.createTopic(output, 2), kafka.createTopic(dlq, 1)]);
    const registry = new MockSchemaRegistry({ compatibility: 'BACKWARD' });
    const server = await registry.listen();
    try {
      // The output subject already holds a schema whose `value` is a string: a double is incompatible.
      const taken = { ...Reading, fields: [Reading.fields[0], { name: 'value', type: 'string' }] };
      registry.register(`${output}-value`, { schemaType: 'AVRO', schema: JSON.stringify(taken) });
      const records = [1, 2, 3, 4].map((i) => ({ key: `s${i}`, value: JSON.stringify({ sensor: `s${i}`, value: i }) }));
      await kafka.produce(input, records);

      const client = schemaRegistryClient({ url: server.url });
      const topology = new Topology()
        .addSource('in', input, { key: serdes.string(), value: serdes.json<{ sensor: string; value: number }>() })
        .addSink('out', output, { key: serdes.string(), value: registryAvroSerde({ registry: client, schema: Reading }) }, 'in');
      const applicationId = kafka.uniqueName('refused-app');
      const app = new StreamsApp(topology, {
        applicationId,
        brokers: kafka.brokers,
        processingGuarantee: 'exactly_once',
        productionExceptionHandler: { deadLetterTopic: dlq },
        logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      apps.push(app);
      await app.start();

      const dead = await kafka.readAtLeast(dlq, records.length);
      expect(dead.map((r) => [r.key, r.value]).sort()).toEqual(records.map((r) => [r.key, r.value]));
      for (const r of dead) {
        expect(String(r.headers['rivulet.error.stage'])).toBe('production');
        expect(String(r.headers['rivulet.error.class'])).toBe('IncompatibleSchemaError');
        expect(String(r.headers['rivulet.source.topic'])).toBe(input);
      }
      expect(app.state).toBe('RUNNING');
      expect(await kafka.readAll(output, { timeoutMs: 5_000 })).toEqual([]);
      await kafka.eventually(async () => {
        const committed = await kafka.committedOffsets(applicationId, input);
        const end = await kafka.endOffsets(input);
        return [...end].every(([p, o]) => committed.get(p) === o) ? true : undefined;
      }, 30_000, 'the input committed to its end');
    } finally {
      await server.close();
    }
  });
});
