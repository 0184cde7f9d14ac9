import type { Resolver, Type } from 'avsc';
import type { AvroLongs, AvroSchema, AvroValue } from '../avro/avro-schema.js';
import { decodeAvro, encodeAvro } from '../avro/avro-codec.js';
import { avroSerdeName, avroTypeOption, longsOption } from '../avro/avro-serde.js';
import { avroType, normalizeSchema, resolverFor } from '../avro/avro-types.js';
import { IncompatibleSchemaError } from '../errors.js';
import type { Serde } from '../serde.js';
import { avroPayloadGuard, payloadFaultError } from '../internal/avro-payload-guard.js';
import type { AvroPayloadGuard } from '../internal/avro-payload-guard.js';
import { asSerdeError, errorMessage } from '../internal/serde-errors.js';
import { contextOf, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { RegistrySchemaCache } from './registry-schema-cache.js';
import { resolveRegistryOptions } from './registry-serde-options.js';
import type { RegistrySerdeOptions } from './registry-serde-options.js';
import type { SchemaDefinition } from './schema-registry-client.js';
import { validateSubjectNameStrategy } from './subject-name-strategy.js';
import { HEADER_LENGTH } from '../internal/wire-format-header.js';
import { readSchemaId, writeHeader } from './wire-format.js';

/** Options of {@link registryAvroSerde}. */
export interface RegistryAvroSerdeOptions<S extends AvroSchema = AvroSchema, L extends AvroLongs = AvroLongs> extends RegistrySerdeOptions {
  /**
   * The app's schema: values are written with it (registered, or looked up, under the subject)
   * and records are read into it, whatever schema they were written with, through Avro schema
   * resolution. Without it, records are read with their writer's schema, and writing needs
   * `useLatestVersion`.
   */
  schema?: S;
  /** `bigint` reads and writes `long` as bigint, exact beyond 2^53; `number` (default) as numbers. */
  longs?: L;
}

/** Where a topic's records are written: the schema id and the type to encode with. */
interface WriteTarget {
  readonly id: number;
  readonly type: Type;
}

/** How records written with one schema id are read: the reader type and the resolver, or why they cannot be. */
interface ReadPlan {
  /** The reader type; undefined only with `incompatible` set. */
  readonly type: Type | undefined;
  readonly resolver: Resolver | undefined;
  readonly writerLabel: string;
  /** Set when the reader cannot read this writer: each such record fails with this, without asking again. */
  readonly incompatible: string | undefined;
  /** Checks the block counts of a payload before avsc decodes it, for writer schemas with arrays or maps. */
  readonly guard: AvroPayloadGuard | undefined;
}

/** Ids above this do not fit the Avro codec's signed header write: their header is written here. */
const MAX_INT32 = 0x7fffffff;

const FACTORY = 'registryAvroSerde';

class RegistryAvroSerde implements Serde<unknown> {
  readonly name: string;
  private readonly label: SerdeLabel;
  private readonly longs: AvroLongs;
  /** The serde's own schema, or undefined to read with the writer's. */
  private readonly reader: Type | undefined;
  private readonly cache: RegistrySchemaCache<WriteTarget, ReadPlan>;

  constructor(options: RegistryAvroSerdeOptions) {
    const resolved = resolveRegistryOptions(FACTORY, options);
    this.longs = longsOption(FACTORY, options.longs);
    let definition: SchemaDefinition | undefined;
    if (options.schema !== undefined) {
      this.reader = avroTypeOption(FACTORY, 'schema', options.schema, this.longs);
      definition = { schemaType: 'AVRO', schema: normalizeSchema(options.schema).text };
    }
    const strategy = validateSubjectNameStrategy(FACTORY, options.subjectNameStrategy, this.reader?.name, 'an Avro schema without a name');
    this.name = this.reader === undefined ? 'avro-registry' : avroSerdeName('avro-registry', this.reader);
    this.label = Object.freeze({ serde: this.name, part: resolved.part });
    this.cache = new RegistrySchemaCache<WriteTarget, ReadPlan>({
      factory: FACTORY,
      label: this.label,
      schemaType: 'AVRO',
      schemaTypeName: 'Avro',
      options: resolved,
      strategy,
      recordName: this.reader?.name,
      definition,
      ownTarget: (id) => ({ id, type: this.reader! }),
      latestTarget: (version) => ({ id: version.id, type: avroType(version.schema, this.longs) }),
      planFor: (id, d) => this.planFor(id, d),
    });
  }

  serialize(topic: string, value: unknown): Buffer | Promise<Buffer> {
    const target = this.cache.writeTarget(topic);
    if (target instanceof Promise) return target.then((t) => this.write(t, topic, value));
    return this.write(target, topic, value);
  }

  private write(target: WriteTarget, topic: string, value: unknown): Buffer {
    try {
      if (target.id <= MAX_INT32) return encodeAvro(target.type, value, target.id, this.label, topic);
      // A schema id of 2^31 or more (unsigned in the wire format): encode the payload alone, then prefix it.
      const payload = encodeAvro(target.type, value, -1, this.label, topic);
      const out = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
      writeHeader(out, target.id);
      payload.copy(out, HEADER_LENGTH);
      return out;
    } catch (error) {
      // The codec names the fields of a value that does not fit; anything else it throws is typed here.
      throw asSerdeError(error, { ...contextOf(this.label, topic), schemaId: target.id }, 'cannot serialize the value');
    }
  }

  deserialize(topic: string, data: Buffer): unknown {
    const id = readSchemaId(data, this.label, topic);
    const plan = this.cache.readPlan(id, topic);
    if (plan instanceof Promise) return plan.then((p) => this.read(p, id, topic, data));
    return this.read(plan, id, topic, data);
  }

  private read(plan: ReadPlan, id: number, topic: string, data: Buffer): unknown {
    if (plan.incompatible !== undefined) {
      const context = { ...contextOf(this.label, topic), schemaId: id };
      throw new IncompatibleSchemaError(`${this.name}: ${plan.incompatible} ${whereSuffix(context)}`, context, { schemaId: id });
    }
    if (plan.guard !== undefined) {
      const fault = plan.guard(data, HEADER_LENGTH);
      if (fault !== undefined) throw payloadFaultError(fault, this.name, plan.writerLabel, { ...contextOf(this.label, topic), schemaId: id }, data.length);
    }
    try {
      return decodeAvro(plan.type!, data, HEADER_LENGTH, plan.resolver, this.label, topic, plan.writerLabel);
    } catch (error) {
      // Every failure after the header carries the schema id it was written with.
      throw asSerdeError(error, { ...contextOf(this.label, topic), schemaId: id }, `cannot read the payload written with ${plan.writerLabel}`);
    }
  }



  private planFor(id: number, definition: SchemaDefinition): ReadPlan {
    const writerLabel = `writer schema id ${id}`;
    if (definition.schemaType !== 'AVRO') {
      return { type: this.reader, resolver: undefined, writerLabel, incompatible: `schema id ${id} is a ${definition.schemaType} schema, not Avro`, guard: undefined };
    }
    let writer: Type;
    try {
      writer = avroType(definition.schema, this.longs);
    } catch (error) {
      return { type: this.reader, resolver: undefined, writerLabel, incompatible: `schema id ${id} is not a valid Avro schema: ${errorMessage(error)}`, guard: undefined };
    }
    const reader = this.reader ?? writer;
    try {
      return { type: reader, resolver: resolverFor(reader, writer), writerLabel, incompatible: undefined, guard: avroPayloadGuard(writer) };
    } catch (error) {
      return {
        type: reader,
        resolver: undefined,
        writerLabel,
        incompatible: `the reader schema ${reader.name ?? reader.typeName} cannot read records written with schema id ${id}: ${errorMessage(error)}`,
        guard: undefined,
      };
    }
  }
}

/**
 * Avro values in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary), with
 * the schema in a Confluent Schema Registry: the format Java's `KafkaAvroSerializer` writes and
 * `KafkaAvroDeserializer` reads, so topics are shared with Java, Kafka Streams and ksqlDB apps.
 *
 * Writing registers the serde's schema under its subject (or looks it up, with `autoRegister:
 * false`; or takes the subject's latest, with `useLatestVersion`) once per topic, and prefixes each
 * record with its id. Reading fetches each writer schema by id once and reads records into the
 * serde's schema through a resolver built once per id (schema evolution: defaults, aliases,
 * promotions). Until those are cached, `serialize` and `deserialize` return Promises (unless the
 * registry client answers synchronously, as `MockSchemaRegistry` does in process); after, plain
 * values, with no registry call per record.
 *
 * Bad data throws typed errors: `WrongMagicByteError`, `TruncatedPayloadError`,
 * `UnknownSchemaIdError`, `IncompatibleSchemaError` (the registry refused the schema, or the
 * reader cannot read the writer), `SchemaMismatchError` (a value that does not fit), and
 * `SchemaRegistryUnavailableError` once the client's retries are spent.
 *
 * Values are typed as with {@link avroSerde}: inferred from a schema declared `as const`, or given.
 *
 * @example
 * const registry = schemaRegistryClient({ url: 'http://localhost:8081' });
 * const topology = new Topology()
 *   .addSource('in', 'users', { key: serdes.string(), value: registryAvroSerde({ registry, schema: UserV2 }) })
 *   .addSink('out', 'users-v2', { key: serdes.string(), value: registryAvroSerde({ registry, schema: UserV2 }) }, 'in');
 *
 * @example
 * // A key serde, with the record name as subject.
 * const keys = registryAvroSerde({ registry, schema: UserKey, part: 'key', subjectNameStrategy: 'record' });
 */
export function registryAvroSerde<const S extends AvroSchema, const L extends AvroLongs = 'number'>(
  options: RegistryAvroSerdeOptions<S, L> & { schema: S },
): Serde<AvroValue<S, L>>;
export function registryAvroSerde<T = unknown>(options: RegistryAvroSerdeOptions): Serde<T>;
export function registryAvroSerde(options: RegistryAvroSerdeOptions): Serde<unknown> {
  return new RegistryAvroSerde(options);
}
