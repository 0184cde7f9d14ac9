import type { HeaderValue, Headers } from '@rivulet/serde';

/**
 * One key's entry in a suppression buffer, serialized: the latest update buffered for the key, with
 * the value the key had before the first buffered update (the prior value: what downstream last
 * saw of the key). Kafka Streams' `BufferValue` + `ProcessorRecordContext`.
 *
 * @internal
 */
export interface BufferedChange {
  /** When the entry is due: the window end (untilWindowCloses) or the first update's timestamp (untilTimeLimit). */
  readonly bufferTime: number;
  /** The latest update's record timestamp: the emitted record's. */
  readonly timestamp: number;
  /** The latest update's input topic ('' when unknown): counted in the buffer's bytes, as Kafka Streams does. */
  readonly topic: string;
  /** The latest update's headers: the emitted record's. */
  readonly headers: Headers | undefined;
  /** The serialized value before the first buffered update: null when the key had none, undefined when not known. */
  readonly prior: Buffer | null | undefined;
  /** The serialized old value of the latest update (null: none, undefined: not known). */
  readonly old: Buffer | null | undefined;
  /** True while the entry holds its first update, whose old value is the prior value (counted once). */
  readonly oldIsPrior: boolean;
  /** The serialized new value; null for a deletion. */
  readonly value: Buffer | null;
}

const VERSION = 1;
const NULL = -1;
const UNKNOWN = -2;
const SAME_AS_PRIOR = -3;

/**
 * The bytes the entry takes in the buffer, as Kafka Streams counts them
 * (`InMemoryTimeOrderedKeyValueChangeBuffer.computeRecordSize`): buffer time (8), key, prior, old
 * (unless it is the prior) and new values, and the record context: timestamp (8), offset (8),
 * partition (4), topic name and headers (keys and values).
 *
 * @internal
 */
export function bufferedSize(keyBytes: number, entry: BufferedChange): number {
  let size = 8 + keyBytes;
  size += entry.prior?.length ?? 0;
  if (!entry.oldIsPrior) size += entry.old?.length ?? 0;
  size += entry.value?.length ?? 0;
  size += 8 + 8 + 4 + entry.topic.length;
  if (entry.headers !== undefined) {
    for (const [key, value] of Object.entries(entry.headers)) {
      for (const v of Array.isArray(value) ? value : [value]) size += key.length + (v === undefined ? 0 : Buffer.byteLength(v));
    }
  }
  return size;
}

/** The changelog value of an entry (the key is the serialized record key). @internal */
export function encodeBufferedChange(entry: BufferedChange): Buffer {
  const topic = Buffer.from(entry.topic, 'utf8');
  const headers = entry.headers === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(encodeHeaders(entry.headers)), 'utf8');
  const parts = [entry.prior, entry.oldIsPrior ? undefined : entry.old, entry.value];
  let size = 1 + 8 + 8 + 4 + topic.length + 4 + headers.length + 3 * 4;
  for (const p of parts) size += p?.length ?? 0;
  const out = Buffer.allocUnsafe(size);
  let at = out.writeUInt8(VERSION, 0);
  at = out.writeDoubleBE(entry.bufferTime, at);
  at = out.writeDoubleBE(entry.timestamp, at);
  at = out.writeInt32BE(topic.length, at);
  at += topic.copy(out, at);
  at = out.writeInt32BE(headers.length, at);
  at += headers.copy(out, at);
  at = writePart(out, at, entry.prior);
  at = entry.oldIsPrior ? out.writeInt32BE(SAME_AS_PRIOR, at) : writePart(out, at, entry.old);
  writePart(out, at, entry.value);
  return out;
}

/** Reads back what {@link encodeBufferedChange} wrote. @internal */
export function decodeBufferedChange(bytes: Buffer): BufferedChange {
  if (bytes.readUInt8(0) !== VERSION) throw new Error(`suppression buffer: unknown changelog record version ${bytes.readUInt8(0)}`);
  let at = 1;
  const bufferTime = bytes.readDoubleBE(at);
  const timestamp = bytes.readDoubleBE(at + 8);
  at += 16;
  const topicLength = bytes.readInt32BE(at);
  const topic = bytes.toString('utf8', at + 4, at + 4 + topicLength);
  at += 4 + topicLength;
  const headersLength = bytes.readInt32BE(at);
  const headers = headersLength === 0 ? undefined : decodeHeaders(JSON.parse(bytes.toString('utf8', at + 4, at + 4 + headersLength)) as EncodedHeader[]);
  at += 4 + headersLength;
  const prior = readPart(bytes, at);
  const oldLength = bytes.readInt32BE(prior.next);
  const oldIsPrior = oldLength === SAME_AS_PRIOR;
  const old = oldIsPrior ? { value: prior.value, next: prior.next + 4 } : readPart(bytes, prior.next);
  const value = readPart(bytes, old.next).value;
  if (value === undefined) throw new Error('suppression buffer: a changelog record without a new value');
  return { bufferTime, timestamp, topic, headers, prior: prior.value, old: old.value, oldIsPrior, value };
}

function writePart(out: Buffer, at: number, part: Buffer | null | undefined): number {
  if (part === null) return out.writeInt32BE(NULL, at);
  if (part === undefined) return out.writeInt32BE(UNKNOWN, at);
  const next = out.writeInt32BE(part.length, at);
  return next + part.copy(out, next);
}

function readPart(bytes: Buffer, at: number): { value: Buffer | null | undefined; next: number } {
  const length = bytes.readInt32BE(at);
  if (length === NULL) return { value: null, next: at + 4 };
  if (length === UNKNOWN) return { value: undefined, next: at + 4 };
  // A copy: the changelog record's buffer may be reused by the client.
  return { value: Buffer.from(bytes.subarray(at + 4, at + 4 + length)), next: at + 4 + length };
}

/** A header as JSON: its key, then one value (`v`) or a list (`a`), each as text (`s`), base64 bytes (`b`) or absent (`u`). */
type EncodedValue = ['s' | 'b', string] | ['u'];
type EncodedHeader = [string, 'v', EncodedValue] | [string, 'a', EncodedValue[]];

function encodeValue(v: Buffer | string | undefined): EncodedValue {
  if (v === undefined) return ['u'];
  return typeof v === 'string' ? ['s', v] : ['b', v.toString('base64')];
}

function decodeValue(v: EncodedValue): Buffer | string | undefined {
  if (v[0] === 'u') return undefined;
  return v[0] === 's' ? v[1] : Buffer.from(v[1], 'base64');
}

function encodeHeaders(headers: Headers): EncodedHeader[] {
  return Object.entries(headers).map(([key, value]): EncodedHeader => (Array.isArray(value) ? [key, 'a', value.map(encodeValue)] : [key, 'v', encodeValue(value)]));
}

function decodeHeaders(encoded: EncodedHeader[]): Headers {
  const headers: Record<string, HeaderValue> = {};
  for (const header of encoded) {
    headers[header[0]] = header[1] === 'a' ? header[2].map((v) => decodeValue(v) as Buffer | string) : decodeValue(header[2]);
  }
  return headers;
}
