import { IncompatibleSchemaError, InvalidJsonError, SchemaMismatchError } from '../errors.js';
import { SerdeError } from '../serde.js';
import type { Serde } from '../serde.js';
import { compileJsonSchema } from '../internal/json-schema-validator.js';
import type { JsonSchemaCheck, JsonSchemaFault } from '../internal/json-schema-validator.js';
import { jsonSyntaxErrorPosition } from '../internal/json-syntax-error.js';
import { andThen, attempt } from '../internal/maybe-async.js';
import type { MaybePromise } from '../internal/maybe-async.js';
import { errorMessage, notSerializable } from '../internal/serde-errors.js';
import { contextOf, firstFew, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { schemaByIdError, subjectError } from './registry-errors.js';
import { resolveRegistryOptions } from './registry-serde-options.js';
import type { RegistrySerdeOptions } from './registry-serde-options.js';
import type { SchemaDefinition, SchemaRegistryClient } from './schema-registry-client.js';
import { subjectName, validateSubjectNameStrategy } from './subject-name-strategy.js';
import type { SubjectNameStrategy } from './subject-name-strategy.js';
import { HEADER_LENGTH, MAGIC_BYTE } from '../internal/wire-format-header.js';
import { readSchemaId } from './wire-format.js';

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
  private readonly client: SchemaRegistryClient;
  private readonly strategy: SubjectNameStrategy;
  private readonly part: 'key' | 'value';
  private readonly autoRegister: boolean;
  private readonly useLatestVersion: boolean;
  private readonly check: JsonSchemaCheck | undefined;
  private readonly definition: SchemaDefinition | undefined;
  private readonly recordName: string | undefined;
  private readonly targets = new Map<string, WriteTarget>();
  private readonly plans = new Map<number, ReadPlan>();
  private readonly pendingTargets = new Map<string, Promise<WriteTarget>>();
  private readonly pendingPlans = new Map<number, Promise<ReadPlan>>();

  constructor(options: RegistryJsonSerdeOptions) {
    const resolved = resolveRegistryOptions(FACTORY, options);
    this.client = resolved.client;
    this.part = resolved.part;
    this.autoRegister = resolved.autoRegister;
    this.useLatestVersion = resolved.useLatestVersion;
    if (options.schema !== undefined) {
      if (typeof options.schema !== 'object' || options.schema === null) {
        throw new TypeError(`${FACTORY}: options.schema must be a JSON Schema object, got ${JSON.stringify(options.schema)}`);
      }
      this.check = compile('options.schema', options.schema);
      this.definition = { schemaType: 'JSON', schema: JSON.stringify(options.schema) };
      const title = (options.schema as { title?: unknown }).title;
      this.recordName = typeof title === 'string' ? title : undefined;
    }
    this.strategy = validateSubjectNameStrategy(FACTORY, options.subjectNameStrategy, this.recordName, 'a JSON Schema without a title');
    this.name = this.recordName === undefined ? 'json-registry' : `json-registry(${this.recordName})`;
    this.label = Object.freeze({ serde: this.name, part: this.part });
  }

  serialize(topic: string, value: unknown): Buffer | Promise<Buffer> {
    const target = this.targets.get(topic) ?? this.writeTarget(topic);
    if (target instanceof Promise) return target.then((t) => this.write(t, topic, value));
    return this.write(target, topic, value);
  }

  deserialize(topic: string, data: Buffer): unknown {
    const id = readSchemaId(data, this.label, topic);
    const plan = this.plans.get(id) ?? this.readPlan(id, topic);
    if (plan instanceof Promise) return plan.then((p) => this.read(p, id, topic, data));
    return this.read(plan, id, topic, data);
  }

  private write(target: WriteTarget, topic: string, value: unknown): Buffer {
    const faults = target.check(value);
    if (faults !== undefined) throw this.mismatch(topic, 'cannot serialize the value', faults);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      const context = contextOf(this.label, topic);
      throw new SerdeError(`${this.name} cannot serialize the value: ${errorMessage(error)} ${whereSuffix(context)}`, context, { cause: error });
    }
    if (text === undefined) throw notSerializable(this.name, topic, value, 'a value JSON can represent');
    const out = Buffer.allocUnsafe(HEADER_LENGTH + Buffer.byteLength(text, 'utf8'));
    out[0] = MAGIC_BYTE;
    out.writeInt32BE(target.id, 1);
    out.write(text, HEADER_LENGTH, 'utf8');
    return out;
  }

  private read(plan: ReadPlan, id: number, topic: string, data: Buffer): unknown {
    if (plan.incompatible !== undefined) {
      const context = contextOf(this.label, topic);
      throw new IncompatibleSchemaError(`${this.name}: ${plan.incompatible} ${whereSuffix(context)}`, context, { schemaId: id });
    }
    const text = data.toString('utf8', HEADER_LENGTH);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const context = contextOf(this.label, topic);
      const position = jsonSyntaxErrorPosition(text);
      const at = position < 0 ? '' : ` at position ${position} of the payload (byte ${HEADER_LENGTH + Buffer.byteLength(text.slice(0, position))} of the record)`;
      throw new InvalidJsonError(`${this.name}: invalid JSON${at}: ${errorMessage(error)} ${whereSuffix(context)}`, context, position, { cause: error });
    }
    const faults = plan.check?.(value);
    if (faults !== undefined) throw this.mismatch(topic, `value (schema id ${id}) does not match its schema`, faults);
    return value;
  }

  private mismatch(topic: string, action: string, faults: readonly JsonSchemaFault[]): SchemaMismatchError {
    const context = contextOf(this.label, topic);
    return new SchemaMismatchError(
      `${this.name} ${action}: ${firstFew(faults.map((f) => f.text))} ${whereSuffix(context)}`,
      context,
      faults.map((f) => f.path),
    );
  }

  /** The topic's write target: at once from a synchronous registry, else a Promise shared by the records waiting. */
  private writeTarget(topic: string): MaybePromise<WriteTarget> {
    const pending = this.pendingTargets.get(topic);
    if (pending !== undefined) return pending;
    const target = this.loadWriteTarget(topic);
    if (target instanceof Promise) {
      this.pendingTargets.set(topic, target);
      void target.then(
        () => this.pendingTargets.delete(topic),
        () => this.pendingTargets.delete(topic),
      );
    }
    return target;
  }

  private loadWriteTarget(topic: string): MaybePromise<WriteTarget> {
    if (this.check === undefined && !this.useLatestVersion) {
      throw new TypeError(`${FACTORY}: writing needs options.schema, or options.useLatestVersion to write with the subject's latest schema`);
    }
    const subject = subjectName(this.strategy, { topic, part: this.part, recordName: this.recordName });
    if (this.useLatestVersion) {
      const latest = attempt(
        () => this.client.getLatestVersion(subject),
        (error) => subjectError(error, subject, 'latest', this.label, topic),
      );
      return andThen(latest, (version) => {
        if (version.schemaType !== 'JSON') {
          const context = contextOf(this.label, topic);
          throw new IncompatibleSchemaError(
            `${this.name}: the latest version of subject ${subject} (schema id ${version.id}) is a ${version.schemaType} schema, not JSON Schema ${whereSuffix(context)}`,
            context,
            { subject, schemaId: version.id },
          );
        }
        return this.cacheTarget(topic, version.id, compile(`schema id ${version.id}`, JSON.parse(version.schema) as object));
      });
    }
    const definition = this.definition!;
    const id = this.autoRegister
      ? attempt(
          () => this.client.register(subject, definition),
          (error) => subjectError(error, subject, 'register', this.label, topic),
        )
      : andThen(
          attempt(
            () => this.client.lookupSchema(subject, definition),
            (error) => subjectError(error, subject, 'lookup', this.label, topic),
          ),
          (version) => version.id,
        );
    return andThen(id, (schemaId) => this.cacheTarget(topic, schemaId, this.check!));
  }

  private cacheTarget(topic: string, id: number, check: JsonSchemaCheck): WriteTarget {
    const target: WriteTarget = { id, check };
    this.targets.set(topic, target);
    return target;
  }

  private readPlan(id: number, topic: string): MaybePromise<ReadPlan> {
    const pending = this.pendingPlans.get(id);
    if (pending !== undefined) return pending;
    // The id is always looked up, even when the serde checks with its own schema: an id the
    // registry does not know, or that is not a JSON Schema, is bad data.
    const definition = attempt(
      () => this.client.getSchemaById(id),
      (error) => schemaByIdError(error, id, this.label, topic),
    );
    if (!(definition instanceof Promise)) return this.cachePlan(id, definition);
    const plan = definition.then((d) => this.cachePlan(id, d));
    this.pendingPlans.set(id, plan);
    void plan.then(
      () => this.pendingPlans.delete(id),
      () => this.pendingPlans.delete(id),
    );
    return plan;
  }

  /** Decides, once per writer schema id, how its records are checked, and remembers it. */
  private cachePlan(id: number, definition: SchemaDefinition): ReadPlan {
    let plan: ReadPlan;
    if (definition.schemaType !== 'JSON') {
      plan = { check: undefined, incompatible: `schema id ${id} is a ${definition.schemaType} schema, not JSON Schema` };
    } else if (this.check !== undefined) {
      plan = { check: this.check, incompatible: undefined };
    } else {
      try {
        plan = { check: compileJsonSchema(JSON.parse(definition.schema) as object), incompatible: undefined };
      } catch (error) {
        plan = { check: undefined, incompatible: `schema id ${id} is not a valid JSON Schema: ${errorMessage(error)}` };
      }
    }
    this.plans.set(id, plan);
    return plan;
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
