import { AvroCompatibilityError, checkReaderWriterCompatibility } from './avro-compatibility.js';
import type { AvroCompatibilityResult } from './avro-compatibility.js';
import type { ParsedSchema } from './schema-identity.js';

/** The compatibility levels of a Confluent Schema Registry subject. */
export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

/** @internal */
export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

/** @internal */
export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/**
 * Confluent's `isBackwardCompatible(previous)` of a schema: whether `reader` reads data written with
 * `writer`, one message per problem. Avro pairs go through Avro's SchemaCompatibility (see
 * avro-compatibility.ts); schemas of different types never are; JSON Schema and Protobuf pairs are
 * not checked (taken as compatible).
 */
function readProblems(reader: ParsedSchema, writer: ParsedSchema): string[] {
  if (reader.schemaType !== writer.schemaType) return ['Incompatible because of different schema type'];
  if (reader.avro === undefined || writer.avro === undefined) return [];
  let result: AvroCompatibilityResult;
  try {
    result = checkReaderWriterCompatibility(reader.avro, writer.avro);
  } catch (error) {
    // Confluent catches what Avro throws and refuses the schema with its message.
    if (error instanceof AvroCompatibilityError) return [`Unexpected exception during compatibility check: ${error.message}`];
    throw error;
  }
  return result.incompatibilities.map((i) => `{errorType:'${i.type}', location:'${i.location}', additionalInfo:'${i.message}'}`);
}

/**
 * The reasons a new schema breaks `level` against a subject's earlier versions (oldest first), or
 * an empty list when it is compatible:
 * - BACKWARD: the new schema can read data written with the latest one (consumers upgrade first);
 * - FORWARD: the latest schema can read data written with the new one (producers upgrade first);
 * - FULL: both; the `_TRANSITIVE` levels check every earlier version rather than the latest only.
 *
 * @internal
 */
export function incompatibilities(level: CompatibilityLevel, candidate: ParsedSchema, earlier: readonly { version: number; schema: ParsedSchema }[]): string[] {
  if (level === 'NONE' || earlier.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? earlier : earlier.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const reasons: string[] = [];
  for (const { version, schema } of against) {
    if (backward) {
      const problems = readProblems(candidate, schema);
      if (problems.length > 0) reasons.push(`the new schema cannot read data written with version ${version}: ${problems.join(', ')}`);
    }
    if (forward) {
      const problems = readProblems(schema, candidate);
      if (problems.length > 0) reasons.push(`version ${version} cannot read data written with the new schema: ${problems.join(', ')}`);
    }
  }
  return reasons;
}
