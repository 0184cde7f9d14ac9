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
}

/**
 * What kind of failure a {@link SerdeError} is, for handlers that branch on it. `SERDE` is the
 * general case (a value of the wrong type, bytes of the wrong size); the others are raised by the
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
  | 'SCHEMA_REGISTRY_UNAVAILABLE';

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

  constructor(message: string, context: SerdeErrorContext, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SerdeError';
    this.serde = context.serde;
    this.topic = context.topic;
    this.part = context.part;
    this.partition = context.partition;
    this.offset = context.offset;
  }
}
