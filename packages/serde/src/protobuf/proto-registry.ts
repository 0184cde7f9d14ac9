import type { Type } from 'protobufjs';
import { IncompatibleSchemaError, SchemaRegistryError, SchemaRegistryUnavailableError } from '../errors.js';
import type { SerdeError } from '../serde.js';
import { andThen, attempt } from '../internal/maybe-async.js';
import type { MaybePromise } from '../internal/maybe-async.js';
import { errorMessage } from '../internal/serde-errors.js';
import { contextOf, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { MAGIC_BYTE } from '../internal/wire-format-header.js';
import { schemaByIdError, subjectError } from '../registry/registry-errors.js';
import type { ResolvedRegistryOptions } from '../registry/registry-serde-options.js';
import { SchemaRegistryClientError } from '../registry/schema-registry-client.js';
import type { SchemaDefinition, SchemaReference, SubjectVersion } from '../registry/schema-registry-client.js';
import { subjectName } from '../registry/subject-name-strategy.js';
import type { SubjectNameStrategy } from '../registry/subject-name-strategy.js';
import { MaybeCache, allOf } from './maybe-cache.js';
import { encodeMessageIndexes } from './message-indexes.js';
import { ProtoSchema, messageName } from './proto-schema.js';

// The registry side of the Protobuf serde, each lookup done once and cached: a topic's write
// target (its subject's schema id, after registering the imported files as references), and a
// writer schema id's read plan (the schema and its references fetched and parsed). Warm, the
// per-record path is synchronous; an in-process registry keeps even a miss synchronous.

/** The serde's own schema, when it has one. */
export interface OwnProtoSchema {
  readonly schema: ProtoSchema;
  /** The main file's text, as registered. */
  readonly text: string;
  /** The imported files' texts by import path. */
  readonly imports: ReadonlyMap<string, string>;
  /** The message written. */
  readonly type: Type;
}

/** What the Protobuf serde tells its {@link ProtoRegistry}. */
export interface ProtoRegistrySpec {
  readonly factory: string;
  readonly label: SerdeLabel;
  readonly options: ResolvedRegistryOptions;
  readonly strategy: SubjectNameStrategy;
  readonly recordName: string | undefined;
  /** How schemas from the registry are parsed: with field names as declared, or camelCase. */
  readonly keepCase: boolean;
  readonly own: OwnProtoSchema | undefined;
  /** The message to write with the subject's latest schema (`useLatestVersion`); default its first. */
  readonly messageType: string | undefined;
}

/** Where a topic's records are written: the message type, and the wire-format header up to the payload. */
export interface WriteTarget {
  readonly id: number;
  readonly type: Type;
  /** Magic byte, schema id and message indexes: the same for every record of the target. */
  readonly header: Buffer;
}

/** Why a record's message indexes cannot be read: `incompatible` when the serde cannot read that message at all. */
export interface ReadFault {
  readonly incompatible: boolean;
  readonly reason: string;
}

/** How records written with one schema id are read. */
export interface ReadPlan {
  readonly writerLabel: string;
  /** The message type to decode the payload with, for the record's message indexes. */
  typeAt(indexes: readonly number[]): Type | ReadFault;
}

/** @internal */
export class ProtoRegistry {
  private readonly targets = new MaybeCache<string, WriteTarget>();
  private readonly plans = new MaybeCache<number, ReadPlan>();
  /** The serde's imported files, registered (or looked up) as references, by import path. */
  private readonly references = new MaybeCache<string, SchemaReference>();
  /** Referenced schemas fetched by subject and version: they never change. */
  private readonly versions = new MaybeCache<string, SubjectVersion>();
  // Most topics carry one schema id at a time: the last plan saves the map lookup.
  private lastId = -1;
  private lastPlan: ReadPlan | undefined;

  constructor(private readonly spec: ProtoRegistrySpec) {}

  writeTarget(topic: string): MaybePromise<WriteTarget> {
    return this.targets.get(topic, () => this.loadWriteTarget(topic));
  }

  readPlan(id: number, topic: string): MaybePromise<ReadPlan> {
    if (id === this.lastId && this.lastPlan !== undefined) return this.lastPlan;
    const plan = this.plans.get(id, () => {
      // The id is always looked up, even when the serde reads with its own schema: the message
      // indexes are a path in the writer's file, and an id the registry does not know is bad data.
      const definition = attempt(
        () => this.spec.options.client.getSchemaById(id),
        (error) => schemaByIdError(error, id, this.spec.label, topic),
      );
      return andThen(definition, (d) => {
        if (d.schemaType !== 'PROTOBUF') return faultyPlan(id, `schema id ${id} is a ${d.schemaType} schema, not Protobuf`);
        return andThen(this.referencedTexts(d, topic, `schema id ${id}`), (texts) => this.planFor(id, d, texts));
      });
    });
    return andThen(plan, (p) => {
      this.lastId = id;
      this.lastPlan = p;
      return p;
    });
  }

  private loadWriteTarget(topic: string): MaybePromise<WriteTarget> {
    const { spec } = this;
    const { client, useLatestVersion } = spec.options;
    if (spec.own === undefined && !useLatestVersion) {
      throw new TypeError(`${spec.factory}: writing needs options.schema, or options.useLatestVersion to write with the subject's latest schema`);
    }
    const subject = subjectName(spec.strategy, { topic, part: spec.options.part, recordName: spec.recordName });
    if (useLatestVersion) {
      const latest = attempt(
        () => client.getLatestVersion(subject),
        (error) => subjectError(error, subject, 'latest', spec.label, topic),
      );
      return andThen(latest, (version) => this.latestTarget(version, subject, topic));
    }
    const own = spec.own!;
    const definition = andThen(this.referencesOf(OWN_FILE_KEY, topic), (references) => protobufDefinition(own.text, references));
    const id = andThen(definition, (d) => this.registerOrLookUp(subject, d, topic));
    return andThen(id, (schemaId) => target(schemaId, own.schema, own.type));
  }

  private latestTarget(version: SubjectVersion, subject: string, topic: string): MaybePromise<WriteTarget> {
    const { spec } = this;
    const incompatible = (why: string): IncompatibleSchemaError => {
      const context = { ...contextOf(spec.label, topic), schemaId: version.id };
      return new IncompatibleSchemaError(`${spec.label.serde}: the latest version of subject ${subject} (schema id ${version.id}) ${why} ${whereSuffix(context)}`, context, {
        subject,
        schemaId: version.id,
      });
    };
    if (version.schemaType !== 'PROTOBUF') throw incompatible(`is a ${version.schemaType} schema, not Protobuf`);
    return andThen(this.referencedTexts(version, topic, `schema id ${version.id}`), (texts) => {
      let schema: ProtoSchema;
      try {
        schema = ProtoSchema.parse(`schema id ${version.id}`, version.schema, { keepCase: spec.keepCase, importText: (path) => texts.get(path) });
      } catch (error) {
        throw incompatible(`is not a usable .proto: ${errorMessage(error)}`);
      }
      const wanted = spec.own === undefined ? spec.messageType : messageName(spec.own.type);
      const type = wanted === undefined ? schema.firstMessage : schema.message(wanted);
      if (type === undefined || schema.indexesOf(type) === undefined) throw incompatible(`does not define message ${wanted}`);
      return target(version.id, schema, type);
    });
  }

  private registerOrLookUp(subject: string, definition: SchemaDefinition, topic: string): MaybePromise<number> {
    const { client, autoRegister } = this.spec.options;
    if (autoRegister) {
      return attempt(
        () => client.register(subject, definition),
        (error) => subjectError(error, subject, 'register', this.spec.label, topic),
      );
    }
    return andThen(this.lookUp(subject, definition, topic), (version) => version.id);
  }

  private lookUp(subject: string, definition: SchemaDefinition, topic: string): MaybePromise<SubjectVersion> {
    return attempt(
      () => this.spec.options.client.lookupSchema(subject, definition),
      (error) => subjectError(error, subject, 'lookup', this.spec.label, topic),
    );
  }

  /**
   * The references of one of the serde's files: each non-built-in file it imports, registered (or
   * looked up) under a subject named after its import path, after its own references, as
   * Confluent's serializer does with `auto.register.schemas` and its default reference subject
   * name strategy. Registering gives an id; the version a reference needs takes a lookup.
   */
  private referencesOf(file: string, topic: string): MaybePromise<SchemaReference[]> {
    const own = this.spec.own!;
    const imported = own.schema.dependencies.get(file === OWN_FILE_KEY ? own.schema.fileName : file) ?? [];
    return allOf(
      imported.map((path) =>
        this.references.get(path, () => {
          const definition = andThen(this.referencesOf(path, topic), (references) => protobufDefinition(own.imports.get(path)!, references));
          return andThen(definition, (d) => {
            const version = this.spec.options.autoRegister
              ? andThen(this.registerOrLookUp(path, d, topic), () => this.lookUp(path, d, topic))
              : this.lookUp(path, d, topic);
            return andThen(version, (v) => ({ name: path, subject: path, version: v.version }));
          });
        }),
      ),
    );
  }

  /** The text of every schema a registered schema references, directly or not, by reference name (its import path). */
  private referencedTexts(definition: SchemaDefinition, topic: string, what: string): MaybePromise<Map<string, string>> {
    const texts = new Map<string, string>();
    const visit = (references: readonly SchemaReference[] | undefined): MaybePromise<void> =>
      andThen(
        allOf(
          (references ?? []).map((reference) =>
            andThen(this.fetchReference(reference, topic, what), (version) => {
              if (texts.has(reference.name)) return undefined;
              texts.set(reference.name, version.schema);
              return visit(version.references);
            }),
          ),
        ),
        () => undefined,
      );
    return andThen(visit(definition.references), () => texts);
  }

  private fetchReference(reference: SchemaReference, topic: string, what: string): MaybePromise<SubjectVersion> {
    const { client } = this.spec.options;
    const label = this.spec.label;
    return this.versions.get(`${reference.subject}\u0000${reference.version}`, () => {
      if (client.getVersion === undefined) {
        const context = contextOf(label, topic);
        throw new SchemaRegistryError(
          `${label.serde}: ${what} references ${reference.name} (subject ${reference.subject}, version ${reference.version}), and the registry client has no getVersion to fetch it ${whereSuffix(context)}`,
          context,
          {},
        );
      }
      return attempt(
        () => client.getVersion!(reference.subject, reference.version),
        (error) => referenceError(error, reference, what, label, topic),
      );
    });
  }

  private planFor(id: number, definition: SchemaDefinition, texts: ReadonlyMap<string, string>): ReadPlan {
    const { spec } = this;
    let schema: ProtoSchema;
    try {
      schema = ProtoSchema.parse(`schema id ${id}`, definition.schema, { keepCase: spec.keepCase, importText: (path) => texts.get(path) });
    } catch (error) {
      return faultyPlan(id, `schema id ${id} is not a usable .proto: ${errorMessage(error)}`);
    }
    const types = new Map<string, Type | ReadFault>();
    const first = this.readerOf(id, schema.firstMessage);
    return {
      writerLabel: `writer schema id ${id}`,
      typeAt: (indexes) => {
        if (indexes.length === 1 && indexes[0] === 0) return first;
        const key = indexes.join('.');
        let type = types.get(key);
        if (type === undefined) {
          const writer = schema.typeAt(indexes);
          type =
            writer === undefined
              ? { incompatible: false, reason: `the message indexes [${indexes.join(', ')}] name no message of schema id ${id}` }
              : this.readerOf(id, writer);
          types.set(key, type);
        }
        return type;
      },
    };
  }

  /** The type a writer's message is read with: the serde's own message of that name, or the writer's. */
  private readerOf(id: number, writer: Type): Type | ReadFault {
    const own = this.spec.own;
    if (own === undefined) return writer;
    return (
      own.schema.message(messageName(writer)) ?? {
        incompatible: true,
        reason: `schema id ${id} wrote a ${messageName(writer)}, a message options.schema does not define`,
      }
    );
  }
}

/** The key of the serde's main file among its files. */
const OWN_FILE_KEY = '\u0000own';

function protobufDefinition(schema: string, references: SchemaReference[]): SchemaDefinition {
  return { schemaType: 'PROTOBUF', schema, ...(references.length === 0 ? {} : { references }) };
}

function target(id: number, schema: ProtoSchema, type: Type): WriteTarget {
  const indexes = encodeMessageIndexes(schema.indexesOf(type)!);
  const header = Buffer.allocUnsafe(5 + indexes.length);
  header[0] = MAGIC_BYTE;
  header.writeUInt32BE(id, 1);
  indexes.copy(header, 5);
  return { id, type, header };
}

function faultyPlan(id: number, reason: string): ReadPlan {
  const fault: ReadFault = { incompatible: true, reason };
  return { writerLabel: `writer schema id ${id}`, typeAt: () => fault };
}

function referenceError(error: unknown, reference: SchemaReference, what: string, label: SerdeLabel, topic: string): SerdeError {
  const context = contextOf(label, topic);
  const text = `${label.serde}: fetching ${reference.name} (subject ${reference.subject}, version ${reference.version}), referenced by ${what}: ${errorMessage(error)} ${whereSuffix(context)}`;
  if (error instanceof SchemaRegistryClientError) {
    if (error.retriable) {
      return new SchemaRegistryUnavailableError(text, context, { ...(error.status === undefined ? {} : { status: error.status }), attempts: error.attempts }, { cause: error });
    }
    return new SchemaRegistryError(
      text,
      context,
      { ...(error.status === undefined ? {} : { status: error.status }), ...(error.errorCode === undefined ? {} : { errorCode: error.errorCode }) },
      { cause: error },
    );
  }
  return new SchemaRegistryError(text, context, {}, { cause: error });
}
