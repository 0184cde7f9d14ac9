import { SchemaRegistryClientError } from '@rivulet/serde';
import type { SchemaDefinition } from '@rivulet/serde';
import { describe, expect, it } from 'vitest';
import { MockSchemaRegistry } from './mock-schema-registry.js';

const avro = (schema: object): SchemaDefinition => ({ schemaType: 'AVRO', schema: JSON.stringify(schema) });
const record = (...fields: object[]) => avro({ type: 'record', name: 'User', fields });

const V1 = record({ name: 'id', type: 'string' });
const V2 = record({ name: 'id', type: 'string' }, { name: 'email', type: ['null', 'string'], default: null });

function codeOf(call: () => unknown): number | undefined {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaRegistryClientError);
    return (error as SchemaRegistryClientError).errorCode;
  }
  throw new Error('expected a SchemaRegistryClientError');
}

describe('MockSchemaRegistry', () => {
  it('gives global ids, versions per subject, and the same id to the same schema anywhere', async () => {
    const registry = new MockSchemaRegistry();
    expect(await registry.register('a-value', V1)).toBe(1);
    expect(await registry.register('a-value', V1)).toBe(1);
    expect(await registry.register('a-value', V2)).toBe(2);
    // Same schema, other subject, whitespace aside: the same id, version 1 there.
    expect(await registry.register('b-value', { schemaType: 'AVRO', schema: JSON.stringify(JSON.parse(V1.schema), null, 2) })).toBe(1);
    expect(registry.getSubjects()).toEqual(['a-value', 'b-value']);
    expect(registry.getVersions('a-value')).toEqual([1, 2]);
    expect(await registry.getLatestVersion('a-value')).toMatchObject({ subject: 'a-value', version: 2, id: 2, schemaType: 'AVRO' });
    expect(registry.getVersion('a-value', 1)).toMatchObject({ id: 1, schema: V1.schema });
    expect(await registry.lookupSchema('b-value', V1)).toMatchObject({ version: 1, id: 1 });
    expect(registry.getSubjectVersionsById(1)).toEqual([
      { subject: 'a-value', version: 1 },
      { subject: 'b-value', version: 1 },
    ]);
    expect(await registry.getSchemaById(2)).toEqual(V2);
  });

  it("answers with Confluent's error codes", async () => {
    const registry = new MockSchemaRegistry();
    await registry.register('s', V1);
    expect(codeOf(() => registry.getSchema(99))).toBe(40403);
    expect(codeOf(() => registry.getVersions('nope'))).toBe(40401);
    expect(codeOf(() => registry.getVersion('s', 5))).toBe(40402);
    expect(codeOf(() => registry.getVersion('s', 0))).toBe(42202);
    expect(codeOf(() => registry.lookup('s', V2))).toBe(40403);
    expect(codeOf(() => registry.registerSchema('s', { schemaType: 'AVRO', schema: '{"type":"record"}' }))).toBe(42201);
    expect(codeOf(() => registry.registerSchema('s', { schemaType: 'JSON', schema: '{"type":"nope"}' }))).toBe(42201);
    expect(codeOf(() => registry.registerSchema('s', { schemaType: 'AVRO', schema: 'not json' }))).toBe(42201);
    expect(codeOf(() => registry.getSubjectCompatibility('s'))).toBe(40408);
    expect(codeOf(() => registry.setCompatibility('SIDEWAYS' as never))).toBe(42203);
    expect(() => registry.getSchemaById(99)).toThrow(expect.objectContaining({ status: 404, errorCode: 40403, message: 'Schema 99 not found' }) as Error);
  });

  describe('compatibility', () => {
    // Each row: level, the change, the versions registered in turn, and whether the last one is accepted.
    const A = record({ name: 'id', type: 'string' });
    const B = record({ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 0 });
    const C = record({ name: 'id', type: 'string' }, { name: 'n', type: 'int' }); // n without a default
    const D = record({ name: 'n', type: 'int', default: 0 }); // id removed
    it.each([
      ['BACKWARD', 'a new field with a default', [A, B], true],
      ['BACKWARD', 'a new field without a default', [A, C], false],
      ['BACKWARD', 'a field removed', [B, A], true],
      ['FORWARD', 'a field with a default removed', [B, A], true],
      ['FORWARD', 'a field without a default removed', [C, A], false],
      ['FORWARD', 'a new field without a default', [A, C], true],
      ['FULL', 'a new field with a default', [A, B], true],
      ['FULL', 'a new field without a default', [A, C], false],
      ['FULL', 'a field without a default removed', [C, A], false],
      ['BACKWARD', 'a field removed and one added with a default', [A, D], true],
      ['NONE', 'anything', [A, C, D], true],
    ] as const)('%s: %s', async (level, _what, versions, accepted) => {
      const registry = new MockSchemaRegistry({ compatibility: level });
      // The earlier versions go in under NONE; the level applies to the last one.
      registry.setCompatibility('NONE', 's');
      for (const v of versions.slice(0, -1)) registry.registerSchema('s', v);
      registry.deleteSubjectCompatibility('s');
      const last = versions[versions.length - 1]!;
      expect(registry.testCompatibility('s', last).compatible).toBe(accepted);
      if (accepted) expect(registry.registerSchema('s', last).version).toBe(versions.length);
      else expect(codeOf(() => registry.registerSchema('s', last))).toBe(409);
    });

    it("accepts a record whose only change is its namespace, as Confluent (Avro's SchemaCompatibility matches unqualified names)", () => {
      for (const level of ['BACKWARD', 'FORWARD', 'FULL_TRANSITIVE'] as const) {
        const registry = new MockSchemaRegistry({ compatibility: level });
        registry.registerSchema('s', avro({ type: 'record', name: 'User', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }] }));
        expect(registry.registerSchema('s', avro({ type: 'record', name: 'User', namespace: 'org.acme', fields: [{ name: 'id', type: 'string' }] }))).toEqual({ id: 2, version: 2 });
      }
    });

    it("refuses a schema of another type than the subject's versions, as Confluent", () => {
      const registry = new MockSchemaRegistry();
      registry.registerSchema('s', V1);
      const json = { schemaType: 'JSON' as const, schema: '{"type":"object"}' };
      expect(registry.testCompatibility('s', json)).toEqual({ compatible: false, messages: ['the new schema cannot read data written with version 1: Incompatible because of different schema type'] });
      expect(codeOf(() => registry.registerSchema('s', json))).toBe(409);
    });

    it('_TRANSITIVE checks every earlier version, not only the latest', () => {
      // v3 reads v2 (which has b) but not v1 (which has no b, and v3's b has no default).
      const v1 = record({ name: 'a', type: 'int' });
      const v2 = record({ name: 'a', type: 'int', default: 1 }, { name: 'b', type: 'int', default: 2 });
      const v3 = record({ name: 'b', type: 'int' });
      const plain = new MockSchemaRegistry({ compatibility: 'BACKWARD' });
      const transitive = new MockSchemaRegistry({ compatibility: 'BACKWARD_TRANSITIVE' });
      for (const registry of [plain, transitive]) {
        registry.registerSchema('s', v1);
        registry.registerSchema('s', v2);
      }
      expect(plain.registerSchema('s', v3).version).toBe(3);
      const message = (() => {
        try {
          transitive.registerSchema('s', v3);
        } catch (error) {
          return (error as Error).message;
        }
        return 'accepted';
      })();
      expect(message).toMatch(/^Schema being registered is incompatible with an earlier schema for subject "s" \(BACKWARD_TRANSITIVE\): the new schema cannot read data written with version 1: /);
    });

    it('keeps a subject level apart from the global one', () => {
      const registry = new MockSchemaRegistry();
      registry.setCompatibility('NONE', 's');
      expect(registry.getCompatibility('s')).toBe('NONE');
      expect(registry.getCompatibility('t')).toBe('BACKWARD');
      expect(registry.getCompatibility()).toBe('BACKWARD');
      registry.registerSchema('s', A);
      expect(registry.registerSchema('s', C).version).toBe(2);
    });

    it('tests against one given version', () => {
      const registry = new MockSchemaRegistry();
      registry.setCompatibility('NONE', 's');
      registry.registerSchema('s', A);
      registry.registerSchema('s', C);
      registry.setCompatibility('BACKWARD', 's');
      expect(registry.testCompatibility('s', C, 1).compatible).toBe(false);
      expect(registry.testCompatibility('s', C, 'latest').compatible).toBe(true);
    });
  });

  describe('schema identity, as Confluent (canonical form and references)', () => {
    const ordered = { type: 'record', name: 'User', namespace: 'com.acme', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'int', default: 0 }] };
    const shuffled = '{"fields":[{"default":0,"type":"int","name":"id2"}],"namespace":"com.acme","type":"record","name":"User"}';
    const reordered = '{ "namespace": "com.acme", "fields": [ {"type": "string", "name": "id"}, {"default": 0, "name": "n", "type": {"type": "int"}} ], "name": "User", "type": "record" }';

    it('gives the same id and version to an Avro schema registered again with its JSON keys in another order, and finds it by lookup', () => {
      const registry = new MockSchemaRegistry();
      expect(registry.registerSchema('users-value', avro(ordered))).toEqual({ id: 1, version: 1 });
      expect(registry.registerSchema('users-value', { schemaType: 'AVRO', schema: reordered })).toEqual({ id: 1, version: 1 });
      expect(registry.getVersions('users-value')).toEqual([1]);
      expect(registry.lookup('users-value', { schemaType: 'AVRO', schema: reordered })).toMatchObject({ id: 1, version: 1 });
      // Under another subject: the same global id. The stored text is Avro's canonical one.
      expect(registry.registerSchema('other-value', { schemaType: 'AVRO', schema: reordered })).toEqual({ id: 1, version: 1 });
      expect(registry.getSchema(1).schema).toBe(JSON.stringify(ordered));
      // Another schema (other field) is another id.
      expect(registry.registerSchema('third', { schemaType: 'AVRO', schema: shuffled }).id).toBe(2);
    });

    it('tells apart schemas that differ in what Avro keeps: doc, default, aliases, properties', () => {
      const registry = new MockSchemaRegistry({ compatibility: 'NONE' });
      const base = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int', default: 1 }] };
      const ids = [
        base,
        { ...base, doc: 'documented' },
        { ...base, fields: [{ name: 'a', type: 'int', default: 2 }] },
        { ...base, aliases: ['Old'] },
        { ...base, 'x-owner': 'team' },
      ].map((s) => registry.registerSchema('s', avro(s)).id);
      expect(ids).toEqual([1, 2, 3, 4, 5]);
    });

    it('keeps JSON Schema key order significant unless normalizing, as Confluent', () => {
      const a = { schemaType: 'JSON' as const, schema: '{"type":"object","properties":{"n":{"type":"number"}}}' };
      const b = { schemaType: 'JSON' as const, schema: '{ "properties": {"n": {"type": "number"}}, "type": "object" }' };
      const plain = new MockSchemaRegistry({ compatibility: 'NONE' });
      expect(plain.registerSchema('s', a).id).toBe(1);
      expect(plain.registerSchema('s', { ...a, schema: ` ${a.schema.replace(':', ' : ')} ` }).id).toBe(1);
      expect(plain.registerSchema('s', b).id).toBe(2);
      // Normalized, a is b (keys sorted): the existing id, no new version.
      expect(plain.registerSchema('s', a, { normalize: true })).toEqual({ id: 2, version: 2 });
      const normalizing = new MockSchemaRegistry({ normalize: true });
      expect(normalizing.registerSchema('s', a).id).toBe(1);
      expect(normalizing.registerSchema('s', b)).toEqual({ id: 1, version: 1 });
      expect(normalizing.lookup('s', b)).toMatchObject({ id: 1, version: 1 });
    });

    it('stores Protobuf schemas with references, equal whatever their comments and whitespace', () => {
      const registry = new MockSchemaRegistry();
      const money = 'syntax = "proto3";\npackage acme;\nmessage Money { int64 cents = 1; }\n';
      expect(registry.registerSchema('money.proto', { schemaType: 'PROTOBUF', schema: money }).id).toBe(1);
      const order = 'syntax = "proto3";\npackage acme;\nimport "money.proto";\n// an order\nmessage Order {\n  string id = 1;\n  Money total = 2; /* in cents */\n}\n';
      const references = [{ name: 'money.proto', subject: 'money.proto', version: 1 }];
      const { id } = registry.registerSchema('orders-value', { schemaType: 'PROTOBUF', schema: order, references });
      expect(id).toBe(2);
      expect(registry.getSchema(id)).toEqual({ schemaType: 'PROTOBUF', schema: order, references });
      const compact = 'syntax="proto3"; package acme; import "money.proto"; message Order { string id=1; Money total=2; }';
      expect(registry.registerSchema('orders-value', { schemaType: 'PROTOBUF', schema: compact, references })).toEqual({ id: 2, version: 1 });
      expect(registry.lookup('orders-value', { schemaType: 'PROTOBUF', schema: compact, references })).toMatchObject({ id: 2, version: 1 });
      // The same text without its references is another schema; a reference to nothing is refused.
      expect(codeOf(() => registry.lookup('orders-value', { schemaType: 'PROTOBUF', schema: order }))).toBe(40403);
      expect(codeOf(() => registry.registerSchema('x', { schemaType: 'PROTOBUF', schema: order, references: [{ name: 'money.proto', subject: 'money.proto', version: 7 }] }))).toBe(42201);
    });

    it('parses an Avro schema after its references: the referenced type is known and printed by name', () => {
      const registry = new MockSchemaRegistry();
      const Address = { type: 'record', name: 'Address', namespace: 'com.acme', fields: [{ name: 'street', type: 'string' }] };
      registry.registerSchema('com.acme.Address', avro(Address));
      const Customer = { type: 'record', name: 'Customer', namespace: 'com.acme', fields: [{ name: 'home', type: 'Address' }] };
      const references = [{ name: 'com.acme.Address', subject: 'com.acme.Address', version: 1 }];
      // Without its reference, the name is undefined: invalid.
      expect(codeOf(() => registry.registerSchema('customers-value', avro(Customer)))).toBe(42201);
      const { id } = registry.registerSchema('customers-value', { ...avro(Customer), references });
      expect(registry.getSchema(id)).toEqual({ schemaType: 'AVRO', schema: JSON.stringify(Customer), references });
      expect(registry.lookup('customers-value', { ...avro({ fields: Customer.fields, name: 'Customer', type: 'record', namespace: 'com.acme' }), references }).id).toBe(id);
    });
  });

  it('fails every call while unavailable, as a registry that is down', async () => {
    const registry = new MockSchemaRegistry();
    registry.setAvailable(false);
    expect(() => registry.register('s', V1)).toThrow(expect.objectContaining({ retriable: true, status: 503 }) as Error);
    registry.setAvailable(true);
    expect(await registry.register('s', V1)).toBe(1);
  });
});
