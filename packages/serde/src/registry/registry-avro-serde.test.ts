import { describe, expect, it } from 'vitest';
import {
  IncompatibleSchemaError,
  SchemaMismatchError,
  SchemaRegistryError,
  SchemaRegistryUnavailableError,
  TruncatedPayloadError,
  UnknownSchemaIdError,
  WrongMagicByteError,
} from '../errors.js';
import { FakeRegistry } from '../../test/unit/fake-registry.js';
import { errorOf, readSync, writeSync } from '../../test/unit/helpers.js';
import { avroSerde } from '../avro/avro-serde.js';
import { registryAvroSerde } from './registry-avro-serde.js';
import { SchemaRegistryClientError } from './schema-registry-client.js';
import type { SchemaRegistryClient } from './schema-registry-client.js';

const UserV1 = {
  type: 'record',
  name: 'User',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string' },
  ],
} as const;
const UserV2 = {
  type: 'record',
  name: 'User',
  namespace: 'com.acme',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'fullName', type: 'string', aliases: ['name'] },
    { name: 'email', type: ['null', 'string'], default: null },
  ],
} as const;

describe('registryAvroSerde', () => {
  it('writes the Confluent wire format: magic byte 0, the schema id big-endian, then Avro binary', async () => {
    const registry = new FakeRegistry();
    registry.add('other', { schemaType: 'AVRO', schema: '"string"' });
    const serde = registryAvroSerde({ registry, schema: UserV1 });
    const bytes = await serde.serialize('users', { id: 'u1', name: 'Ada' });
    expect(bytes.subarray(0, 5).toString('hex')).toBe('0000000002');
    expect(bytes.subarray(5)).toEqual(writeSync(avroSerde({ schema: UserV1 }), { id: 'u1', name: 'Ada' }));
    expect(registry.subjectNames()).toEqual(['other', 'users-value']);
  });

  it('round-trips, asking the registry once per topic and once per id, then synchronously', async () => {
    const registry = new FakeRegistry();
    const serde = registryAvroSerde({ registry, schema: UserV1 });
    const first = serde.serialize('users', { id: 'u1', name: 'Ada' });
    expect(first).toBeInstanceOf(Promise);
    const bytes = await first;
    expect(await serde.deserialize('users', bytes)).toEqual({ id: 'u1', name: 'Ada' });
    for (let i = 0; i < 100; i++) {
      const again = writeSync(serde, { id: `u${i}`, name: 'x' }, 'users');
      expect(readSync(serde, again, 'users')).toEqual({ id: `u${i}`, name: 'x' });
    }
    expect(registry.calls).toEqual({ getSchemaById: 1, register: 1, lookupSchema: 0, getLatestVersion: 0 });
  });

  it('stays synchronous, from the first record, with a registry that answers synchronously', () => {
    const registry = new FakeRegistry();
    const sync: SchemaRegistryClient = {
      getSchemaById: (id) => registry.getSchemaSync(id),
      register: (subject, schema) => registry.add(subject, schema),
      lookupSchema: () => {
        throw new SchemaRegistryClientError('Schema not found', { status: 404, errorCode: 40403 });
      },
      getLatestVersion: () => {
        throw new SchemaRegistryClientError('not used', { status: 500 });
      },
    };
    const serde = registryAvroSerde({ registry: sync, schema: UserV1 });
    const bytes = writeSync(serde, { id: 'u1', name: 'Ada' }, 'users');
    expect(readSync(registryAvroSerde({ registry: sync, schema: UserV2 }), bytes, 'users')).toEqual({ id: 'u1', fullName: 'Ada', email: null });
    // A failure is thrown at once too, typed.
    expect(() => registryAvroSerde({ registry: sync, schema: UserV1, autoRegister: false }).serialize('users', { id: 'a', name: 'b' })).toThrow(
      SchemaRegistryError,
    );
    expect(() => serde.deserialize('users', Buffer.from([0, 0, 0, 0, 9, 0]))).toThrow(UnknownSchemaIdError);
  });

  it('shares one registry request between the records that miss the cache together', async () => {
    const registry = new FakeRegistry();
    const serde = registryAvroSerde({ registry, schema: UserV1 });
    const written = await Promise.all(Array.from({ length: 10 }, (_, i) => serde.serialize('users', { id: `u${i}`, name: 'n' })));
    const reader = registryAvroSerde({ registry, schema: UserV1 });
    await Promise.all(written.map((b) => reader.deserialize('users', b)));
    expect(registry.calls.register).toBe(1);
    expect(registry.calls.getSchemaById).toBe(1);
  });

  it('reads old records into the new schema, and new records into the old one', async () => {
    const registry = new FakeRegistry();
    const v1 = registryAvroSerde({ registry, schema: UserV1 });
    const v2 = registryAvroSerde({ registry, schema: UserV2 });
    const oldBytes = await v1.serialize('users', { id: 'u1', name: 'Ada' });
    const newBytes = await v2.serialize('users', { id: 'u2', fullName: 'Grace', email: 'g@x.org' });
    expect(oldBytes.readInt32BE(1)).not.toBe(newBytes.readInt32BE(1));
    expect(await v2.deserialize('users', oldBytes)).toEqual({ id: 'u1', fullName: 'Ada', email: null });
    // v1 has no alias for fullName: read v2 records with a v1 that knows the rename.
    const v1WithAlias = registryAvroSerde({
      registry,
      schema: { ...UserV1, fields: [UserV1.fields[0], { name: 'name', type: 'string', aliases: ['fullName'] }] },
    });
    expect(await v1WithAlias.deserialize('users', newBytes)).toEqual({ id: 'u2', name: 'Grace' });
  });

  it('reads with the writer schema when it has none of its own', async () => {
    const registry = new FakeRegistry();
    const bytes = await registryAvroSerde({ registry, schema: UserV2 }).serialize('users', { id: 'u', fullName: 'f', email: null });
    expect(await registryAvroSerde({ registry }).deserialize('users', bytes)).toEqual({ id: 'u', fullName: 'f', email: null });
  });

  describe('subjects', () => {
    it.each([
      ['topic', 'value', 'users-value'],
      ['topic', 'key', 'users-key'],
      ['record', 'value', 'com.acme.User'],
      ['topic-record', 'key', 'users-com.acme.User'],
    ] as const)('names the subject with the %s strategy for a %s', async (subjectNameStrategy, part, subject) => {
      const registry = new FakeRegistry();
      await registryAvroSerde({ registry, schema: UserV1, subjectNameStrategy, part }).serialize('users', { id: 'a', name: 'b' });
      expect(registry.subjectNames()).toEqual([subject]);
    });

    it('takes a custom strategy', async () => {
      const registry = new FakeRegistry();
      await registryAvroSerde({ registry, schema: UserV1, subjectNameStrategy: (c) => `${c.recordName}.${c.part}` }).serialize('t', { id: 'a', name: 'b' });
      expect(registry.subjectNames()).toEqual(['com.acme.User.value']);
    });

    it('looks the schema up, without registering, when autoRegister is off', async () => {
      const registry = new FakeRegistry();
      const serde = registryAvroSerde({ registry, schema: UserV1, autoRegister: false });
      const error = await errorOf(SchemaRegistryError, () => serde.serialize('users', { id: 'a', name: 'b' }));
      expect(error.message).toBe(
        'avro-registry(com.acme.User): the schema is not registered under subject users-value and autoRegister is off: register it, or set autoRegister: true (topic users, value)',
      );
      const id = registry.add('users-value', { schemaType: 'AVRO', schema: JSON.stringify(UserV1) });
      expect((await serde.serialize('users', { id: 'a', name: 'b' })).readInt32BE(1)).toBe(id);
      expect(registry.calls.register).toBe(0);
    });

    it('writes with the latest version when asked', async () => {
      const registry = new FakeRegistry();
      registry.add('users-value', { schemaType: 'AVRO', schema: JSON.stringify(UserV1) });
      const latestId = registry.add('users-value', { schemaType: 'AVRO', schema: JSON.stringify(UserV2) });
      const serde = registryAvroSerde({ registry, useLatestVersion: true });
      const bytes = await serde.serialize('users', { id: 'a', fullName: 'b', email: null });
      expect(bytes.readInt32BE(1)).toBe(latestId);
      expect(registry.calls.register).toBe(0);
      expect(() => registryAvroSerde({ registry, useLatestVersion: true, autoRegister: true })).toThrow(/leave options.autoRegister unset or false/);
    });
  });

  describe('bad data', () => {
    const registry = new FakeRegistry();
    const serde = registryAvroSerde({ registry, schema: UserV1 });

    it('a wrong magic byte', async () => {
      const error = await errorOf(WrongMagicByteError, () => serde.deserialize('users', Buffer.from('{"id":"a"}')));
      expect(error.message).toBe(
        'avro-registry(com.acme.User): wrong magic byte 0x7b at offset 0, expected 0x00 (Confluent wire format: magic byte, 4-byte schema id, payload); the record was not written by a schema-registry serializer (topic users, value)',
      );
      expect(error).toMatchObject({ code: 'WRONG_MAGIC_BYTE', magicByte: 0x7b, topic: 'users', part: 'value' });
      expect(registry.calls.getSchemaById).toBe(0);
    });

    it('a payload shorter than the header', async () => {
      const error = await errorOf(TruncatedPayloadError, () => serde.deserialize('users', Buffer.from([0, 0, 1])));
      expect(error.message).toMatch(/truncated payload, 3 bytes where the Confluent wire format needs at least 5/);
    });

    it('a truncated Avro payload', async () => {
      const bytes = await serde.serialize('users', { id: 'u1', name: 'Ada' });
      const error = await errorOf(TruncatedPayloadError, () => serde.deserialize('users', bytes.subarray(0, bytes.length - 1)));
      expect(error.message).toMatch(/truncated payload, the \d+ bytes from offset 5 end before the value written with writer schema id 1 does/);
    });

    it('an unknown schema id', async () => {
      const error = await errorOf(UnknownSchemaIdError, () => serde.deserialize('users', Buffer.from([0, 0, 0, 0x30, 0x39, 2, 0x61])));
      expect(error.message).toBe(
        'avro-registry(com.acme.User): unknown schema id 12345 in the record header: the schema registry has no schema with this id (topic users, value)',
      );
      expect(error.schemaId).toBe(12345);
    });

    it('a writer schema the reader cannot read, decided once per id', async () => {
      const id = registry.add('x', { schemaType: 'AVRO', schema: JSON.stringify({ ...UserV1, fields: [{ name: 'other', type: 'int' }] }) });
      const bytes = Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from([2])]);
      const before = registry.calls.getSchemaById;
      for (let i = 0; i < 3; i++) {
        const error = await errorOf(IncompatibleSchemaError, () => serde.deserialize('users', bytes));
        expect(error.message).toMatch(new RegExp(`the reader schema com.acme.User cannot read records written with schema id ${id}: no matching field for default-less com.acme.User.id`));
      }
      expect(registry.calls.getSchemaById - before).toBe(1);
    });

    it('a JSON Schema id read as Avro', async () => {
      const id = registry.add('j', { schemaType: 'JSON', schema: '{}' });
      const error = await errorOf(IncompatibleSchemaError, () => serde.deserialize('users', Buffer.from([0, 0, 0, 0, id, 0x7b, 0x7d])));
      expect(error.message).toMatch(`schema id ${id} is a JSON schema, not Avro`);
    });

    it('a value that does not fit the schema, naming the field', async () => {
      await serde.serialize('users', { id: 'warm', name: 'up' });
      const error = await errorOf(SchemaMismatchError, () => serde.serialize('users', { id: 'a', name: 42 } as never));
      expect(error.message).toBe('avro-registry(com.acme.User) cannot serialize the value: at name expected "string", got 42 (topic users, value)');
    });
  });

  describe('registry failures', () => {
    it('an incompatible schema refused by the registry', async () => {
      const registry = new FakeRegistry();
      registry.failWith = new SchemaRegistryClientError('Schema being registered is incompatible with an earlier schema', { status: 409, errorCode: 409 });
      const error = await errorOf(IncompatibleSchemaError, () => registryAvroSerde({ registry, schema: UserV1 }).serialize('users', { id: 'a', name: 'b' }));
      expect(error.subject).toBe('users-value');
      expect(error.message).toMatch(/refused the schema as incompatible with the earlier versions of subject users-value/);
    });

    it('a registry that is down: unavailable, with the attempts made, and the next record asks again', async () => {
      const registry = new FakeRegistry();
      registry.failWith = new SchemaRegistryClientError('schema registry http://r unavailable: connect ECONNREFUSED', { retriable: true, attempts: 6 });
      const serde = registryAvroSerde({ registry, schema: UserV1 });
      const record = Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), writeSync(avroSerde({ schema: UserV1 }), { id: 'a', name: 'b' })]);
      const error = await errorOf(SchemaRegistryUnavailableError, () => serde.deserialize('users', record));
      expect(error).toMatchObject({ code: 'SCHEMA_REGISTRY_UNAVAILABLE', attempts: 6, topic: 'users', part: 'value' });
      expect(error.message).toBe(
        'avro-registry(com.acme.User): fetching schema id 1: schema registry http://r unavailable: connect ECONNREFUSED (topic users, value)',
      );
      await errorOf(SchemaRegistryUnavailableError, () => serde.serialize('users', { id: 'a', name: 'b' }));
      registry.failWith = undefined;
      registry.add('users-value', { schemaType: 'AVRO', schema: JSON.stringify(UserV1) });
      expect(await serde.deserialize('users', record)).toEqual({ id: 'a', name: 'b' });
    });
  });
});
