import { describe, expect, it } from 'vitest';
import { IncompatibleSchemaError, InvalidJsonError, SchemaMismatchError, UnknownSchemaIdError, WrongMagicByteError } from '../errors.js';
import { FakeRegistry } from '../../test/unit/fake-registry.js';
import { errorOf, readSync, writeSync } from '../../test/unit/helpers.js';
import { registryJsonSerde } from './registry-json-serde.js';

interface Order {
  id: string;
  total: number;
}
const OrderSchema = {
  title: 'Order',
  type: 'object',
  required: ['id', 'total'],
  properties: { id: { type: 'string' }, total: { type: 'number', minimum: 0 } },
};

describe('registryJsonSerde', () => {
  it('writes magic byte, schema id and the JSON text, registered as a JSON schema, and reads it back', async () => {
    const registry = new FakeRegistry();
    const serde = registryJsonSerde<Order>({ registry, schema: OrderSchema });
    const bytes = await serde.serialize('orders', { id: 'o1', total: 9.5 });
    expect(bytes.subarray(0, 5).toString('hex')).toBe('0000000001');
    expect(bytes.subarray(5).toString()).toBe('{"id":"o1","total":9.5}');
    expect(await registry.getSchemaById(1)).toEqual({ schemaType: 'JSON', schema: JSON.stringify(OrderSchema) });
    expect(await serde.deserialize('orders', bytes)).toEqual({ id: 'o1', total: 9.5 });
    expect(readSync(serde, writeSync(serde, { id: 'é', total: 0 }, 'orders'), 'orders')).toEqual({ id: 'é', total: 0 });
    expect(serde.name).toBe('json-registry(Order)');
  });

  it('names the subject after the title with the record strategy', async () => {
    const registry = new FakeRegistry();
    await registryJsonSerde<Order>({ registry, schema: OrderSchema, subjectNameStrategy: 'record' }).serialize('orders', { id: 'a', total: 1 });
    expect(registry.subjectNames()).toEqual(['Order']);
    expect(() => registryJsonSerde({ registry, schema: { type: 'object' }, subjectNameStrategy: 'record' })).toThrow(
      "registryJsonSerde: options.subjectNameStrategy 'record' needs a record name, and the schema has none (a JSON Schema without a title)",
    );
  });

  it('checks values on write and read, naming the fields', async () => {
    const registry = new FakeRegistry();
    const serde = registryJsonSerde<Order>({ registry, schema: OrderSchema });
    const onWrite = await errorOf(SchemaMismatchError, () => serde.serialize('orders', { id: 1, total: -1 } as never));
    expect(onWrite.message).toBe('json-registry(Order) cannot serialize the value: at id: must be string; at total: must be >= 0 (topic orders, value)');
    const id = registry.add('orders-value', { schemaType: 'JSON', schema: JSON.stringify(OrderSchema) });
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from('{"id":"x"}')]);
    const onRead = await errorOf(SchemaMismatchError, () => serde.deserialize('orders', bad));
    expect(onRead.message).toBe(`json-registry(Order) value (schema id ${id}) does not match its schema: at total: is required (topic orders, value)`);
  });

  it('checks against the writer schema when it has none of its own', async () => {
    const registry = new FakeRegistry();
    const id = registry.add('orders-value', { schemaType: 'JSON', schema: JSON.stringify(OrderSchema) });
    const reader = registryJsonSerde({ registry });
    const good = Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from('{"id":"x","total":1}')]);
    expect(await reader.deserialize('orders', good)).toEqual({ id: 'x', total: 1 });
    await errorOf(SchemaMismatchError, () => reader.deserialize('orders', Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from('{}')])));
  });

  it('reports bytes that are not JSON, with the position in the payload', async () => {
    const registry = new FakeRegistry();
    const id = registry.add('orders-value', { schemaType: 'JSON', schema: JSON.stringify(OrderSchema) });
    const serde = registryJsonSerde<Order>({ registry, schema: OrderSchema });
    const error = await errorOf(InvalidJsonError, () => serde.deserialize('orders', Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from('{"id":}')])));
    expect(error.message).toMatch(/^json-registry\(Order\): invalid JSON at position 6 of the payload \(byte 11 of the record\): .* \(topic orders, value\)$/);
    expect(error.position).toBe(6);
  });

  it('reports the wire format faults as the Avro serde does', async () => {
    const registry = new FakeRegistry();
    const avroId = registry.add('x', { schemaType: 'AVRO', schema: '"string"' });
    const serde = registryJsonSerde<Order>({ registry, schema: OrderSchema });
    await errorOf(WrongMagicByteError, () => serde.deserialize('orders', Buffer.from('{"id":"a","total":1}')));
    await errorOf(UnknownSchemaIdError, () => serde.deserialize('orders', Buffer.from([0, 0, 0, 0, 99, 0x7b, 0x7d])));
    const wrongKind = await errorOf(IncompatibleSchemaError, () => serde.deserialize('orders', Buffer.from([0, 0, 0, 0, avroId, 0x7b, 0x7d])));
    expect(wrongKind.message).toMatch(`schema id ${avroId} is a AVRO schema, not JSON Schema`);
  });
});
