/**
 * MockSchemaRegistry's Avro behaviour against Avro's own Java library, without Java: the verdicts
 * in test/fixtures/avro-compatibility-verdicts.json were printed by
 * test/support/java/AvroCompatibility.java (Avro 1.12, the SchemaCompatibility Confluent's registry
 * calls), and test/avro-compatibility-java.int.test.ts re-runs Java and checks the file is current.
 *
 * One case Confluent decides on top of Avro: 'a field alias that matches two old fields' makes Avro
 * throw; Confluent catches the exception and reports the schema incompatible, so the mock refuses
 * it under BACKWARD and FULL (and the fixture only records that Avro threw).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MockSchemaRegistry } from '../../src/mock-schema-registry/mock-schema-registry.js';
import type { CompatibilityLevel } from '../../src/mock-schema-registry/compatibility.js';
import { EVOLUTION_CASES, SCHEMA_CASES, evolutionPairs, schemaText } from '../support/avro-compatibility-cases.js';
import type { AvroVerdicts } from '../support/avro-compatibility-cases.js';
import { comparable, mockPairVerdict, mockSchemaVerdict } from '../support/avro-verdicts.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/avro-compatibility-verdicts.json', import.meta.url), 'utf8')) as AvroVerdicts;
const compatible = (id: string): boolean => {
  const verdict = fixture.pairs[id]!;
  return 'error' in verdict ? false : verdict.compatible;
};

describe("MockSchemaRegistry's Avro compatibility and identity agree with Avro's Java library (checked-in verdicts)", () => {
  it('has a verdict for every case of the table, and no other', () => {
    expect(Object.keys(fixture.pairs).sort()).toEqual(evolutionPairs().map((p) => p.id).sort());
    expect(Object.keys(fixture.schemas).sort()).toEqual(SCHEMA_CASES.map((c) => c.name).sort());
    expect(EVOLUTION_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(evolutionPairs())('SchemaCompatibility: $id', ({ id, reader, writer }) => {
    expect(comparable(mockPairVerdict(reader, writer))).toEqual(comparable(fixture.pairs[id]!));
  });

  it.each(EVOLUTION_CASES)('registry under BACKWARD, FORWARD and FULL: $name', (c) => {
    const backward = compatible(`${c.name} :: backward`);
    const forward = compatible(`${c.name} :: forward`);
    const expected: [CompatibilityLevel, boolean][] = [
      ['BACKWARD', backward],
      ['FORWARD', forward],
      ['FULL', backward && forward],
      ['NONE', true],
    ];
    for (const [level, accepted] of expected) {
      const registry = new MockSchemaRegistry({ compatibility: level });
      registry.registerSchema('s', { schemaType: 'AVRO', schema: schemaText(c.old) });
      const next = { schemaType: 'AVRO' as const, schema: schemaText(c.new) };
      expect({ level, accepted: registry.testCompatibility('s', next).compatible }).toEqual({ level, accepted });
      if (accepted) expect(registry.registerSchema('s', next).version).toBe(2);
      else expect(() => registry.registerSchema('s', next)).toThrow(expect.objectContaining({ status: 409, errorCode: 409 }) as Error);
    }
  });

  it.each(SCHEMA_CASES)('canonical text (or 42201): $name', (c) => {
    expect(comparable(mockSchemaVerdict(c))).toEqual(comparable(fixture.schemas[c.name]!));
  });
});
