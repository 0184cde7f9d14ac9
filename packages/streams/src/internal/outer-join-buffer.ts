import type { KeyValueStore } from '@rivulet/core';
import type { Serde } from '@rivulet/serde';
import { deserializeSync, readTimestamp, serializeSync, TIMESTAMP_BYTES, writeTimestamp } from './join-bytes.js';

/** The side of a stream-stream join a record came from. */
export type JoinSide = 'left' | 'right';

const LEFT = 0;
const RIGHT = 1;
const HEADER_BYTES = TIMESTAMP_BYTES + 1;

/** Records of one key, side and timestamp that found no partner yet. */
export interface NonJoinedEntry<K> {
  readonly timestamp: number;
  readonly side: JoinSide;
  readonly key: K;
  readonly values: readonly unknown[];
  /** The entry's key in the store, to delete it once emitted. */
  readonly storeKey: Buffer;
}

/**
 * The records of a left or outer stream-stream join that found no partner yet, shared by both
 * sides of the join, in a key-value store of bytes keyed `[8-byte timestamp][side][key bytes]` so
 * that a scan meets them oldest first. Values of one key are kept as a list (duplicates happen).
 * When a record finds a partner it leaves the buffer; when its window closes it is emitted joined
 * with null and leaves the buffer (Kafka Streams' "outer shared" join store, the fix of spurious
 * left/outer join results).
 *
 * @internal
 */
export class OuterJoinBuffer<K, VL, VR> {
  constructor(
    private readonly store: KeyValueStore<Buffer, Buffer>,
    private readonly keySerde: Serde<K>,
    private readonly leftSerde: Serde<VL>,
    private readonly rightSerde: Serde<VR>,
    private readonly topic: string,
  ) {}

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
    const existing = this.store.get(storeKey);
    this.store.put(storeKey, existing === undefined ? item : Buffer.concat([existing, item]));
  }

  /** Removes the records of `key` at `timestamp` on `side`: they found a partner. */
  remove(side: JoinSide, key: K, timestamp: number): void {
    const storeKey = this.storeKey(side, key, timestamp);
    // A delete is logged even when the key is absent: look first, most matches have nothing here.
    if (this.store.get(storeKey) !== undefined) this.store.delete(storeKey);
  }

  /** The waiting records, oldest first. */
  *entries(): Generator<NonJoinedEntry<K>, void, undefined> {
    for (const { key: storeKey, value } of this.store.all()) {
      const side: JoinSide = storeKey[TIMESTAMP_BYTES] === LEFT ? 'left' : 'right';
      const values: unknown[] = [];
      for (let offset = 0; offset + 4 <= value.length; ) {
        const length = value.readUInt32BE(offset);
        const bytes = value.subarray(offset + 4, offset + 4 + length);
        values.push(
          side === 'left'
            ? deserializeSync(this.store.name, 'value', this.leftSerde, this.topic, bytes)
            : deserializeSync(this.store.name, 'otherValue', this.rightSerde, this.topic, bytes),
        );
        offset += 4 + length;
      }
      yield {
        timestamp: readTimestamp(storeKey, 0),
        side,
        key: deserializeSync(this.store.name, 'key', this.keySerde, this.topic, storeKey.subarray(HEADER_BYTES)),
        values,
        storeKey,
      };
    }
  }

  /** Deletes an entry that was emitted. */
  delete(storeKey: Buffer): void {
    this.store.delete(storeKey);
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
