import { SchemaRegistryClientError } from '@rivulet/serde';
import type { SchemaDefinition, SchemaReference, SchemaRegistryClient, SchemaType, SubjectVersion } from '@rivulet/serde';
import { incompatibilities, isCompatibilityLevel } from './compatibility.js';
import type { CompatibilityLevel } from './compatibility.js';
import { listen } from './http-server.js';
import type { MockSchemaRegistryServer, MockSchemaRegistryServerOptions } from './http-server.js';
import { parseSchema } from './schema-identity.js';
import type { ParsedSchema } from './schema-identity.js';

interface StoredSchema {
  readonly id: number;
  readonly schemaType: SchemaType;
  /**
   * What `GET /schemas/ids/{id}` returns: as Confluent, the canonical text for Avro and JSON Schema
   * (see schema-identity.ts), the text as first registered for Protobuf.
   */
  readonly schema: string;
  readonly references: SchemaReference[] | undefined;
  /** The identity: type, canonical text and references. Equal keys, one schema, one id. */
  readonly key: string;
  readonly parsed: ParsedSchema;
}

/** A schema given to the registry, parsed and with its identity. */
interface Candidate {
  readonly schemaType: SchemaType;
  readonly parsed: ParsedSchema;
  readonly references: SchemaReference[] | undefined;
  readonly key: string;
  readonly served: string;
}

/** Options of a registration, lookup or compatibility test. */
export interface MockSchemaRegistryRequestOptions {
  /**
   * Normalize the schema before comparing it, as Confluent's `?normalize=true`: JSON Schema keys
   * in any order, Avro properties and aliases in any order, references in any order. Default: the
   * registry's `normalize` option.
   */
  normalize?: boolean;
}

/** Confluent's answer when a schema is not compatible with a subject's earlier versions. */
const INCOMPATIBLE = 409;

function fail(status: number, errorCode: number, message: string): never {
  throw new SchemaRegistryClientError(message, { status, errorCode });
}

/**
 * A Confluent Schema Registry in memory, for tests: the same subjects, versions, global schema
 * ids, compatibility levels (BACKWARD, FORWARD, FULL, their `_TRANSITIVE` forms and NONE) and
 * error codes (40401 subject not found, 40402 version not found, 40403 schema not found, 409
 * incompatible, 42201 invalid schema...).
 *
 * Schemas are told apart as Confluent does: by their canonical form and their references, so the
 * same Avro schema with its JSON keys in another order (or other whitespace) gets the same id, and
 * is found by lookup; a changed doc, default or alias is a new schema. Avro compatibility is Avro's
 * own `SchemaCompatibility` (as Confluent uses), ported rule for rule and checked against the Java
 * library: a record whose namespace alone changed stays compatible, fields are matched by name or
 * alias, int -> long -> float -> double and string <-> bytes are promotions, an enum default reads
 * unknown symbols.
 *
 * Use it in process, as the `registry` of Rivulet's schema-registry serdes (it implements
 * `SchemaRegistryClient`, synchronously, so those serdes never return a Promise and work in the
 * TopologyTestDriver and in state stores), or over HTTP with {@link MockSchemaRegistry.listen},
 * which serves the Confluent REST API on 127.0.0.1 to any client, the real
 * `@kafkajs/confluent-schema-registry` included. Both views share one state.
 *
 * JSON Schema and Protobuf schemas are stored and served (with their references), but their
 * compatibility with earlier versions of the same type is not checked (as under NONE); a schema of
 * another type than the subject's earlier versions is incompatible; a JSON Schema without
 * references must compile to be registered.
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
  private readonly normalize: boolean;
  private available = true;

  /**
   * @param options.compatibility the global compatibility level; BACKWARD, as Confluent's default.
   * @param options.normalize normalize every schema before comparing it, as Confluent's
   * `normalize.schemas=true`; default false, as Confluent's.
   */
  constructor(options: { compatibility?: CompatibilityLevel; normalize?: boolean } = {}) {
    const level = options.compatibility ?? 'BACKWARD';
    if (!isCompatibilityLevel(level)) throw new TypeError(`MockSchemaRegistry: options.compatibility must be a compatibility level, got ${JSON.stringify(level)}`);
    if (options.normalize !== undefined && typeof options.normalize !== 'boolean') {
      throw new TypeError(`MockSchemaRegistry: options.normalize must be a boolean, got ${JSON.stringify(options.normalize)}`);
    }
    this.globalLevel = level;
    this.normalize = options.normalize ?? false;
  }

  /**
   * Serves this registry over HTTP (node:http on 127.0.0.1, a free port unless one is given) until
   * the returned server is closed. With `auth`, each request needs those basic-auth credentials
   * (401 otherwise); with `tls`, it serves HTTPS with that certificate (and, with `requestCert`,
   * wants a client certificate): see docs/security.md.
   *
   * @example
   * ```ts
   * const server = await registry.listen({ auth: { username: 'app', password: 'pw' }, tls: { cert, key } });
   * const client = schemaRegistryClient({ url: server.url, auth: { username: 'app', password: 'pw' }, tls: { ca } });
   * ```
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

  /**
   * The registered schema of a subject equal to `schema` (same canonical form and references);
   * 40401 or 40403 when there is none.
   */
  lookup(subject: string, schema: SchemaDefinition, options: MockSchemaRegistryRequestOptions = {}): SubjectVersion {
    const ids = this.versionsOf(subject);
    // Confluent does not validate defaults when looking a schema up.
    const { key } = this.candidate(schema, false, options);
    const index = ids.findIndex((id) => this.schemaById(id).key === key);
    if (index < 0) fail(404, 40403, 'Schema not found');
    const id = ids[index]!;
    return { ...definitionOf(this.schemaById(id)), subject, version: index + 1, id };
  }

  /**
   * Registers a schema under a subject, as `POST /subjects/{subject}/versions` does: the id of an
   * equal schema already in the subject; otherwise, if compatible with the subject's level, a new
   * version, reusing the global id of an equal schema registered under another subject. Equal:
   * the same canonical form and references (see the class).
   * 42201 for an invalid schema or a reference to a missing subject version, 409 for an incompatible one.
   */
  registerSchema(
    subject: string,
    schema: SchemaDefinition,
    options: MockSchemaRegistryRequestOptions = {},
  ): {
    /** The schema's global id (the same id for the same schema under any subject). */
    id: number;
    /** The schema's version under this subject. */
    version: number;
  } {
    const candidate = this.candidate(schema, true, options);
    const ids = this.subjects.get(subject) ?? [];
    const existing = ids.findIndex((id) => this.schemaById(id).key === candidate.key);
    if (existing >= 0) return { id: ids[existing]!, version: existing + 1 };
    const reasons = this.incompatibilities(
      subject,
      candidate.parsed,
      ids.map((id, i) => ({ version: i + 1, id })),
    );
    if (reasons.length > 0) {
      fail(
        INCOMPATIBLE,
        INCOMPATIBLE,
        `Schema being registered is incompatible with an earlier schema for subject "${subject}" (${this.getCompatibility(subject)}): ${reasons.join('; ')}`,
      );
    }
    let stored = this.schemas.find((s) => s.key === candidate.key);
    if (stored === undefined) {
      const { schemaType, served, references, key, parsed } = candidate;
      stored = { id: this.schemas.length + 1, schemaType, schema: served, references, key, parsed };
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
    options: MockSchemaRegistryRequestOptions = {},
  ): {
    /** True when the schema is compatible under the subject's compatibility level. */
    compatible: boolean;
    /** Why it is not, one message per problem; empty when compatible. */
    messages: string[];
  } {
    const candidate = this.candidate(schema, true, options);
    const all = (this.subjects.get(subject) ?? []).map((id, i) => ({ version: i + 1, id }));
    const against = version === undefined ? all : [all[this.getVersion(subject, version).version - 1]!];
    const reasons = this.incompatibilities(subject, candidate.parsed, against, version !== undefined);
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

  private incompatibilities(subject: string, candidate: ParsedSchema, versions: readonly { version: number; id: number }[], one = false): string[] {
    let level = this.getCompatibility(subject);
    // Against one given version, the level's direction applies to it alone.
    if (one && level.endsWith('_TRANSITIVE')) level = level.replace('_TRANSITIVE', '') as CompatibilityLevel;
    const earlier = versions.map(({ version, id }) => ({ version, schema: this.schemaById(id).parsed }));
    return incompatibilities(level, candidate, earlier);
  }

  /** Parses a schema given to the registry (42201 when invalid) and computes its identity. */
  private candidate(schema: SchemaDefinition, validateDefaults: boolean, options: MockSchemaRegistryRequestOptions): Candidate {
    const schemaType = schema.schemaType ?? 'AVRO';
    const text: unknown = schema.schema;
    if (typeof text !== 'string') fail(422, 42201, 'Invalid schema: the schema must be a string');
    const normalize = options.normalize ?? this.normalize;
    let references = schema.references === undefined || schema.references.length === 0 ? undefined : schema.references.map(({ name, subject, version }) => ({ name, subject, version }));
    if (normalize && references !== undefined) {
      // Confluent's normalize sorts the references (by name, subject, version) and drops repeats.
      const sorted = [...new Map(references.map((r) => [JSON.stringify([r.name, r.subject, r.version]), r])).values()];
      references = sorted.sort((a, b) => (a.name !== b.name ? (a.name < b.name ? -1 : 1) : a.subject !== b.subject ? (a.subject < b.subject ? -1 : 1) : a.version - b.version));
    }
    const resolved = this.resolveReferences(references ?? [], new Map());
    let parsed: ParsedSchema;
    try {
      parsed = parseSchema(schemaType, text, [...resolved.values()], { normalize, validateDefaults });
    } catch (error) {
      fail(422, 42201, `Invalid schema ${text}: ${(error as Error).message}`);
    }
    const key = JSON.stringify([schemaType, parsed.canonical, (references ?? []).map((r) => [r.name, r.subject, r.version])]);
    return { schemaType, parsed, references, key, served: schemaType === 'PROTOBUF' ? text : parsed.canonical };
  }

  /**
   * The texts of the schemas `references` name, dependencies first, keyed by reference name, as
   * Confluent resolves them before parsing; 42201 for a subject or version that does not exist.
   */
  private resolveReferences(references: readonly SchemaReference[], into: Map<string, string>): Map<string, string> {
    for (const ref of references) {
      if (into.has(ref.name)) continue;
      const ids = this.subjects.get(ref.subject);
      const id = ids?.[ref.version === -1 ? ids.length - 1 : ref.version - 1];
      if (id === undefined) fail(422, 42201, `Invalid schema: reference ${ref.name} to subject '${ref.subject}' version ${ref.version} not found`);
      const stored = this.schemaById(id);
      this.resolveReferences(stored.references ?? [], into);
      into.set(ref.name, stored.schema);
    }
    return into;
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
