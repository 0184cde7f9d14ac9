/**
 * On the real broker: a StreamsApp (Processor API) reads Avro records written by a v1 producer and
 * writes them with an evolved v2 schema, the schemas served by the MockSchemaRegistry over HTTP; a
 * poison pill (wrong magic byte) goes to the dead-letter topic with its original bytes.
 */
import { randomBytes } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { StreamsApp, Topology } from '@rivulet/core';
import type { ProcessorContext, ProcessorSupplier } from '@rivulet/core';
import { registryAvroSerde, schemaRegistryClient, serdes } from '@rivulet/serde';
import type { AvroValue } from '@rivulet/serde';
import { Kafka, logLevel } from 'kafkajs';
import type { KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KafkaTestHarness, MockSchemaRegistry } from '../src/index.js';
import type { MockSchemaRegistryServer } from '../src/index.js';

const brokers = (process.env['KAFKA_BROKERS'] ?? inject('kafkaBrokers')).split(',');
const kafka = new Kafka({ clientId: 'avro-app-test', brokers, logLevel: logLevel.NOTHING });
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

const OrderV1 = {
  type: 'record',
  name: 'Order',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'placedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
} as const;

// v2 renames amount to total (alias), adds currency with a default, and a status the app sets.
const OrderV2 = {
  type: 'record',
  name: 'Order',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'total', aliases: ['amount'], type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'placedAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'currency', type: 'string', default: 'EUR' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'CHECKED'] }, default: 'NEW' },
  ],
} as const;

type Order2 = AvroValue<typeof OrderV2>;

async function readTopic(topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: unique('reader') });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${topic}: ${messages.length} of ${count} records after ${timeoutMs} ms`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ message }) => {
            messages.push(message);
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe('a StreamsApp with Avro and the MockSchemaRegistry over HTTP', () => {
  const registry = new MockSchemaRegistry();
  let server: MockSchemaRegistryServer;
  let app: StreamsApp | undefined;

  beforeAll(async () => {
    server = await registry.listen();
  });
  afterAll(async () => {
    await app?.close();
    await server.close();
  });

  it('reads v1 records, writes v2 records, and dead-letters a poison pill with its bytes', async () => {
    const input = unique('orders');
    const output = unique('orders-checked');
    const dlq = unique('orders-dlq');
    const harness = new KafkaTestHarness(inject('kafkaBrokers'));
    await Promise.all([input, output, dlq].map((topic) => harness.createTopic(topic, 2)));

    // A v1 producer, with Rivulet's serde, through the registry over HTTP.
    const client = schemaRegistryClient({ url: server.url });
    const v1 = registryAvroSerde({ registry: client, schema: OrderV1 });
    const placedAt = new Date('2024-05-01T10:00:00.000Z');
    const orders = Array.from({ length: 40 }, (_, i) => ({ id: `o${i}`, amount: `${i}.${String(i % 100).padStart(2, '0')}`, placedAt }));
    const poison = Buffer.from('{"id":"o-json","amount":1}');
    const producer = kafka.producer();
    await producer.connect();
    const messages = await Promise.all(orders.map(async (o) => ({ key: o.id, value: await v1.serialize(input, o) })));
    messages.splice(20, 0, { key: 'poison', value: poison });
    await producer.send({ topic: input, messages });
    await producer.disconnect();

    // The app reads into v2 (its schema) and writes v2, registered under the output's subject.
    const check: ProcessorSupplier<string, Order2, string, Order2> = () => {
      let ctx: ProcessorContext<string, Order2>;
      return {
        init: (context) => {
          ctx = context;
        },
        process: (record) => ctx.forward(record.withValue({ ...record.value, status: 'CHECKED' })),
      };
    };
    const appRegistry = schemaRegistryClient({ url: server.url });
    const topology = new Topology()
      .addSource('in', input, { key: serdes.string(), value: registryAvroSerde({ registry: appRegistry, schema: OrderV2 }) })
      .addProcessor('check', check, 'in')
      .addSink('out', output, { key: serdes.string(), value: registryAvroSerde({ registry: appRegistry, schema: OrderV2 }) }, 'check');
    const applicationId = unique('avro-app');
    app = new StreamsApp(topology, {
      applicationId,
      brokers,
      processingGuarantee: 'at_least_once',
      logLevel: 'error',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
      deserializationExceptionHandler: { deadLetterTopic: dlq },
    });
    await app.start();

    const out = await readTopic(output, orders.length);
    expect(out).toHaveLength(orders.length);
    // Written in the wire format with the v2 schema registered under <output>-value.
    const v2Id = (await registry.getLatestVersion(`${output}-value`)).id;
    expect(new Set(out.map((m) => m.value!.readInt32BE(1)))).toEqual(new Set([v2Id]));
    // The registry serves Avro's canonical text (key order its own, as Confluent): the same schema.
    expect(JSON.parse(registry.getSchema(v2Id).schema)).toEqual(OrderV2);
    // Decoded by the bare client with no reader schema: the writer's v2, with the v1 values carried over.
    const bare = new SchemaRegistry({ host: server.url });
    const decoded = await Promise.all(out.map(async (m) => (await bare.decode(m.value!)) as { id: string; total: Buffer; currency: string; status: string; placedAt: number }));
    expect(decoded.map((d) => d.id).sort()).toEqual(orders.map((o) => o.id).sort());
    expect(decoded.every((d) => d.currency === 'EUR' && d.status === 'CHECKED' && d.placedAt === placedAt.getTime())).toBe(true);
    // And by Rivulet's v2 serde, logical types included.
    const reader = registryAvroSerde({ registry: client, schema: OrderV2 });
    const o7 = out.find((m) => m.key!.toString() === 'o7')!;
    expect(await reader.deserialize(output, o7.value!)).toEqual({ id: 'o7', total: '7.07', placedAt, currency: 'EUR', status: 'CHECKED' });

    // The poison pill, as it was, in the dead-letter topic, with why.
    const [dead] = await readTopic(dlq, 1);
    expect(dead!.key!.toString()).toBe('poison');
    expect(dead!.value).toEqual(poison);
    expect(dead!.headers!['rivulet.error.stage']!.toString()).toBe('deserialization');
    expect(dead!.headers!['rivulet.error.message']!.toString()).toMatch(/wrong magic byte 0x7b at offset 0, expected 0x00/);

    // No registry call per record: one registration per subject, and one fetch per (client, id):
    // the app's v1 id, and the v2 id for the bare client and the test's reader. 40 records would show.
    expect(server.requests.filter((r) => r.startsWith('POST'))).toEqual([`POST /subjects/${input}-value/versions`, `POST /subjects/${output}-value/versions`]);
    expect(server.requests.filter((r) => r.startsWith('GET /schemas/ids/')).length).toBeLessThanOrEqual(3);
  });
});
