// Confluent's Protobuf wire format puts, between the 5-byte header and the Protobuf payload, the
// path to the record's message type in its .proto file: the "message indexes". Each number is a
// zigzag varint (Kafka's ByteUtils.writeVarint, as Confluent's MessageIndexes.writeTo uses): first
// how many indexes, then each index, the top-level message first, then the nested one within it,
// and so on. The commonest path, [0] (the file's first message), is shortened to the count 0 alone,
// a single 0x00 byte; readers take a count of 0 as [0], and accept the long form [0] too.
//
//   [0]     -> 00            (the shortcut; the long form 02 00 reads the same)
//   [1]     -> 02 02
//   [1, 0]  -> 04 02 00
//   [0, 2, 1] -> 06 00 04 02

/** The bytes of the shortcut for [0]. */
const FIRST_MESSAGE = Buffer.from([0]);

/** A varint of Kafka's `readVarint` is at most 5 bytes (a 32-bit value). */
const MAX_VARINT_BYTES = 5;

/**
 * The wire bytes of a message-index path, in Confluent's encoding (the [0] shortcut included).
 *
 * @internal
 */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return FIRST_MESSAGE;
  const bytes: number[] = [];
  writeZigzagVarint(bytes, indexes.length);
  for (const index of indexes) writeZigzagVarint(bytes, index);
  return Buffer.from(bytes);
}

function writeZigzagVarint(out: number[], value: number): void {
  // Zigzag of an int32, then unsigned LEB128: 7 bits a byte, least significant first.
  let v = ((value << 1) ^ (value >> 31)) >>> 0;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
}

/** What {@link decodeMessageIndexes} found: the path and where the payload starts, or why it could not. */
export type MessageIndexesResult =
  | { readonly ok: true; readonly indexes: readonly number[]; readonly end: number }
  | { readonly ok: false; readonly truncated: boolean; readonly reason: string };

/** The path [0] as decoded from the shortcut, shared (records of the first message are the common case). */
const FIRST_PATH: readonly number[] = Object.freeze([0]);

/**
 * Reads the message-index path of a record from `offset` (just after the 5-byte header). Never
 * throws: a record that ends inside the path, a varint longer than 5 bytes, or a negative count or
 * index is reported, for the serde to raise its typed error.
 *
 * @internal
 */
export function decodeMessageIndexes(data: Uint8Array, offset: number): MessageIndexesResult {
  // The common case first: the one byte 0, the shortcut for [0].
  if (offset < data.length && data[offset] === 0) return { ok: true, indexes: FIRST_PATH, end: offset + 1 };
  const count = readZigzagVarint(data, offset);
  if (typeof count === 'string') return fault(count, 'the message-index count', data, offset);
  if (count.value < 0) return { ok: false, truncated: false, reason: `the message-index count is negative (${count.value})` };
  // Each index takes at least one byte: a count beyond the bytes left cannot be right.
  if (count.value > data.length - count.end) {
    return { ok: false, truncated: true, reason: `the record ends inside the message indexes: a count of ${count.value} with ${data.length - count.end} bytes left` };
  }
  const indexes: number[] = [];
  let at = count.end;
  for (let i = 0; i < count.value; i++) {
    const index = readZigzagVarint(data, at);
    if (typeof index === 'string') return fault(index, `message index ${i}`, data, at);
    if (index.value < 0) return { ok: false, truncated: false, reason: `message index ${i} is negative (${index.value})` };
    indexes.push(index.value);
    at = index.end;
  }
  return { ok: true, indexes, end: at };
}

function fault(kind: VarintFault, what: string, data: Uint8Array, offset: number): MessageIndexesResult {
  return kind === 'truncated'
    ? { ok: false, truncated: true, reason: `the record ends inside the message indexes (${what}, byte ${offset} of ${data.length})` }
    : { ok: false, truncated: false, reason: `${what} at byte ${offset} is a varint longer than ${MAX_VARINT_BYTES} bytes` };
}

type VarintFault = 'truncated' | 'too-long';

/** A zigzag varint at `offset`, or why it is not one. */
function readZigzagVarint(data: Uint8Array, offset: number): { value: number; end: number } | VarintFault {
  let raw = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const at = offset + i;
    if (at >= data.length) return 'truncated';
    const byte = data[at]!;
    raw |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return { value: (raw >>> 1) ^ -(raw & 1), end: at + 1 };
  }
  return 'too-long';
}
