import { IncompatibleSchemaError, InvalidJsonError, SchemaMismatchError } from '../errors.js';
import type { Serde, SerdeErrorContext } from '../serde.js';
import { compileJsonSchema } from '../internal/json-schema-validator.js';
import type { JsonSchemaCheck, JsonSchemaFault } from '../internal/json-schema-validator.js';
import { jsonSyntaxErrorPosition } from '../internal/json-syntax-error.js';
import { findJsonUnwritable, unwritableError } from '../internal/json-unwritable.js';
import { asSerdeError, errorMessage, notSerializable, withSchemaId as withId } from '../internal/serde-errors.js';
import { contextOf, firstFew, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { RegistrySchemaCache } from './registry-schema-cache.js';
import { resolveRegistryOptions } from './registry-serde-options.js';
import type { RegistrySerdeOptions } from './registry-serde-options.js';
import type { SchemaDefinition } from './schema-registry-client.js';
import { validateSubjectNameStrategy } from './subject-name-strategy.js';
import { HEADER_LENGTH } from '../internal/wire-format-header.js';
import { readSchemaId, writeHeader } from './wire-format.js';

/** Options of {@link registryJsonSerde}. */
export interface RegistryJsonSerdeOptions extends RegistrySerdeOptions {
  /**
   * The app's JSON Schema: registered (or looked up) under the subject, checked on every value
   * written, and on every value read. Without it, reading checks records against their writer's
   * schema, and writing needs `useLatestVersion`. Its `title` is the record name of the `record`
   * and `topic-record` subject name strategies.
   */
  schema?: object;
}

interface WriteTarget {
  readonly id: number;
  readonly check: JsonSchemaCheck;
}

interface ReadPlan {
  readonly check: JsonSchemaCheck | undefined;
  readonly incompatible: string | undefined;
}

const FACTORY = 'registryJsonSerde';

function compile(option: string, schema: object): JsonSchemaCheck {
  try {
    return compileJsonSchema(schema);
  } catch (error) {
    throw new TypeError(`${FACTORY}: ${option} is not a valid JSON Schema: ${errorMessage(error)}`, { cause: error });
  }
}

class RegistryJsonSerde implements Serde<unknown> {
  readonly name: string;
  private readonly label: SerdeLabel;
  private readonly check: JsonSchemaCheck | undefined;
  private readonly cache: RegistrySchemaCache<WriteTarget, ReadPlan>;

  constructor(options: RegistryJsonSerdeOptions) {
    const resolved = resolveRegistryOptions(FACTORY, options);
    let definition: SchemaDefinition | undefined;
    let recordName: string | undefined;
    if (options.schema !== undefined) {
      if (typeof options.schema !== 'object' || options.schema === null) {
        throw new TypeError(`${FACTORY}: options.schema must be a JSON Schema object, got ${JSON.stringify(options.schema)}`);
      }
      this.check = compile('options.schema', options.schema);
      definition = { schemaType: 'JSON', schema: JSON.stringify(options.schema) };
      const title = (options.schema as { title?: unknown }).title;
      recordName = typeof title === 'string' ? title : undefined;
    }
    const strategy = validateSubjectNameStrategy(FACTORY, options.subjectNameStrategy, recordName, 'a JSON Schema without a title');
    this.name = recordName === undefined ? 'json-registry' : `json-registry(${recordName})`;
    this.label = Object.freeze({ serde: this.name, part: resolved.part });
    this.cache = new RegistrySchemaCache<WriteTarget, ReadPlan>({
      factory: FACTORY,
      label: this.label,
      schemaType: 'JSON',
      schemaTypeName: 'JSON Schema',
      options: resolved,
      strategy,
      recordName,
      definition,
      ownTarget: (id) => ({ id, check: this.check! }),
      latestTarget: (version) => ({ id: version.id, check: compile(`schema id ${version.id}`, JSON.parse(version.schema) as object) }),
      planFor: (id, d) => this.planFor(id, d),
    });
  }

  serialize(topic: string, value: unknown): Buffer | Promise<Buffer> {
    const target = this.cache.writeTarget(topic);
    if (target instanceof Promise) return target.then((t) => this.write(t, topic, value));
    return this.write(target, topic, value);
  }

  deserialize(topic: string, data: Buffer): unknown {
    const id = readSchemaId(data, this.label, topic);
    const plan = this.cache.readPlan(id, topic);
    if (plan instanceof Promise) return plan.then((p) => this.read(p, id, topic, data));
    return this.read(plan, id, topic, data);
  }

  private write(target: WriteTarget, topic: string, value: unknown): Buffer {
    let faults: JsonSchemaFault[] | undefined;
    try {
      faults = target.check(value);
    } catch (error) {
      throw asSerdeError(error, this.context(topic, target.id), 'could not check the value against its schema');
    }
    if (faults !== undefined) throw this.mismatch(topic, target.id, 'cannot serialize the value', faults);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      const context = this.context(topic, target.id);
      throw new SchemaMismatchError(`${this.name} cannot serialize the value: ${errorMessage(error)} ${whereSuffix(context)}`, context, [], { cause: error });
    }
    if (text === undefined) throw withId(notSerializable(this.name, topic, value, 'a value JSON can represent'), target.id);
    // The schema passed the value: a NaN or an Invalid Date in it would reach the topic as a null it never saw.
    const unwritable = findJsonUnwritable(value, text, true);
    if (unwritable !== undefined) throw unwritableError(this.context(topic, target.id), unwritable);
    const out = Buffer.allocUnsafe(HEADER_LENGTH + Buffer.byteLength(text, 'utf8'));
    writeHeader(out, target.id);
    out.write(text, HEADER_LENGTH, 'utf8');
    return out;
  }

  /** The context of a failure on `topic` with schema `id`. */
  private context(topic: string, id: number): SerdeErrorContext {
    return { ...contextOf(this.label, topic), schemaId: id };
  }

  private read(plan: ReadPlan, id: number, topic: string, data: Buffer): unknown {
    if (plan.incompatible !== undefined) {
      const context = this.context(topic, id);
      throw new IncompatibleSchemaError(`${this.name}: ${plan.incompatible} ${whereSuffix(context)}`, context, { schemaId: id });
    }
    const text = data.toString('utf8', HEADER_LENGTH);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const context = this.context(topic, id);
      const position = jsonSyntaxErrorPosition(text);
      const at = position < 0 ? '' : ` at position ${position} of the payload (byte ${HEADER_LENGTH + Buffer.byteLength(text.slice(0, position))} of the record)`;
      throw new InvalidJsonError(`${this.name}: invalid JSON${at}: ${errorMessage(error)} ${whereSuffix(context)}`, context, position, { cause: error });
    }
    let faults: JsonSchemaFault[] | undefined;
    try {
      faults = plan.check?.(value);
    } catch (error) {
      throw asSerdeError(error, this.context(topic, id), `could not check the value (schema id ${id}) against its schema`);
    }
    if (faults !== undefined) throw this.mismatch(topic, id, `value (schema id ${id}) does not match its schema`, faults);
    return value;
  }

  private mismatch(topic: string, id: number, action: string, faults: readonly JsonSchemaFault[]): SchemaMismatchError {
    const context = this.context(topic, id);
    return new SchemaMismatchError(
      `${this.name} ${action}: ${firstFew(faults.map((f) => f.text))} ${whereSuffix(context)}`,
      context,
      faults.map((f) => f.path),
    );
  }

  /** Decides, once per writer schema id, how its records are checked. */
  private planFor(id: number, definition: SchemaDefinition): ReadPlan {
    if (definition.schemaType !== 'JSON') return { check: undefined, incompatible: `schema id ${id} is a ${definition.schemaType} schema, not JSON Schema` };
    if (this.check !== undefined) return { check: this.check, incompatible: undefined };
    try {
      return { check: compileJsonSchema(JSON.parse(definition.schema) as object), incompatible: undefined };
    } catch (error) {
      return { check: undefined, incompatible: `schema id ${id} is not a valid JSON Schema: ${errorMessage(error)}` };
    }
  }
}

/**
 * JSON values in the Confluent wire format (magic byte 0, 4-byte schema id, UTF-8 JSON), with
 * their JSON Schema in a Confluent Schema Registry: what Java's `KafkaJsonSchemaSerializer` writes
 * and `KafkaJsonSchemaDeserializer` reads.
 *
 * Writing registers (or looks up, or takes the latest) the schema once per topic and checks each
 * value against it; reading fetches each writer schema id once and checks each value against the
 * serde's schema (or the writer's, without one). Values that fail throw a `SchemaMismatchError`
 * naming the fields; bytes that are not JSON an `InvalidJsonError`; the wire format's faults
 * `WrongMagicByteError`, `TruncatedPayloadError` and `UnknownSchemaIdError`. After the first record
 * of a topic or schema id, there is no registry call per record.
 *
 * JSON Schema does not fix a TypeScript type: give it, `registryJsonSerde<Order>({ ... })`.
 *
 * @example
 * const Order = {
 *   title: 'Order',
 *   type: 'object',
 *   properties: { id: { type: 'string' }, total: { type: 'number' } },
 *   required: ['id', 'total'],
 * };
 * const orders = registryJsonSerde<{ id: string; total: number }>({ registry, schema: Order });
 */
export function registryJsonSerde<T = unknown>(options: RegistryJsonSerdeOptions): Serde<T> {
  return Object.freeze(new RegistryJsonSerde(options)) as Serde<T>;
}
