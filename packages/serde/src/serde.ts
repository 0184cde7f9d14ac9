/**
 * A record header value as Kafka clients carry it: bytes or a string, or several of them.
 */
export type HeaderValue = Buffer | string | (Buffer | string)[] | undefined;

/** The headers of a Kafka record. */
export type Headers = Record<string, HeaderValue>;

/**
 * Turns values of type T into bytes and back, for one topic. `serialize` and `deserialize` may be
 * synchronous (the fast path, used per record) or return a Promise (a schema registry lookup);
 * a serde that is async only on a cache miss should return plain values once warm.
 *
 * Null never reaches a serde: Kafka's null key or null value (a tombstone) stays null on both sides,
 * as with Kafka's Java serdes.
 *
 * @example
 * const upper: Serde<string> = {
 *   name: 'upper-string',
 *   serialize: (_topic, value) => Buffer.from(value.toUpperCase()),
 *   deserialize: (_topic, bytes) => bytes.toString(),
 * };
 */
export interface Serde<T> {
  /** A short name for errors and `describe()`, e.g. `string`, `int64`, `json`, `avro(User)`. */
  readonly name: string;
  /** Turns a value into bytes for `topic`. May add or read `headers` (e.g. a schema id). */
  serialize(topic: string, value: T, headers?: Headers): Buffer | Promise<Buffer>;
  /** Turns bytes read from `topic` back into a value. */
  deserialize(topic: string, data: Buffer, headers?: Headers): T | Promise<T>;
}

/** The type a serde reads and writes. */
export type SerdeType<S> = S extends Serde<infer T> ? T : never;

/** Where a serde failure happened, so an error can say what and where. */
export interface SerdeErrorContext {
  /** The failing serde's name. */
  serde: string;
  /** The topic being read or written. */
  topic: string;
  /** `key` or `value`. */
  part?: 'key' | 'value';
  /** The partition, when known (filled in by the runtime). */
  partition?: number;
  /** The record's offset as a decimal string, when known (filled in by the runtime). */
  offset?: string;
  /** The schema id read from the record's wire-format header, for the schema-registry serdes. */
  schemaId?: number;
}

/** Where a record was read from, as the runtime knows it: see {@link SerdeError.locate}. */
export interface SerdeErrorLocation {
  readonly part?: 'key' | 'value' | undefined;
  readonly partition?: number | undefined;
  readonly offset?: string | undefined;
}

/**
 * What kind of failure a {@link SerdeError} is, for handlers that branch on it. `SERDE` is the
 * general case, for serdes of your own (Rivulet's raise the subclasses); the others are raised by the
 * subclasses in `errors.ts` (e.g. `WRONG_MAGIC_BYTE` by `WrongMagicByteError`).
 */
export type SerdeErrorCode =
  | 'SERDE'
  | 'WRONG_MAGIC_BYTE'
  | 'UNKNOWN_SCHEMA_ID'
  | 'TRUNCATED_PAYLOAD'
  | 'INVALID_JSON'
  | 'SCHEMA_MISMATCH'
  | 'INCOMPATIBLE_SCHEMA'
  | 'SCHEMA_REGISTRY'
  | 'SCHEMA_REGISTRY_UNAVAILABLE'
  | 'SCHEMA_REGISTRY_REFUSED';

/**
 * A value that could not be turned into bytes or back. The message says which serde, which topic
 * and what went wrong; the runtime adds the partition and offset before handing it to the
 * deserialization or production error handler. Subclasses name the kind of failure (see
 * {@link SerdeErrorCode}); `code` carries the same for handlers that prefer a switch.
 */
export class SerdeError extends Error {
  /** The kind of failure; `SERDE` unless a subclass says otherwise. */
  readonly code: SerdeErrorCode = 'SERDE';
  /** The failing serde's name. */
  readonly serde: string;
  /** The topic being read or written. */
  readonly topic: string;
  /** Whether the key or the value failed, when known. */
  readonly part: 'key' | 'value' | undefined;
  /** The partition, when known. */
  readonly partition: number | undefined;
  /** The record's offset as a decimal string, when known. */
  readonly offset: string | undefined;
  /**
   * The schema id in the record's wire-format header (unsigned 32-bit), on every failure of a
   * schema-registry serde after the header was read; undefined for the other serdes, and for a
   * wrong magic byte or a record too short to hold an id.
   */
  readonly schemaId: number | undefined;

  constructor(message: string, context: SerdeErrorContext, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SerdeError';
    this.serde = context.serde;
    this.topic = context.topic;
    this.part = context.part;
    this.partition = context.partition;
    this.offset = context.offset;
    this.schemaId = context.schemaId;
  }

  /**
   * Fills in where the failed record was, when the serde could not know it: the runtime calls this
   * with the record's partition and offset (and whether its key or value failed) before it hands
   * the error to the deserialization handler. Fields already set are kept. Returns this error.
   */
  locate(where: SerdeErrorLocation): this {
    // The fields are readonly to handlers; the runtime fills them once, before any handler sees them.
    const self = this as { -readonly [K in 'part' | 'partition' | 'offset']: SerdeError[K] };
    if (self.part === undefined && where.part !== undefined) self.part = where.part;
    if (self.partition === undefined && where.partition !== undefined) self.partition = where.partition;
    if (self.offset === undefined && where.offset !== undefined) self.offset = where.offset;
    return this;
  }
}
