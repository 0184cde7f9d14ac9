import { errorMessage } from '../internal/serde-errors.js';
import type { AvroLongs, AvroSchema } from './avro-schema.js';
import { avroType, resolverFor } from './avro-types.js';

/**
 * Why data written with `writer` cannot be read with `reader` under Avro schema resolution (a
 * reader field with no default and no writer field, a type that does not promote, an enum symbol
 * the reader lacks, a record name with no alias), or undefined when it can. This is the check
 * behind a registry's compatibility levels: BACKWARD asks whether the new schema can read the old,
 * FORWARD the reverse. Throws a TypeError when either schema is not a valid Avro schema.
 *
 * @example
 * checkAvroResolution(UserV2, UserV1); // undefined: v2 reads v1 data (its new field has a default)
 * checkAvroResolution(UserV1, UserV2); // undefined too, if v1 ignores the new field
 */
export function checkAvroResolution(reader: AvroSchema, writer: AvroSchema, longs: AvroLongs = 'number'): string | undefined {
  const types = [reader, writer].map((schema, i) => {
    try {
      return avroType(schema, longs);
    } catch (error) {
      throw new TypeError(`checkAvroResolution: the ${i === 0 ? 'reader' : 'writer'} is not a valid Avro schema: ${errorMessage(error)}`, { cause: error });
    }
  });
  try {
    resolverFor(types[0]!, types[1]!);
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}
