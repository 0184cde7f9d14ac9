import type { KeyValueStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { deserializeSync, readTimestamp, serializeSync, TIMESTAMP_BYTES, writeTimestamp } from './join-bytes.js';

/** Timestamp and sequence number after the key bytes. */
const SUFFIX_BYTES = TIMESTAMP_BYTES + 4;
const MAX_SEQ = 0xffff_ffff;
/** Expired records are swept at most this often (in stream time), as Kafka drops whole segments. */
const MIN_SWEEP_INTERVAL_MS = 60_000;

/** A record buffered by one side of a stream-stream join. */
export interface BufferedRecord<V> {
  readonly timestamp: number;
  readonly value: V;
}

/** Where one buffered record is: its timestamp and its key in the store. */
interface IndexEntry {
  readonly timestamp: number;
  readonly storeKey: Buffer;
}

/**
 * One side's buffer of a stream-stream join: the records of the last `retentionMs` of stream time,
 * by key and timestamp, duplicates kept. The records live in a key-value store of bytes (in memory
 * or lmdb, changelogged like any store) under composite keys `[key bytes][8-byte timestamp]
 * [4-byte sequence]`, the layout of Kafka Streams' window stores. (A window store in core would
 * serve; this keeps the join on the key-value stores core has.)
 *
 * Lookups do not range-scan the store: a range right after a write costs the in-memory engine a
 * merge of its whole sorted key index, which made every join record cost O(buffered records). An
 * index in memory, per key, of the timestamps and store keys (not the values) turns a lookup into
 * one `get` per match. It is built by one pass over the store when the buffer opens (after restore).
 *
 * Expiry follows Kafka Streams' window stores: the buffer's stream time is the largest timestamp
 * put; a record at or before `streamTime - retentionMs` is not stored, and lookups skip records
 * that old. Expired records are deleted by a sweep of the index every `max(retention / 2, 60 s)` of
 * stream time, which amortizes to a constant cost per record.
 *
 * @internal
 */
export class JoinWindowBuffer<K, V> {
  private observedStreamTime = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private nextSweepAt: number;
  private readonly sweepIntervalMs: number;
  /** Per key (its bytes as latin1), the buffered records, oldest first. */
  private readonly index = new Map<string, IndexEntry[]>();

  constructor(
    private readonly store: KeyValueStore<Buffer, Buffer>,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    private readonly retentionMs: number,
    /** The topic name the serdes are called with: the store's changelog topic, as for any store. */
    private readonly topic: string,
  ) {
    this.sweepIntervalMs = Math.max(Math.floor(retentionMs / 2), MIN_SWEEP_INTERVAL_MS);
    // The store may hold restored records: index them and take up the stream time and sequence
    // where they left them, so expiry goes on as before and a new record never overwrites one.
    let maxSeq = -1;
    for (const { key: storeKey } of store.all()) {
      if (storeKey.length < SUFFIX_BYTES) continue;
      const keyLength = storeKey.length - SUFFIX_BYTES;
      const timestamp = readTimestamp(storeKey, keyLength);
      if (timestamp > this.observedStreamTime) this.observedStreamTime = timestamp;
      maxSeq = Math.max(maxSeq, storeKey.readUInt32BE(keyLength + TIMESTAMP_BYTES));
      this.insert(storeKey.toString('latin1', 0, keyLength), { timestamp, storeKey });
    }
    this.seq = maxSeq >= MAX_SEQ ? 0 : maxSeq + 1;
    this.nextSweepAt = this.observedStreamTime + this.sweepIntervalMs;
  }

  /** Buffers a record; false when it is already expired (older than the retention). */
  put(key: K, value: V, timestamp: number): boolean {
    if (timestamp > this.observedStreamTime) this.observedStreamTime = timestamp;
    if (timestamp <= this.observedStreamTime - this.retentionMs) return false;
    const keyBytes = serializeSync(this.store.name, 'key', this.keySerde, this.topic, key);
    const storeKey = Buffer.allocUnsafe(keyBytes.length + SUFFIX_BYTES);
    keyBytes.copy(storeKey, 0);
    writeTimestamp(storeKey, keyBytes.length, timestamp);
    storeKey.writeUInt32BE(this.seq, keyBytes.length + TIMESTAMP_BYTES);
    this.seq = this.seq === MAX_SEQ ? 0 : this.seq + 1;
    this.store.put(storeKey, serializeSync(this.store.name, 'value', this.valueSerde, this.topic, value));
    this.insert(keyBytes.toString('latin1'), { timestamp, storeKey });
    if (this.observedStreamTime >= this.nextSweepAt) this.sweep();
    return true;
  }

  /** Why `put` refused a record at `timestamp`: for the log line of the drop. */
  describeExpired(timestamp: number): string {
    return `timestamp ${timestamp} is at or before ${this.observedStreamTime - this.retentionMs}, the oldest this join window keeps (stream time ${this.observedStreamTime}, retention ${this.retentionMs} ms)`;
  }

  /** The records of `key` with `from <= timestamp <= to`, oldest first (unexpired ones only). */
  fetch(key: K, from: number, to: number): BufferedRecord<V>[] {
    const lower = Math.max(from, this.observedStreamTime - this.retentionMs + 1);
    if (lower > to) return [];
    const entries = this.index.get(serializeSync(this.store.name, 'key', this.keySerde, this.topic, key).toString('latin1'));
    if (entries === undefined) return [];
    const found: BufferedRecord<V>[] = [];
    for (let i = firstAtOrAfter(entries, lower); i < entries.length; i++) {
      const entry = entries[i]!;
      if (entry.timestamp > to) break;
      const bytes = this.store.get(entry.storeKey);
      if (bytes !== undefined) {
        found.push({ timestamp: entry.timestamp, value: deserializeSync(this.store.name, 'value', this.valueSerde, this.topic, bytes) });
      }
    }
    return found;
  }

  private insert(key: string, entry: IndexEntry): void {
    const entries = this.index.get(key);
    if (entries === undefined) {
      this.index.set(key, [entry]);
      return;
    }
    // Records mostly arrive in time order: append; an out-of-order one goes after its equals.
    const last = entries[entries.length - 1]!;
    if (last.timestamp <= entry.timestamp) entries.push(entry);
    else entries.splice(firstAtOrAfter(entries, entry.timestamp + 1), 0, entry);
  }

  /** Deletes the expired records. */
  private sweep(): void {
    const limit = this.observedStreamTime - this.retentionMs;
    for (const [key, entries] of this.index) {
      const expired = firstAtOrAfter(entries, limit + 1);
      if (expired === 0) continue;
      for (let i = 0; i < expired; i++) this.store.delete(entries[i]!.storeKey);
      if (expired === entries.length) this.index.delete(key);
      else entries.splice(0, expired);
    }
    this.nextSweepAt = this.observedStreamTime + this.sweepIntervalMs;
  }
}

/** The index of the first entry with a timestamp >= `timestamp` (binary search). */
function firstAtOrAfter(entries: readonly IndexEntry[], timestamp: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.timestamp < timestamp) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
