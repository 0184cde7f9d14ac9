/**
 * MockSchemaRegistry's answers for the cases of avro-compatibility-cases.ts, in the shape of the
 * Java reference's (AvroCompatibility.java), so the two compare with one `toEqual`.
 */
import { SchemaRegistryClientError } from '@rivulet/serde';
import { AvroParser } from '../../src/mock-schema-registry/avro-schema.js';
import { AvroCompatibilityError, checkReaderWriterCompatibility } from '../../src/mock-schema-registry/avro-compatibility.js';
import { MockSchemaRegistry } from '../../src/mock-schema-registry/mock-schema-registry.js';
import { schemaText } from './avro-compatibility-cases.js';
import type { AvroVerdicts, SchemaCase } from './avro-compatibility-cases.js';

type PairVerdict = AvroVerdicts['pairs'][string];
type SchemaVerdict = AvroVerdicts['schemas'][string];

/** Errors compare by their presence only: the messages are each library's own. */
export const comparable = <T extends object>(verdict: T): T | { error: true } => ('error' in verdict ? { error: true } : verdict);

/** The mock's Avro SchemaCompatibility verdict for a (reader, writer) pair. */
export function mockPairVerdict(reader: string, writer: string): PairVerdict {
  try {
    const result = checkReaderWriterCompatibility(new AvroParser().parse(reader), new AvroParser().parse(writer));
    return { compatible: result.compatible, incompatibilities: result.incompatibilities.map(({ type, location, message }) => ({ type, location, message })) };
  } catch (error) {
    if (error instanceof AvroCompatibilityError) return { error: error.message };
    throw error;
  }
}

/**
 * What the mock registry stores for a schema case (its canonical text), registering its references
 * under subjects of their own first; `{ error }` when the registry refuses it with 42201.
 */
export function mockSchemaVerdict(c: SchemaCase): SchemaVerdict {
  const registry = new MockSchemaRegistry({ compatibility: 'NONE' });
  try {
    const references = (c.references ?? []).map((ref, i) => {
      registry.registerSchema(`ref-${i}`, { schemaType: 'AVRO', schema: schemaText(ref) });
      return { name: `ref${i}`, subject: `ref-${i}`, version: 1 };
    });
    const { id } = registry.registerSchema('case', { schemaType: 'AVRO', schema: schemaText(c.schema), ...(references.length > 0 ? { references } : {}) });
    return { canonical: registry.getSchema(id).schema };
  } catch (error) {
    if (error instanceof SchemaRegistryClientError && error.errorCode === 42201) return { error: error.message };
    throw error;
  }
}
