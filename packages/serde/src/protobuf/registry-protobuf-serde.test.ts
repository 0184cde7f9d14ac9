import { describe, expect, it } from 'vitest';
import {
  IncompatibleSchemaError,
  SchemaMismatchError,
  SchemaRegistryError,
  TruncatedPayloadError,
  UnknownSchemaIdError,
  WrongMagicByteError,
} from '../errors.js';
import { FakeRegistry } from '../../test/unit/fake-registry.js';
import { errorOf, readSync, writeSync } from '../../test/unit/helpers.js';
import { registryAvroSerde } from '../registry/registry-avro-serde.js';
import type { SchemaDefinition, SchemaRegistryClient, SubjectVersion } from '../registry/schema-registry-client.js';
import { serdes } from '../serdes.js';
import { registryProtobufSerde } from './registry-protobuf-serde.js';

const Shop = `
syntax = "proto3";
package acme.shop;

message Order {
  string id = 1;
  int64 qty = 2;
}

enum Kind { KIND_UNKNOWN = 0; }

message Customer {
  enum Tier { TIER_UNKNOWN = 0; }
  message Address {
    string city = 1;
    message Geo { double lat = 1; }
  }
  message Note { string text = 1; }
  string name = 1;
}
`;

const Everything = `
syntax = "proto3";
package acme.all;
import "google/protobuf/timestamp.proto";

message Everything {
  enum Status { STATUS_UNKNOWN = 0; PAID = 1; SHIPPED = 2; }
  message Line { string sku = 1; int32 qty = 2; }
  string order_id = 1;
  int64 big = 2;
  uint64 huge = 3;
  sint32 delta = 4;
  double price = 5;
  bool gift = 6;
  bytes blob = 7;
  Status status = 8;
  repeated Line lines = 9;
  map<string, int64> totals = 10;
  map<int64, string> by_id = 11;
  oneof contact { string email = 12; string phone = 13; }
  google.protobuf.Timestamp placed_at = 14;
  optional int32 maybe = 15;
  Line first = 16;
}
`;

/** The wire-format header of a schema id, in hex: magic byte 0 and the id on 4 bytes. */
function h(id: number): string {
  return `00${id.toString(16).padStart(8, '0')}`;
}

/** A registry client answering synchronously, as MockSchemaRegistry does in process. */
function syncClient(registry: FakeRegistry): SchemaRegistryClient {
  return {
    getSchemaById: (id) => registry.getSchemaSync(id),
    register: (subject, schema) => registry.add(subject, schema),
    lookupSchema: (subject, schema) => lookupSync(registry, subject, schema),
    getLatestVersion: () => {
      throw new Error('not used');
    },
    getVersion: (subject, version) => registry.getVersionSync(subject, version),
  };
}

function lookupSync(registry: FakeRegistry, subject: string, schema: SchemaDefinition): SubjectVersion {
  for (let version = 1; ; version++) {
    const found = registry.getVersionSync(subject, version);
    if (found.schema === schema.schema) return found;
  }
}

describe('registryProtobufSerde', () => {
  describe('the Confluent wire format', () => {
    it('writes magic byte 0, the schema id, the [0] shortcut and the Protobuf payload', async () => {
      const registry = new FakeRegistry();
      const serde = registryProtobufSerde({ registry, schema: Shop });
      const bytes = await serde.serialize('orders', { id: 'a', qty: 1n });
      // 00 | 00000001 | 00 ([0]) | 0a 01 61 (field 1, "a") | 10 01 (field 2, varint 1)
      expect(bytes.toString('hex')).toBe('00' + '00000001' + '00' + '0a0161' + '1001');
      expect(registry.subjectNames()).toEqual(['orders-value']);
      expect(registry.getSchemaSync(1)).toEqual({ schemaType: 'PROTOBUF', schema: Shop });
    });

    it.each([
      // Enums are not counted: Customer is message 1 although Kind comes before it.
      ['acme.shop.Customer', '0202', { name: 'n' }, '0a016e'],
      ['acme.shop.Customer.Address', '040200', { city: 'x' }, '0a0178'],
      ['acme.shop.Customer.Note', '040202', { text: 'x' }, '0a0178'],
      ['acme.shop.Customer.Address.Geo', '06020000', { lat: 0.5 }, '09000000000000e03f'],
    ])('writes the message-index path of %s as %s', async (messageType, indexes, value, payload) => {
      const registry = new FakeRegistry();
      const serde = registryProtobufSerde({ registry, schema: Shop, messageType });
      const bytes = await serde.serialize('t', value);
      expect(bytes.toString('hex')).toBe(`0000000001${indexes}${payload}`);
      // and a serde without a schema of its own reads it back by those indexes
      expect(await registryProtobufSerde({ registry }).deserialize('t', bytes)).toEqual(value);
    });

    it('reads records written by another Confluent writer, the [0] shortcut and its long form alike', () => {
      const registry = new FakeRegistry();
      registry.add('orders-value', { schemaType: 'PROTOBUF', schema: Shop });
      const serde = registryProtobufSerde({ registry: syncClient(registry) });
      const expected = { id: 'a', qty: 1n };
      expect(readSync(serde, Buffer.from('0000000001' + '00' + '0a0161' + '1001', 'hex'), 'orders')).toEqual(expected);
      expect(readSync(serde, Buffer.from('0000000001' + '0200' + '0a0161' + '1001', 'hex'), 'orders')).toEqual(expected);
      expect(readSync(serde, Buffer.from('0000000001' + '06020000' + '09000000000000e03f', 'hex'), 'orders')).toEqual({ lat: 0.5 });
    });
  });

  it('round-trips every kind of field, int64 and uint64 exactly', async () => {
    const registry = new FakeRegistry();
    const serde = registryProtobufSerde({ registry, schema: Everything });
    const value = {
      order_id: 'o-1',
      big: -(2n ** 63n),
      huge: 2n ** 64n - 1n,
      delta: -7,
      price: 12.5,
      gift: true,
      blob: Buffer.from([0, 1, 255]),
      status: 'SHIPPED',
      lines: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 2 },
      ],
      totals: { eur: 9007199254740993n },
      by_id: { '9007199254740993': 'x', '-1': 'y' },
      phone: '+33',
      placed_at: { seconds: 1700000000n, nanos: 5 },
      maybe: 0,
      first: { sku: 'c', qty: 0 },
    };
    const bytes = await serde.serialize('all', value);
    expect(await serde.deserialize('all', bytes)).toEqual({ ...value, contact: 'phone' });
    // Inputs protobufjs converts: decimal strings and safe numbers for 64-bit fields, enum numbers.
    const loose = await serde.serialize('all', { big: '-5', huge: 7, status: 1, email: 'e@x', contact: 'email' });
    expect(await serde.deserialize('all', loose)).toMatchObject({ big: -5n, huge: 7n, status: 'PAID', email: 'e@x', contact: 'email' });
  });

  it('reads unset fields as their defaults, or leaves them out with defaults: false', async () => {
    const registry = new FakeRegistry();
    const bytes = await registryProtobufSerde({ registry, schema: Everything }).serialize('all', {});
    expect(await registryProtobufSerde({ registry, schema: Everything }).deserialize('all', bytes)).toEqual({
      order_id: '',
      big: 0n,
      huge: 0n,
      delta: 0,
      price: 0,
      gift: false,
      blob: Buffer.alloc(0),
      status: 'STATUS_UNKNOWN',
      lines: [],
      totals: {},
      by_id: {},
      placed_at: null,
      first: null,
    });
    expect(await registryProtobufSerde({ registry, schema: Everything, defaults: false }).deserialize('all', bytes)).toEqual({ lines: [], totals: {}, by_id: {} });
  });

  it('reads longs as decimal strings, enums as numbers and field names in camelCase when asked', async () => {
    const registry = new FakeRegistry();
    const bytes = await registryProtobufSerde({ registry, schema: Everything }).serialize('all', { order_id: 'o', big: 2n ** 60n, status: 'PAID' });
    const serde = registryProtobufSerde({ registry, schema: Everything, longs: 'string', enums: 'number', fieldNames: 'camelCase', defaults: false });
    expect(await serde.deserialize('all', bytes)).toEqual({ orderId: 'o', big: '1152921504606846976', status: 1, lines: [], totals: {}, byId: {} });
    // camelCase on write too
    const camel = registryProtobufSerde({ registry, schema: Everything, fieldNames: 'camelCase' });
    expect(await camel.serialize('all', { orderId: 'o', big: 2n ** 60n, status: 'PAID' })).toEqual(bytes);
  });

  it('reads an enum value its schema does not name as the number', async () => {
    const registry = new FakeRegistry();
    const bytes = await registryProtobufSerde({ registry, schema: Everything }).serialize('all', { status: 9 });
    expect(await registryProtobufSerde({ registry, schema: Everything, defaults: false }).deserialize('all', bytes)).toMatchObject({ status: 9 });
  });

  it('asks the registry once per topic and per id, then answers synchronously', async () => {
    const registry = new FakeRegistry();
    const serde = registryProtobufSerde({ registry, schema: Shop });
    const first = serde.serialize('orders', { id: 'a', qty: 1n });
    expect(first).toBeInstanceOf(Promise);
    expect(await serde.deserialize('orders', await first)).toEqual({ id: 'a', qty: 1n });
    for (let i = 0; i < 50; i++) {
      expect(readSync(serde, writeSync(serde, { id: `o${i}`, qty: BigInt(i) }, 'orders'), 'orders')).toEqual({ id: `o${i}`, qty: BigInt(i) });
    }
    expect(registry.calls).toEqual({ getSchemaById: 1, register: 1, lookupSchema: 0, getLatestVersion: 0 });
  });

  it('is synchronous from the first record with a synchronous registry, references included', () => {
    const registry = new FakeRegistry();
    const client = syncClient(registry);
    const serde = registryProtobufSerde({ registry: client, schema: WithImports, imports: { 'acme/money.proto': Money, 'acme/currency.proto': Currency } });
    const bytes = writeSync(serde, { id: 'o', total: { units: 5n, currency: { code: 'EUR' } } }, 'orders');
    expect(readSync(registryProtobufSerde({ registry: client, defaults: false }), bytes, 'orders')).toEqual({ id: 'o', total: { units: 5n, currency: { code: 'EUR' } } });
  });

  describe('values that do not fit', () => {
    const registry = new FakeRegistry();
    const serde = registryProtobufSerde({ registry, schema: Everything });

    it.each([
      [['lines[1].qty'], { lines: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 'x' }] }, 'at lines[1].qty expected int32'],
      [['delta'], { delta: 2 ** 31 }, 'an integer in [-2147483648, 2147483647]'],
      [['big'], { big: 2 ** 53 + 2 }, 'has lost precision'],
      [['huge'], { huge: -1n }, 'expected uint64'],
      [['status'], { status: 'LOST' }, 'enum acme.all.Everything.Status'],
      [['orderId'], { orderId: 'o' }, 'is not a field of acme.all.Everything'],
      [['contact'], { email: 'e', phone: 'p' }, 'sets email and phone'],
      [['totals.eur'], { totals: { eur: 1.5 } }, 'expected int64'],
      [['by_id.abc'], { by_id: { abc: 'x' } }, 'is not a int64 key'],
      [['blob'], { blob: 'AAE=' }, 'a Buffer or Uint8Array'],
      [['first'], { first: [] }, 'expected a message acme.all.Everything.Line'],
      [['placed_at'], { placed_at: new Date('2026-12-05T00:00:00Z') }, 'expected a message google.protobuf.Timestamp, got a Date: write { seconds'],
      [['first'], { first: new Date(0) }, 'expected a message acme.all.Everything.Line, got a Date'],
    ] as [string[], Record<string, unknown>, string][])('refuses a value wrong at %j', async (paths, value, text) => {
      const error = await errorOf(SchemaMismatchError, () => serde.serialize('all', value));
      expect(error.paths).toEqual(paths);
      expect(error.message).toContain(text);
      expect(error.message).toContain('(topic all, value)');
      expect(error.schemaId).toBe(1);
    });

    it('names every field that does not fit', async () => {
      const error = await errorOf(SchemaMismatchError, () => serde.serialize('all', { order_id: 1, gift: 'yes', lines: [{ qty: 1.5 }] }));
      expect(error.paths).toEqual(['order_id', 'gift', 'lines[0].qty']);
    });

    it('refuses a value that is not an object', async () => {
      const error = await errorOf(SchemaMismatchError, () => serde.serialize('all', 'text' as never));
      expect(error.paths).toEqual(['(root)']);
    });
  });

  describe('bad records', () => {
    const registry = new FakeRegistry();
    const shop = registry.add('t-value', { schemaType: 'PROTOBUF', schema: Shop });
    const avro = registry.add('avro', { schemaType: 'AVRO', schema: '"string"' });
    const serde = registryProtobufSerde({ registry: syncClient(registry) });
    const read = (hex: string): unknown => serde.deserialize('t', Buffer.from(hex, 'hex'));

    it('a wrong magic byte', () => {
      expect(() => read('7b2261223a317d')).toThrow(WrongMagicByteError);
    });

    it('a record shorter than the header, or ending in the indexes or in the payload', () => {
      expect(() => read('000000')).toThrow(TruncatedPayloadError);
      expect(() => read(`${h(shop)}`)).toThrow(TruncatedPayloadError);
      expect(() => read(`${h(shop)}0402`)).toThrow(TruncatedPayloadError);
      const error = (() => {
        try {
          read(`${h(shop)}000a0561`);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(TruncatedPayloadError);
      expect(error).toMatchObject({ schemaId: shop });
    });

    it('an unknown schema id', () => {
      expect(() => read('000000006300')).toThrow(UnknownSchemaIdError);
    });

    it('message indexes that name no message, or are not varints', () => {
      expect(() => read(`${h(shop)}0206`)).toThrow(/message indexes \[3\] name no message of schema id 1/);
      expect(() => read(`${h(shop)}0206`)).toThrow(SchemaMismatchError);
      expect(() => read(`${h(shop)}01`)).toThrow(SchemaMismatchError);
    });

    it('a payload that is not the message', () => {
      // field 1 with wire type 7, which does not exist
      expect(() => read(`${h(shop)}000f`)).toThrow(SchemaMismatchError);
      // field 1 (string) with invalid UTF-8
      expect(() => read(`${h(shop)}000a02fffe`)).toThrow(SchemaMismatchError);
    });

    it('a schema id of another format', () => {
      expect(() => read(`${h(avro)}00`)).toThrow(IncompatibleSchemaError);
      expect(() => read(`${h(avro)}00`)).toThrow(/schema id 2 is a AVRO schema, not Protobuf/);
    });

    it('a proto2 record without a required field', async () => {
      const proto2 = new FakeRegistry();
      const schema = 'syntax = "proto2"; message R { required int32 a = 1; optional string b = 2; }';
      const r = registryProtobufSerde({ registry: proto2, schema });
      expect((await errorOf(SchemaMismatchError, () => r.serialize('t', { b: 'x' }))).paths).toEqual(['a']);
      const id = proto2.add('x', { schemaType: 'PROTOBUF', schema });
      const error = await errorOf(SchemaMismatchError, () => r.deserialize('t', Buffer.from(`${h(id)}00120178`, 'hex')));
      expect(error.paths).toEqual(['a']);
    });
  });

  describe('schema references (imports)', () => {
    it('registers each imported file under its import path, dependencies first, and refers to it by version', async () => {
      const registry = new FakeRegistry();
      registry.add('acme/money.proto', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message Old {}' });
      const serde = registryProtobufSerde({ registry, schema: WithImports, imports: { 'acme/money.proto': Money, 'acme/currency.proto': Currency } });
      const bytes = await serde.serialize('orders', { id: 'o', total: { units: 5n, currency: { code: 'EUR' } }, at: { seconds: 1n, nanos: 0 } });
      // The well-known timestamp.proto is built in: not registered.
      expect(registry.subjectNames()).toEqual(['acme/money.proto', 'acme/currency.proto', 'orders-value']);
      const main = registry.getSchemaSync(bytes.readUInt32BE(1));
      expect(main.references).toEqual([{ name: 'acme/money.proto', subject: 'acme/money.proto', version: 2 }]);
      const money = await registry.getVersion('acme/money.proto', 2);
      expect(money.schema).toBe(Money);
      expect(money.references).toEqual([{ name: 'acme/currency.proto', subject: 'acme/currency.proto', version: 1 }]);
    });

    it('reads with the references fetched from the registry, once', async () => {
      const registry = new FakeRegistry();
      const writer = registryProtobufSerde({ registry, schema: WithImports, imports: { 'acme/money.proto': Money, 'acme/currency.proto': Currency } });
      const bytes = await writer.serialize('orders', { id: 'o', total: { units: 5n, currency: { code: 'EUR' } } });
      const reader = registryProtobufSerde({ registry, defaults: false });
      expect(await reader.deserialize('orders', bytes)).toEqual({ id: 'o', total: { units: 5n, currency: { code: 'EUR' } } });
      expect(await reader.deserialize('orders', bytes)).toEqual({ id: 'o', total: { units: 5n, currency: { code: 'EUR' } } });
      expect(registry.getVersionCalls).toBe(2);
    });

    it('refuses at construction a schema whose imports are not given', () => {
      expect(() => registryProtobufSerde({ registry: new FakeRegistry(), schema: WithImports, imports: { 'acme/money.proto': Money } })).toThrow(
        /acme\/money.proto imports acme\/currency.proto, which is not given/,
      );
    });

    it('says so when a client cannot fetch references', async () => {
      const registry = new FakeRegistry();
      const bytes = await registryProtobufSerde({ registry, schema: WithImports, imports: { 'acme/money.proto': Money, 'acme/currency.proto': Currency } }).serialize(
        'orders',
        { id: 'o' },
      );
      const { getVersion: _, ...withoutGetVersion } = syncClient(registry);
      const error = await errorOf(SchemaRegistryError, () => registryProtobufSerde({ registry: withoutGetVersion }).deserialize('orders', bytes));
      expect(error.message).toContain('has no getVersion');
    });
  });

  describe('subjects', () => {
    it.each([
      ['topic', undefined, 'orders-value'],
      ['record', undefined, 'acme.shop.Order'],
      ['topic-record', undefined, 'orders-acme.shop.Order'],
      ['record', 'acme.shop.Customer.Address', 'acme.shop.Customer.Address'],
    ] as const)('%s with message %s: %s', async (subjectNameStrategy, messageType, subject) => {
      const registry = new FakeRegistry();
      const serde = registryProtobufSerde({ registry, schema: Shop, subjectNameStrategy, ...(messageType === undefined ? {} : { messageType }) });
      await serde.serialize('orders', {});
      expect(registry.subjectNames()).toEqual([subject]);
    });

    it('looks the schema up, with its references, when autoRegister is off', async () => {
      const registry = new FakeRegistry();
      const imports = { 'acme/money.proto': Money, 'acme/currency.proto': Currency };
      const off = registryProtobufSerde({ registry, schema: WithImports, imports, autoRegister: false });
      expect((await errorOf(SchemaRegistryError, () => off.serialize('orders', { id: 'o' }))).message).toContain('not registered');
      const registered = await registryProtobufSerde({ registry, schema: WithImports, imports }).serialize('orders', { id: 'o' });
      const before = registry.calls.register;
      const looked = await registryProtobufSerde({ registry, schema: WithImports, imports, autoRegister: false }).serialize('orders', { id: 'o' });
      expect(looked).toEqual(registered);
      expect(registry.calls.register).toBe(before);
    });

    it('writes with the latest version (useLatestVersion), fetching its references', async () => {
      const registry = new FakeRegistry();
      const imports = { 'acme/money.proto': Money, 'acme/currency.proto': Currency };
      await registryProtobufSerde({ registry, schema: WithImports, imports }).serialize('orders', { id: 'o' });
      const latest = registryProtobufSerde({ registry, useLatestVersion: true });
      const bytes = await latest.serialize('orders', { id: 'n', total: { units: 1n } });
      expect(bytes.readUInt32BE(1)).toBe(3);
      expect(await latest.deserialize('orders', bytes)).toMatchObject({ id: 'n', total: { units: 1n, currency: null } });
    });
  });

  describe('schema evolution', () => {
    const V1 = 'syntax = "proto3"; package acme; message User { string id = 1; string name = 2; }';
    const V2 = 'syntax = "proto3"; package acme; message User { string id = 1; reserved 2; int32 age = 3; repeated string tags = 4; }';

    it('reads old records with the new schema (new fields at their defaults) and new records with the old one', async () => {
      const registry = new FakeRegistry();
      const v1 = registryProtobufSerde({ registry, schema: V1 });
      const v2 = registryProtobufSerde({ registry, schema: V2 });
      const old = await v1.serialize('users', { id: 'u1', name: 'Ada' });
      const young = await v2.serialize('users', { id: 'u2', age: 36, tags: ['x'] });
      expect(await v2.deserialize('users', old)).toEqual({ id: 'u1', age: 0, tags: [] });
      expect(await v1.deserialize('users', young)).toEqual({ id: 'u2', name: '' });
    });

    it('refuses a record of a message its own schema does not define', async () => {
      const registry = new FakeRegistry();
      const bytes = await registryProtobufSerde({ registry, schema: Shop }).serialize('t', { id: 'a' });
      const error = await errorOf(IncompatibleSchemaError, () => registryProtobufSerde({ registry, schema: V1 }).deserialize('t', bytes));
      expect(error.message).toContain('wrote a acme.shop.Order, a message options.schema does not define');
      expect(error.schemaId).toBe(1);
    });
  });

  describe('options', () => {
    it.each([
      [{ schema: 'message {' }, /options.schema is not a usable .proto/],
      [{ schema: Shop, messageType: 'acme.shop.Nope' }, /options.messageType "acme.shop.Nope" is not a message of options.schema/],
      [{ schema: Shop, longs: 'number' }, /options.longs must be 'bigint' or 'string', got "number"/],
      [{ schema: Shop, enums: 'name' }, /options.enums must be 'string' or 'number'/],
      [{ schema: Shop, fieldNames: 'snake' }, /options.fieldNames must be 'proto' or 'camelCase'/],
      [{ schema: Shop, imports: ['a'] }, /options.imports must map import paths/],
      [{ subjectNameStrategy: 'record' }, /needs a record name/],
      [{ schema: 'syntax = "proto3"; enum E { A = 0; }' }, /defines no message/],
      [{ schema: 'syntax = "proto3"; import "google/type/money.proto"; message M { google.type.Money m = 1; }' }, /a Confluent built-in that protobufjs does not bundle: give its text/],
    ])('refuses %j', (options, message) => {
      expect(() => registryProtobufSerde({ registry: new FakeRegistry(), ...(options as object) })).toThrow(message);
    });

    it('needs a schema or useLatestVersion to write', async () => {
      await expect(Promise.resolve().then(() => registryProtobufSerde({ registry: new FakeRegistry() }).serialize('t', {}))).rejects.toThrow(/writing needs options.schema/);
    });

    it('is reachable as serdes.registryProtobuf, named after its message', () => {
      expect(serdes.registryProtobuf({ registry: new FakeRegistry(), schema: Shop, messageType: 'acme.shop.Customer' }).name).toBe('protobuf-registry(acme.shop.Customer)');
    });

    it('does not read Avro records, nor Avro serdes Protobuf ones', async () => {
      const registry = new FakeRegistry();
      const bytes = await registryProtobufSerde({ registry, schema: Shop }).serialize('t', { id: 'a' });
      await expect(Promise.resolve(registryAvroSerde({ registry }).deserialize('t', bytes))).rejects.toBeInstanceOf(IncompatibleSchemaError);
    });
  });
});

const Currency = `syntax = "proto3";
package acme;
message Currency { string code = 1; }
`;

const Money = `syntax = "proto3";
package acme;
import "acme/currency.proto";
message Money { int64 units = 1; acme.Currency currency = 2; }
`;

const WithImports = `syntax = "proto3";
package acme.orders;
import "acme/money.proto";
import "google/protobuf/timestamp.proto";
message Order {
  string id = 1;
  acme.Money total = 2;
  google.protobuf.Timestamp at = 3;
}
`;
