/**
 * Typed errors for every bad input (issue 13): what each serde throws for bytes it cannot read and
 * values it cannot write. Every failure is a SerdeError subclass with its `code`; the registry
 * serdes' failures after the wire-format header carry the schema id.
 */
import { describe, expect, it } from 'vitest';
import { InvalidJsonError, SchemaMismatchError, SchemaRegistryError, TruncatedPayloadError, UnknownSchemaIdError, WrongMagicByteError } from '../../src/errors.js';
import { MAX_ZERO_SIZE_ITEMS } from '../../src/internal/avro-payload-guard.js';
import { avroSerde } from '../../src/avro/avro-serde.js';
import { jsonSerde } from '../../src/json.js';
import { booleanSerde, int32Serde, int64Serde, uuidSerde, voidSerde } from '../../src/primitives.js';
import { registryAvroSerde } from '../../src/registry/registry-avro-serde.js';
import { registryJsonSerde } from '../../src/registry/registry-json-serde.js';
import type { SchemaDefinition, SchemaRegistryClient, SubjectVersion } from '../../src/registry/schema-registry-client.js';
import { SerdeError } from '../../src/serde.js';
import type { Serde } from '../../src/serde.js';
import { FakeRegistry } from './fake-registry.js';
import { errorOf, header, readSync, varint, writeSync } from './helpers.js';

/** A record with an array, a map, a union and a string: the shapes whose counts and lengths come from the bytes. */
const Order = {
  type: 'record',
  name: 'Order',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'lines', type: { type: 'array', items: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }] } } },
    { name: 'tags', type: { type: 'map', values: 'string' } },
    { name: 'note', type: ['null', 'string'] },
  ],
} as const;
const order = { id: 'o-1', lines: [{ sku: 'a', qty: 2 }, { sku: 'bb', qty: 3 }], tags: { x: 'y' }, note: 'gift' };

/** A registry serde of each kind with one record written; `sync` reads go through a synchronous client. */
function registrySerdes(): { name: string; serde: Serde<unknown>; frame: Buffer }[] {
  const avroRegistry = new FakeRegistry();
  const avroId = avroRegistry.add('orders-value', { schemaType: 'AVRO', schema: JSON.stringify(Order) });
  const jsonRegistry = new FakeRegistry();
  const jsonSchema = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } };
  const jsonId = jsonRegistry.add('orders-value', { schemaType: 'JSON', schema: JSON.stringify(jsonSchema) });
  const syncOf = (r: FakeRegistry): SchemaRegistryClient => ({
    getSchemaById: (id) => r.getSchemaSync(id),
    register: (subject, schema) => r.add(subject, schema),
    lookupSchema: (subject, schema) => r.lookupSchema(subject, schema),
    getLatestVersion: (subject) => r.getLatestVersion(subject),
  });
  const avroFrame = writeSync(registryAvroSerde({ registry: syncOf(avroRegistry), schema: Order }), order, 'orders');
  const jsonFrame = writeSync(registryJsonSerde({ registry: syncOf(jsonRegistry), schema: jsonSchema }), { id: 'o-1' }, 'orders');
  expect([avroFrame.readUInt32BE(1), jsonFrame.readUInt32BE(1)]).toEqual([avroId, jsonId]);
  return [
    { name: 'registryAvroSerde (async registry)', serde: registryAvroSerde({ registry: avroRegistry, schema: Order }), frame: avroFrame },
    { name: 'registryAvroSerde (sync registry)', serde: registryAvroSerde({ registry: syncOf(avroRegistry), schema: Order }), frame: avroFrame },
    { name: 'registryJsonSerde (async registry)', serde: registryJsonSerde({ registry: jsonRegistry, schema: jsonSchema }), frame: jsonFrame },
    { name: 'registryJsonSerde (sync registry)', serde: registryJsonSerde({ registry: syncOf(jsonRegistry), schema: jsonSchema }), frame: jsonFrame },
  ];
}

describe('schema ids are unsigned 32-bit', () => {
  it('reads schema id 0xFFFFFFFF as the unknown schema id 4294967295, not a TypeError (the -1 sentinel bug)', async () => {
    for (const { name, serde, frame } of registrySerdes()) {
      const bytes = Buffer.concat([header(0xffffffff), frame.subarray(5)]);
      // Cold, and again once a known id has been read (the last-plan fast path held -1 as "none").
      const cold = await errorOf(UnknownSchemaIdError, () => serde.deserialize('orders', bytes));
      expect(await serde.deserialize('orders', frame)).toBeDefined();
      const warm = await errorOf(UnknownSchemaIdError, () => serde.deserialize('orders', bytes));
      for (const error of [cold, warm]) {
        expect({ name, code: error.code, schemaId: error.schemaId, topic: error.topic, part: error.part }).toEqual({
          name,
          code: 'UNKNOWN_SCHEMA_ID',
          schemaId: 4294967295,
          topic: 'orders',
          part: 'value',
        });
        expect(error.message).toContain('unknown schema id 4294967295');
      }
    }
  });

  it.each([0, 1000, 0x7fffffff, 0x80000000, 0xfffffffe])('reads schema id %i as itself, unknown', async (id) => {
    for (const { serde, frame } of registrySerdes()) {
      const error = await errorOf(UnknownSchemaIdError, () => serde.deserialize('orders', Buffer.concat([header(id), frame.subarray(5)])));
      expect(error.schemaId).toBe(id);
      expect(error.message).toContain(`unknown schema id ${id} `);
    }
  });

  it('writes and reads back schema ids of 2^31 and more, which a registry may hand out', async () => {
    const inner = new FakeRegistry();
    const big: SchemaRegistryClient = {
      getSchemaById: (id) => inner.getSchemaSync(id - 0x80000000),
      register: (subject, schema) => inner.add(subject, schema) + 0x80000000,
      lookupSchema: (subject, schema) => inner.lookupSchema(subject, schema),
      getLatestVersion: (subject) => inner.getLatestVersion(subject),
    };
    const avro = registryAvroSerde({ registry: big, schema: Order });
    const avroBytes = writeSync(avro, order, 'orders');
    expect(avroBytes.subarray(0, 5).toString('hex')).toBe('0080000001');
    expect(readSync(avro, avroBytes, 'orders')).toEqual(order);
    const json = registryJsonSerde({ registry: big, schema: { type: 'object' } });
    const jsonBytes = writeSync(json, { a: 1 }, 'orders');
    expect(jsonBytes.subarray(0, 5).toString('hex')).toBe('0080000002');
    expect(readSync(json, jsonBytes, 'orders')).toEqual({ a: 1 });
  });

  it('refuses a write id the wire format cannot hold, typed', async () => {
    const inner = new FakeRegistry();
    for (const id of [-1, 2 ** 32, 1.5]) {
      const registry: SchemaRegistryClient = {
        getSchemaById: (i) => inner.getSchemaSync(i),
        register: () => id,
        lookupSchema: (s, d) => inner.lookupSchema(s, d),
        getLatestVersion: (s) => inner.getLatestVersion(s),
      };
      const error = await errorOf(SchemaRegistryError, () => registryAvroSerde({ registry, schema: Order }).serialize('orders', order));
      expect(error.message).toContain(`gave schema id ${id} for subject orders-value, not an unsigned 32-bit integer`);
    }
  });

  it('refuses a registry answer that is not a schema, typed, with the id', async () => {
    const registry: SchemaRegistryClient = {
      getSchemaById: () => undefined as unknown as SchemaDefinition,
      register: () => 1,
      lookupSchema: () => ({}) as SubjectVersion,
      getLatestVersion: () => ({}) as SubjectVersion,
    };
    const error = await errorOf(SchemaRegistryError, () => registryAvroSerde({ registry, schema: Order }).deserialize('orders', header(7)));
    expect([error.code, error.schemaId]).toEqual(['SCHEMA_REGISTRY', 7]);
  });
});

describe('bad bytes read by the registry serdes', () => {
  it('a wrong magic byte, whatever the byte', async () => {
    for (const { serde, frame } of registrySerdes()) {
      for (const byte of [1, 0x7b, 0xff]) {
        const bad = Buffer.from(frame);
        bad[0] = byte;
        const error = await errorOf(WrongMagicByteError, () => serde.deserialize('orders', bad));
        expect([error.magicByte, error.schemaId]).toEqual([byte, undefined]);
      }
    }
  });

  it('a frame cut at every position: within the header, then within the payload, with the schema id', async () => {
    for (const { name, serde, frame } of registrySerdes()) {
      for (let cut = 0; cut < frame.length; cut++) {
        const bytes = frame.subarray(0, cut);
        let thrown: unknown;
        try {
          await serde.deserialize('orders', bytes);
        } catch (error) {
          thrown = error;
        }
        const e = thrown as SerdeError;
        // A cut JSON payload is text that stops being JSON; a cut Avro payload is truncated.
        const expected = cut < 5 || name.startsWith('registryAvro') ? 'TRUNCATED_PAYLOAD' : 'INVALID_JSON';
        expect({ name, cut, type: e instanceof SerdeError, code: e.code, schemaId: e.schemaId }).toEqual({
          name,
          cut,
          type: true,
          code: expected,
          schemaId: cut < 5 ? undefined : frame.readUInt32BE(1),
        });
      }
    }
  });

  it('trailing garbage after the value', async () => {
    for (const { name, serde, frame } of registrySerdes()) {
      const error = await errorOf(SerdeError, () => serde.deserialize('orders', Buffer.concat([frame, Buffer.from([0x01, 0x02])])));
      expect([name, error.code, error.schemaId]).toEqual([name, name.startsWith('registryAvro') ? 'SCHEMA_MISMATCH' : 'INVALID_JSON', frame.readUInt32BE(1)]);
    }
  });

  it('huge length prefixes and block counts fail at once, without allocating them', async () => {
    const registry = new FakeRegistry();
    const NullList = { type: 'record', name: 'Nulls', fields: [{ name: 'xs', type: { type: 'array', items: 'null' } }] } as const;
    const Blob = { type: 'record', name: 'Blob', fields: [{ name: 'b', type: 'bytes' }, { name: 'm', type: { type: 'map', values: 'long' } }] } as const;
    const orders = registryAvroSerde({ registry, schema: Order });
    const nulls = registryAvroSerde({ registry, schema: NullList });
    const blobs = registryAvroSerde({ registry, schema: Blob });
    const id = (serde: Serde<unknown>, value: unknown): Promise<number> => Promise.resolve(serde.serialize('t', value)).then((b) => b.readUInt32BE(1));
    const orderId = await id(orders, order);
    const nullsId = await id(nulls, { xs: [null] });
    const blobId = await id(blobs, { b: Buffer.from('x'), m: {} });
    const cases: [Serde<unknown>, Buffer, string][] = [
      [orders, Buffer.concat([header(orderId), varint(2n ** 62n)]), 'TRUNCATED_PAYLOAD'], // string length
      [orders, Buffer.concat([header(orderId), varint(3n), Buffer.from('o-1'), varint(2n ** 62n), Buffer.from([2, 0x61, 4])]), 'TRUNCATED_PAYLOAD'], // array count
      [orders, Buffer.concat([header(orderId), varint(3n), Buffer.from('o-1'), varint(-(2n ** 40n)), varint(8n), Buffer.from([2, 0x61, 4])]), 'TRUNCATED_PAYLOAD'], // negative count: the block-size form
      [orders, Buffer.concat([header(orderId), varint(3n), Buffer.from('o-1'), varint(0n), varint(2n ** 40n), Buffer.from([2, 0x61, 2, 0x62])]), 'TRUNCATED_PAYLOAD'], // map count
      [nulls, Buffer.concat([header(nullsId), varint(2n ** 62n), varint(0n)]), 'SCHEMA_MISMATCH'], // items of zero size: no bound from the bytes
      [nulls, Buffer.concat([header(nullsId), varint(BigInt(MAX_ZERO_SIZE_ITEMS) + 1n), varint(0n)]), 'SCHEMA_MISMATCH'],
      [blobs, Buffer.concat([header(blobId), varint(2n ** 53n)]), 'TRUNCATED_PAYLOAD'], // bytes length
      [blobs, Buffer.concat([header(blobId), varint(-5n)]), 'SCHEMA_MISMATCH'], // negative bytes length
    ];
    for (const [serde, bytes, code] of cases) {
      const started = performance.now();
      const error = await errorOf(SerdeError, () => serde.deserialize('t', bytes));
      expect([bytes.toString('hex'), error.code]).toEqual([bytes.toString('hex'), code]);
      expect(error.schemaId).toBe(bytes.readUInt32BE(1));
      expect(performance.now() - started).toBeLessThan(500);
    }
    // Up to the bound, nulls are read.
    const many = Buffer.concat([header(nullsId), varint(BigInt(MAX_ZERO_SIZE_ITEMS)), varint(0n)]);
    expect(((await nulls.deserialize('t', many)) as { xs: null[] }).xs).toHaveLength(MAX_ZERO_SIZE_ITEMS);
  });

  it('plain avroSerde: huge block counts fail at once too, typed, and a count the bytes hold is read', () => {
    const NullList = { type: 'record', name: 'Nulls', fields: [{ name: 'xs', type: { type: 'array', items: 'null' } }] } as const;
    const orders = avroSerde({ schema: Order });
    const nulls = avroSerde({ schema: NullList });
    const cases: [Serde<unknown>, Buffer, string][] = [
      [orders, Buffer.concat([varint(3n), Buffer.from('o-1'), varint(2n ** 62n), Buffer.from([2, 0x61, 4])]), 'TRUNCATED_PAYLOAD'], // array count
      [orders, Buffer.concat([varint(3n), Buffer.from('o-1'), varint(0n), varint(2n ** 40n), Buffer.from([2, 0x61, 2, 0x62])]), 'TRUNCATED_PAYLOAD'], // map count
      [nulls, Buffer.concat([varint(2n ** 62n), varint(0n)]), 'SCHEMA_MISMATCH'], // items of zero size
    ];
    for (const [serde, bytes, code] of cases) {
      const error = (() => {
        try {
          serde.deserialize('t', bytes);
        } catch (e) {
          return e;
        }
        throw new Error(`${bytes.toString('hex')} was read`);
      })();
      expect(error).toBeInstanceOf(SerdeError);
      expect([bytes.toString('hex'), (error as SerdeError).code]).toEqual([bytes.toString('hex'), code]);
    }
    expect(nulls.deserialize('t', Buffer.concat([varint(3n), varint(0n)]))).toEqual({ xs: [null, null, null] });
    expect(orders.deserialize('t', orders.serialize('t', order) as Buffer)).toEqual(order);
  });

  it('bytes that do not decode with the writer schema: a union branch or enum index it does not have', async () => {
    const registry = new FakeRegistry();
    const serde = registryAvroSerde({ registry, schema: Order });
    const frame = await serde.serialize('orders', order);
    // The union `note` is last: branch 1 (0x02), then "gift". Branch 7 does not exist.
    const bad = Buffer.concat([frame.subarray(0, frame.length - 6), Buffer.from([0x0e]), frame.subarray(frame.length - 5)]);
    const error = await errorOf(SchemaMismatchError, () => serde.deserialize('orders', bad));
    expect(error.schemaId).toBe(frame.readUInt32BE(1));
    expect(error.message).toContain('union branch 7, the union has 2 branches');
  });
});

describe('bad bytes read by the plain serdes', () => {
  it('primitives: too few bytes are truncated, too many or a wrong byte a mismatch', () => {
    expect(() => int32Serde().deserialize('t', Buffer.alloc(3))).toThrow(TruncatedPayloadError);
    expect(() => int64Serde().deserialize('t', Buffer.alloc(9))).toThrow(SchemaMismatchError);
    expect(() => booleanSerde().deserialize('t', Buffer.from([2]))).toThrow(SchemaMismatchError);
    expect(() => uuidSerde().deserialize('t', Buffer.alloc(36, 0x7a))).toThrow(SchemaMismatchError);
    expect(() => voidSerde().deserialize('t', Buffer.alloc(1))).toThrow(SchemaMismatchError);
  });

  it('json: a Standard Schema that throws, or rejects, rather than answering is a SchemaMismatchError', async () => {
    const throwing = jsonSerde<unknown>({
      schema: { '~standard': { version: 1, vendor: 'test', validate: () => { throw new RangeError('boom'); } } },
    });
    const rejecting = jsonSerde<unknown>({
      schema: { '~standard': { version: 1, vendor: 'test', validate: () => Promise.reject(new Error('later boom')) } },
    });
    expect((await errorOf(SchemaMismatchError, () => throwing.deserialize('t', Buffer.from('1')))).cause).toBeInstanceOf(RangeError);
    expect((await errorOf(SchemaMismatchError, () => rejecting.deserialize('t', Buffer.from('1')))).message).toContain('later boom');
  });

  it('json: bytes that are not JSON, trailing garbage included', async () => {
    const error = await errorOf(InvalidJsonError, () => jsonSerde().deserialize('t', Buffer.from('{"a":1} x')));
    expect(error.position).toBe(8);
  });
});

describe('values the serdes cannot write name the field', () => {
  it('primitives: out of range, a float for an int, NaN', () => {
    for (const value of [2 ** 31, 1.5, NaN]) {
      const error = (() => {
        try {
          int32Serde().serialize('t', value);
        } catch (e) {
          return e as SchemaMismatchError;
        }
        throw new Error(`int32 wrote ${value}`);
      })();
      expect(error).toBeInstanceOf(SchemaMismatchError);
      expect([error.code, error.paths]).toEqual(['SCHEMA_MISMATCH', ['(root)']]);
    }
  });

  it('json: an Invalid Date anywhere, and NaN or Infinity once a JSON Schema checked it, are refused at their path', async () => {
    const plain = jsonSerde();
    const invalid = await errorOf(SchemaMismatchError, () => plain.serialize('t', { order: { lines: [{ at: new Date('nope') }] } }));
    expect(invalid.paths).toEqual(['order.lines[0].at']);
    expect(invalid.message).toBe('json cannot serialize an Invalid Date at order.lines[0].at: JSON would write it as null (topic t)');
    // Plain JSON keeps JSON's rule for numbers: NaN is written as null.
    expect(writeSync(plain, { n: NaN }).toString()).toBe('{"n":null}');
    const checked = jsonSerde({ jsonSchema: { type: 'object', properties: { n: { type: 'number' } } } });
    expect((await errorOf(SchemaMismatchError, () => checked.serialize('t', { n: NaN }))).paths).toEqual(['n']);
    const registry = registryJsonSerde({ registry: new FakeRegistry(), schema: { type: 'object', properties: { xs: { type: 'array', items: { type: 'number' } } } } });
    const error = await errorOf(SchemaMismatchError, () => registry.serialize('t', { xs: [1, Infinity] }));
    expect([error.paths, error.schemaId]).toEqual([['xs[1]'], 1]);
  });

  it('registry JSON: a missing required field and a wrong type, with the schema id', async () => {
    const serde = registryJsonSerde({
      registry: new FakeRegistry(),
      schema: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, qty: { type: 'integer' } } },
    });
    const error = await errorOf(SchemaMismatchError, () => serde.serialize('t', { qty: 1.5 }));
    expect([...error.paths].sort()).toEqual(['id', 'qty']);
    expect(error.schemaId).toBe(1);
  });

  it('registry Avro: an int given 2^31, a float or NaN, a missing field, an Invalid Date: typed, at the field, with the schema id', async () => {
    const Reading = {
      type: 'record',
      name: 'Reading',
      fields: [
        { name: 'n', type: 'int' },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'note', type: ['null', 'string'] },
      ],
    } as const;
    const serde = registryAvroSerde({ registry: new FakeRegistry(), schema: Reading });
    const good = { n: 1, at: new Date(0), note: null };
    await serde.serialize('t', good);
    for (const [field, bad] of [['n', 2 ** 31], ['n', 1.5], ['n', NaN], ['n', undefined], ['at', new Date(NaN)], ['note', 12]] as const) {
      const error = await errorOf(SerdeError, () => serde.serialize('t', { ...good, [field]: bad }));
      expect([field, String(bad), error.code, (error as SchemaMismatchError).paths, error.schemaId]).toEqual([field, String(bad), 'SCHEMA_MISMATCH', [field], 1]);
    }
  });
});
