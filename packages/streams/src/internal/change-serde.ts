import type { Headers, Serde } from '@rivulet/serde';

/**
 * A table update on its way through KTable.groupBy's repartition topic: the value to add to the new
 * group and the value to subtract from the old one (either may be absent). Kafka Streams' `Change`.
 *
 * @internal
 */
export interface Change<V> {
  readonly newValue: V | null;
  readonly oldValue: V | null;
}

const HAS_NEW = 1;
const HAS_OLD = 2;

/**
 * The serde of a {@link Change} from the serde of its values: one flag byte (which values are
 * present), the new value's length (int32, big-endian), the new value's bytes, the old value's
 * bytes. Asynchronous when the value serde is (a schema-registry serde).
 *
 * @internal
 */
export function changeSerde<V>(inner: Serde<V>): Serde<Change<V>> {
  return {
    name: `change(${inner.name})`,
    serialize(topic: string, change: Change<V>, headers?: Headers): Buffer | Promise<Buffer> {
      const added = change.newValue === null ? EMPTY : inner.serialize(topic, change.newValue, headers);
      const removed = change.oldValue === null ? EMPTY : inner.serialize(topic, change.oldValue, headers);
      const flags = (change.newValue === null ? 0 : HAS_NEW) | (change.oldValue === null ? 0 : HAS_OLD);
      if (added instanceof Promise || removed instanceof Promise) {
        return Promise.all([added, removed]).then(([a, r]) => frame(flags, a, r));
      }
      return frame(flags, added, removed);
    },
    deserialize(topic: string, data: Buffer, headers?: Headers): Change<V> | Promise<Change<V>> {
      if (data.length < 5) throw new RangeError(`change(${inner.name}): ${data.length} bytes is too short for a table update`);
      const flags = data.readUInt8(0);
      const length = data.readInt32BE(1);
      if (length < 0 || 5 + length > data.length) throw new RangeError(`change(${inner.name}): new value length ${length} exceeds the ${data.length}-byte record`);
      const added = flags & HAS_NEW ? inner.deserialize(topic, data.subarray(5, 5 + length), headers) : null;
      const removed = flags & HAS_OLD ? inner.deserialize(topic, data.subarray(5 + length), headers) : null;
      if (added instanceof Promise || removed instanceof Promise) {
        return Promise.all([added, removed]).then(([newValue, oldValue]) => ({ newValue, oldValue }));
      }
      return { newValue: added, oldValue: removed };
    },
  };
}

const EMPTY = Buffer.alloc(0);

function frame(flags: number, added: Buffer, removed: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + added.length + removed.length);
  out.writeUInt8(flags, 0);
  out.writeInt32BE(added.length, 1);
  added.copy(out, 5);
  removed.copy(out, 5 + added.length);
  return out;
}
