/**
 * `@rivulet/serde`: how keys and values become bytes and back. Strings, bytes and numbers
 * byte-compatible with Kafka's Java serdes, JSON (with a schema if wanted), Avro, and Avro,
 * JSON Schema and Protobuf in the Confluent wire format with a schema registry; gathered under {@link serdes}.
 *
 * @packageDocumentation
 * @module \@rivulet/serde
 */
export { SerdeError } from './serde.js';
export type { HeaderValue, Headers, Serde, SerdeErrorCode, SerdeErrorContext, SerdeType } from './serde.js';
export {
  IncompatibleSchemaError,
  InvalidJsonError,
  SchemaMismatchError,
  SchemaRegistryError,
  SchemaRegistryRefusedError,
  SchemaRegistryUnavailableError,
  TruncatedPayloadError,
  UnknownSchemaIdError,
  WrongMagicByteError,
} from './errors.js';
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
export type { StandardSchemaIssue, StandardSchemaOutput, StandardSchemaResult, StandardSchemaV1 } from './standard-schema.js';

// Avro
export { avroSerde } from './avro/avro-serde.js';
export type { AvroSerdeOptions } from './avro/avro-serde.js';
export { checkAvroResolution } from './avro/avro-resolution.js';
export type { AvroLongs, AvroSchema, AvroSchemaObject, AvroValue } from './avro/avro-schema.js';
export type { LogicalTypeValues } from './avro/logical-types.js';
export type { AvroDuration } from './avro/logical-duration.js';

// Schema registry
export { registryAvroSerde } from './registry/registry-avro-serde.js';
export type { RegistryAvroSerdeOptions } from './registry/registry-avro-serde.js';
export { registryJsonSerde } from './registry/registry-json-serde.js';
export type { RegistryJsonSerdeOptions } from './registry/registry-json-serde.js';
export { registryProtobufSerde } from './protobuf/registry-protobuf-serde.js';
export type { RegistryProtobufSerdeOptions } from './protobuf/registry-protobuf-serde.js';
export type { RegistrySerdeOptions } from './registry/registry-serde-options.js';
export type { SubjectNameContext, SubjectNameStrategy } from './registry/subject-name-strategy.js';
export { schemaRegistryClient } from './registry/confluent-schema-registry-client.js';
export type { SchemaRegistryClientOptions } from './registry/confluent-schema-registry-client.js';
export type { SchemaRegistryAuth, SchemaRegistryTlsOptions } from './registry/registry-connection.js';
export { SCHEMA_REGISTRY_ERROR_CODES, SchemaRegistryClientError } from './registry/schema-registry-client.js';
export type {
  SchemaDefinition,
  SchemaReference,
  SchemaRegistryClient,
  SchemaType,
  SubjectVersion,
} from './registry/schema-registry-client.js';
export type { RetryOptions } from './registry/retry.js';
