/**
 * How window and session stores lay out their keys in bytes: the changelog's record keys, and the
 * keys of the key-value engine under a persistent window or session store.
 *
 * - window: `[key bytes][8-byte big-endian window start]` (Kafka Streams' window key schema,
 *   without its 4-byte sequence number: these stores keep one value per key and window);
 * - session: `[key bytes][8-byte big-endian session end][8-byte big-endian session start]`
 *   (Kafka Streams' session key schema).
 *
 * Times are non-negative integers below 2^53 (milliseconds), so big-endian bytes sort as the
 * numbers do. A key shorter than a composite key can be (the 1-byte {@link STORE_MARK_KEY}) holds
 * the store's mark (see `emittedUpTo`), never a window or a session.
 *
 * @internal
 */

export const TIME_BYTES = 8;
const TWO_32 = 2 ** 32;

/** The key of the store's mark in the changelog and in a key-value engine: too short to be a window or session key. */
export const STORE_MARK_KEY: Buffer = Buffer.from([0]);

/** Throws unless `time` is a timestamp a window or session store can hold. */
export function assertStoreTime(store: string, what: string, time: number): void {
  if (!Number.isSafeInteger(time) || time < 0) {
    throw new RangeError(`state store '${store}': ${what} must be an integer >= 0 (milliseconds), got ${time}`);
  }
}

export function writeTime(bytes: Buffer, offset: number, time: number): void {
  bytes.writeUInt32BE(Math.floor(time / TWO_32), offset);
  bytes.writeUInt32BE(time >>> 0, offset + 4);
}

export function readTime(bytes: Buffer, offset: number): number {
  return bytes.readUInt32BE(offset) * TWO_32 + bytes.readUInt32BE(offset + 4);
}

/** `[key][start]`. */
export function windowKeyBytes(key: Buffer, start: number): Buffer {
  const bytes = Buffer.allocUnsafe(key.length + TIME_BYTES);
  key.copy(bytes, 0);
  writeTime(bytes, key.length, start);
  return bytes;
}

/** `[key][end][start]`. */
export function sessionKeyBytes(key: Buffer, end: number, start: number): Buffer {
  const bytes = Buffer.allocUnsafe(key.length + 2 * TIME_BYTES);
  key.copy(bytes, 0);
  writeTime(bytes, key.length, end);
  writeTime(bytes, key.length + TIME_BYTES, start);
  return bytes;
}

/** The mark's value: 8 bytes. */
export function markBytes(mark: number): Buffer {
  const bytes = Buffer.allocUnsafe(TIME_BYTES);
  writeTime(bytes, 0, mark);
  return bytes;
}

/** True when `composite` is `[key][...]` with exactly `timeBytes` after the key. */
export function hasKey(composite: Buffer, key: Buffer, timeBytes: number): boolean {
  return composite.length === key.length + timeBytes && composite.compare(key, 0, key.length, 0, key.length) === 0;
}
