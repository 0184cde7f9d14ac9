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

  it('fails every call while unavailable, as a registry that is down', async () => {
    const registry = new MockSchemaRegistry();
    registry.setAvailable(false);
    expect(() => registry.register('s', V1)).toThrow(expect.objectContaining({ retriable: true, status: 503 }) as Error);
    registry.setAvailable(true);
    expect(await registry.register('s', V1)).toBe(1);
  });
});
