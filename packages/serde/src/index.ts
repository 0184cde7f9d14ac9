/**
 * `@rivulet/serde`: how keys and values become bytes and back. Strings, bytes and numbers
 * byte-compatible with Kafka's Java serdes, and JSON; gathered under {@link serdes}.
 *
 * @packageDocumentation
 */
export { SerdeError } from './serde.js';
export type { HeaderValue, Headers, Serde, SerdeErrorContext, SerdeType } from './serde.js';
export { serdes } from './serdes.js';
export {
  booleanSerde,
  bytesSerde,
  float32Serde,
  float64Serde,
  int16Serde,
  int32Serde,
  int64Serde,
  stringSerde,
  uuidSerde,
  voidSerde,
} from './primitives.js';
export { jsonSerde } from './json.js';
export type { JsonSerdeOptions } from './json.js';
