import { StreamRecord, type KeyValueStore } from '@rivulet/core';
import type { Headers, HeaderValue, Serde } from '@rivulet/serde';
import { deserializeSync, readTimestamp, serializeSync, TIMESTAMP_BYTES, writeTimestamp } from './join-bytes.js';

/** How a stream-table join with a grace period keeps its stream records: the store and the serdes. */
export interface JoinBufferSettings<K, V> {
  /** The buffer's key-value store of bytes (changelogged unless the join says otherwise). */
  readonly storeName: string;
  readonly keySerde: Serde<K>;
  readonly valueSerde: Serde<V>;
  /** How long a stream record waits for table updates that are late, in stream time. */
  readonly gracePeriodMs: number;
}

const SEQUENCE_BYTES = 8;

/**
 * The stream side's buffer of a stream-table join with a grace period (Kafka Streams' KIP-923,
 * `Joined.withGracePeriod`): stream records wait, ordered by timestamp, until the join's stream time
 * (the newest stream record's timestamp) passes their timestamp plus the grace period; then they
 * are joined in timestamp order, so a table update that comes late, within the grace period, is
 * still seen by the stream records of its time.
 *
 * Entries are `[8-byte timestamp][8-byte sequence] -> [4-byte key length][key][4-byte value
 * length][value][headers as JSON]` in a key-value store, whose byte order is then the timestamp
 * order (arrival order within a timestamp), and whose changelog carries the buffer across a
 * restart. The join's stream time is not kept: after a restart it starts again from the first
 * record, so buffered records wait for the next record that moves it past them.
 *
 * @internal
 */
export class StreamTableJoinBuffer<K, V> {
  private store!: KeyValueStore<Buffer, Buffer>;
  private streamTime = Number.NEGATIVE_INFINITY;
  private sequence = 0;
  private readonly scratch = Buffer.allocUnsafe(TIMESTAMP_BYTES + SEQUENCE_BYTES);

  constructor(private readonly settings: JoinBufferSettings<K, V>) {}

  init(store: KeyValueStore<Buffer, Buffer>): void {
    this.store = store;
    this.streamTime = Number.NEGATIVE_INFINITY;
    // Restored entries keep their sequence numbers: new ones go after them.
    let last = -1;
    for (const { key } of store.all()) last = Math.max(last, key.readDoubleBE(TIMESTAMP_BYTES));
    this.sequence = last + 1;
  }

  /**
   * Advances stream time with `record` and buffers it, unless it is already older than stream time
   * minus the grace period: then it returns false, and the caller joins it at once.
   */
  add(record: StreamRecord<K, V>): boolean {
    if (record.timestamp > this.streamTime) this.streamTime = record.timestamp;
    if (record.timestamp < this.streamTime - this.settings.gracePeriodMs) return false;
    const key = Buffer.allocUnsafe(TIMESTAMP_BYTES + SEQUENCE_BYTES);
    writeTimestamp(key, 0, record.timestamp);
    key.writeDoubleBE(this.sequence++, TIMESTAMP_BYTES);
    this.store.put(key, this.encode(record));
    return true;
  }

  /** Takes out, in timestamp order, every buffered record whose grace period is over, handing each to `emit`. */
  evict(emit: (record: StreamRecord<K, V>) => void): void {
    const until = this.streamTime - this.settings.gracePeriodMs;
    if (!Number.isFinite(until)) return;
    // Up to the largest key of timestamp `until`: every sequence number of it included.
    writeTimestamp(this.scratch, 0, until);
    this.scratch.fill(0xff, TIMESTAMP_BYTES);
    const due: { key: Buffer; value: Buffer }[] = [];
    for (const entry of this.store.range(undefined, this.scratch)) due.push(entry);
    for (const { key, value } of due) {
      this.store.delete(key);
      emit(this.decode(readTimestamp(key, 0), value));
    }
  }

  private encode(record: StreamRecord<K, V>): Buffer {
    const { storeName, keySerde, valueSerde } = this.settings;
    const key = serializeSync(storeName, 'key', keySerde, storeName, record.key);
    const value = serializeSync(storeName, 'value', valueSerde, storeName, record.value);
    const headers = record.headers === undefined || Object.keys(record.headers).length === 0 ? Buffer.alloc(0) : Buffer.from(JSON.stringify(encodeHeaders(record.headers)));
    const out = Buffer.allocUnsafe(8 + key.length + value.length + headers.length);
    let at = out.writeInt32BE(key.length, 0);
    at += key.copy(out, at);
    at = out.writeInt32BE(value.length, at);
    at += value.copy(out, at);
    headers.copy(out, at);
    return out;
  }

  private decode(timestamp: number, bytes: Buffer): StreamRecord<K, V> {
    const { storeName, keySerde, valueSerde } = this.settings;
    const keyLength = bytes.readInt32BE(0);
    const key = deserializeSync(storeName, 'key', keySerde, storeName, bytes.subarray(4, 4 + keyLength));
    const valueAt = 4 + keyLength + 4;
    const valueLength = bytes.readInt32BE(4 + keyLength);
    const value = deserializeSync(storeName, 'value', valueSerde, storeName, bytes.subarray(valueAt, valueAt + valueLength));
    const rest = bytes.subarray(valueAt + valueLength);
    return rest.length === 0 ? new StreamRecord(key, value, timestamp) : new StreamRecord(key, value, timestamp, decodeHeaders(JSON.parse(rest.toString()) as EncodedHeaders));
  }
}

/** Header values as JSON: strings as they are, bytes as `{ b: base64 }`. */
type EncodedPart = string | { b: string };
type EncodedHeaders = [string, EncodedPart | EncodedPart[] | null][];

function encodeHeaders(headers: Headers): EncodedHeaders {
  const part = (v: Buffer | string): EncodedPart => (typeof v === 'string' ? v : { b: v.toString('base64') });
  return Object.entries(headers).map(([name, value]) => [name, value === undefined ? null : Array.isArray(value) ? value.map(part) : part(value)]);
}

function decodeHeaders(encoded: EncodedHeaders): Headers {
  const part = (v: EncodedPart): Buffer | string => (typeof v === 'string' ? v : Buffer.from(v.b, 'base64'));
  const headers: Headers = {};
  for (const [name, value] of encoded) headers[name] = (value === null ? undefined : Array.isArray(value) ? value.map(part) : part(value)) as HeaderValue;
  return headers;
}
