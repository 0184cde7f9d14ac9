/**
 * The Avro and schema-registry example, end to end on a real broker:
 *
 *   npm run example:avro
 *   node --conditions=@rivulet/source --import tsx apps/examples/src/avro/main.ts
 *   SCHEMA_REGISTRY_URL=http://localhost:8081 npm run example:avro   # any Confluent-compatible registry
 *
 * Uses KAFKA_BROKERS if set, else the local broker (started if needed); SCHEMA_REGISTRY_URL if set
 * (user info in it is basic auth), else a MockSchemaRegistry served over HTTP in this process.
 * Writes purchases as Avro (half with schema v1, half with v2), runs the app, prints the running
 * spend per customer decoded from the Avro output, and the subjects the registry now holds.
 */
import { randomBytes } from 'node:crypto';
import { StreamsApp } from '@rivulet/core';
import { registryAvroSerde, schemaRegistryClient, type SchemaRegistryClient } from '@rivulet/serde';
import { MockSchemaRegistry } from '@rivulet/testing';
import { ExampleKafka, exampleBrokers } from '../support/example-kafka.js';
import { runExample, say, type Closer } from '../support/run-example.js';
import { avroSpendTopology, expectedSpend, PurchaseV1, PurchaseV2, samplePurchases, type CustomerSpend } from './topology.js';

const dollars = (cents: number): string => `$${(cents / 100).toFixed(2)}`;

/** The registry's URL: SCHEMA_REGISTRY_URL, or a MockSchemaRegistry served here over HTTP. */
async function registryUrl(closer: Closer): Promise<string> {
  const given = process.env['SCHEMA_REGISTRY_URL'];
  if (given) {
    say(`Schema registry: ${given.replace(/\/\/[^@/]*@/, '//***@')} (SCHEMA_REGISTRY_URL)`);
    return given;
  }
  const server = await new MockSchemaRegistry().listen();
  closer.add('the schema registry', () => server.close());
  say(`Schema registry: ${server.url} (a MockSchemaRegistry over HTTP; set SCHEMA_REGISTRY_URL to use another)`);
  return server.url;
}

runExample('avro', async (closer) => {
  const brokers = await exampleBrokers();
  const url = await registryUrl(closer);
  // One client for the app's serdes, so they share its cache of schemas and ids.
  const registry: SchemaRegistryClient = schemaRegistryClient({ url });
  const kafka = new ExampleKafka(brokers, 'avro-example');
  const run = randomBytes(3).toString('hex');
  const topics = { purchases: `purchases-avro-${run}`, spend: `customer-spend-avro-${run}` };
  await kafka.createTopics([
    { topic: topics.purchases, partitions: 2 },
    { topic: topics.spend, partitions: 2 },
  ]);
  say(`Topics: ${topics.purchases} -> ${topics.spend}`);

  const applicationId = `avro-spend-${run}`;
  const app = new StreamsApp(avroSpendTopology(topics, registry), { applicationId, brokers, processingGuarantee: 'exactly_once', logLevel: 'error' });
  await closer.start(app);
  say(`App ${applicationId} started (exactly_once)`);

  // Producers, as other services would be: one still on schema v1, one already on v2.
  const { v1, v2 } = samplePurchases(24);
  const producerRegistry = { url };
  const writeV1 = registryAvroSerde({ registry: producerRegistry, schema: PurchaseV1 });
  const writeV2 = registryAvroSerde({ registry: producerRegistry, schema: PurchaseV2 });
  await kafka.produce(topics.purchases, await Promise.all(v1.map(async (p) => ({ key: p.customer, value: await writeV1.serialize(topics.purchases, p) }))));
  say(`> ${v1.length} purchases written with schema v1`);
  await kafka.produce(topics.purchases, await Promise.all(v2.map(async (p) => ({ key: p.customer, value: await writeV2.serialize(topics.purchases, p) }))));
  say(`> ${v2.length} purchases written with schema v2 (adds "channel"; the app still reads them with v1)`);

  // A downstream reader: decodes with the writer's schema, found by the id in each record.
  const reader = registryAvroSerde({ registry: { url } });
  const expected = expectedSpend([...v1, ...v2]);
  const latest = new Map<string, CustomerSpend>();
  await kafka.readUntil(topics.spend, async ({ message }) => {
    const spend = (await reader.deserialize(topics.spend, message.value!)) as CustomerSpend;
    latest.set(spend.customer, spend);
    const schemaId = message.value!.readInt32BE(1);
    say(`  ${spend.customer.padEnd(7)} ${String(spend.purchases).padStart(2)} purchases  ${dollars(spend.totalCents).padStart(8)}  last: ${spend.lastItem.padEnd(10)} (Avro, schema id ${schemaId})`);
    return [...expected].every(([customer, e]) => latest.get(customer)?.purchases === e.purchases);
  });

  say('\nThe registry now holds:');
  for (const subject of [`${topics.purchases}-value`, `${topics.spend}-value`]) {
    const version = await registry.getLatestVersion(subject);
    const name = (JSON.parse(version.schema) as { name: string }).name;
    say(`  ${subject}: version ${version.version} (id ${version.id}, record ${name})`);
  }
  const ok = [...expected].every(([customer, e]) => JSON.stringify(latest.get(customer)) === JSON.stringify(e));
  say(ok ? '\nDone: every customer\'s spend is right.' : '\nThe spend does not match what was fed: see above.');
  if (!ok) throw new Error('unexpected spend');
});
