import { SerdeError } from './serde.js';
import type { SerdeErrorContext } from './serde.js';

// The typed failures of bad data. Each says what went wrong and where (serde, topic, key or value,
// and the byte offset or field path where it knows one) in its message, and carries the same as
// fields for handlers. They stay SerdeErrors, so a handler written for SerdeError sees them all.

/**
 * Bytes that do not start with the Confluent wire format's magic byte 0: not written by a
 * schema-registry serializer (plain JSON or Avro, a string, or garbage).
 *
 * @example
 * // avro-registry: wrong magic byte 0x7b at offset 0, expected 0x00 (Confluent wire format) (topic orders, value)
 */
export class WrongMagicByteError extends SerdeError {
  override readonly code = 'WRONG_MAGIC_BYTE' as const;
  /** The byte found where the magic byte should be. */
  readonly magicByte: number;

  constructor(message: string, context: SerdeErrorContext, magicByte: number) {
    super(message, context);
    this.name = 'WrongMagicByteError';
    this.magicByte = magicByte;
  }
}

/** A schema id, read from the wire format, that the schema registry does not know. */
export class UnknownSchemaIdError extends SerdeError {
  override readonly code = 'UNKNOWN_SCHEMA_ID' as const;
  /** The schema id that the registry does not know. */
  override readonly schemaId: number;

  constructor(message: string, context: SerdeErrorContext, schemaId: number, options?: { cause?: unknown }) {
    super(message, context, options);
    this.name = 'UnknownSchemaIdError';
    this.schemaId = schemaId;
  }
}

/**
 * Bytes that end before the record does: shorter than the wire format's 5-byte header, or an Avro
 * payload cut short.
 */
export class TruncatedPayloadError extends SerdeError {
  override readonly code = 'TRUNCATED_PAYLOAD' as const;
  /** How many bytes there were. */
  readonly length: number;

  constructor(message: string, context: SerdeErrorContext, length: number) {
    super(message, context);
    this.name = 'TruncatedPayloadError';
    this.length = length;
  }
}

/** Bytes that are not JSON text; the message names the position where they stop being JSON. */
export class InvalidJsonError extends SerdeError {
  override readonly code = 'INVALID_JSON' as const;
  /** The character index where the text stops being JSON, or -1 when unknown. */
  readonly position: number;

  constructor(message: string, context: SerdeErrorContext, position: number, options?: { cause?: unknown }) {
    super(message, context, options);
    this.name = 'InvalidJsonError';
    this.position = position;
  }
}

/**
 * A value that does not match its schema: on write, a value the schema cannot encode; on read, a
 * payload that does not decode with its writer schema or a JSON value that fails validation. The
 * message names the first fields that failed, `paths` lists them all.
 *
 * @example
 * // avro(com.acme.User) cannot serialize the value: at address.zip expected "string", got 12 (topic users, value)
 */
export class SchemaMismatchError extends SerdeError {
  override readonly code = 'SCHEMA_MISMATCH' as const;
  /** The paths of the fields that failed, e.g. `lines[0].qty`; empty when the fault has no field. */
  readonly paths: readonly string[];

  constructor(message: string, context: SerdeErrorContext, paths: readonly string[], options?: { cause?: unknown }) {
    super(message, context, options);
    this.name = 'SchemaMismatchError';
    this.paths = paths;
  }
}

/**
 * Two schemas that cannot work together: the registry refused a schema as incompatible with the
 * subject's earlier versions (HTTP 409), or a reader schema cannot read what a writer schema wrote.
 */
export class IncompatibleSchemaError extends SerdeError {
  override readonly code = 'INCOMPATIBLE_SCHEMA' as const;
  /** The subject, when the registry refused a registration. */
  readonly subject: string | undefined;
  /** The writer schema's id, when a reader could not read it. */
  override readonly schemaId: number | undefined;

  constructor(
    message: string,
    context: SerdeErrorContext,
    where: { subject?: string; schemaId?: number },
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
    this.name = 'IncompatibleSchemaError';
    this.subject = where.subject;
    this.schemaId = where.schemaId ?? context.schemaId;
  }
}

/**
 * The schema registry refused or failed a request a serde needed: a schema not registered under
 * its subject while auto-registration is off, an invalid schema, missing credentials.
 */
export class SchemaRegistryError extends SerdeError {
  override readonly code: 'SCHEMA_REGISTRY' | 'SCHEMA_REGISTRY_UNAVAILABLE' | 'SCHEMA_REGISTRY_REFUSED' = 'SCHEMA_REGISTRY';
  /** The HTTP status, when the registry answered. */
  readonly status: number | undefined;
  /** Confluent's error code (e.g. 40401 subject not found), when known. */
  readonly errorCode: number | undefined;

  constructor(
    message: string,
    context: SerdeErrorContext,
    response: { status?: number; errorCode?: number },
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
    this.name = 'SchemaRegistryError';
    this.status = response.status;
    this.errorCode = response.errorCode;
  }
}

/**
 * The schema registry could not be reached, or kept failing (5xx), after the client's retries with
 * backoff. The record itself may be fine: a handler may prefer to stop (and retry later) rather
 * than dead-letter it.
 */
export class SchemaRegistryUnavailableError extends SchemaRegistryError {
  override readonly code = 'SCHEMA_REGISTRY_UNAVAILABLE' as const;
  /** How many requests were made before giving up. */
  readonly attempts: number;

  constructor(
    message: string,
    context: SerdeErrorContext,
    response: { status?: number; attempts: number },
    options?: { cause?: unknown },
  ) {
    super(message, context, response, options);
    this.name = 'SchemaRegistryUnavailableError';
    this.attempts = response.attempts;
  }
}

/**
 * The schema registry refused this client, not the record: wrong or missing credentials (401), a
 * user without access (403), or a TLS certificate the client does not trust. Never retried, and
 * the runtime never hands it to a skip or dead-letter handler: no record is at fault, so the app
 * stops with it (a fatal error) until its registry settings are fixed. The message names the
 * cause and the fix, never a password. See docs/security.md.
 *
 * @example
 * // avro-registry: fetching schema id 1: schema registry http://registry:8081: GET /schemas/ids/1 failed with 401: Unauthorized: the registry refused the credentials of user 'app'. Fix: check auth.username and auth.password ...
 */
export class SchemaRegistryRefusedError extends SchemaRegistryError {
  override readonly code = 'SCHEMA_REGISTRY_REFUSED' as const;

  constructor(message: string, context: SerdeErrorContext, response: { status?: number }, options?: { cause?: unknown }) {
    super(message, context, response, options);
    this.name = 'SchemaRegistryRefusedError';
  }
}
