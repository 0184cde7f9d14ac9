/**
 * The key of a foreign-key join's subscription store: the foreign key and the primary key of the
 * left row subscribing to it, as Kafka Streams' `CombinedKeySchema` lays it out:
 * `[4-byte big-endian foreign key length][foreign key bytes][primary key bytes]`. Every subscription
 * to one foreign key shares the prefix `[length][foreign key bytes]`, so a right-side update finds
 * them with one range scan in key byte order.
 *
 * @internal
 */
export function combinedKey(foreignKey: Buffer, primaryKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length + primaryKey.length);
  out.writeInt32BE(foreignKey.length, 0);
  foreignKey.copy(out, 4);
  primaryKey.copy(out, 4 + foreignKey.length);
  return out;
}

/** The prefix every combined key of `foreignKey` starts with. @internal */
export function combinedKeyPrefix(foreignKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + foreignKey.length);
  out.writeInt32BE(foreignKey.length, 0);
  foreignKey.copy(out, 4);
  return out;
}

/** The foreign key and primary key bytes of a combined key (views into `bytes`). @internal */
export function splitCombinedKey(bytes: Buffer): { foreignKey: Buffer; primaryKey: Buffer } {
  if (bytes.length < 4) throw new RangeError(`combined key: ${bytes.length} bytes is too short for the foreign key length`);
  const length = bytes.readInt32BE(0);
  if (length < 0 || 4 + length > bytes.length) throw new RangeError(`combined key: foreign key length ${length} exceeds the ${bytes.length}-byte key`);
  return { foreignKey: bytes.subarray(4, 4 + length), primaryKey: bytes.subarray(4 + length) };
}

/** True when `bytes` starts with `prefix`. @internal */
export function hasPrefix(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
