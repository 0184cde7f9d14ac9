import { SchemaRegistryClientError, checkAvroResolution, jsonSerde } from '@rivulet/serde';
import type { SchemaDefinition, SchemaReference, SchemaRegistryClient, SchemaType, SubjectVersion } from '@rivulet/serde';
import { avroIncompatibilities, isCompatibilityLevel } from './compatibility.js';
import type { CompatibilityLevel } from './compatibility.js';
import { listen } from './http-server.js';
import type { MockSchemaRegistryServer, MockSchemaRegistryServerOptions } from './http-server.js';

interface StoredSchema {
  readonly id: number;
  readonly schemaType: SchemaType;
  /** The text as first registered: what `GET /schemas/ids/{id}` returns. */
  readonly schema: string;
  readonly references: SchemaReference[] | undefined;
  /** The text with insignificant whitespace removed, to find an already registered schema. */
  readonly normalized: string;
}

/** Confluent's answer when a schema is not compatible with a subject's earlier versions. */
const INCOMPATIBLE = 409;

function fail(status: number, errorCode: number, message: string): never {
  throw new SchemaRegistryClientError(message, { status, errorCode });
}

/**
 * A Confluent Schema Registry in memory, for tests: the same subjects, versions, global schema
 * ids, compatibility levels (BACKWARD, FORWARD, FULL, their `_TRANSITIVE` forms and NONE, enforced
 * on Avro schemas with avsc) and error codes (40401 subject not found, 40402 version not found,
 * 40403 schema not found, 409 incompatible, 42201 invalid schema...).
 *
 * Use it in process, as the `registry` of Rivulet's schema-registry serdes (it implements
 * `SchemaRegistryClient`, synchronously, so those serdes never return a Promise and work in the
 * TopologyTestDriver and in state stores), or over HTTP with {@link MockSchemaRegistry.listen},
 * which serves the Confluent REST API on 127.0.0.1 to any client, the real
 * `@kafkajs/confluent-schema-registry` included. Both views share one state.
 *
 * JSON Schema and Protobuf schemas are stored and served, but their compatibility is not checked
 * (as under NONE); a JSON Schema must compile to be registered.
 *
 * @example
 * const registry = new MockSchemaRegistry();
 * const users = registryAvroSerde({ registry, schema: User });
 * const bytes = users.serialize('users', { id: 'u1' }); // a Buffer, at once
 * expect(registry.getSubjects()).toEqual(['users-value']);
 *
 * @example
 * // Over HTTP, for an app or a client that takes a URL.
 * const server = await registry.listen();
 * const client = new SchemaRegistry({ host: server.url });
 * await server.close();
 */
export class MockSchemaRegistry implements SchemaRegistryClient {
  private readonly schemas: StoredSchema[] = [];
  private readonly subjects = new Map<string, number[]>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel;
  private available = true;

  /** @param options.compatibility the global compatibility level; BACKWARD, as Confluent's default. */
  constructor(options: { compatibility?: CompatibilityLevel } = {}) {
    const level = options.compatibility ?? 'BACKWARD';
    if (!isCompatibilityLevel(level)) throw new TypeError(`MockSchemaRegistry: options.compatibility must be a compatibility level, got ${JSON.stringify(level)}`);
    this.globalLevel = level;
  }

  /**
   * Serves this registry over HTTP (node:http on 127.0.0.1, a free port unless one is given) until
   * the returned server is closed.
   */
  listen(options: MockSchemaRegistryServerOptions = {}): Promise<MockSchemaRegistryServer> {
    return listen(this, options);
  }

  /**
   * Simulates an outage: while unavailable, every call fails as a registry that is down would
   * (HTTP 503 over HTTP; a retriable `SchemaRegistryClientError` in process).
   */
  setAvailable(available: boolean): void {
    this.available = available;
  }

  /** @internal Throws the outage error while unavailable. */
  assertAvailable(): void {
    if (!this.available) {
      throw new SchemaRegistryClientError('MockSchemaRegistry is unavailable (simulated outage)', { status: 503, errorCode: 50301, retriable: true });
    }
  }

  // --- SchemaRegistryClient: synchronous, so the serdes using it in process stay synchronous ---

  getSchemaById(id: number): SchemaDefinition {
    this.assertAvailable();
    return this.getSchema(id);
  }

  register(subject: string, schema: SchemaDefinition): number {
    this.assertAvailable();
    return this.registerSchema(subject, schema).id;
  }

  lookupSchema(subject: string, schema: SchemaDefinition): SubjectVersion {
    this.assertAvailable();
    return this.lookup(subject, schema);
  }

  getLatestVersion(subject: string): SubjectVersion {
    this.assertAvailable();
    return this.getVersion(subject, 'latest');
  }

  // --- The rest of the registry, synchronous, as the HTTP server uses it ---

  /** The schema with a global id; 40403 when the id is unknown. */
  getSchema(id: number): SchemaDefinition {
    return definitionOf(this.schemaById(id));
  }

  /** The subjects, in the order they were created. */
  getSubjects(): string[] {
    return [...this.subjects.keys()];
  }

  /** The versions of a subject (1, 2, ...); 40401 when there is no such subject. */
  getVersions(subject: string): number[] {
    return this.versionsOf(subject).map((_, i) => i + 1);
  }

  /** A version of a subject, or its latest; 40401, 40402, or 42202 for a version that is not a number. */
  getVersion(subject: string, version: number | 'latest'): SubjectVersion {
    const ids = this.versionsOf(subject);
    if (version !== 'latest' && (!Number.isInteger(version) || version < 1)) {
      fail(422, 42202, `The specified version '${version}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`);
    }
    const index = version === 'latest' ? ids.length - 1 : version - 1;
    const id = ids[index];
    if (id === undefined) fail(404, 40402, `Version ${version} not found.`);
    return { ...definitionOf(this.schemaById(id)), subject, version: index + 1, id };
  }

  /** The subjects and versions that hold a schema id; 40403 when the id is unknown. */
  getSubjectVersionsById(id: number): {
    /** A subject that holds the schema. */
    subject: string;
    /** The version of the schema under that subject. */
    version: number;
  }[] {
    this.schemaById(id);
    const found: { subject: string; version: number }[] = [];
    for (const [subject, ids] of this.subjects) {
      ids.forEach((each, i) => {
        if (each === id) found.push({ subject, version: i + 1 });
      });
    }
    return found;
  }

  /** The registered schema of a subject equal to `schema`; 40401 or 40403 when there is none. */
  lookup(subject: string, schema: SchemaDefinition): SubjectVersion {
    const ids = this.versionsOf(subject);
    const normalized = normalize(schema);
    const index = ids.findIndex((id) => this.schemaById(id).normalized === normalized);
    if (index < 0) fail(404, 40403, 'Schema not found');
    const id = ids[index]!;
    return { ...definitionOf(this.schemaById(id)), subject, version: index + 1, id };
  }

  /**
   * Registers a schema under a subject, as `POST /subjects/{subject}/versions` does: the id of an
   * equal schema already in the subject; otherwise, if compatible with the subject's level, a new
   * version, reusing the global id of an equal schema registered under another subject.
   * 42201 for an invalid schema, 409 for an incompatible one.
   */
  registerSchema(
    subject: string,
    schema: SchemaDefinition,
  ): {
    /** The schema's global id (the same id for the same schema under any subject). */
    id: number;
    /** The schema's version under this subject. */
    version: number;
  } {
    const schemaType = schema.schemaType ?? 'AVRO';
    validate(schemaType, schema.schema);
    const normalized = normalize(schema);
    const ids = this.subjects.get(subject) ?? [];
    const existing = ids.findIndex((id) => this.schemaById(id).normalized === normalized);
    if (existing >= 0) return { id: ids[existing]!, version: existing + 1 };
    const reasons = this.incompatibilities(subject, { ...schema, schemaType }, ids);
    if (reasons.length > 0) {
      fail(
        INCOMPATIBLE,
        INCOMPATIBLE,
        `Schema being registered is incompatible with an earlier schema for subject "${subject}" (${this.getCompatibility(subject)}): ${reasons.join('; ')}`,
      );
    }
    let stored = this.schemas.find((s) => s.schemaType === schemaType && s.normalized === normalized);
    if (stored === undefined) {
      stored = { id: this.schemas.length + 1, schemaType, schema: schema.schema, references: schema.references, normalized };
      this.schemas.push(stored);
    }
    ids.push(stored.id);
    this.subjects.set(subject, ids);
    return { id: stored.id, version: ids.length };
  }

  /**
   * Whether a schema could be registered under a subject: checked against the given version, or
   * against the versions the subject's level asks for. 40401 / 40402 for a missing subject or version.
   */
  testCompatibility(
    subject: string,
    schema: SchemaDefinition,
    version?: number | 'latest',
  ): {
    /** True when the schema is compatible under the subject's compatibility level. */
    compatible: boolean;
    /** Why it is not, one message per problem; empty when compatible. */
    messages: string[];
  } {
    const schemaType = schema.schemaType ?? 'AVRO';
    validate(schemaType, schema.schema);
    const ids = version === undefined ? (this.subjects.get(subject) ?? []) : [this.getVersion(subject, version).id];
    if (version !== undefined) this.versionsOf(subject);
    const reasons = this.incompatibilities(subject, { ...schema, schemaType }, ids, version !== undefined);
    return { compatible: reasons.length === 0, messages: reasons };
  }

  /** The compatibility level of a subject (its own, or the global one), or the global level. */
  getCompatibility(subject?: string): CompatibilityLevel {
    return (subject === undefined ? undefined : this.subjectLevels.get(subject)) ?? this.globalLevel;
  }

  /** The level set on the subject itself; 40408 when it has none (it follows the global level). */
  getSubjectCompatibility(subject: string): CompatibilityLevel {
    const level = this.subjectLevels.get(subject);
    if (level === undefined) fail(404, 40408, `Subject '${subject}' does not have subject-level compatibility configured`);
    return level;
  }

  /** Sets the level of a subject, or the global level; 42203 for a level that does not exist. */
  setCompatibility(level: CompatibilityLevel, subject?: string): CompatibilityLevel {
    if (!isCompatibilityLevel(level)) fail(422, 42203, `Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive and full_transitive`);
    if (subject === undefined) this.globalLevel = level;
    else this.subjectLevels.set(subject, level);
    return level;
  }

  /** Removes a subject-level compatibility setting; returns what it was. */
  deleteSubjectCompatibility(subject: string): CompatibilityLevel {
    const level = this.getSubjectCompatibility(subject);
    this.subjectLevels.delete(subject);
    return level;
  }

  /** Deletes a subject and its versions (schema ids stay known); returns the versions it had. */
  deleteSubject(subject: string): number[] {
    const versions = this.getVersions(subject);
    this.subjects.delete(subject);
    this.subjectLevels.delete(subject);
    return versions;
  }

  private incompatibilities(subject: string, schema: SchemaDefinition, ids: readonly number[], all = false): string[] {
    if (schema.schemaType !== 'AVRO') return [];
    let level = this.getCompatibility(subject);
    // Against one given version, the level's direction applies to it alone.
    if (all && level.endsWith('_TRANSITIVE')) level = level.replace('_TRANSITIVE', '') as CompatibilityLevel;
    const earlier = ids.map((id, i) => ({ version: i + 1, schema: this.schemaById(id) })).filter((e) => e.schema.schemaType === 'AVRO');
    return avroIncompatibilities(
      level,
      schema.schema,
      earlier.map((e) => ({ version: e.version, schema: e.schema.schema })),
    );
  }

  private versionsOf(subject: string): number[] {
    const ids = this.subjects.get(subject);
    if (ids === undefined) fail(404, 40401, `Subject '${subject}' not found.`);
    return ids;
  }

  private schemaById(id: number): StoredSchema {
    const stored = Number.isInteger(id) && id > 0 ? this.schemas[id - 1] : undefined;
    if (stored === undefined) fail(404, 40403, `Schema ${id} not found`);
    return stored;
  }
}

function definitionOf(stored: StoredSchema): SchemaDefinition {
  return {
    schemaType: stored.schemaType,
    schema: stored.schema,
    ...(stored.references === undefined || stored.references.length === 0 ? {} : { references: stored.references }),
  };
}

function normalize(schema: SchemaDefinition): string {
  try {
    return JSON.stringify(JSON.parse(schema.schema));
  } catch {
    return schema.schema;
  }
}

/** 42201 unless the text is a schema of its type: Avro that avsc accepts, a JSON Schema that Ajv compiles. */
function validate(schemaType: SchemaType, text: string): void {
  if (typeof text !== 'string') fail(422, 42201, 'Invalid schema: the schema must be a string');
  let parsed: unknown;
  if (schemaType !== 'PROTOBUF') {
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      fail(422, 42201, `Invalid schema ${text}: not JSON: ${(error as Error).message}`);
    }
  }
  try {
    if (schemaType === 'AVRO') checkAvroResolution(text, text);
    else if (schemaType === 'JSON') jsonSerde({ jsonSchema: parsed as object });
  } catch (error) {
    fail(422, 42201, `Invalid schema ${text}: ${(error as Error).message}`);
  }
}
