/** The schema formats a Confluent Schema Registry holds. Rivulet's serdes write all three. */
export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

/**
 * A reference from a schema to a schema of another subject: a Protobuf `import` (its name is the
 * import path), an Avro named type or a JSON Schema `$ref`. The Protobuf serde registers and follows
 * them; the Avro and JSON Schema serdes do not follow them yet.
 */
export interface SchemaReference {
  /** The name the referencing schema uses for it (an Avro full name, a JSON Schema `$ref`). */
  name: string;
  /** The subject the referenced schema is registered under. */
  subject: string;
  /** Its version under that subject. */
  version: number;
}

/** A schema as the registry stores it: its format and its text. */
export interface SchemaDefinition {
  /** The schema's format. */
  schemaType: SchemaType;
  /** The schema's text: Avro or JSON Schema as JSON. */
  schema: string;
  /** Schemas of other subjects it refers to. */
  references?: SchemaReference[];
}

/** A schema registered under a subject, at a version, with its global id. */
export interface SubjectVersion extends SchemaDefinition {
  /** The subject. */
  subject: string;
  /** The version under the subject, from 1. */
  version: number;
  /** The schema's global id, the one written in the wire format. */
  id: number;
}

/**
 * What Rivulet's schema-registry serdes ask of a registry: the Confluent Schema Registry REST
 * calls a Java serializer makes. {@link schemaRegistryClient} implements it over HTTP through
 * `@kafkajs/confluent-schema-registry`; `MockSchemaRegistry` from `@rivulet/testing` implements it
 * in process. A failure is a {@link SchemaRegistryClientError} carrying Confluent's error code.
 *
 * A method may answer with a Promise (over the network) or with the value itself (in process): a
 * synchronous client keeps the serdes synchronous even on a cache miss, which the
 * TopologyTestDriver and state stores need.
 *
 * The serdes cache what they get (ids, schemas, resolvers): a client is asked once per schema,
 * not once per record.
 */
export interface SchemaRegistryClient {
  /** `GET /schemas/ids/{id}`; 40403 when the id is unknown. */
  getSchemaById(id: number): SchemaDefinition | Promise<SchemaDefinition>;
  /** `POST /subjects/{subject}/versions`: the schema's id, registering it if new; 409 when incompatible. */
  register(subject: string, schema: SchemaDefinition): number | Promise<number>;
  /** `POST /subjects/{subject}`: the version of the subject holding this schema; 40401 / 40403 when none. */
  lookupSchema(subject: string, schema: SchemaDefinition): SubjectVersion | Promise<SubjectVersion>;
  /** `GET /subjects/{subject}/versions/latest`; 40401 when the subject has no version. */
  getLatestVersion(subject: string): SubjectVersion | Promise<SubjectVersion>;
  /**
   * `GET /subjects/{subject}/versions/{version}`; 40401 / 40402 when there is no such subject or
   * version. Needed only to read schemas with references (Protobuf imports); optional so that
   * clients written before it still fit.
   */
  getVersion?(subject: string, version: number): SubjectVersion | Promise<SubjectVersion>;
}

/**
 * A registry request that failed: the registry's answer (HTTP status and Confluent error code,
 * e.g. 404 / 40401 subject not found, 409 incompatible, 422 / 42201 invalid schema) or, with no
 * status, no answer at all. `retriable` says whether trying again later may succeed (the registry
 * was down or failing), in which case the client has already retried `attempts - 1` times.
 */
export class SchemaRegistryClientError extends Error {
  /** The HTTP status of the registry's answer; undefined when there was no answer. */
  readonly status: number | undefined;
  /** Confluent's error code, e.g. 40401 (see {@link SCHEMA_REGISTRY_ERROR_CODES}); undefined when the answer had none. */
  readonly errorCode: number | undefined;
  /** Whether trying again later may succeed (the registry was down or failing). */
  readonly retriable: boolean;
  /** How many times the request was tried. */
  readonly attempts: number;
  /**
   * Whether the registry refused this client rather than the request: its credentials (401, 403)
   * or the TLS handshake (an untrusted certificate). Never retriable: the client's settings must change.
   */
  readonly refused: boolean;

  constructor(
    message: string,
    details: { status?: number | undefined; errorCode?: number | undefined; retriable?: boolean; attempts?: number; refused?: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchemaRegistryClientError';
    this.status = details.status;
    this.errorCode = details.errorCode;
    this.retriable = details.retriable ?? false;
    this.attempts = details.attempts ?? 1;
    this.refused = details.refused ?? false;
  }
}

/** Confluent's error codes that Rivulet's serdes and MockSchemaRegistry use. */
export const SCHEMA_REGISTRY_ERROR_CODES = Object.freeze({
  /** 40401: the subject does not exist. */
  SUBJECT_NOT_FOUND: 40401,
  /** 40402: the subject has no such version. */
  VERSION_NOT_FOUND: 40402,
  /** 40403: no schema with that id, or not under that subject. */
  SCHEMA_NOT_FOUND: 40403,
  /** 40408: the subject has no compatibility level of its own. */
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: 40408,
  /** 409: the schema is incompatible with the subject's earlier versions. */
  INCOMPATIBLE_SCHEMA: 409,
  /** 42201: the schema does not parse. */
  INVALID_SCHEMA: 42201,
  /** 42202: the version is not a positive number or `latest`. */
  INVALID_VERSION: 42202,
  /** 42203: not a known compatibility level. */
  INVALID_COMPATIBILITY_LEVEL: 42203,
  /** 50001: an error in the registry's backend store. */
  STORE_ERROR: 50001,
});
