/**
 * The Avro example on the real broker with exactly_once and the MockSchemaRegistry over HTTP: the
 * app reads purchases written with schema v1 and v2 into v1, writes the spend per customer as Avro
 * under its output subject, and `main.ts` runs against a registry given by SCHEMA_REGISTRY_URL
 * (with basic auth in the URL), as it would against any Confluent-compatible registry.
 */
import { StreamsApp } from '@rivulet/core';
import { registryAvroSerde, schemaRegistryClient } from '@rivulet/serde';
import { KafkaTestHarness, MockSchemaRegistry, type MockSchemaRegistryServer } from '@rivulet/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { avroSpendTopology, CustomerSpendSchema, expectedSpend, PurchaseV1, PurchaseV2, samplePurchases, SPEND_STORE, type CustomerSpend } from '../src/avro/topology.js';
import { killAllChildren, startExample } from './support/child-process.js';

const apps: StreamsApp[] = [];
const servers: MockSchemaRegistryServer[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
  await killAllChildren();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('Avro with the schema registry example', () => {
  it('reads v1 and v2 purchases with v1, writes each spend update once as Avro under the output subject', async () => {
    const kafka = new KafkaTestHarness();
    const registry = new MockSchemaRegistry();
    const server = await registry.listen();
    servers.push(server);
    const topics = { purchases: kafka.uniqueName('purchases-avro'), spend: kafka.uniqueName('customer-spend-avro') };
    await Promise.all([kafka.createTopic(topics.purchases, 2), kafka.createTopic(topics.spend, 2)]);

    const { v1, v2 } = samplePurchases(40);
    const writeV1 = registryAvroSerde({ registry: { url: server.url }, schema: PurchaseV1 });
    const writeV2 = registryAvroSerde({ registry: { url: server.url }, schema: PurchaseV2 });
    await kafka.produce(topics.purchases, await Promise.all(v1.map(async (p) => ({ key: p.customer, value: await writeV1.serialize(topics.purchases, p) }))));
    await kafka.produce(topics.purchases, await Promise.all(v2.map(async (p) => ({ key: p.customer, value: await writeV2.serialize(topics.purchases, p) }))));
    expect(registry.getVersions(`${topics.purchases}-value`)).toEqual([1, 2]);

    const applicationId = kafka.uniqueName('avro-spend');
    const app = new StreamsApp(avroSpendTopology(topics, schemaRegistryClient({ url: server.url })), {
      applicationId,
      brokers: kafka.brokers,
      processingGuarantee: 'exactly_once',
      logLevel: 'error',
      stateDir: `/tmp/rivulet-test-state/${applicationId}`,
    });
    apps.push(app);
    await app.start();
    await kafka.readAtLeast(topics.spend, 40, 45_000);
    const expected = expectedSpend([...v1, ...v2]);
    expect(Object.fromEntries([...app.store<string, CustomerSpend>(SPEND_STORE).all()].map((e) => [e.key, e.value]))).toEqual(Object.fromEntries(expected));
    await app.close();

    // One update per purchase, each in the wire format with the output subject's schema.
    const out = await kafka.readAll(topics.spend);
    expect(out).toHaveLength(40);
    const spendSchema = registry.getLatestVersion(`${topics.spend}-value`);
    expect(JSON.parse(spendSchema.schema)).toEqual(CustomerSpendSchema);
    for (const r of out) {
      expect(r.valueBytes![0]).toBe(0);
      expect(r.valueBytes!.readInt32BE(1)).toBe(spendSchema.id);
    }
    // Decoded with the writer's schema (no reader schema): each customer's last update is its total.
    const reader = registryAvroSerde({ registry: { url: server.url } });
    const last = new Map<string, CustomerSpend>();
    for (const r of out) last.set(r.key!, (await reader.deserialize(topics.spend, r.valueBytes!)) as CustomerSpend);
    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expected));
    // The app registered its output schema once, not per record; it never registered the input's.
    expect(server.requests.filter((r) => r === `POST /subjects/${topics.spend}-value/versions`)).toHaveLength(1);
    expect(registry.getVersions(`${topics.purchases}-value`)).toEqual([1, 2]);
  });

  it('main.ts runs against the registry in SCHEMA_REGISTRY_URL, basic auth taken from the URL', async () => {
    const registry = new MockSchemaRegistry();
    const server = await registry.listen({ auth: { username: 'rivulet', password: 's3cret' } });
    servers.push(server);
    const url = server.url.replace('http://', 'http://rivulet:s3cret@');
    const child = startExample('avro main', 'apps/examples/src/avro/main.ts', { KAFKA_BROKERS: new KafkaTestHarness().brokers.join(','), SCHEMA_REGISTRY_URL: url });
    const exit = await child.waitForExit(60_000);
    expect(exit, child.tail()).toEqual({ code: 0, signal: null });
    expect(child.lines.join('\n')).toContain("Done: every customer's spend is right.");
    expect(child.lines.join('\n')).not.toContain('s3cret');
    // Everything it registered went to this registry, authenticated.
    const subjects = registry.getSubjects();
    expect(subjects.filter((s) => /^purchases-avro-\w+-value$/.test(s))).toHaveLength(1);
    expect(subjects.filter((s) => /^customer-spend-avro-\w+-value$/.test(s))).toHaveLength(1);
    expect(registry.getVersions(subjects.find((s) => s.startsWith('purchases-avro-'))!)).toEqual([1, 2]);
  });
});
