import protobuf from 'protobufjs';
import type { IConversionOptions, Type } from 'protobufjs';
import { IncompatibleSchemaError, SchemaMismatchError, TruncatedPayloadError } from '../errors.js';
import type { Serde, SerdeErrorContext } from '../serde.js';
import { errorMessage } from '../internal/serde-errors.js';
import { contextOf, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { HEADER_LENGTH } from '../internal/wire-format-header.js';
import { resolveRegistryOptions } from '../registry/registry-serde-options.js';
import type { RegistrySerdeOptions } from '../registry/registry-serde-options.js';
import { validateSubjectNameStrategy } from '../registry/subject-name-strategy.js';
import { readSchemaId } from '../registry/wire-format.js';
import { decodeMessageIndexes } from './message-indexes.js';
import { ProtoChecker } from './proto-check.js';
import { conversionOptions, decodeProto, encodeProto } from './proto-codec.js';
import type { ProtoReadOptions } from './proto-codec.js';
import { ProtoRegistry } from './proto-registry.js';
import type { ReadPlan, WriteTarget } from './proto-registry.js';
import { ProtoSchema, messageName } from './proto-schema.js';

/** Options of {@link registryProtobufSerde}. */
export interface RegistryProtobufSerdeOptions extends RegistrySerdeOptions {
  /**
   * The app's .proto file, as text: registered (or looked up) under the subject, with the files it
   * imports registered as its references, and used to read records (by message name, so fields
   * added or removed since the writer's schema take their defaults or are dropped). Without it,
   * records are read with their writer's schema, and writing needs `useLatestVersion`.
   */
  schema?: string;
  /**
   * The text of each file `schema` imports, by import path (`'acme/money.proto': '...'`), and of
   * the files they import. Each is registered under a subject named after its import path, as
   * Confluent's default reference subject name strategy does. Google's well-known types
   * (`google/protobuf/timestamp.proto` and the others protobufjs bundles) need not be given: they
   * are built in, for Confluent too, and never registered.
   */
  imports?: Readonly<Record<string, string>>;
  /**
   * The message written, by full name (`acme.orders.Order`, `acme.orders.Order.Line`); default the
   * first message of `schema` (or of the subject's latest schema, with `useLatestVersion`). Its full
   * name is the record name of the `record` and `topic-record` subject name strategies.
   */
  messageType?: string;
  /** How 64-bit integers are read: `bigint` (default) or decimal `string`. Both are exact; there is no lossy `number`. */
  longs?: 'bigint' | 'string';
  /** How enums are read: by `string` name (default) or `number`. A value the schema does not name is read as its number. */
  enums?: 'string' | 'number';
  /**
   * Whether fields a record does not carry are read as their defaults (default true): 0, `''`,
   * `false`, `0n`, the first enum value, `[]`, `{}`, and `null` for a message field. False leaves
   * them out. Proto3 `optional` fields, oneof members and message fields are left out when unset
   * either way, except message fields, which are `null` with `defaults`.
   */
  defaults?: boolean;
  /** Field names as declared in the .proto (`proto`, default: `order_id`) or as protobufjs's camelCase (`camelCase`: `orderId`). */
  fieldNames?: 'proto' | 'camelCase';
}

const FACTORY = 'registryProtobufSerde';
/** The name of the serde's own .proto in messages. */
const OWN_FILE = 'options.schema';

class RegistryProtobufSerde implements Serde<unknown> {
  readonly name: string;
  private readonly label: SerdeLabel;
  private readonly checker = new ProtoChecker();
  private readonly conversion: IConversionOptions;
  private readonly own: ProtoSchema | undefined;
  private readonly registry: ProtoRegistry;

  constructor(options: RegistryProtobufSerdeOptions) {
    const resolved = resolveRegistryOptions(FACTORY, options);
    const read = readOptions(options);
    this.conversion = conversionOptions(read);
    const keepCase = oneOf('fieldNames', options.fieldNames, ['proto', 'camelCase'], 'proto') === 'proto';
    const imports = importsOption(options.imports);
    if (options.messageType !== undefined && (typeof options.messageType !== 'string' || options.messageType === '')) {
      throw new TypeError(`${FACTORY}: options.messageType must be a message's full name like 'acme.orders.Order', got ${JSON.stringify(options.messageType)}`);
    }
    let ownType: Type | undefined;
    if (options.schema !== undefined) {
      if (typeof options.schema !== 'string') {
        throw new TypeError(`${FACTORY}: options.schema must be the text of a .proto file, got ${typeof options.schema}`);
      }
      try {
        this.own = ProtoSchema.parse(OWN_FILE, options.schema, { keepCase, importText: (path) => imports.get(path) });
      } catch (error) {
        throw new TypeError(`${FACTORY}: options.schema is not a usable .proto: ${errorMessage(error)}`, { cause: error });
      }
      ownType = options.messageType === undefined ? this.own.firstMessage : this.own.message(options.messageType);
      if (ownType === undefined) {
        throw new TypeError(`${FACTORY}: options.messageType ${JSON.stringify(options.messageType)} is not a message of options.schema`);
      }
      if (this.own.indexesOf(ownType) === undefined) {
        throw new TypeError(`${FACTORY}: options.messageType ${JSON.stringify(options.messageType)} is defined in an imported file, not in options.schema itself`);
      }
    }
    const recordName = ownType === undefined ? options.messageType : messageName(ownType);
    const strategy = validateSubjectNameStrategy(FACTORY, options.subjectNameStrategy, recordName, 'give options.schema or options.messageType');
    this.name = recordName === undefined ? 'protobuf-registry' : `protobuf-registry(${recordName})`;
    this.label = Object.freeze({ serde: this.name, part: resolved.part });
    this.registry = new ProtoRegistry({
      factory: FACTORY,
      label: this.label,
      options: resolved,
      strategy,
      recordName,
      keepCase,
      own: this.own === undefined ? undefined : { schema: this.own, text: options.schema!, imports, type: ownType! },
      messageType: options.messageType,
    });
  }

  serialize(topic: string, value: unknown): Buffer | Promise<Buffer> {
    const target = this.registry.writeTarget(topic);
    if (target instanceof Promise) return target.then((t) => this.write(t, topic, value));
    return this.write(target, topic, value);
  }

  deserialize(topic: string, data: Buffer): unknown {
    const id = readSchemaId(data, this.label, topic);
    const plan = this.registry.readPlan(id, topic);
    if (plan instanceof Promise) return plan.then((p) => this.read(p, id, topic, data));
    return this.read(plan, id, topic, data);
  }

  private write(target: WriteTarget, topic: string, value: unknown): Buffer {
    return encodeProto(target.type, this.checker, target.header, value, { ...contextOf(this.label, topic), schemaId: target.id });
  }

  private read(plan: ReadPlan, id: number, topic: string, data: Buffer): unknown {
    const found = decodeMessageIndexes(data, HEADER_LENGTH);
    if (!found.ok) {
      const context = this.context(topic, id);
      const message = `${this.name}: ${found.reason} (schema id ${id}) ${whereSuffix(context)}`;
      throw found.truncated ? new TruncatedPayloadError(message, context, data.length) : new SchemaMismatchError(message, context, []);
    }
    const type = plan.typeAt(found.indexes);
    if (!(type instanceof protobuf.Type)) {
      const context = this.context(topic, id);
      throw type.incompatible
        ? new IncompatibleSchemaError(`${this.name}: ${type.reason} ${whereSuffix(context)}`, context, { schemaId: id })
        : new SchemaMismatchError(`${this.name}: ${type.reason} ${whereSuffix(context)}`, context, []);
    }
    return decodeProto(type, data, found.end, this.conversion, this.context(topic, id), plan.writerLabel);
  }

  private context(topic: string, schemaId: number): SerdeErrorContext {
    return { ...contextOf(this.label, topic), schemaId };
  }
}

function readOptions(options: RegistryProtobufSerdeOptions): ProtoReadOptions {
  if (options.defaults !== undefined && typeof options.defaults !== 'boolean') {
    throw new TypeError(`${FACTORY}: options.defaults must be a boolean, got ${JSON.stringify(options.defaults)}`);
  }
  return {
    longs: oneOf('longs', options.longs, ['bigint', 'string'], 'bigint'),
    enums: oneOf('enums', options.enums, ['string', 'number'], 'string'),
    defaults: options.defaults ?? true,
  };
}

function oneOf<T extends string>(option: string, value: T | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value)) {
    throw new TypeError(`${FACTORY}: options.${option} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function importsOption(imports: unknown): ReadonlyMap<string, string> {
  if (imports === undefined) return new Map();
  if (typeof imports !== 'object' || imports === null || Array.isArray(imports)) {
    throw new TypeError(`${FACTORY}: options.imports must map import paths to .proto texts, e.g. { 'acme/money.proto': '...' }`);
  }
  const map = new Map<string, string>();
  for (const [path, text] of Object.entries(imports)) {
    if (typeof text !== 'string') throw new TypeError(`${FACTORY}: options.imports[${JSON.stringify(path)}] must be the text of a .proto file, got ${typeof text}`);
    map.set(path, text);
  }
  return map;
}

/**
 * Protobuf values in Confluent's wire format (magic byte 0, 4-byte schema id, the message-index
 * path of the message type in its .proto, then the Protobuf binary), with the schema in a
 * Confluent Schema Registry: what Java's `KafkaProtobufSerializer` writes and
 * `KafkaProtobufDeserializer` reads. Built on protobufjs.
 *
 * Writing checks each value against the message type (every field that does not fit is named in
 * a `SchemaMismatchError`; an unknown field is refused rather than dropped), registers the schema
 * once per topic (the files it imports first, as references; or looks it up, or takes the latest
 * version), and encodes. Reading fetches each writer schema id once (with its references), finds
 * the message type by its indexes and decodes it into a plain object: with the serde's own schema
 * when it has one (fields added since take their defaults), else with the writer's. After the first
 * record of a topic or schema id there is no registry call per record.
 *
 * Values are plain objects keyed by field name: 64-bit integers as `bigint` (or decimal strings,
 * never lossy numbers), enums by name, `bytes` as `Buffer`, maps as objects, repeated fields as
 * arrays, a oneof as its set member plus a property named after the oneof holding that member's
 * name. A .proto does not give a TypeScript type: give it, `registryProtobufSerde<Order>({ ... })`.
 *
 * Bad data throws typed errors: `WrongMagicByteError`, `TruncatedPayloadError`,
 * `UnknownSchemaIdError`, `SchemaMismatchError` (a value that does not fit, bytes that are not the
 * message, message indexes the schema does not have), `IncompatibleSchemaError` (the registry
 * refused the schema; a writer schema that is not Protobuf, or whose message the serde's schema
 * does not define), and `SchemaRegistryUnavailableError` once the client's retries are spent.
 *
 * @example
 * const Order = `
 *   syntax = "proto3";
 *   package acme.orders;
 *   import "google/protobuf/timestamp.proto";
 *   import "acme/money.proto";
 *   message Order {
 *     string id = 1;
 *     acme.Money total = 2;
 *     google.protobuf.Timestamp placed_at = 3;
 *   }`;
 * const orders = registryProtobufSerde<OrderValue>({
 *   registry: schemaRegistryClient({ url: 'http://localhost:8081' }),
 *   schema: Order,
 *   imports: { 'acme/money.proto': Money }, // registered as subject `acme/money.proto`
 * });
 */
export function registryProtobufSerde<T = Record<string, unknown>>(options: RegistryProtobufSerdeOptions): Serde<T> {
  return Object.freeze(new RegistryProtobufSerde(options)) as Serde<T>;
}
