/**
 * On the real broker, the registry serdes' failures in a running app. An output schema the registry
 * refuses (incompatible) is a production failure: an async serializer that rejects goes to the
 * production handler, here the dead-letter topic, record by record, and the app goes on.
 * A schema registry that goes down is a dependency outage, not bad data. The
 * app's registry client retries, then the app stops at the record it could not read, even with a
 * dead-letter handler: nothing goes to the dead-letter topic and the committed offset stays at that
 * record, so a restart with the registry back reads it.
 */
import { StreamsApp, Topology, type ProcessingError } from '@rivulet/core';
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

describe('registry serde failures in a running app', () => {
  it('stops the app at the record it cannot read instead of dead-lettering it', async () => {
    const kafka = new KafkaTestHarness();
    const [input, output, dlq] = [kafka.uniqueName('readings'), kafka.uniqueName('readings-out'), kafka.uniqueName('readings-dlq')];
    await Promise.all([kafka.createTopic(input, 1), kafka.createTopic(output, 1), kafka.createTopic(dlq, 1)]);
    const registry = new MockSchemaRegistry();
    const server = await registry.listen();
    try {
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
        deserializationExceptionHandler: { deadLetterTopic: dlq },
        logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
      });
      apps.push(app);
      const errors: Error[] = [];
      app.errors$.subscribe((e) => errors.push(e));
      await app.start();
      expect((await kafka.readAtLeast(output, 3)).map((r) => r.key)).toEqual(['s1', 's2', 's3']);
      await kafka.eventually(async () => ((await kafka.committedOffsets(applicationId, input)).get(0) === '3' ? true : undefined), 30_000, 'offset 3 committed');

      // The registry goes down; a record written with a schema id the app has not fetched arrives.
      await server.close();
      await kafka.produce(input, [later]);
      await kafka.eventually(async () => (app.state === 'ERROR' ? true : undefined), 60_000, 'the app to stop in ERROR');

      const failure = errors.find((e) => e.name === 'ProcessingError') as ProcessingError | undefined;
      expect(failure?.message).toMatch(/^deserialization failed for the record at .*-0 offset 3: /);
      expect((failure?.cause as { code?: string } | undefined)?.code).toBe('SCHEMA_REGISTRY_UNAVAILABLE');
      expect(await kafka.readAll(dlq, { timeoutMs: 5_000 })).toEqual([]);
      expect((await kafka.committedOffsets(applicationId, input)).get(0)).toBe('3');
    } finally {
      await server.close().catch(() => undefined);
    }
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
