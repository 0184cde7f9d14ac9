/**
 * How the lmdb engine lays out keys: every key behind one prefix byte, in lmdb's default order
 * (unsigned bytes, shorter first on a common prefix), which is the order ranges promise.
 *
 * Internal to the lmdb engine.
 */

/**
 * The longest key the lmdb engine stores: lmdb's limit of 1978 bytes, less the one byte of prefix
 * the engine puts before every key.
 */
export const LMDB_MAX_KEY_BYTES = 1977;

/**
 * Every key is stored behind this byte. lmdb refuses empty keys and Kafka allows them (an empty
 * string key); a prefix common to all keys leaves their byte order unchanged.
 */
export const KEY_PREFIX = 0x00;
const ALL_KEYS_START = Buffer.from([KEY_PREFIX]);
const ALL_KEYS_END = Buffer.from([KEY_PREFIX + 1]);

/** The stored form of a key given as a latin1 string (the write buffer's keys). */
export function storedKey(key: string): Buffer {
  const bytes = Buffer.allocUnsafe(key.length + 1);
  bytes[0] = KEY_PREFIX;
  bytes.write(key, 1, 'latin1');
  return bytes;
}

/** The stored form of a key given as bytes. */
function prefixed(key: Buffer): Buffer {
  const bytes = Buffer.allocUnsafe(key.length + 1);
  bytes[0] = KEY_PREFIX;
  key.copy(bytes, 1);
  return bytes;
}

/**
 * lmdb range options for `from <= key <= to`. A bound longer than any storable key is cut to the
 * longest storable length: for keys of at most that length, `key <= to` equals `key <= cut(to)`, and
 * `key >= from` equals `key > cut(from)`.
 */
export function storedRange(from: Buffer | undefined, to: Buffer | undefined): { start: Buffer; end: Buffer; inclusiveEnd: boolean; exclusiveStart: boolean } {
  const start = from === undefined ? ALL_KEYS_START : prefixed(from.subarray(0, LMDB_MAX_KEY_BYTES));
  const exclusiveStart = from !== undefined && from.length > LMDB_MAX_KEY_BYTES;
  if (to === undefined) return { start, end: ALL_KEYS_END, inclusiveEnd: false, exclusiveStart };
  return { start, end: prefixed(to.subarray(0, LMDB_MAX_KEY_BYTES)), inclusiveEnd: true, exclusiveStart };
}
