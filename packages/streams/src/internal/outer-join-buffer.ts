import type { KeyValueStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { deserializeSync, readTimestamp, serializeSync, TIMESTAMP_BYTES, writeTimestamp } from './join-bytes.js';
import { TimestampHeap } from './timestamp-heap.js';

/** The side of a stream-stream join a record came from. */
export type JoinSide = 'left' | 'right';

const LEFT = 0;
const RIGHT = 1;
const HEADER_BYTES = TIMESTAMP_BYTES + 1;

/** Records of one key, side and timestamp that found no partner before their window closed. */
export interface NonJoinedEntry<K> {
  readonly timestamp: number;
  readonly side: JoinSide;
  readonly key: K;
  readonly values: readonly unknown[];
  /** The entry's key in the store, to delete it once emitted. */
  readonly storeKey: Buffer;
}

/** A waiting entry as the heaps and the index know it. */
interface Waiting {
  readonly timestamp: number;
  readonly id: string;
  readonly storeKey: Buffer;
}

/**
 * The records of a left or outer stream-stream join that found no partner yet, shared by both
 * sides of the join (Kafka Streams' "outer shared" join store, its fix of spurious left/outer join
 * results). They live in a key-value store of bytes keyed `[8-byte timestamp][side][key bytes]`, the
 * values of one key kept as a list (duplicates happen); the store is changelogged like any store.
 *
 * A record leaves the buffer when it finds a partner (`remove`), or when its window closes and it is
 * emitted joined with null (`closed`, then `delete`). Finding the closed ones does not scan the store:
 * a heap per side, in memory, orders the waiting records by timestamp (built by one pass over the
 * store when the buffer opens, after restore), so each check costs O(1) and each emitted record
 * O(log n).
 *
 * @internal
 */
export class OuterJoinBuffer<K, VL, VR> {
  /** The waiting entries by store key (latin1); a heap item not found here was removed. */
  private readonly waiting = new Map<string, Waiting>();
  private readonly heaps: Record<JoinSide, TimestampHeap<Waiting>> = { left: new TimestampHeap(), right: new TimestampHeap() };

  constructor(
    private readonly store: KeyValueStore<Buffer, Buffer>,
    private readonly keySerde: Serde<K>,
    private readonly leftSerde: Serde<VL>,
    private readonly rightSerde: Serde<VR>,
    private readonly topic: string,
  ) {
    for (const { key: storeKey } of store.all()) {
      if (storeKey.length >= HEADER_BYTES) this.track(storeKey);
    }
  }

  /** Adds a record that found no partner. */
  put(side: JoinSide, key: K, value: VL | VR, timestamp: number): void {
    const storeKey = this.storeKey(side, key, timestamp);
    const bytes =
      side === 'left'
        ? serializeSync(this.store.name, 'value', this.leftSerde, this.topic, value as VL)
        : serializeSync(this.store.name, 'otherValue', this.rightSerde, this.topic, value as VR);
    const item = Buffer.allocUnsafe(4 + bytes.length);
    item.writeUInt32BE(bytes.length, 0);
    bytes.copy(item, 4);
    const id = storeKey.toString('latin1');
    const existing = this.waiting.has(id) ? this.store.get(storeKey) : undefined;
    this.store.put(storeKey, existing === undefined ? item : Buffer.concat([existing, item]));
    if (!this.waiting.has(id)) this.track(storeKey, id);
  }

  /** Removes the records of `key` at `timestamp` on `side`: they found a partner. */
  remove(side: JoinSide, key: K, timestamp: number): void {
    if (this.waiting.size === 0) return;
    const storeKey = this.storeKey(side, key, timestamp);
    // Only what waits is deleted: a delete is logged to the changelog even for an absent key.
    if (this.waiting.delete(storeKey.toString('latin1'))) this.store.delete(storeKey);
  }

  /**
   * The waiting records whose window has closed, in store order (timestamp, side, key bytes), as
   * Kafka Streams emits them. A left record's window closes when `streamTime` passes its timestamp
   * + `leftOpenMs`, a right record's its timestamp + `rightOpenMs`. They stay buffered until
   * `delete`d.
   */
  closed(streamTime: number, leftOpenMs: number, rightOpenMs: number): NonJoinedEntry<K>[] {
    const due: Waiting[] = [];
    this.popClosed(this.heaps.left, streamTime - leftOpenMs, due);
    this.popClosed(this.heaps.right, streamTime - rightOpenMs, due);
    if (due.length === 0) return [];
    due.sort((a, b) => Buffer.compare(a.storeKey, b.storeKey));
    return due.map((w) => this.read(w.storeKey));
  }

  /** Deletes an entry that was emitted. */
  delete(storeKey: Buffer): void {
    if (this.waiting.delete(storeKey.toString('latin1'))) this.store.delete(storeKey);
  }

  /** Pops the heap's entries older than `limit` (exclusive) that still wait. */
  private popClosed(heap: TimestampHeap<Waiting>, limit: number, due: Waiting[]): void {
    for (let top = heap.peek(); top !== undefined && top.timestamp < limit; top = heap.peek()) {
      heap.pop();
      // A removed entry (it found a partner), or one removed and added again (a new item): skip.
      if (this.waiting.get(top.id) === top) due.push(top);
    }
  }

  private track(storeKey: Buffer, id = storeKey.toString('latin1')): void {
    const entry: Waiting = { timestamp: readTimestamp(storeKey, 0), id, storeKey };
    this.waiting.set(id, entry);
    this.heaps[storeKey[TIMESTAMP_BYTES] === LEFT ? 'left' : 'right'].push(entry);
  }

  private read(storeKey: Buffer): NonJoinedEntry<K> {
    const side: JoinSide = storeKey[TIMESTAMP_BYTES] === LEFT ? 'left' : 'right';
    const list = this.store.get(storeKey) ?? Buffer.alloc(0);
    const values: unknown[] = [];
    for (let offset = 0; offset + 4 <= list.length; ) {
      const length = list.readUInt32BE(offset);
      const bytes = list.subarray(offset + 4, offset + 4 + length);
      values.push(
        side === 'left'
          ? deserializeSync(this.store.name, 'value', this.leftSerde, this.topic, bytes)
          : deserializeSync(this.store.name, 'otherValue', this.rightSerde, this.topic, bytes),
      );
      offset += 4 + length;
    }
    return {
      timestamp: readTimestamp(storeKey, 0),
      side,
      key: deserializeSync(this.store.name, 'key', this.keySerde, this.topic, storeKey.subarray(HEADER_BYTES)),
      values,
      storeKey,
    };
  }

  private storeKey(side: JoinSide, key: K, timestamp: number): Buffer {
    const keyBytes = serializeSync(this.store.name, 'key', this.keySerde, this.topic, key);
    const storeKey = Buffer.allocUnsafe(HEADER_BYTES + keyBytes.length);
    writeTimestamp(storeKey, 0, timestamp);
    storeKey[TIMESTAMP_BYTES] = side === 'left' ? LEFT : RIGHT;
    keyBytes.copy(storeKey, HEADER_BYTES);
    return storeKey;
  }
}
