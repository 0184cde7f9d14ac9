import { checkAvroResolution } from '@rivulet/serde';

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
 * The reasons a new Avro schema breaks `level` against a subject's earlier versions (oldest
 * first), or an empty list when it is compatible:
 * - BACKWARD: the new schema can read data written with the latest one (consumers upgrade first);
 * - FORWARD: the latest schema can read data written with the new one (producers upgrade first);
 * - FULL: both; the `_TRANSITIVE` levels check every earlier version rather than the latest only.
 *
 * Resolution is avsc's (through `checkAvroResolution` of `@rivulet/serde`).
 *
 * @internal
 */
export function avroIncompatibilities(level: CompatibilityLevel, candidate: string, earlier: readonly { version: number; schema: string }[]): string[] {
  if (level === 'NONE' || earlier.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? earlier : earlier.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const reasons: string[] = [];
  for (const { version, schema } of against) {
    if (backward) {
      const reason = checkAvroResolution(candidate, schema);
      if (reason !== undefined) reasons.push(`the new schema cannot read data written with version ${version}: ${reason}`);
    }
    if (forward) {
      const reason = checkAvroResolution(schema, candidate);
      if (reason !== undefined) reasons.push(`version ${version} cannot read data written with the new schema: ${reason}`);
    }
  }
  return reasons;
}
