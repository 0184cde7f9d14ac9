/**
 * Rivulet's schema-registry serdes and the bare @kafkajs/confluent-schema-registry client read each
 * other's bytes, both talking to a MockSchemaRegistry over HTTP.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SchemaRegistryUnavailableError, registryAvroSerde, registryJsonSerde, schemaRegistryClient } from '@rivulet/serde';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockSchemaRegistry } from '../../src/index.js';
import type { MockSchemaRegistryServer } from '../../src/index.js';

const Order = {
  type: 'record',
  name: 'Order',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'qty', type: 'int' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
} as const;
const OrderV2 = { ...Order, fields: [...Order.fields, { name: 'priority', type: 'boolean', default: false }] } as const;

let server: MockSchemaRegistryServer;
const registry = new MockSchemaRegistry();
beforeAll(async () => {
  server = await registry.listen();
});
afterAll(async () => {
  await server.close();
});

describe('interop with the bare client', () => {
  it('the client decodes what the Avro serde wrote', async () => {
    const serde = registryAvroSerde({ registry: { url: server.url }, schema: Order });
    const value = { id: 'o1', qty: 3, note: 'fragile', tags: ['a'] };
    const bytes = await serde.serialize('orders', value);
    expect(await new SchemaRegistry({ host: server.url }).decode(bytes)).toEqual(value);
  });

  it('the Avro serde decodes what the client wrote, into an evolved schema', async () => {
    const client = new SchemaRegistry({ host: server.url });
    const { id } = await client.register({ type: SchemaType.AVRO, schema: JSON.stringify(Order) }, { subject: 'orders-interop-value' });
    const bytes = await client.encode(id, { id: 'o2', qty: 1, note: null, tags: [] });
    const serde = registryAvroSerde({ registry: schemaRegistryClient({ url: server.url }), schema: OrderV2 });
    expect(await serde.deserialize('orders-interop', bytes)).toEqual({ id: 'o2', qty: 1, note: null, tags: [], priority: false });
  });

  it('the JSON Schema serde and the client read each other', async () => {
    const schema = { title: 'Point', type: 'object', properties: { x: { type: 'number' }, y: { type: 'number' } }, required: ['x', 'y'] };
    const serde = registryJsonSerde<{ x: number; y: number }>({ registry: { url: server.url }, schema });
    const client = new SchemaRegistry({ host: server.url });
    const bytes = await serde.serialize('points', { x: 1, y: 2 });
    expect(await client.decode(bytes)).toEqual({ x: 1, y: 2 });
    const { id } = await client.register({ type: SchemaType.JSON, schema: JSON.stringify(schema) }, { subject: 'points-client-value' });
    expect(await serde.deserialize('points', await client.encode(id, { x: 3, y: 4 }))).toEqual({ x: 3, y: 4 });
  });

  it('asks the registry once, however many records', async () => {
    const serde = registryAvroSerde({ registry: { url: server.url }, schema: Order });
    const before = server.requests.length;
    const first = await serde.serialize('bulk', { id: 'b', qty: 0, note: null, tags: [] });
    await serde.deserialize('bulk', first);
    for (let i = 0; i < 1000; i++) {
      const bytes = serde.serialize('bulk', { id: `b${i}`, qty: i, note: null, tags: [] }) as Buffer;
      expect(serde.deserialize('bulk', bytes)).toMatchObject({ qty: i });
    }
    expect(server.requests.slice(before)).toEqual(['POST /subjects/bulk-value/versions', 'GET /schemas/ids/1']);
  });

  it('retries a registry that is down, then reports it unavailable', async () => {
    registry.setAvailable(false);
    try {
      const serde = registryAvroSerde({ registry: { url: server.url, retry: { retries: 2, initialDelayMs: 10 } }, schema: Order });
      const before = server.requests.length;
      const error = await Promise.resolve(serde.serialize('down', { id: 'x', qty: 0, note: null, tags: [] })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaRegistryUnavailableError);
      expect(error).toMatchObject({ attempts: 3, status: 503 });
      expect(server.requests.length - before).toBe(3);
    } finally {
      registry.setAvailable(true);
    }
  });
});
