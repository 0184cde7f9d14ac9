/**
 * The Protobuf schema-registry serde against a MockSchemaRegistry served over HTTP, through the
 * real HTTP client: imports registered as references, fetched back to read, and the subject
 * names a Java serializer would use.
 */
import { IncompatibleSchemaError, registryProtobufSerde, schemaRegistryClient } from '@rivulet/serde';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The registry's own modules, not the package index: this test needs no topology driver.
import type { MockSchemaRegistryServer } from '../../src/mock-schema-registry/http-server.js';
import { MockSchemaRegistry } from '../../src/mock-schema-registry/mock-schema-registry.js';

const Currency = `syntax = "proto3";
package acme;
message Currency { string code = 1; }
`;

const Money = `syntax = "proto3";
package acme;
import "acme/currency.proto";
message Money { int64 units = 1; acme.Currency currency = 2; }
`;

const Order = `syntax = "proto3";
package acme.orders;
import "acme/money.proto";
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1;
  acme.Money total = 2;
  google.protobuf.Timestamp placed_at = 3;
  message Line { string sku = 1; uint64 qty = 2; }
  repeated Line lines = 4;
}
`;

interface OrderValue {
  id: string;
  total?: { units: bigint; currency?: { code: string } | null } | null;
  placed_at?: { seconds: bigint; nanos: number } | null;
  lines?: { sku: string; qty: bigint }[];
}

let server: MockSchemaRegistryServer;
const registry = new MockSchemaRegistry();
beforeAll(async () => {
  server = await registry.listen();
});
afterAll(async () => {
  await server.close();
});

describe('registryProtobufSerde over HTTP', () => {
  it('registers the imports as references, and reads them back from the registry', async () => {
    const writer = registryProtobufSerde<OrderValue>({
      registry: { url: server.url },
      schema: Order,
      imports: { 'acme/money.proto': Money, 'acme/currency.proto': Currency },
    });
    const value: OrderValue = {
      id: 'o-1',
      total: { units: 9007199254740993n, currency: { code: 'EUR' } },
      placed_at: { seconds: 1700000000n, nanos: 7 },
      lines: [{ sku: 'a', qty: 18446744073709551615n }],
    };
    const bytes = await writer.serialize('orders-pb', value);

    // Dependencies first, each under its import path; the well-known timestamp.proto is built in.
    expect(registry.getSubjects()).toEqual(['acme/currency.proto', 'acme/money.proto', 'orders-pb-value']);
    const id = bytes.readUInt32BE(1);
    expect(registry.getVersion('orders-pb-value', 1)).toMatchObject({
      id,
      schemaType: 'PROTOBUF',
      schema: Order,
      references: [{ name: 'acme/money.proto', subject: 'acme/money.proto', version: 1 }],
    });
    expect(registry.getVersion('acme/money.proto', 1).references).toEqual([{ name: 'acme/currency.proto', subject: 'acme/currency.proto', version: 1 }]);
    // The [0] shortcut: Order is the file's first message.
    expect(bytes[5]).toBe(0);

    // A reader with no schema of its own and a fresh client: everything comes from the registry.
    const reader = registryProtobufSerde<OrderValue>({ registry: schemaRegistryClient({ url: server.url }) });
    const before = server.requests.length;
    expect(await reader.deserialize('orders-pb', bytes)).toEqual(value);
    expect(await reader.deserialize('orders-pb', bytes)).toEqual(value);
    expect(server.requests.slice(before)).toEqual([
      `GET /schemas/ids/${id}`,
      'GET /subjects/acme%2Fmoney.proto/versions/1',
      'GET /subjects/acme%2Fcurrency.proto/versions/1',
    ]);
  });

  it('writes a nested message with its index path, under its record name', async () => {
    const serde = registryProtobufSerde<{ sku: string; qty: bigint }>({
      registry: { url: server.url },
      schema: Order,
      imports: { 'acme/money.proto': Money, 'acme/currency.proto': Currency },
      messageType: 'acme.orders.Order.Line',
      subjectNameStrategy: 'record',
    });
    const bytes = await serde.serialize('lines', { sku: 'b', qty: 2n });
    // count 2, then 0 (Order) and 0 (Line), each zigzag: 04 00 00
    expect(bytes.subarray(5, 8).toString('hex')).toBe('040000');
    expect(registry.getSubjects()).toContain('acme.orders.Order.Line');
    expect(await serde.deserialize('lines', bytes)).toEqual({ sku: 'b', qty: 2n });
  });

  it('refuses a record whose schema id is not Protobuf', async () => {
    const id = registry.register('avro-value', { schemaType: 'AVRO', schema: '"string"' });
    const reader = registryProtobufSerde({ registry: { url: server.url } });
    const bytes = Buffer.from([0, 0, 0, 0, id, 0]);
    await expect(Promise.resolve(reader.deserialize('avro', bytes))).rejects.toBeInstanceOf(IncompatibleSchemaError);
  });
});
