import { describe, expect, it } from 'vitest';
import { SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import { SerdeError } from '../serde.js';
import { errorOf, readSync, writeSync } from '../../test/unit/helpers.js';
import { avroSerde } from './avro-serde.js';
import { checkAvroResolution } from './avro-resolution.js';
import { avroType, resolverFor } from './avro-types.js';

const Address = {
  type: 'record',
  name: 'Address',
  fields: [
    { name: 'city', type: 'string' },
    { name: 'zip', type: 'string' },
  ],
} as const;

const Everything = {
  type: 'record',
  name: 'Everything',
  namespace: 'com.acme',
  fields: [
    { name: 'b', type: 'boolean' },
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 's', type: 'string' },
    { name: 'raw', type: 'bytes' },
    { name: 'nothing', type: 'null' },
    { name: 'maybe', type: ['null', 'string'], default: null },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'scores', type: { type: 'map', values: 'int' } },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'address', type: Address },
  ],
} as const;

describe('avroSerde', () => {
  it('round-trips a record with every Avro type, and infers its type from the schema', () => {
    const serde = avroSerde({ schema: Everything });
    const value = {
      b: true,
      i: -42,
      l: 2 ** 40,
      f: 1.5,
      d: Math.PI,
      s: 'héllo',
      raw: Buffer.from([1, 2, 3]),
      nothing: null,
      maybe: 'x',
      color: 'GREEN' as const,
      tags: ['a', 'b'],
      scores: { x: 1, y: -2 },
      hash: Buffer.from('abcd'),
      address: { city: 'Lyon', zip: '69001' },
    };
    const bytes = writeSync(serde, value);
    expect(readSync(serde, bytes)).toEqual(value);
    expect(serde.name).toBe('avro(com.acme.Everything)');
  });

  it('writes the same bytes as avsc itself (Avro binary, no header)', () => {
    const serde = avroSerde({ schema: Address });
    const bytes = writeSync(serde, { city: 'Lyon', zip: '69001' });
    // string "Lyon": zigzag length 4 = 0x08, then the bytes; same for "69001" (0x0a).
    expect(bytes.toString('hex')).toBe(`08${Buffer.from('Lyon').toString('hex')}0a${Buffer.from('69001').toString('hex')}`);
  });

  it.each([
    ['int', 7],
    ['string', 'plain'],
    ['double', -0.25],
    ['boolean', false],
  ] as const)('round-trips a bare %s schema', (schema, value) => {
    const serde = avroSerde<unknown>({ schema });
    expect(readSync(serde, writeSync(serde, value))).toEqual(value);
  });

  it('accepts the schema as JSON text', () => {
    const serde = avroSerde<{ city: string; zip: string }>({ schema: JSON.stringify(Address) });
    expect(readSync(serde, writeSync(serde, { city: 'a', zip: 'b' }))).toEqual({ city: 'a', zip: 'b' });
  });

  it('uses the field default when a value leaves the field out', () => {
    const serde = avroSerde({ schema: { type: 'record', name: 'R', fields: [{ name: 'n', type: 'int', default: 5 }] } as const });
    expect(readSync(serde, writeSync(serde, {} as { n: number }))).toEqual({ n: 5 });
  });

  describe('longs', () => {
    const Counter = { type: 'record', name: 'Counter', fields: [{ name: 'count', type: 'long' }] } as const;

    it('reads and writes longs beyond 2^53 as bigint on request', () => {
      const serde = avroSerde({ schema: Counter, longs: 'bigint' });
      for (const count of [0n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
        expect(readSync(serde, writeSync(serde, { count }))).toEqual({ count });
      }
      // The bytes are Avro's zigzag varint, the same as with number longs for the same value.
      expect(writeSync(serde, { count: 300n })).toEqual(writeSync(avroSerde({ schema: Counter }), { count: 300 }));
    });

    it('refuses, as numbers, a long that would lose precision', async () => {
      const bigint = avroSerde({ schema: Counter, longs: 'bigint' });
      const bytes = writeSync(bigint, { count: 2n ** 60n });
      const error = await errorOf(SchemaMismatchError, () => avroSerde({ schema: Counter }).deserialize('t', bytes));
      expect(error.message).toBe("avro(Counter) cannot read long 1152921504606846976 at count: set longs: 'bigint' to read longs as bigint (topic t)");
      expect(error.paths).toEqual(['count']);
    });

    it('refuses a bigint out of the 64-bit range, naming the field', async () => {
      const error = await errorOf(SchemaMismatchError, () => avroSerde({ schema: Counter, longs: 'bigint' }).serialize('t', { count: 2n ** 63n }));
      expect(error.paths).toEqual(['count']);
    });
  });

  describe('bad data', () => {
    it('names every field that does not fit the schema, with the topic', async () => {
      const serde = avroSerde({ schema: Everything });
      const error = await errorOf(SchemaMismatchError, () =>
        serde.serialize('things', { i: 'one', address: { city: 'Lyon', zip: 69001 }, tags: ['a', 2] } as never),
      );
      expect(error.code).toBe('SCHEMA_MISMATCH');
      expect(error.message).toMatch(/^avro\(com\.acme\.Everything\) cannot serialize the value: at b expected "boolean", got undefined; at i expected "int", got "one"; /);
      expect(error.message).toMatch(/ \(topic things\)$/);
      expect(error.paths).toContain('address.zip');
      expect(error.paths).toContain('tags[1]');
      expect(error).toBeInstanceOf(SerdeError);
    });

    it('reports a truncated payload as such', async () => {
      const serde = avroSerde({ schema: Address });
      const bytes = writeSync(serde, { city: 'Lyon', zip: '69001' });
      const error = await errorOf(TruncatedPayloadError, () => serde.deserialize('addresses', bytes.subarray(0, 7)));
      expect(error.message).toBe(
        'avro(Address): truncated payload, the 7 bytes from offset 0 end before the value written with the schema does (topic addresses)',
      );
      expect(error.length).toBe(7);
    });

    it('reports bytes left over after the value', async () => {
      const serde = avroSerde({ schema: 'int' });
      const error = await errorOf(SchemaMismatchError, () => serde.deserialize('t', Buffer.from([0x02, 0x00])));
      expect(error.message).toMatch(/1 bytes left over after the value at offset 1/);
    });

    it('reports bytes that do not decode', async () => {
      const serde = avroSerde({ schema: ['null', 'int'] as const });
      const error = await errorOf(SchemaMismatchError, () => serde.deserialize('t', Buffer.from([0x08])));
      expect(error.message).toMatch(/does not decode with the schema: invalid union index: 4/);
    });
  });

  describe('options', () => {
    it('rejects a missing or invalid schema, naming the option', () => {
      expect(() => avroSerde({} as never)).toThrow(/^avroSerde: options.schema is required/);
      expect(() => avroSerde({ schema: { type: 'record', name: 'R' } as never })).toThrow(/^avroSerde: options.schema is not a valid Avro schema: /);
      expect(() => avroSerde({ schema: 'int', longs: 'big' as never })).toThrow("avroSerde: options.longs must be 'number' or 'bigint', got \"big\"");
    });

    it('rejects a writer schema the reader cannot read, at construction', () => {
      const v1 = { type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] } as const;
      const v2 = { type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }] } as const;
      expect(() => avroSerde({ schema: v2, writerSchema: v1 })).toThrow(
        /^avroSerde: options.schema cannot read records written with options.writerSchema: no matching field for default-less User.age/,
      );
    });
  });
});

describe('Avro schema evolution', () => {
  const UserV1 = {
    type: 'record',
    name: 'User',
    namespace: 'com.acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'name', type: 'string' },
      { name: 'visits', type: 'int' },
    ],
  } as const;
  // v2: `name` renamed `fullName` (alias), `email` added with a default, `visits` promoted to long.
  const UserV2 = {
    type: 'record',
    name: 'User',
    namespace: 'com.acme',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'fullName', type: 'string', aliases: ['name'] },
      { name: 'visits', type: 'long' },
      { name: 'email', type: ['null', 'string'], default: null },
      { name: 'tier', type: { type: 'enum', name: 'Tier', symbols: ['FREE', 'PRO'], default: 'FREE' }, default: 'FREE' },
    ],
  } as const;

  it('reads old records with the new schema: defaults, aliases, promotions (old writer, new reader)', () => {
    const v1 = avroSerde({ schema: UserV1 });
    const v2 = avroSerde({ schema: UserV2, writerSchema: UserV1 });
    const bytes = writeSync(v1, { id: 'u1', name: 'Ada', visits: 3 });
    expect(readSync(v2, bytes)).toEqual({ id: 'u1', fullName: 'Ada', visits: 3, email: null, tier: 'FREE' });
  });

  it('reads new records with the old schema: new fields skipped (new writer, old reader)', () => {
    const UserV1b = { ...UserV1, fields: [UserV1.fields[0], { name: 'fullName', type: 'string', aliases: ['name'] }, { name: 'visits', type: 'long' }] } as const;
    const v2 = avroSerde({ schema: UserV2 });
    const old = avroSerde({ schema: UserV1b, writerSchema: UserV2 });
    const bytes = writeSync(v2, { id: 'u2', fullName: 'Grace', visits: 2 ** 33, email: 'g@x.org', tier: 'PRO' });
    expect(readSync(old, bytes)).toEqual({ id: 'u2', fullName: 'Grace', visits: 2 ** 33 });
  });

  it('reads a renamed record through a record alias', () => {
    const Person = { type: 'record', name: 'Person', namespace: 'com.acme', aliases: ['com.acme.User'], fields: [{ name: 'id', type: 'string' }] } as const;
    const person = avroSerde({ schema: Person, writerSchema: UserV1 });
    expect(readSync(person, writeSync(avroSerde({ schema: UserV1 }), { id: 'u3', name: 'x', visits: 1 }))).toEqual({ id: 'u3' });
  });

  it('reads a record whose namespace alone changed, as Java and the registry\'s compatibility check do (unqualified names match)', () => {
    const Tier = { type: 'enum', name: 'Tier', symbols: ['FREE', 'PRO'] } as const;
    const Old = { type: 'record', name: 'Member', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, { name: 'tier', type: { ...Tier, namespace: 'com.acme' } }] } as const;
    const New = { type: 'record', name: 'Member', namespace: 'org.acme', fields: [{ name: 'id', type: 'string' }, { name: 'tier', type: { ...Tier, namespace: 'org.acme' } }] } as const;
    const bytes = writeSync(avroSerde({ schema: Old }), { id: 'm1', tier: 'PRO' });
    expect(readSync(avroSerde({ schema: New, writerSchema: Old }), bytes)).toEqual({ id: 'm1', tier: 'PRO' });
    expect(checkAvroResolution(New, Old)).toBeUndefined();
    // Another unqualified name is still refused.
    expect(checkAvroResolution({ ...New, name: 'Person' }, Old)).toMatch(/Member/);
  });

  it('builds each resolver once: the same reader/writer pair gets the same resolver', () => {
    const reader = avroType(UserV2, 'number');
    const writer = avroType(UserV1, 'number');
    expect(avroType(UserV2, 'number')).toBe(reader);
    const resolver = resolverFor(reader, writer);
    expect(resolver).toBeDefined();
    expect(resolverFor(reader, writer)).toBe(resolver);
    expect(resolverFor(reader, reader)).toBeUndefined();
  });
});

describe('checkAvroResolution', () => {
  const V1 = { type: 'record', name: 'U', fields: [{ name: 'a', type: 'int' }] } as const;
  const V2 = { type: 'record', name: 'U', fields: [{ name: 'a', type: 'long' }, { name: 'b', type: 'string', default: '' }] } as const;
  const V3 = { type: 'record', name: 'U', fields: [{ name: 'a', type: 'int' }, { name: 'c', type: 'string' }] } as const;

  it('says whether a reader can read a writer, and why not', () => {
    expect(checkAvroResolution(V2, V1)).toBeUndefined();
    expect(checkAvroResolution(V1, V2)).toMatch(/cannot read|long/);
    expect(checkAvroResolution(V3, V1)).toBe('no matching field for default-less U.c');
    expect(() => checkAvroResolution({ type: 'nope' }, V1)).toThrow(/^checkAvroResolution: the reader is not a valid Avro schema: /);
  });
});
