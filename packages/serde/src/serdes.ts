import { avroSerde } from './avro/avro-serde.js';
import { jsonSerde } from './json.js';
import { registryAvroSerde } from './registry/registry-avro-serde.js';
import { registryJsonSerde } from './registry/registry-json-serde.js';
import { registryProtobufSerde } from './protobuf/registry-protobuf-serde.js';
import {
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

/**
 * The built-in serdes in one place, as Kafka's `Serdes` class gathers them: `serdes.string()`,
 * `serdes.int64()`, `serdes.json<T>()`, `serdes.avro({ schema })`, and the schema-registry serdes
 * `serdes.registryAvro(...)`, `serdes.registryJson(...)` and `serdes.registryProtobuf(...)`. Each factory returns a `Serde`; the
 * stateless ones return one shared instance. The numbers write the same bytes as Kafka's Java serdes, so topics can be
 * shared with Java and Kafka Streams apps.
 *
 * @example
 * builder
 *   .source('text-lines', { key: serdes.string(), value: serdes.string() })
 *   // ...
 *   .sink('word-counts', { key: serdes.string(), value: serdes.int64() });
 */
export const serdes = Object.freeze({
  /** UTF-8 strings (`Serdes.String()`). See {@link stringSerde}. */
  string: stringSerde,
  /** Raw bytes, passed through (`Serdes.ByteArray()`). See {@link bytesSerde}. */
  bytes: bytesSerde,
  /** 16-bit integers, 2 bytes big-endian (`Serdes.Short()`). See {@link int16Serde}. */
  int16: int16Serde,
  /** 32-bit integers, 4 bytes big-endian (`Serdes.Integer()`). See {@link int32Serde}. */
  int32: int32Serde,
  /** 64-bit integers as `bigint`, 8 bytes big-endian (`Serdes.Long()`). See {@link int64Serde}. */
  int64: int64Serde,
  /** 32-bit floats, 4 bytes big-endian (`Serdes.Float()`). See {@link float32Serde}. */
  float32: float32Serde,
  /** Alias of `serdes.float32` ({@link float32Serde}), after Java's `Serdes.Float()`. */
  float: float32Serde,
  /** 64-bit doubles, 8 bytes big-endian (`Serdes.Double()`). See {@link float64Serde}. */
  float64: float64Serde,
  /** Alias of `serdes.float64` ({@link float64Serde}), after Java's `Serdes.Double()`. */
  double: float64Serde,
  /** Booleans as one byte 0x01 / 0x00 (`Serdes.Boolean()`). See {@link booleanSerde}. */
  boolean: booleanSerde,
  /** UUID strings as their text (`Serdes.UUID()`). See {@link uuidSerde}. */
  uuid: uuidSerde,
  /** Keys or values that are always null (`Serdes.Void()`). See {@link voidSerde}. */
  void: voidSerde,
  /** UTF-8 JSON, optionally checked by a schema or a `parse` hook. See {@link jsonSerde}. */
  json: jsonSerde,
  /** Plain Avro binary with a schema (and an optional writer schema). See {@link avroSerde}. */
  avro: avroSerde,
  /** Avro in the Confluent wire format with a schema registry. See {@link registryAvroSerde}. */
  registryAvro: registryAvroSerde,
  /** JSON Schema in the Confluent wire format with a schema registry. See {@link registryJsonSerde}. */
  registryJson: registryJsonSerde,
  /** Protobuf in the Confluent wire format with a schema registry. See {@link registryProtobufSerde}. */
  registryProtobuf: registryProtobufSerde,
});
