/**
 * The records a foreign-key join sends through its two internal topics, in Kafka Streams' layouts
 * (`SubscriptionWrapperSerde` version 1, `SubscriptionResponseWrapperSerde`), kept as bytes end to
 * end: the right side never needs the primary key as an object, only its bytes.
 *
 * @internal
 */

/**
 * What the right side does with a subscription (Kafka Streams' `SubscriptionWrapper.Instruction`,
 * same byte values).
 *
 * @internal
 */
export const Instruction = {
  /** Remove the subscription; send nothing (the foreign key changed: only the new one answers). */
  DELETE_KEY_NO_PROPAGATE: 0,
  /** Remove the subscription and answer with a null right value (the result row is deleted). */
  DELETE_KEY_AND_PROPAGATE: 1,
  /** Keep the subscription and answer with the right value, or with null when there is none. */
  PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE: 2,
  /** Keep the subscription and answer only when the right side has a value. */
  PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE: 3,
} as const;

/** @internal */
export type Instruction = (typeof Instruction)[keyof typeof Instruction];

const SUBSCRIPTION_VERSION = 1;
const RESPONSE_VERSION = 1;
const HASH_NULL = 0x80;
const VALUE_NULL = 0x40;
const HASH_BYTES = 16;

/**
 * A left row's subscription to a foreign key: the 128-bit hash of the left value it was sent for
 * (null for a deletion), what to do, the primary key's bytes and the partition of the left row (so
 * the response goes back to the task that holds it).
 *
 * @internal
 */
export interface Subscription {
  readonly hash: Buffer | null;
  readonly instruction: Instruction;
  readonly primaryKey: Buffer;
  readonly primaryPartition: number;
}

/**
 * `[version | 0x80 when the hash is null][instruction][16-byte hash, when present][primary key bytes]
 * [4-byte primary partition]`.
 *
 * @internal
 */
export function encodeSubscription(s: Subscription): Buffer {
  const hashBytes = s.hash === null ? 0 : HASH_BYTES;
  const out = Buffer.allocUnsafe(2 + hashBytes + s.primaryKey.length + 4);
  out.writeUInt8(s.hash === null ? SUBSCRIPTION_VERSION | HASH_NULL : SUBSCRIPTION_VERSION, 0);
  out.writeUInt8(s.instruction, 1);
  if (s.hash !== null) s.hash.copy(out, 2);
  s.primaryKey.copy(out, 2 + hashBytes);
  out.writeInt32BE(s.primaryPartition, out.length - 4);
  return out;
}

/** @internal */
export function decodeSubscription(bytes: Buffer): Subscription {
  if (bytes.length < 6) throw new RangeError(`foreign-key join subscription: ${bytes.length} bytes is too short`);
  const first = bytes.readUInt8(0);
  const version = first & 0x7f;
  if (version !== SUBSCRIPTION_VERSION) {
    throw new RangeError(`foreign-key join subscription: version ${version} is not supported (this Rivulet reads version ${SUBSCRIPTION_VERSION})`);
  }
  const instruction = bytes.readUInt8(1);
  if (instruction > Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE) throw new RangeError(`foreign-key join subscription: unknown instruction ${instruction}`);
  const hashed = (first & HASH_NULL) === 0;
  const keyStart = hashed ? 2 + HASH_BYTES : 2;
  if (bytes.length < keyStart + 4) throw new RangeError(`foreign-key join subscription: ${bytes.length} bytes is too short for its hash`);
  return {
    hash: hashed ? bytes.subarray(2, 2 + HASH_BYTES) : null,
    instruction: instruction as Instruction,
    primaryKey: bytes.subarray(keyStart, bytes.length - 4),
    primaryPartition: bytes.readInt32BE(bytes.length - 4),
  };
}

/**
 * The right side's answer to a subscription: the hash the subscription carried, the right value's
 * bytes (null: no right row) and the left row's partition.
 *
 * @internal
 */
export interface SubscriptionResponse {
  readonly hash: Buffer | null;
  readonly foreignValue: Buffer | null;
  readonly primaryPartition: number;
}

/**
 * `[version | 0x80 when the hash is null | 0x40 when the value is null][4-byte primary partition]
 * [16-byte hash, when present][right value bytes]`. The partition sits at a fixed offset so the
 * response sink's partitioner reads it without decoding the rest. (Kafka Streams marks a null value
 * by its absence, which cannot tell it from an empty value; the flag can.)
 *
 * @internal
 */
export function encodeResponse(r: SubscriptionResponse): Buffer {
  const hashBytes = r.hash === null ? 0 : HASH_BYTES;
  const valueBytes = r.foreignValue === null ? 0 : r.foreignValue.length;
  const out = Buffer.allocUnsafe(5 + hashBytes + valueBytes);
  out.writeUInt8(RESPONSE_VERSION | (r.hash === null ? HASH_NULL : 0) | (r.foreignValue === null ? VALUE_NULL : 0), 0);
  out.writeInt32BE(r.primaryPartition, 1);
  if (r.hash !== null) r.hash.copy(out, 5);
  if (r.foreignValue !== null) r.foreignValue.copy(out, 5 + hashBytes);
  return out;
}

/** @internal */
export function decodeResponse(bytes: Buffer): SubscriptionResponse {
  if (bytes.length < 5) throw new RangeError(`foreign-key join response: ${bytes.length} bytes is too short`);
  const first = bytes.readUInt8(0);
  const version = first & 0x3f;
  if (version !== RESPONSE_VERSION) {
    throw new RangeError(`foreign-key join response: version ${version} is not supported (this Rivulet reads version ${RESPONSE_VERSION})`);
  }
  const hashed = (first & HASH_NULL) === 0;
  const valueStart = hashed ? 5 + HASH_BYTES : 5;
  if (bytes.length < valueStart) throw new RangeError(`foreign-key join response: ${bytes.length} bytes is too short for its hash`);
  return {
    hash: hashed ? bytes.subarray(5, 5 + HASH_BYTES) : null,
    foreignValue: (first & VALUE_NULL) !== 0 ? null : bytes.subarray(valueStart),
    primaryPartition: bytes.readInt32BE(1),
  };
}

/** The partition a response record names (its left row's), or -1 when it names none. @internal */
export function responsePartition(bytes: Buffer | null): number {
  return bytes === null || bytes.length < 5 ? -1 : bytes.readInt32BE(1);
}

/** True when two hashes are equal, null included (a response for a deletion matches an absent row). @internal */
export function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
