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

/**
 * One side's buffer of a stream-stream join: the records of the last `retentionMs` of stream time,
 * by key and timestamp, duplicates kept. Built on a key-value store of bytes (in memory or lmdb,
 * changelogged like any store) with composite keys `[key bytes][8-byte timestamp][4-byte sequence]`,
 * so a lookup of one key over a time range is one range scan. (A window store in core would serve;
 * this keeps the join on the key-value stores it already has.)
 *
 * Expiry follows Kafka Streams' window stores: the buffer's stream time is the largest timestamp
 * put; a record at or before `streamTime - retentionMs` is not stored, and lookups ignore records
 * that old. Expired records are deleted by a sweep every `max(retention / 2, 60 s)` of stream time,
 * one pass over the store, which amortizes to a constant cost per record.
 *
 * @internal
 */
export class JoinWindowBuffer<K, V> {
  private observedStreamTime = Number.NEGATIVE_INFINITY;
  private seq = 0;
  private nextSweepAt: number;
  private readonly sweepIntervalMs: number;

  constructor(
    private readonly store: KeyValueStore<Buffer, Buffer>,
    private readonly keySerde: Serde<K>,
    private readonly valueSerde: Serde<V>,
    private readonly retentionMs: number,
    /** The topic name the serdes are called with: the store's changelog topic, as for any store. */
    private readonly topic: string,
  ) {
    this.sweepIntervalMs = Math.max(Math.floor(retentionMs / 2), MIN_SWEEP_INTERVAL_MS);
    // The store may hold restored records: take up the stream time and sequence where they left
    // them, so expiry goes on as before and a new record never overwrites a restored one.
    let maxSeq = -1;
    for (const { key } of store.all()) {
      if (key.length < SUFFIX_BYTES) continue;
      const timestamp = readTimestamp(key, key.length - SUFFIX_BYTES);
      if (timestamp > this.observedStreamTime) this.observedStreamTime = timestamp;
      maxSeq = Math.max(maxSeq, key.readUInt32BE(key.length - 4));
    }
    this.seq = maxSeq >= MAX_SEQ ? 0 : maxSeq + 1;
    this.nextSweepAt = this.observedStreamTime + this.sweepIntervalMs;
  }

  /** Buffers a record; false when it is already expired (older than the retention). */
  put(key: K, value: V, timestamp: number): boolean {
    if (timestamp > this.observedStreamTime) this.observedStreamTime = timestamp;
    if (timestamp <= this.observedStreamTime - this.retentionMs) return false;
    const keyBytes = serializeSync(this.store.name, 'key', this.keySerde, this.topic, key);
    const composite = Buffer.allocUnsafe(keyBytes.length + SUFFIX_BYTES);
    keyBytes.copy(composite, 0);
    writeTimestamp(composite, keyBytes.length, timestamp);
    composite.writeUInt32BE(this.seq, keyBytes.length + TIMESTAMP_BYTES);
    this.seq = this.seq === MAX_SEQ ? 0 : this.seq + 1;
    this.store.put(composite, serializeSync(this.store.name, 'value', this.valueSerde, this.topic, value));
    if (this.observedStreamTime >= this.nextSweepAt) this.sweep();
    return true;
  }

  /** The records of `key` with `from <= timestamp <= to`, oldest first (unexpired ones only). */
  fetch(key: K, from: number, to: number): BufferedRecord<V>[] {
    const lower = Math.max(from, this.observedStreamTime - this.retentionMs + 1);
    if (lower > to) return [];
    const keyBytes = serializeSync(this.store.name, 'key', this.keySerde, this.topic, key);
    const start = Buffer.alloc(keyBytes.length + SUFFIX_BYTES);
    keyBytes.copy(start, 0);
    writeTimestamp(start, keyBytes.length, lower);
    const end = Buffer.alloc(keyBytes.length + SUFFIX_BYTES);
    keyBytes.copy(end, 0);
    writeTimestamp(end, keyBytes.length, to);
    end.writeUInt32BE(MAX_SEQ, keyBytes.length + TIMESTAMP_BYTES);
    const found: BufferedRecord<V>[] = [];
    for (const entry of this.store.range(start, end)) {
      const composite = entry.key;
      // The range may hold other keys whose bytes start with this key's (`a` and `a\x00...`): keep
      // only composites of exactly this key's length and bytes.
      if (composite.length !== keyBytes.length + SUFFIX_BYTES) continue;
      if (composite.compare(keyBytes, 0, keyBytes.length, 0, keyBytes.length) !== 0) continue;
      found.push({
        timestamp: readTimestamp(composite, keyBytes.length),
        value: deserializeSync(this.store.name, 'value', this.valueSerde, this.topic, entry.value),
      });
    }
    return found;
  }

  /** Deletes the expired records (one pass over the store). */
  private sweep(): void {
    const limit = this.observedStreamTime - this.retentionMs;
    const expired: Buffer[] = [];
    for (const { key } of this.store.all()) {
      if (key.length >= SUFFIX_BYTES && readTimestamp(key, key.length - SUFFIX_BYTES) <= limit) expired.push(key);
    }
    for (const key of expired) this.store.delete(key);
    this.nextSweepAt = this.observedStreamTime + this.sweepIntervalMs;
  }
}
